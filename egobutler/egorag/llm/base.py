"""The one interface every LLM backend implements, and the name -> backend registry.

Backends are chosen by name (``none | transformers | openai | llama-cpp``) and imported
lazily, so ``import egobutler.egorag.llm`` never pulls in torch, transformers or openai.
"""

from __future__ import annotations

import importlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from egobutler.egorag.errors import LLMError

log = logging.getLogger(__name__)

Role = Literal["system", "user", "assistant"]
_ROLES = ("system", "user", "assistant")


@dataclass(frozen=True)
class ChatMessage:
    """One turn of a chat: who said it and what."""

    role: Role
    content: str

    def __post_init__(self) -> None:
        if self.role not in _ROLES:
            raise ValueError(f"ChatMessage role must be one of {_ROLES}, got {self.role!r}")

    @classmethod
    def system(cls, content: str) -> ChatMessage:
        return cls("system", content)

    @classmethod
    def user(cls, content: str) -> ChatMessage:
        return cls("user", content)

    @classmethod
    def assistant(cls, content: str) -> ChatMessage:
        return cls("assistant", content)

    def as_dict(self) -> dict[str, str]:
        """The OpenAI / Hugging Face chat-template form: ``{"role": ..., "content": ...}``."""
        return {"role": self.role, "content": self.content}


def as_messages(messages: Iterable[ChatMessage | tuple[str, str] | dict[str, Any]]) -> list[ChatMessage]:
    """Normalise ChatMessages, ``(role, content)`` pairs or ``{"role", "content"}`` dicts."""
    out: list[ChatMessage] = []
    for m in messages:
        if isinstance(m, ChatMessage):
            out.append(m)
        elif isinstance(m, dict):
            out.append(ChatMessage(m["role"], str(m["content"])))
        else:
            role, content = m
            out.append(ChatMessage(role, str(content)))  # type: ignore[arg-type]
    if not out:
        raise ValueError("an LLM call needs at least one message")
    return out


class LLM(ABC):
    """A chat model. ``generate`` is the one required method; the rest have defaults.

    Backends load their weights / open their client lazily in ``load()`` (called by
    ``load_llm`` and, if needed, by the first call), and free them in ``close()``.
    """

    model_id: str = ""
    #: True when ``score_options`` works (local backends; HTTP only with prompt logprobs).
    supports_scoring: bool = False
    #: True when ``stream`` yields pieces as they are produced (not one piece at the end).
    supports_streaming: bool = False
    #: Prompt + reply budget in tokens; callers trim evidence to fit.
    context_tokens: int = 8192

    def load(self) -> None:  # noqa: B027 (optional hook: HTTP-free fakes need no loading)
        """Load weights / open the client. Idempotent."""

    def close(self) -> None:  # noqa: B027 (optional hook)
        """Free weights / close the client. Idempotent; a later call loads again."""

    def __enter__(self) -> LLM:
        self.load()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abstractmethod
    def generate(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        stop: Sequence[str] = (),
    ) -> str:
        """The assistant's reply to ``messages`` (greedy when ``temperature`` is 0)."""

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
    ) -> Iterator[str]:
        """Yield the reply in pieces; the default yields ``generate()`` in one piece."""
        yield self.generate(messages, max_tokens=max_tokens, temperature=temperature)

    def score_options(self, messages: Sequence[ChatMessage], options: Sequence[str]) -> list[float]:
        """Mean per-token log-likelihood of each option as the assistant's reply (higher = likelier).

        Only where ``supports_scoring``; callers check the flag and otherwise fall back
        to ``generate``.
        """
        raise LLMError(
            f"the LLM backend {type(self).__name__} ({self.model_id}) cannot score options; "
            "check `llm.supports_scoring` and fall back to generate()"
        )

    def count_tokens(self, text: str) -> int:
        """Tokens in ``text``; backends with a tokenizer count exactly, the default estimates ~4 chars/token."""
        return max(1, (len(text) + 3) // 4)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model_id={self.model_id!r})"


# name -> "module:Class"; imported only when that backend is asked for.
BACKENDS: dict[str, str] = {
    "transformers": "egobutler.egorag.llm.hf:TransformersLLM",
    "openai": "egobutler.egorag.llm.openai_compat:OpenAICompatLLM",
    "llama-cpp": "egobutler.egorag.llm.llamacpp:LlamaCppLLM",
}


def backend_names() -> list[str]:
    """Every name ``load_llm`` accepts, ``"none"`` first."""
    return ["none", *BACKENDS]


def create_llm(
    name: str,
    *,
    model: str,
    base_url: str | None = None,
    api_key: str | None = None,
    timeout_s: float = 60,
    models_dir: Path | None = None,
) -> LLM | None:
    """Build the backend ``name`` without loading it (``"none"`` -> None)."""
    key = name.strip().lower().replace("_", "-")
    if key in ("none", ""):
        return None
    if key in ("hf", "local"):
        key = "transformers"
    if key in ("vllm", "ollama", "lmstudio", "openai-compatible"):
        key = "openai"
    if key not in BACKENDS:
        raise LLMError(f"unknown LLM backend {name!r}; choose one of: {', '.join(backend_names())}")
    module_name, class_name = BACKENDS[key].split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    return cls.from_options(
        model=model, base_url=base_url, api_key=api_key, timeout_s=timeout_s, models_dir=models_dir
    )


def load_llm(
    name: str,
    *,
    model: str,
    base_url: str | None = None,
    api_key: str | None = None,
    timeout_s: float = 60,
    models_dir: Path | None = None,
) -> LLM | None:
    """Build and load the backend ``name`` (``none | transformers | openai | llama-cpp``).

    ``"none"`` returns None (answering then shows evidence only). Missing weights,
    packages or servers raise an ``LLMError`` whose message says how to fix it.
    """
    llm = create_llm(
        name, model=model, base_url=base_url, api_key=api_key, timeout_s=timeout_s, models_dir=models_dir
    )
    if llm is not None:
        llm.load()
        log.info("loaded LLM %s", llm)
    return llm
