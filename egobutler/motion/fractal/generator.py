"""The fractal model as an avatar backend (:class:`~egobutler.motion.avatar.MotionGenerator`)."""

from __future__ import annotations

import logging
from pathlib import Path


from egobutler.motion.avatar import OUTPUT_FPS, Motion, MotionGenerator
from egobutler.motion.clip_ops import chain, fit_duration, resample
from egobutler.motion.errors import MotionError
from egobutler.motion.fractal.features import decode
from egobutler.motion.fractal.text import TextEncoder, default_encoder

log = logging.getLogger(__name__)


class FractalGenerator(MotionGenerator):
    """Generates 1.6 s windows coarse-to-fine, chains as many as the reply needs, and
    time-warps the result to the exact length.  ``level`` stops early: level ``i`` has
    ``2**i + 1`` keyframes per window, interpolated to the frame rate (faster, coarser)."""

    supports_levels = True

    def __init__(self, checkpoint: str | Path, encoder: TextEncoder | None = None):
        from egobutler.motion.fractal.train import load_checkpoint

        self.model, self.mean, self.std, self.meta = load_checkpoint(checkpoint)
        self.encoder = encoder or default_encoder()
        self.model_id = f"fractal:{Path(checkpoint).name}"

    @property
    def levels(self) -> int:
        return self.model.config.levels

    def window_s(self) -> float:
        c = self.model.config
        return (c.num_frames - 1) / c.fps

    def generate_window(self, text: str, level: int | None = None) -> Motion:
        """One window at the model's rate, its keyframes of ``level`` interpolated to every frame."""
        import torch

        top = self.levels - 1
        level = top if level is None else int(level)
        if not 0 <= level <= top:
            raise MotionError(f"level must be between 0 (2 keyframes) and {top} (every frame), not {level}")
        emb = torch.from_numpy(self.encoder.encode([text])[:1])
        with torch.no_grad():
            tokens = self.model.generate(emb, stop_level=level)[-1][0].numpy()
        feats = tokens * self.std + self.mean
        c = self.model.config
        coarse = decode(feats, fps=c.fps * 2**level / (c.num_frames - 1), name=text[:40])
        return resample(coarse, c.num_frames, fps=c.fps) if level < top else coarse

    def generate(self, text: str, seconds: float, *, level: int | None = None) -> Motion:
        window = self.generate_window(text, level)
        copies = max(1, int(round(seconds / self.window_s())))
        motion = chain([window] * copies) if copies > 1 else window
        return fit_duration(motion, seconds, OUTPUT_FPS)
