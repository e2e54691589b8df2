"""Caption through an OpenAI-compatible chat endpoint that takes images.

Works with vLLM serving a VLM (Qwen2-VL/Qwen2.5-VL, LLaVA-OneVision, or EgoGPT behind an
OpenAI-compatible wrapper), Ollama (``http://localhost:11434/v1``), LM Studio and OpenAI
itself. Each clip is one chat request: the frames as base64 JPEG ``data:`` URLs in
``image_url`` content parts, in time order, followed by the first-person prompt with the
transcript. The server never sees audio: the model hears through the transcript.

Retries: the `openai` client retries connection errors, timeouts, 408/409/429 and 5xx
replies ``max_retries`` times with exponential backoff (0.5 s doubling, capped at 8 s,
honouring ``Retry-After``). A 401/403 raises `CaptionerAuthError`, a 404
`CaptionerModelNotFound` naming the models the server does serve.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

from egobutler.egogpt.captioner import DEFAULT_MAX_FRAMES, Captioner, PreparedClip
from egobutler.egogpt.errors import BackendUnavailable, CaptionerAuthError, CaptionerError, CaptionerModelNotFound
from egobutler.egogpt.frames import jpeg_data_url

logger = logging.getLogger(__name__)


class OpenAICaptioner(Captioner):
    """Captions clips with ``model`` served at ``base_url`` (default: OpenAI's API).

    ``max_side`` (px) and ``jpeg_quality`` bound the upload: 30 frames at 512 px are
    ~1 MB of base64. ``concurrency`` clips are in flight at once. ``timeout_s`` is per
    request attempt.
    """

    name = "openai"

    def __init__(
        self,
        model: str,
        *,
        base_url: str | None = None,
        api_key: str | None = None,
        timeout_s: float = 120.0,
        max_retries: int = 3,
        max_frames: int = DEFAULT_MAX_FRAMES,
        max_side: int = 512,
        jpeg_quality: int = 85,
        max_new_tokens: int = 256,
        temperature: float = 0.0,
        concurrency: int = 4,
    ):
        if not model:
            raise CaptionerError("the openai captioner needs a model name: set captioner_model to a served model")
        self.model = model
        self.base_url = base_url
        self.api_key = api_key
        self.timeout_s = float(timeout_s)
        self.max_retries = int(max_retries)
        self.max_frames = int(max_frames)
        self.max_side = max_side
        self.jpeg_quality = jpeg_quality
        self.max_new_tokens = max_new_tokens
        self.temperature = temperature
        self.concurrency = max(1, int(concurrency))
        self._client = None

    @property
    def model_id(self) -> str:
        return f"openai:{self.model}"

    def load(self) -> None:
        """Open the HTTP client (no request is made until the first clip)."""
        if self._client is not None:
            return
        try:
            import openai
        except ImportError as exc:
            raise BackendUnavailable("the openai captioner needs the `openai` package: pip install openai") from exc
        api_key = self.api_key or os.environ.get("OPENAI_API_KEY")
        if not api_key:
            if self.base_url is None:
                raise CaptionerAuthError(
                    "the openai captioner has no API key: set captioner_api_key (or OPENAI_API_KEY), "
                    "or set captioner_base_url to a local server such as vLLM or Ollama"
                )
            api_key = "not-needed"  # local servers (vLLM, Ollama) accept any key
        self._client = openai.OpenAI(
            api_key=api_key, base_url=self.base_url, timeout=self.timeout_s, max_retries=self.max_retries
        )

    def close(self) -> None:
        """Close the HTTP client's connections."""
        if self._client is not None:
            self._client.close()
            self._client = None

    def _describe(self, clips: Sequence[PreparedClip]) -> list[str]:
        if len(clips) == 1 or self.concurrency == 1:
            return [self._request(clip) for clip in clips]
        with ThreadPoolExecutor(max_workers=min(self.concurrency, len(clips))) as pool:
            return list(pool.map(self._request, clips))

    def messages(self, clip: PreparedClip) -> list[dict]:
        """The chat messages for one clip: frames as JPEG data URLs, then the prompt."""
        parts: list[dict] = [
            {"type": "image_url", "image_url": {"url": jpeg_data_url(image, max_side=self.max_side,
                                                                     quality=self.jpeg_quality)}}  # fmt: skip
            for _, image in clip.frames
        ]
        parts.append({"type": "text", "text": clip.prompt})
        return [{"role": "user", "content": parts}]

    def _request(self, clip: PreparedClip) -> str:
        import openai

        try:
            reply = self._client.chat.completions.create(
                model=self.model, messages=self.messages(clip),
                max_tokens=self.max_new_tokens, temperature=self.temperature,
            )  # fmt: skip
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise CaptionerAuthError(
                f"{self._where()} refused the API key (HTTP {exc.status_code}); set captioner_api_key "
                "(EGOBUTLER_CAPTIONER_API_KEY) to a key this server accepts"
            ) from None
        except openai.NotFoundError:
            raise CaptionerModelNotFound(
                f"{self._where()} does not serve model {self.model!r}{self._served_models()}; "
                "set captioner_model to one it serves"
            ) from None
        except openai.APIStatusError as exc:
            raise CaptionerError(f"{self._where()} answered HTTP {exc.status_code}: {_short(exc.message)}") from None
        except openai.APIConnectionError as exc:
            raise CaptionerError(
                f"cannot reach {self._where()} after {self.max_retries} retries ({_short(str(exc))}); "
                "is the server running and captioner_base_url right?"
            ) from None
        return _reply_text(reply, self._where())

    def _where(self) -> str:
        return f"the captioner server {self.base_url}" if self.base_url else "the OpenAI API"

    def _served_models(self) -> str:
        """`` (it serves: a, b)`` when the server lists its models, else nothing."""
        try:
            names = sorted(m.id for m in self._client.models.list())
        except Exception as exc:  # best effort: only used to improve an error message
            logger.debug("could not list models at %s: %s", self.base_url, exc)
            return ""
        return f" (it serves: {', '.join(names[:10])})" if names else ""


def _reply_text(reply, where: str) -> str:
    try:
        content = reply.choices[0].message.content
    except (AttributeError, IndexError, TypeError):
        raise CaptionerError(
            f"{where} sent a reply with no message; is it an OpenAI-compatible chat endpoint?"
        ) from None
    if isinstance(content, list):  # some servers return content parts
        content = " ".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def _short(text: str, limit: int = 200) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[:limit] + "..."
