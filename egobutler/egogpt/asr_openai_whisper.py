"""openai-whisper ASR, for users who have ``.pt`` checkpoints.

A size name (``small``) downloads into ``<models_dir>/whisper`` on a user's machine on
first use; a path to a ``.pt`` file loads that file. Audio goes in as an array, so no
system ffmpeg is needed.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .asr import Asr, make_utterance
from .errors import BackendUnavailable
from .guards import GuardConfig
from .records import Utterance, Word
from .weights import resolve_openai_whisper

log = logging.getLogger(__name__)


class OpenAIWhisperAsr(Asr):
    name = "openai-whisper"

    def __init__(self, model: str | None = None, *, models_dir: Path | None = None, device: str = "cpu",
                 language: str | None = None, temperatures: tuple[float, ...] = (0.0, 0.2, 0.4, 0.6, 0.8, 1.0),
                 word_timestamps: bool = True, guards: GuardConfig = GuardConfig()):
        self.model = model or "tiny"
        self.word_timestamps = word_timestamps  # per-word times (numba DTW; its first call compiles for ~5-30 s)
        self.models_dir = models_dir
        self.device = device
        self.language = language
        self.temperatures = temperatures
        self.guards = guards
        self.model_id = f"openai-whisper:{Path(self.model).name}"
        self._whisper = None

    def load(self) -> None:
        if self._whisper is not None:
            return
        try:
            import whisper
        except ImportError as exc:
            raise BackendUnavailable("the openai-whisper ASR needs: pip install openai-whisper") from exc
        name, root = resolve_openai_whisper(self.model, self.models_dir)
        try:
            self._whisper = whisper.load_model(name, device=self.device, download_root=root)
        except (OSError, RuntimeError, ValueError, KeyError) as exc:
            # urllib's URLError is an OSError: offline with a size name lands here.
            raise BackendUnavailable(
                f"cannot load openai-whisper model {self.model!r} ({exc}); pass a .pt checkpoint path, "
                f"or run once online so it downloads into {root or '~/.cache/whisper'}") from exc
        log.info("loaded openai-whisper %s on %s", name, self.device)

    def close(self) -> None:
        self._whisper = None

    def transcribe(self, audio_16k: np.ndarray, language: str | None = None) -> list[Utterance]:
        self.load()
        language = language or self.language
        if language is None and not self._whisper.is_multilingual:
            language = "en"
        result = self._whisper.transcribe(
            np.ascontiguousarray(audio_16k, dtype=np.float32), language=language, fp16=False,
            temperature=self.temperatures, condition_on_previous_text=False, word_timestamps=self.word_timestamps,
            verbose=None)
        return [
            make_utterance(start_s=seg["start"], end_s=seg["end"], text=seg["text"], model_id=self.model_id,
                           avg_logprob=seg.get("avg_logprob"), no_speech_prob=seg.get("no_speech_prob"),
                           words=[Word(w["start"], w["end"], w["word"].strip(), w.get("probability"))
                                  for w in seg.get("words", ())],
                           guards=self.guards)
            for seg in result["segments"]
        ]
