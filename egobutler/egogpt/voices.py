"""Voices across recordings: embed a voice, match it against known profiles.

A voice embedding is a unit vector (resemblyzer's bundled encoder: 256-d); two stretches
of the same voice score a high cosine similarity. A match needs both a similarity of at
least ``threshold`` and a lead of ``margin`` over the next-best person: an uncertain
voice stays anonymous rather than being guessed (a wrong name in a memory is worse than
no name). The defaults were calibrated on the test fixtures (see `calibrate_threshold`
and benchmarks/audio.py): an enrolled profile against the same voice in another recording
or conversation turn scored 0.878-0.95 (mean 0.91), against other voices at most 0.733
(mean 0.63); the calibrated midpoint is 0.805 and the default leans above it.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from ._threads import torch_threads
from .audio import SAMPLE_RATE, rms_dbfs
from .errors import BackendUnavailable, InvalidAudio

log = logging.getLogger(__name__)

MATCH_THRESHOLD = 0.82  # cosine; fixtures' gap is 0.733..0.878 (midpoint 0.805), leaning high: no wrong names
MATCH_MARGIN = 0.03  # best person must beat the runner-up by this much
MIN_VOICE_S = 0.5  # less speech than this gives no usable embedding
SILENCE_DBFS = -70.0  # quieter than this is digital silence, not a voice
VOICE_ENCODERS = {"resemblyzer": "resemblyzer"}


class VoiceEncoder:
    """resemblyzer's bundled voice encoder (LSTM over 40 mel bands, 1.6 s partial windows)."""

    name = "resemblyzer"
    model_id = "resemblyzer-0.1.4"
    dim = 256

    def __init__(self, device: str = "cpu", *, threads: int | None = 1):
        self.device = device
        self.threads = threads  # torch threads while embedding; 1 is fastest for this small LSTM
        self._encoder = None

    def load(self) -> None:
        """Load the encoder weights (bundled in the package; idempotent)."""
        if self._encoder is not None:
            return
        try:
            from resemblyzer import VoiceEncoder as _Resemblyzer
        except ImportError as exc:
            raise BackendUnavailable(
                "voice profiles need resemblyzer: pip install --no-deps resemblyzer && "
                "pip install librosa scipy webrtcvad-wheels") from exc
        self._encoder = _Resemblyzer(self.device, verbose=False)

    def close(self) -> None:
        self._encoder = None

    def embed(self, audio_16k: np.ndarray) -> np.ndarray:
        """The unit-length voice embedding of 16 kHz mono speech of one person.

        Raises `InvalidAudio` when there is less than `MIN_VOICE_S` of speech.
        """
        self.load()
        from resemblyzer import preprocess_wav

        if rms_dbfs(audio_16k) < SILENCE_DBFS:
            raise InvalidAudio(f"no voice in {len(audio_16k) / SAMPLE_RATE:.2f} s of near-silence; need at least "
                               f"{MIN_VOICE_S} s of one person speaking")
        # Level to -30 dBFS and drop long pauses, as the encoder was trained.
        wav = preprocess_wav(np.ascontiguousarray(audio_16k, dtype=np.float32))
        if len(wav) < MIN_VOICE_S * SAMPLE_RATE:
            raise InvalidAudio(f"only {len(wav) / SAMPLE_RATE:.2f} s of voice; need at least {MIN_VOICE_S} s "
                               "of one person speaking")
        with torch_threads(self.threads):
            vector = self._encoder.embed_utterance(wav)
        return (vector / np.linalg.norm(vector)).astype(np.float32)


def load_voice_encoder(name: str = "resemblyzer", *, device: str = "cpu") -> VoiceEncoder:
    """Build (not load) the voice encoder ``name``."""
    if name not in VOICE_ENCODERS:
        raise BackendUnavailable(f"unknown voice encoder {name!r}; choose one of {', '.join(VOICE_ENCODERS)}")
    return VoiceEncoder(device=device)


def unit(vector: np.ndarray | Sequence[float]) -> np.ndarray:
    """``vector`` scaled to length 1 (float32)."""
    v = np.asarray(vector, dtype=np.float32)
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def mean_voice(vectors: Sequence[np.ndarray], weights: Sequence[float] | None = None) -> np.ndarray:
    """The (weighted) mean direction of several embeddings of one voice."""
    stack = np.stack([unit(v) for v in vectors])
    w = np.ones(len(stack)) if weights is None else np.asarray(weights, dtype=np.float64)
    return unit((stack * w[:, None]).sum(axis=0))


@dataclass(frozen=True)
class VoiceMatch:
    """Who a voice is: ``person_id`` None means anonymous (unknown, or too close to call).

    ``similarity`` is the cosine to the best person; ``runner_up`` to the second best;
    ``uncertain`` marks a voice that was close to someone but not close enough to name.
    """

    person_id: str | None
    similarity: float
    runner_up: float | None = None
    candidate: str | None = None
    uncertain: bool = False


def match_voice(embedding: np.ndarray, known: Sequence[tuple[str, np.ndarray]], *,
                threshold: float = MATCH_THRESHOLD, margin: float = MATCH_MARGIN) -> VoiceMatch:
    """Match one voice against ``known`` (person id, profile vector) pairs; several per person allowed."""
    if not known:
        return VoiceMatch(None, 0.0)
    query = unit(embedding)
    best: dict[str, float] = {}
    for person_id, vector in known:
        vec = unit(vector)
        if vec.shape != query.shape:
            raise InvalidAudio(f"voice profile of {person_id} has {vec.shape[0]} dims, this voice {query.shape[0]}: "
                               "profiles from another voice encoder cannot be compared; re-enroll")
        best[person_id] = max(best.get(person_id, -1.0), float(query @ vec))
    ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
    top_id, top = ranked[0]
    second = ranked[1][1] if len(ranked) > 1 else None
    clear = second is None or top - second >= margin
    if top >= threshold and clear:
        return VoiceMatch(top_id, top, second, top_id)
    uncertain = top >= threshold - 0.1  # close to someone: do not guess, but say so
    return VoiceMatch(None, top, second, top_id if uncertain else None, uncertain)


def calibrate_threshold(same: Sequence[float], different: Sequence[float]) -> float:
    """A cosine threshold between same-voice and different-voice scores.

    The midpoint of the gap when the two sets separate; otherwise the value that makes the
    fewest errors, leaning high (a missed name is cheaper than a wrong one).
    """
    same_arr, diff_arr = np.sort(np.asarray(same)), np.sort(np.asarray(different))
    if not len(same_arr) or not len(diff_arr):
        raise ValueError("calibration needs same-voice and different-voice scores")
    if same_arr[0] > diff_arr[-1]:
        return float((same_arr[0] + diff_arr[-1]) / 2)
    candidates = np.concatenate([same_arr, diff_arr])
    errors = [(np.sum(same_arr < t) + np.sum(diff_arr >= t), -t) for t in candidates]
    return float(-min(errors)[1])
