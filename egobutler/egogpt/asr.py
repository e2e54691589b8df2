"""Speech recognition behind one interface, and the VAD-driven loop around it.

A backend turns one stretch of 16 kHz mono audio (at most ~30 s, one whisper window)
into `Utterance` records. `transcribe_speech` feeds it only the speech that VAD found:
regions are spliced together (short silences between them) into windows of at most
``max_window_s``, each window is decoded on its own — nothing is carried from one
window into the next — and the times are mapped back onto the original audio.
"""

from __future__ import annotations

import importlib
import logging
import math
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .audio import SAMPLE_RATE
from .errors import BackendUnavailable
from .guards import GuardConfig, flag_loops, segment_flags
from .records import Utterance, Word
from .vad import SpeechRegion

log = logging.getLogger(__name__)

ASR_BACKENDS: dict[str, str] = {
    "faster-whisper": "egobutler.egogpt.asr_faster_whisper:FasterWhisperAsr",
    "openai-whisper": "egobutler.egogpt.asr_openai_whisper:OpenAIWhisperAsr",
}
GAP_S = 0.3  # silence put between spliced regions, s
# Speech per whisper window. Full 28 s windows of dense conversation lose sentences at their
# ends (tiny.en dropped 7 of 24 turns of one benchmark recording); chosen on the hearing
# benchmark's TUNING recordings (WER 12-28 s windows: 0.28, 0.24, 0.25, 0.20, 0.23).
MAX_WINDOW_S = 24.0
TARGET_PEAK = 0.5  # speech windows are raised to this peak (99.9th percentile of |x|) before ASR
MAX_GAIN_DB = 30.0  # … by at most this much


class Asr(ABC):
    """Speech → text. ``model_id`` names the weights (it is stored with every utterance)."""

    name: ClassVar[str] = ""
    model_id: str = ""

    def load(self) -> None:
        """Load the model now (otherwise the first call does)."""

    def close(self) -> None:
        """Free the model; a later call loads it again."""

    @abstractmethod
    def transcribe(self, audio_16k: np.ndarray, language: str | None = None) -> list[Utterance]:
        """Utterances in one stretch of audio (≤ 30 s), times in seconds from its start.

        ``language`` (an ISO code such as ``"de"``) fixes the language; None lets the model choose."""

    def detect_language(self, speech_16k: np.ndarray) -> str | None:
        """The spoken language of ``speech_16k`` (ISO code), or None when the backend cannot tell."""
        return None


def load_asr(name: str = "faster-whisper", model: str | None = None, *, models_dir: Path | None = None,
             **options: Any) -> Asr:
    """Build (not load) the ASR backend ``name`` with weights ``model`` (path, size name or hub id)."""
    cls = _backend_class(ASR_BACKENDS, name, "ASR")
    return cls(model, models_dir=models_dir, **options)


def _backend_class(registry: dict[str, str], name: str, what: str) -> type:
    try:
        target = registry[name]
    except KeyError:
        raise BackendUnavailable(f"unknown {what} backend {name!r}; choose one of {', '.join(registry)}") from None
    module, _, attr = target.partition(":")
    return getattr(importlib.import_module(module), attr)


def make_utterance(*, start_s: float, end_s: float, text: str, model_id: str, avg_logprob: float | None,
                   no_speech_prob: float | None, words: Iterable[Word] = (),
                   guards: GuardConfig = GuardConfig()) -> Utterance:
    """One whisper segment as an `Utterance`, with confidence = exp(mean token log-prob) and guard flags."""
    text = text.strip()
    words = [Word(round(float(w.start_s), 3), round(float(w.end_s), 3), w.text, None if w.probability is None
                  else float(w.probability)) for w in words]
    confidence = None if avg_logprob is None else round(float(min(1.0, math.exp(avg_logprob))), 4)
    return Utterance(start_s=round(float(start_s), 3), end_s=round(float(end_s), 3), text=text, model_id=model_id,
                     words=tuple(words), confidence=confidence,
                     flags=segment_flags(text, avg_logprob=avg_logprob, no_speech_prob=no_speech_prob, config=guards))


@dataclass(frozen=True)
class _Piece:
    """``length_s`` seconds that sit at ``at_s`` in the spliced window and at ``orig_s`` in the input."""

    at_s: float
    orig_s: float
    length_s: float


