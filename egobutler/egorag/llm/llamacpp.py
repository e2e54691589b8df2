"""GGUF models run in-process by llama.cpp (llama-cpp-python): the default local reader.

Quantised weights run directly (no de-quantisation to fp32 as in transformers' GGUF
path), so a 0.5B Q4_K_M model loads in about a second and decodes tens of tokens per
second on two CPU cores. Prompts are rendered here with the model's own chat template and
fed as plain completions, so every call shares one tokenisation and llama.cpp's key/value
cache is reused for the longest common prefix (the system prompt, the evidence block of a
follow-up, the question before each answer option).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from egobutler.egorag.errors import LLMError, LLMUnavailable
from egobutler.egorag.llm.base import LLM, ChatMessage, as_messages
from egobutler.egorag.llm.catalog import default_llm_model, find_llm_model, missing_weights_message, resolve_llm_weights

log = logging.getLogger(__name__)

INSTALL_HINT = (
    "the llama-cpp LLM backend needs llama-cpp-python: `make install` builds it (~12 min on 2 cores, "
    "once; the wheel is kept), or pip install llama-cpp-python==0.3.36; or use --llm transformers"
)
# Used when a GGUF carries no chat template (ChatML, what Qwen and SmolLM2 use).
_CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


class LlamaCppLLM(LLM):
    """A GGUF chat model run by llama.cpp in-process; thread-safe (one call at a time)."""

    supports_streaming = True
    supports_scoring = True

    def __init__(
        self,
        model: str | None = None,
        *,
        models_dir: Path | None = None,
        context_tokens: int = 4096,
        threads: int | None = None,
        repeat_penalty: float = 1.1,
    ) -> None:
        model = model or default_llm_model().name
        info = find_llm_model(model)
        self.model = model
        self.model_id = info.name if info else Path(model).name
        self.models_dir = models_dir
        self.context_tokens = context_tokens
        # Half the logical CPUs (= the physical cores where SMT doubles them): on 2 shared cores, 1 thread
        # decoded 10x faster than 2 (threads wait on each other when the OS deschedules one).
        self.threads = threads or max(1, (os.cpu_count() or 2) // 2)
        self.repeat_penalty = repeat_penalty
        self._llama: Any = None
        self._format: Any = None
        self._lock = threading.RLock()

    @classmethod
    def from_options(cls, *, model: str, models_dir: Path | None = None, **_: Any) -> LlamaCppLLM:
        """Build from ``load_llm``'s arguments."""
        return cls(model or None, models_dir=models_dir)

    def load(self) -> None:
        """Import llama_cpp and open the GGUF; clear errors for a missing package or file."""
        with self._lock:
            if self._llama is not None:
                return
            try:
                from llama_cpp import Llama
                from llama_cpp.llama_chat_format import Jinja2ChatFormatter
            except ImportError as exc:
                raise LLMUnavailable(INSTALL_HINT) from exc
            path = self._weights()
            try:
                llama = Llama(model_path=str(path), n_ctx=self.context_tokens, n_threads=self.threads,
                              n_batch=512, verbose=False)
            except ValueError as exc:  # llama.cpp's "Failed to load model from file"
                raise LLMUnavailable(f"llama.cpp could not load {path}: {exc}") from exc
            template = llama.metadata.get("tokenizer.chat_template") or _CHATML
            eos = llama.token_eos()
            self._format = Jinja2ChatFormatter(
                template=template, eos_token=llama._model.token_get_text(eos) if eos != -1 else "",
                bos_token="", stop_token_ids=[eos])
            self._llama = llama

    def _weights(self) -> Path:
        path = resolve_llm_weights(self.model, models_dir=self.models_dir)
        if path is None:
            raise LLMUnavailable(missing_weights_message(self.model))
        if path.is_dir():
            ggufs = sorted(path.glob("*.gguf"))
            if not ggufs:
                raise LLMUnavailable(f"llama-cpp needs a .gguf file; {path} holds none (use --llm transformers)")
            path = ggufs[0]
        return path

    def close(self) -> None:
        """Free the llama.cpp context."""
        with self._lock:
            if self._llama is not None:
                self._llama.close()
                self._llama = None

    # ---------------------------------------------------------------- prompts
    def prompt_text(self, messages: Sequence[ChatMessage], *, add_generation_prompt: bool = True) -> str:
        """``messages`` rendered with the model's chat template (ending where the reply starts)."""
        self.load()
        self._format.add_generation_prompt = add_generation_prompt
        return self._format(messages=[m.as_dict() for m in as_messages(messages)]).prompt

    def _tokens(self, text: str) -> list[int]:
        return self._llama.tokenize(text.encode("utf-8"), add_bos=True, special=True)

    def count_tokens(self, text: str) -> int:
        """Exact token count with the model's tokenizer."""
        self.load()
        return len(self._llama.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    # ---------------------------------------------------------------- generation
    def generate(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        stop: Sequence[str] = (),
    ) -> str:
        """One greedy (``temperature`` 0) completion of the chat."""
        return "".join(self._complete(messages, max_tokens, temperature, stop))

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
    ) -> Iterator[str]:
        """Yield the reply's pieces as llama.cpp produces them."""
        yield from self._complete(messages, max_tokens, temperature, ())

    def _complete(self, messages, max_tokens: int, temperature: float, stop: Sequence[str]) -> Iterator[str]:
        with self._lock:
            prompt = self.prompt_text(messages)
            try:
                for chunk in self._llama.create_completion(
                    self._tokens(prompt), max_tokens=max_tokens, temperature=temperature, top_k=1 if temperature == 0 else 40,
                    repeat_penalty=self.repeat_penalty, stop=list(stop) or None, stream=True,
                ):
                    piece = chunk["choices"][0]["text"]
                    if piece:
                        yield piece
            except (RuntimeError, ValueError) as exc:
                raise LLMError(f"llama.cpp failed while generating with {self.model_id}: {exc}") from exc

    # ---------------------------------------------------------------- scoring
    def score_options(self, messages: Sequence[ChatMessage], options: Sequence[str]) -> list[float]:
        """Mean per-token log-likelihood of each option as the assistant's reply.

        The prompt is evaluated once (or found in the cache); each option then costs only
        its own few tokens, decoded one at a time on top of the shared prefix.
        """
        if not options:
            return []
        with self._lock:
            self.load()
            prefix = self._tokens(self.prompt_text(messages))
            if len(prefix) + 64 > self.context_tokens:
                raise LLMError(f"the prompt ({len(prefix)} tokens) leaves no room in the {self.context_tokens}-token "
                               "context; send less evidence")
            first = self._eval_prefix(prefix)
            scores = []
            for option in options:
                ids = self._llama.tokenize(option.encode("utf-8"), add_bos=False, special=False)
                if not ids:
                    raise LLMError(f"cannot score an empty option ({option!r})")
                scores.append(self._option_logprob(prefix, first, ids))
            return scores

    def _eval_prefix(self, prefix: list[int]) -> np.ndarray:
        """Evaluate ``prefix`` (reusing the cached common part); log-probs of the next token."""
        llama = self._llama
        cached = 0
        for a, b in zip(llama.input_ids[: llama.n_tokens], prefix[:-1]):
            if a != b:
                break
            cached += 1
        llama.n_tokens = cached
        llama.eval(prefix[cached:])
        return self._last_logprobs()

    def _option_logprob(self, prefix: list[int], first: np.ndarray, ids: list[int]) -> float:
        llama = self._llama
        llama.n_tokens = len(prefix)
        total, logprobs = 0.0, first
        for i, token in enumerate(ids):
            total += float(logprobs[token])
            if i + 1 < len(ids):
                llama.eval([token])
                logprobs = self._last_logprobs()
        return total / len(ids)

    def _last_logprobs(self) -> np.ndarray:
        logits = np.ctypeslib.as_array(self._llama._ctx.get_logits_ith(-1), shape=(self._llama.n_vocab(),))
        logits = logits.astype(np.float64)
        top = logits.max()
        return logits - top - np.log(np.exp(logits - top).sum())
