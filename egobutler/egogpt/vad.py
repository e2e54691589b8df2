"""Voice activity detection: where in the audio someone speaks (silero-vad).

Only these regions go to ASR, so room tone, traffic or a humming fridge never reach
whisper — which otherwise invents text ("Thank you for watching.") on silence.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np

from ._threads import torch_threads
from .audio import SAMPLE_RATE
from .errors import BackendUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SpeechRegion:
    start_s: float
    end_s: float

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s


class SileroVad:
    """silero-vad (bundled in the ``silero-vad`` package; no download).

    ``threshold`` is the speech probability above which a 32 ms frame counts as speech;
    pauses shorter than ``min_silence_s`` stay inside a region; regions are padded by
    ``pad_s`` on each side so word edges are not cut, and split at ``max_region_s`` so
    each fits one whisper window (`egobutler.egogpt.asr.MAX_WINDOW_S`).
    """

    model_id = "silero-vad-6"

    def __init__(self, *, threshold: float = 0.5, min_speech_s: float = 0.25, min_silence_s: float = 0.3,
                 pad_s: float = 0.2, max_region_s: float = 24.0, threads: int | None = 1):
        self.threshold = threshold
        self.min_speech_s = min_speech_s
        self.min_silence_s = min_silence_s
        self.pad_s = pad_s
        self.max_region_s = max_region_s
        self.threads = threads  # torch threads; the model is tiny, one thread is fastest
        self._model = None

    def load(self) -> None:
        """Load the model (idempotent)."""
        if self._model is not None:
            return
        try:
            from silero_vad import load_silero_vad
        except ImportError as exc:
            raise BackendUnavailable("silero VAD needs the silero-vad package: pip install silero-vad") from exc
        self._model = load_silero_vad(onnx=False)

    def close(self) -> None:
        """Free the model."""
        self._model = None

    def regions(self, audio_16k: np.ndarray) -> list[SpeechRegion]:
        """Speech regions of 16 kHz mono ``audio_16k``, in order, times in seconds."""
        if len(audio_16k) < SAMPLE_RATE * self.min_speech_s:
            return []
        self.load()
        import torch
        from silero_vad import get_speech_timestamps

        with torch.inference_mode(), torch_threads(self.threads):
            stamps = get_speech_timestamps(
                torch.from_numpy(np.ascontiguousarray(audio_16k, dtype=np.float32)), self._model,
                threshold=self.threshold, sampling_rate=SAMPLE_RATE,
                min_speech_duration_ms=int(self.min_speech_s * 1000),
                min_silence_duration_ms=int(self.min_silence_s * 1000),
                speech_pad_ms=int(self.pad_s * 1000), max_speech_duration_s=self.max_region_s)
            self._model.reset_states()
        return _merge_close([SpeechRegion(s["start"] / SAMPLE_RATE, s["end"] / SAMPLE_RATE) for s in stamps],
                            gap_s=0.1, max_s=self.max_region_s)


def _merge_close(regions: list[SpeechRegion], *, gap_s: float, max_s: float) -> list[SpeechRegion]:
    """Join regions whose padding left only a sliver (< ``gap_s``) between them, up to ``max_s`` long."""
    merged: list[SpeechRegion] = []
    for region in regions:
        last = merged[-1] if merged else None
        if last and region.start_s - last.end_s < gap_s and region.end_s - last.start_s <= max_s:
            merged[-1] = SpeechRegion(last.start_s, region.end_s)
        else:
            merged.append(region)
    return merged


def speech_seconds(regions: list[SpeechRegion]) -> float:
    """Total speech time of ``regions`` (s)."""
    return float(sum(r.duration_s for r in regions))