@dataclass(frozen=True)
class _Window:
    audio: np.ndarray
    pieces: tuple[_Piece, ...]

    def to_original(self, t: float) -> float:
        """Map a time in the spliced window back to the input (gaps snap to the nearest edge)."""
        best = self.pieces[0]
        for piece in self.pieces:
            if t >= piece.at_s:
                best = piece
        offset = min(max(t - best.at_s, 0.0), best.length_s)
        return best.orig_s + offset


def splice_windows(audio_16k: np.ndarray, regions: Sequence[SpeechRegion], *,
                   max_window_s: float = MAX_WINDOW_S) -> list[_Window]:
    """Join consecutive speech regions (with `GAP_S` of silence between) into windows ≤ ``max_window_s``."""
    windows: list[_Window] = []
    parts: list[np.ndarray] = []
    pieces: list[_Piece] = []
    cursor = 0.0
    gap = np.zeros(int(GAP_S * SAMPLE_RATE), np.float32)
    for region in regions:
        start, end = int(region.start_s * SAMPLE_RATE), int(region.end_s * SAMPLE_RATE)
        chunk = audio_16k[max(start, 0):end]
        if not len(chunk):
            continue
        length_s = len(chunk) / SAMPLE_RATE
        if pieces and cursor + GAP_S + length_s > max_window_s:
            windows.append(_Window(np.concatenate(parts), tuple(pieces)))
            parts, pieces, cursor = [], [], 0.0
        if pieces:
            parts.append(gap)
            cursor += GAP_S
        parts.append(chunk)
        pieces.append(_Piece(cursor, start / SAMPLE_RATE, length_s))
        cursor += length_s
    if pieces:
        windows.append(_Window(np.concatenate(parts), tuple(pieces)))
    return windows


def level_speech(audio: np.ndarray, *, target_peak: float = TARGET_PEAK, max_gain_db: float = MAX_GAIN_DB) -> np.ndarray:
    """Speech scaled so its loud parts reach ``target_peak`` (at most ``max_gain_db`` louder, never quieter).

    Whisper's features assume speech near full scale: a voice across the room at -35 dBFS
    loses a third of its words without this (bob_1 at -30 dB peak: WER 0.32 → 0.0x)."""
    if not audio.size:
        return audio
    peak = float(np.percentile(np.abs(audio), 99.9))
    if peak <= 0:
        return audio
    gain = min(max(target_peak / peak, 1.0), 10 ** (max_gain_db / 20))
    return np.clip(audio * gain, -1.0, 1.0).astype(np.float32) if gain > 1.0 else audio


def _remap(utt: Utterance, window: _Window) -> Utterance:
    words = tuple(replace(w, start_s=round(window.to_original(w.start_s), 3), end_s=round(window.to_original(w.end_s), 3))
                  for w in utt.words)
    return replace(utt, start_s=round(window.to_original(utt.start_s), 3),
                   end_s=round(window.to_original(utt.end_s), 3), words=words)


def transcribe_speech(asr: Asr, audio_16k: np.ndarray, regions: Sequence[SpeechRegion], *,
                      max_window_s: float = MAX_WINDOW_S, guards: GuardConfig = GuardConfig(),
                      language: str | None = None) -> list[Utterance]:
    """Transcribe only the speech ``regions`` of ``audio_16k``; times are on the input's clock.

    Each window is decoded independently (no text carried across windows); loops across
    consecutive utterances are flagged, and empty texts are left out. ``language`` is
    passed to every window (one language per recording, see `detect_speech_language`).
    """
    utterances: list[Utterance] = []
    for window in splice_windows(audio_16k, regions, max_window_s=max_window_s):
        for utt in asr.transcribe(level_speech(window.audio), language):
            if utt.text:
                utterances.append(_remap(utt, window))
    return flag_loops(utterances, guards)


LANGUAGE_SAMPLE_S = 90.0  # speech the language is detected from (the first whisper windows)


def detect_speech_language(asr: Asr, audio_16k: np.ndarray, regions: Sequence[SpeechRegion]) -> str | None:
    """The language of a recording, from up to `LANGUAGE_SAMPLE_S` of its speech (None: backend cannot tell)."""
    windows = splice_windows(audio_16k, regions)
    if not windows:
        return None
    sample = np.concatenate([w.audio for w in windows])[: int(LANGUAGE_SAMPLE_S * SAMPLE_RATE)]
    return asr.detect_language(sample)
