"""Retrieval fallback for the avatar: the labelled clip nearest to the text, time-warped.

Needs no trained checkpoint — only the bundled DeepMimic clips, our labels for them and the
sentence encoder — so it is the avatar's fallback and the baseline the generator is
benchmarked against.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from egobutler.motion.avatar import OUTPUT_FPS, Motion, MotionGenerator
from egobutler.motion.clip_ops import canonical, chain, fit_duration
from egobutler.motion.deepmimic import MocapClip, list_clips, load_clip
from egobutler.motion.errors import MotionError
from egobutler.motion.fractal.labels import CLIP_LABELS
from egobutler.motion.fractal.text import TextEncoder, default_encoder


class RetrievalGenerator(MotionGenerator):
    """Cosine-nearest labelled phrase → its clip, repeated to roughly the length asked for
    and time-warped to exactly it (``level`` is ignored)."""

    model_id = "retrieval:deepmimic"

    def __init__(self, encoder: TextEncoder | None = None, clips_dir: str | Path | None = None,
                 labels: dict[str, list[str]] | None = None):
        self.encoder = encoder or default_encoder()
        self._dir = Path(clips_dir) if clips_dir is not None else None
        labels = labels or CLIP_LABELS
        names = set(list_clips(self._dir))
        self._pairs = [(clip, phrase) for clip, phrases in labels.items() if clip in names for phrase in phrases]
        if not self._pairs:
            raise MotionError("no labelled DeepMimic clips found for retrieval; is pybullet installed?")
        self._emb: np.ndarray | None = None
        self._clips: dict[str, MocapClip] = {}

    def nearest(self, text: str) -> tuple[str, str, float]:
        """(clip name, its phrase, cosine similarity) of the labelled phrase nearest to ``text``."""
        if self._emb is None:
            self._emb = self.encoder.encode([p for _, p in self._pairs])
        query = self.encoder.encode([text])[0]
        scores = self._emb @ query
        best = int(np.argmax(scores))
        return self._pairs[best][0], self._pairs[best][1], float(scores[best])

    def clip(self, name: str) -> MocapClip:
        if name not in self._clips:
            self._clips[name] = canonical(load_clip(name, self._dir))
        return self._clips[name]

    def generate(self, text: str, seconds: float, *, level: int | None = None) -> Motion:
        name, _, _ = self.nearest(text)
        return time_warp(self.clip(name), seconds)


def time_warp(clip: MocapClip, seconds: float, fps: float = OUTPUT_FPS) -> MocapClip:
    """``clip`` repeated end to end the nearest whole number of times (at least once) and
    uniformly time-warped to last exactly ``seconds`` at ``fps``."""
    copies = max(1, int(round(seconds / max(clip.duration_s, 1e-6))))
    return fit_duration(chain([clip] * copies) if copies > 1 else clip, seconds, fps)
