"""GGUF models through llama-cpp-python (optional: a ~12 min source build on small machines).

Faster than transformers on CPU for quantised GGUF files; not installed by default.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from egobutler.egorag.errors import LLMError, LLMUnavailable
from egobutler.egorag.llm.base import LLM, ChatMessage, as_messages
from egobutler.egorag.llm.catalog import find_llm_model, missing_weights_message, resolve_llm_weights

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "the llama-cpp LLM backend needs llama-cpp-python: pip install llama-cpp-python "
    "(builds from source, ~12 min on 2 cores), or use --llm transformers"
)


class LlamaCppLLM(LLM):
    """A GGUF chat model run by llama.cpp in-process."""

    supports_streaming = True

    def __init__(
        self,
        model: str = "smollm2-135m",
        *,
        models_dir: Path | None = None,
        context_tokens: int = 8192,
        threads: int | None = None,
    ) -> None:
        info = find_llm_model(model)
        self.model = model
        self.model_id = info.name if info else model
        self.models_dir = models_dir
        self.context_tokens = context_tokens
        self.threads = threads
        self._llama: Any = None

    @classmethod
    def from_options(cls, *, model: str, models_dir: Path | None = None, **_: Any) -> LlamaCppLLM:
        """Build from ``load_llm``'s arguments."""
        return cls(model or "smollm2-135m", models_dir=models_dir)

    def load(self) -> None:
        """Import llama_cpp and open the GGUF; clear errors for a missing package or file."""
        if self._llama is not None:
            return
        try:
            from llama_cpp import Llama
        except ImportError as exc:
            raise LLMUnavailable(INSTALL_HINT) from exc
        path = resolve_llm_weights(self.model, models_dir=self.models_dir)
        if path is None:
            raise LLMUnavailable(missing_weights_message(self.model))
        if path.is_dir():
            ggufs = sorted(path.glob("*.gguf"))
            if not ggufs:
                raise LLMUnavailable(f"llama-cpp needs a .gguf file; {path} holds none (use --llm transformers)")
            path = ggufs[0]
        self._llama = Llama(model_path=str(path), n_ctx=self.context_tokens, n_threads=self.threads, verbose=False)

    def close(self) -> None:
        """Free the llama.cpp context."""
        if self._llama is not None:
            self._llama.close()
            self._llama = None

    def generate(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        stop: Sequence[str] = (),
    ) -> str:
        """One chat completion from llama.cpp."""
        self.load()
        out = self._llama.create_chat_completion(
            messages=[m.as_dict() for m in as_messages(messages)],
            max_tokens=max_tokens,
            temperature=temperature,
            stop=list(stop) or None,
        )
        return out["choices"][0]["message"]["content"] or ""

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
    ) -> Iterator[str]:
        """Yield the reply's pieces as llama.cpp produces them."""
        self.load()
        try:
            for chunk in self._llama.create_chat_completion(
                messages=[m.as_dict() for m in as_messages(messages)],
                max_tokens=max_tokens,
                temperature=temperature,
                stream=True,
            ):
                piece = chunk["choices"][0]["delta"].get("content")
                if piece:
                    yield piece
        except (RuntimeError, ValueError) as exc:
            raise LLMError(f"llama.cpp failed while streaming: {exc}") from exc
