"""Who spoke when: the diarizer interface, its registry, and the clustering they share.

A diarizer returns `SpeakerTurn`s labelled ``SPEAKER_00``, ``SPEAKER_01``… (numbered in
order of first appearance) within the audio it was given, each with the voice embedding
of that stretch; ``embedding_model_id`` names the encoder, so profiles are only ever
compared with profiles from the same encoder.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from .asr import _backend_class
from .records import SpeakerTurn

DIARIZER_BACKENDS: dict[str, str] = {
    "pyannote-onnx": "egobutler.egogpt.diarize_onnx:OnnxDiarizer",
    "onnx": "egobutler.egogpt.diarize_onnx:OnnxDiarizer",  # the settings' short name
    "pyannote": "egobutler.egogpt.diarize_pyannote:PyannoteDiarizer",
}


class Diarizer(ABC):
    """Audio → speaker turns."""

    name: ClassVar[str] = ""
    model_id: str = ""
    embedding_model_id: str = ""

    def load(self) -> None:
        """Load the models now (otherwise the first call does)."""

    def close(self) -> None:
        """Free the models."""

    @abstractmethod
    def diarize(self, audio_16k: np.ndarray, *, num_speakers: int | None = None) -> list[SpeakerTurn]:
        """Speaker turns in 16 kHz mono audio, ordered by start; ``num_speakers`` if known."""


def load_diarizer(name: str = "pyannote-onnx", model: str | None = None, *, models_dir: Path | None = None,
                  **options: Any) -> Diarizer:
    """Build (not load) the diarizer ``name``; ``model`` is a pipeline dir or hub id where it takes one."""
    cls = _backend_class(DIARIZER_BACKENDS, name, "diarization")
    return cls(model, models_dir=models_dir, **options)


def cluster_voices(embeddings: np.ndarray, *, threshold: float, num_speakers: int | None = None) -> np.ndarray:
    """Cluster unit embeddings (n, d) by average-linkage cosine; labels 0..k-1 in order of first index.

    Two groups merge while their mean cosine similarity is at least ``threshold``, or
    until ``num_speakers`` groups remain when that is given.
    """
    n = len(embeddings)
    if n == 0:
        return np.zeros(0, dtype=int)
    if n == 1:
        return np.zeros(1, dtype=int)
    from scipy.cluster.hierarchy import fcluster, linkage

    tree = linkage(embeddings, method="average", metric="cosine")
    if num_speakers:
        raw = fcluster(tree, t=min(num_speakers, n), criterion="maxclust")
    else:
        raw = fcluster(tree, t=1.0 - threshold, criterion="distance")
    return relabel_in_order(raw)


def relabel_in_order(raw: Sequence[int]) -> np.ndarray:
    """Renumber labels 0, 1, 2… in order of first appearance."""
    mapping: dict[int, int] = {}
    return np.array([mapping.setdefault(int(x), len(mapping)) for x in raw], dtype=int)


def speaker_label(index: int) -> str:
    return f"SPEAKER_{index:02d}"


def merge_turns(turns: Sequence[SpeakerTurn], *, max_gap_s: float = 0.5) -> list[SpeakerTurn]:
    """Join consecutive turns of the same speaker separated by less than ``max_gap_s``."""
    out: list[SpeakerTurn] = []
    for turn in sorted(turns, key=lambda t: (t.start_s, t.speaker)):
        prev = next((t for t in reversed(out) if t.speaker == turn.speaker), None)
        if prev is not None and prev is out[-1] and turn.start_s - prev.end_s < max_gap_s:
            emb = prev.embedding or turn.embedding
            if prev.embedding and turn.embedding:
                a, b = prev.end_s - prev.start_s, turn.end_s - turn.start_s
                mix = np.asarray(prev.embedding) * a + np.asarray(turn.embedding) * b
                emb = tuple(float(x) for x in mix / (np.linalg.norm(mix) or 1.0))
            out[-1] = SpeakerTurn(prev.start_s, max(prev.end_s, turn.end_s), turn.speaker, emb)
        else:
            out.append(turn)
    return out
