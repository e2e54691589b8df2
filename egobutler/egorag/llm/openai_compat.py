"""Any OpenAI-compatible chat server: vLLM, Ollama, LM Studio, llama.cpp server, OpenAI.

Retries 429 / 5xx / connection failures with exponential backoff; turns 401, 404 and
"connection refused" into one-line errors that say what to do. Option scoring works
against vLLM, which returns prompt log-probabilities (``prompt_logprobs``).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar
from urllib.parse import urlsplit

from egobutler.egorag.errors import LLMError, LLMUnavailable
from egobutler.egorag.llm.base import LLM, ChatMessage, as_messages
from egobutler.egorag.llm.catalog import find_llm_model

log = logging.getLogger(__name__)

T = TypeVar("T")

OPENAI_URL = "https://api.openai.com/v1"
API_KEY_ENV = "EGOBUTLER_LLM_API_KEY"
_NO_KEY = "no-key"  # local servers ignore the key, but the client refuses to send none


def normalize_base_url(url: str | None) -> str:
    """``http://host:8000`` -> ``http://host:8000/v1``; a URL with a path is kept as given."""
    if not url:
        return OPENAI_URL
    url = url.strip().rstrip("/")
    if "://" not in url:
        url = "http://" + url
    return url + "/v1" if urlsplit(url).path in ("", "/") else url


