"""The clips the avatar's generators draw on: DeepMimic's (in pybullet) and our authored gestures.

Each clip has its training phrases (:func:`egobutler.motion.fractal.labels.all_labels`); the
retrieval generator looks phrases up, the fractal generator trains on them, and the benchmark
scores both on the held-out phrasings.
"""

from __future__ import annotations

import logging
from pathlib import Path

from egobutler.motion.clip_ops import canonical
from egobutler.motion.deepmimic import MocapClip, list_clips, load_clip
from egobutler.motion.errors import MotionError
from egobutler.motion.gesture_clips import gesture_clips

log = logging.getLogger(__name__)


def load_library(clips_dir: str | Path | None = None, *, deepmimic: bool = True) -> dict[str, MocapClip]:
    """Every clip by name, each starting over the origin facing +x.

    ``clips_dir`` is a folder of DeepMimic ``humanoid3d_*.txt`` files (default: pybullet's);
    without pybullet only the gestures are there (a warning says so)."""
    clips: dict[str, MocapClip] = {}
    if deepmimic:
        try:
            folder = Path(clips_dir) if clips_dir is not None else None
            clips.update({name: canonical(load_clip(name, folder)) for name in list_clips(folder)})
        except MotionError as exc:
            log.warning("DeepMimic clips unavailable (%s); the avatar has its gestures only", exc)
    clips.update(gesture_clips())
    return clips
