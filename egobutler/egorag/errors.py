"""Errors of answering and benchmarking."""


class EgoRagError(Exception):
    """Base of all EgoRAG errors; the message says how to fix it."""


class LLMError(EgoRagError):
    """An LLM backend failed: server unreachable, bad key, model not served, weights missing."""


class LLMUnavailable(LLMError):
    """An LLM backend cannot run here (missing package or weights); the message says how to get it."""


class StructuredOutputError(LLMError):
    """The LLM did not produce JSON matching the schema after the retries; says what came back."""

    def __init__(self, message: str, *, last_reply: str = "", errors: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.last_reply = last_reply
        self.errors = errors