class OpenAICompatLLM(LLM):
    """Chat completions over HTTP with the ``openai`` client."""

    supports_streaming = True

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 60.0,
        max_retries: int = 3,
        retry_base_s: float = 0.5,
        scoring: bool | None = None,
    ) -> None:
        info = find_llm_model(model) if model else None
        # A catalog name of a served model means its hub id, the name vLLM serves it under.
        self.model_id = info.hf_repo if info and info.source == "server" and info.hf_repo else model
        self.base_url = normalize_base_url(base_url)
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.retry_base_s = retry_base_s  # first backoff; doubles per retry
        self._scoring = scoring  # None: decide from /v1/models at load (vLLM scores)
        self.supports_scoring = bool(scoring)
        self._client: Any = None

    @classmethod
    def from_options(
        cls, *, model: str, base_url: str | None = None, api_key: str | None = None, timeout_s: float = 60, **_: Any
    ) -> OpenAICompatLLM:
        """Build from ``load_llm``'s arguments (models_dir does not apply)."""
        return cls(model, base_url=base_url, api_key=api_key, timeout_s=timeout_s)

    # -- lifecycle -------------------------------------------------------------------------

    def load(self) -> None:
        """Open the client and check the server serves the model (fails fast with a clear message)."""
        if self._client is not None:
            return
        try:
            import openai
        except ImportError as exc:
            raise LLMUnavailable("the openai LLM backend needs the openai package: pip install openai") from exc
        # Retries are ours (logged, backoff we control); the client's own would hide them.
        self._client = openai.OpenAI(
            base_url=self.base_url, api_key=self.api_key or _NO_KEY, timeout=self.timeout_s, max_retries=0
        )
        try:
            served = self._served_models()
            if served is not None:
                self._check_model(served)
        except LLMError:
            self.close()  # a later call must check again, not reuse a client that failed
            raise

    def close(self) -> None:
        """Close the HTTP client."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def _served_models(self) -> dict[str, str] | None:
        """``{model id: owned_by}`` from ``/v1/models``, or None where the server has no such route."""
        import openai

        try:
            page = self._call(lambda: self._client.models.list())
        except LLMError as exc:
            if isinstance(exc.__cause__, openai.NotFoundError):
                return None
            raise
        return {m.id: str(getattr(m, "owned_by", "") or "") for m in page.data}

    def _check_model(self, served: dict[str, str]) -> None:
        if self.model_id in ("", "auto") and served:
            self.model_id = next(iter(served))
            log.info("using the server's model %s", self.model_id)
        # Ollama lists "name:latest" and serves plain "name" as the same model.
        if served and self.model_id not in served and f"{self.model_id}:latest" not in served:
            raise LLMUnavailable(self._not_served_message(list(served)))
        if self._scoring is None:
            # vLLM labels its models owned_by "vllm" and returns prompt logprobs; others do not.
            self.supports_scoring = served.get(self.model_id) == "vllm"

    def _not_served_message(self, served: list[str] | None) -> str:
        offered = ", ".join(served) if served else "nothing it would list"
        return (
            f"the LLM server at {self.base_url} does not serve the model {self.model_id!r}; "
            f"it offers: {offered}. Set the model (EGOBUTLER_LLM_MODEL / --llm-model) to one of those"
        )

    # -- requests with retries and clear errors -----------------------------------------------

    def _call(self, request: Callable[[], T]) -> T:
        """Run ``request``; retry 429/5xx/connection errors with backoff; map the rest to LLMError."""
        import openai

        for attempt in range(self.max_retries + 1):
            try:
                return request()
            except (openai.RateLimitError, openai.InternalServerError, openai.APIConnectionError) as exc:
                retryable = exc
            except openai.APIStatusError as exc:
                if 500 <= exc.status_code < 600:  # 501, 505... not all map to InternalServerError
                    retryable = exc
                else:
                    raise self._status_error(exc) from exc
            if attempt == self.max_retries:
                raise self._final_error(retryable) from retryable
            delay_s = self.retry_base_s * 2**attempt
            log.warning(
                "LLM server %s: %s; retry %d/%d in %.1f s",
                self.base_url, _describe(retryable), attempt + 1, self.max_retries, delay_s,
            )
            time.sleep(delay_s)
        raise AssertionError("unreachable")

    def _status_error(self, exc: Any) -> LLMError:
        import openai

        if isinstance(exc, openai.AuthenticationError):
            return LLMUnavailable(
                f"the LLM server at {self.base_url} rejected the API key (401); "
                f"set {API_KEY_ENV} (or --llm-api-key) to a valid key"
            )
        if isinstance(exc, openai.PermissionDeniedError):
            return LLMUnavailable(
                f"the LLM server at {self.base_url} refused access to {self.model_id!r} (403); "
                f"check the key in {API_KEY_ENV} has access to that model"
            )
        if isinstance(exc, openai.NotFoundError):
            return LLMUnavailable(self._not_served_message(self._served_or_none()))
        return LLMError(f"the LLM server at {self.base_url} answered {exc.status_code}: {_describe(exc)}")

    def _served_or_none(self) -> list[str] | None:
        try:
            return [m.id for m in self._client.models.list().data]
        except Exception:  # only decorates an error message; the 404 is the news
            return None

    def _final_error(self, exc: Any) -> LLMError:
        import openai

        if isinstance(exc, openai.APITimeoutError):
            return LLMError(
                f"the LLM server at {self.base_url} did not answer within {self.timeout_s:g} s "
                f"({self.max_retries + 1} tries); raise the timeout (EGOBUTLER_LLM_TIMEOUT_S) or use a smaller model"
            )
        if isinstance(exc, openai.APIConnectionError):
            return LLMUnavailable(
                f"cannot connect to the LLM server at {self.base_url} ({_describe(exc)}); is it running? "
                "(e.g. `vllm serve MODEL` or `ollama serve`) Check the URL (EGOBUTLER_LLM_BASE_URL)"
            )
        return LLMError(
            f"the LLM server at {self.base_url} kept failing after {self.max_retries + 1} tries: {_describe(exc)}"
        )

    # -- the interface -----------------------------------------------------------------------

    def generate(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        stop: Sequence[str] = (),
    ) -> str:
        """One chat completion; the reply text."""
        self.load()
        payload = self._payload(messages, max_tokens, temperature, stop)
        response = self._call(lambda: self._client.chat.completions.create(**payload))
        if not response.choices:
            raise LLMError(f"the LLM server at {self.base_url} returned no choices for {self.model_id!r}")
        return response.choices[0].message.content or ""

    def stream(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
    ) -> Iterator[str]:
        """Yield the reply's pieces as the server sends them (server-sent events).

        Opening the stream is retried; a failure after the first piece is raised, not
        retried, since the caller already showed part of the reply.
        """
        import openai

        self.load()
        payload = self._payload(messages, max_tokens, temperature, ())
        chunks = self._call(lambda: self._client.chat.completions.create(**payload, stream=True))
        try:
            for chunk in chunks:
                if chunk.choices and (piece := chunk.choices[0].delta.content):
                    yield piece
        except openai.APIError as exc:
            raise LLMError(f"the LLM server at {self.base_url} broke off the reply: {_describe(exc)}") from exc
        finally:
            chunks.close()

    def _payload(
        self, messages: Sequence[ChatMessage], max_tokens: int, temperature: float, stop: Sequence[str]
    ) -> dict[str, Any]:
        payload: dict[str, Any] = {
            "model": self.model_id,
            "messages": [m.as_dict() for m in as_messages(messages)],
            "max_tokens": max_tokens,
            "temperature": temperature,
        }
        if stop:
            payload["stop"] = list(stop)
        return payload

    def score_options(self, messages: Sequence[ChatMessage], options: Sequence[str]) -> list[float]:
        """Mean log-probability of each option's tokens, from vLLM's ``prompt_logprobs``.

        One request for the prompt alone (its token count) and one per option with the
        option as a prefilled assistant turn; the option's tokens are the tail.
        """
        if not self.supports_scoring:
            return super().score_options(messages, options)
        self.load()
        convo = as_messages(messages)
        prompt_len = len(self._prompt_logprobs(convo, continue_final=False))
        scores = []
        for option in options:
            logprobs = self._prompt_logprobs([*convo, ChatMessage("assistant", option)], continue_final=True)
            tail = [lp for lp in logprobs[prompt_len:] if lp is not None]
            if not tail:
                raise LLMError(f"the LLM server gave no log-probabilities for the option {option!r}")
            scores.append(sum(tail) / len(tail))
        return scores

    def _prompt_logprobs(self, messages: list[ChatMessage], *, continue_final: bool) -> list[float | None]:
        extra = {
            "prompt_logprobs": 0,  # vLLM: log p of each prompt token (0 = only the token itself)
            "add_generation_prompt": not continue_final,
            "continue_final_message": continue_final,
        }
        payload = {**self._payload(messages, 1, 0.0, ()), "extra_body": extra}
        response = self._call(lambda: self._client.chat.completions.create(**payload))
        raw = getattr(response, "prompt_logprobs", None)
        if raw is None:
            raise LLMError(
                f"the LLM server at {self.base_url} returned no prompt_logprobs; it cannot score options "
                "(vLLM can); set supports_scoring=False"
            )
        ids = getattr(response, "prompt_token_ids", None)
        return [_token_logprob(entry, ids[i] if ids else None) for i, entry in enumerate(raw)]


def _token_logprob(entry: dict[str, Any] | None, token_id: int | None) -> float | None:
    """The logprob of the actual prompt token at one position (vLLM: ``{token_id: {logprob, ...}}``)."""
    if not entry:
        return None  # the first token has no context, hence no logprob
    if token_id is not None and str(token_id) in entry:
        return float(entry[str(token_id)]["logprob"])
    # With prompt_logprobs=0 the actual token is the only entry.
    return float(next(iter(entry.values()))["logprob"])


def _describe(exc: Any) -> str:
    status = getattr(exc, "status_code", None)
    text = getattr(exc, "message", None) or str(exc) or type(exc).__name__
    if status:
        return f"{status} {text}"
    cause = exc.__cause__ or exc.__context__  # "Connection error." alone hides "Connection refused"
    return f"{text.rstrip('.')}: {cause}" if cause and str(cause) else text

