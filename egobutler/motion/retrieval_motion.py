"""The avatar's default generator: the labelled clip nearest to the text, blended into calm standing.

Needs no trained checkpoint — only the clip library (:mod:`egobutler.motion.motion_library`:
DeepMimic's clips and our authored gestures), their labels and the sentence encoder. It is
the default because it measures best in ``benchmarks/motion_gen.py`` (docs/avatar.md).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np

from egobutler.motion.avatar import OUTPUT_FPS, Motion, MotionGenerator
from egobutler.motion.clip_ops import BLEND_FRAMES, then_idle, time_warp, to_fps
from egobutler.motion.deepmimic import MocapClip
from egobutler.motion.errors import MotionError
from egobutler.motion.fractal.labels import all_labels
from egobutler.motion.fractal.text import TextEncoder, default_encoder
from egobutler.motion.motion_library import load_library



class RetrievalGenerator(MotionGenerator):
    """Cosine-nearest labelled phrase → its clip. A looping clip (walk, run, idle) repeats for as
    long as asked; a one-off gesture plays at its own pace and then hands over, blended, to calm
    standing (``level`` is ignored)."""

    model_id = "retrieval:library"

    def __init__(self, encoder: TextEncoder | None = None, clips_dir: str | Path | None = None,
                 labels: dict[str, list[str]] | None = None):
        self.encoder = encoder or default_encoder()
        self._clips = {name: to_fps(clip, OUTPUT_FPS) for name, clip in load_library(clips_dir).items()}
        labels = labels or all_labels()
        self._pairs = [(clip, phrase) for clip, phrases in labels.items() if clip in self._clips for phrase in phrases]
        if not self._pairs:
            raise MotionError("no labelled clips found for retrieval")
        self._emb: np.ndarray | None = None

    def nearest(self, text: str) -> tuple[str, str, float]:
        """(clip name, its phrase, cosine similarity) of the labelled phrase nearest to ``text``."""
        if self._emb is None:
            self._emb = self.encoder.encode([p for _, p in self._pairs])
        query = self.encoder.encode([text])[0]
        scores = self._emb @ query
        best = int(np.argmax(scores))
        return self._pairs[best][0], self._pairs[best][1], float(scores[best])

    def clip(self, name: str) -> MocapClip:
        """The library clip ``name`` at :data:`OUTPUT_FPS`."""
        try:
            return self._clips[name]
        except KeyError:
            raise MotionError(f"no clip {name!r} in the motion library; it has {', '.join(sorted(self._clips))}") from None

    def generate(self, text: str, seconds: float, *, level: int | None = None) -> Motion:
        name, _, _ = self.nearest(text)
        clip = self.clip(name)
        idle = self._clips.get("idle")
        if clip.loop or idle is None:
            return time_warp(clip, seconds)
        return replace(then_idle(clip, idle, seconds), name=name)
