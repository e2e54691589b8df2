"""The fractal model as an avatar backend (:class:`~egobutler.motion.avatar.MotionGenerator`)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from egobutler.motion.avatar import OUTPUT_FPS, Motion, MotionGenerator
from egobutler.motion.clip_ops import resample, then_idle, time_warp, to_fps
from egobutler.motion.errors import MotionError
from egobutler.motion.fractal.features import decode
from egobutler.motion.fractal.text import TextEncoder, default_encoder

log = logging.getLogger(__name__)

IDLE_PROMPT = "stand calmly"  # what the avatar does after a one-off gesture, until the reply ends
LOCOMOTION_M = 0.3  # a window whose root travels farther than this is repeated, not followed by idle
SNAP_TEMPERATURE = 0.02  # cosine-similarity softmax temperature of text snapping (≈ the nearest phrase)


class FractalGenerator(MotionGenerator):
    """Generates windows (33 frames) coarse-to-fine; a longer motion repeats a travelling
    window or follows a one-off gesture with generated calm standing (:meth:`generate`).
    ``level`` stops early: level ``i`` has ``2**i + 1`` keyframes per window, interpolated to
    the frame rate (faster, coarser)."""

    supports_levels = True

    def __init__(self, checkpoint: str | Path, encoder: TextEncoder | None = None, snap_text: bool = True):
        from egobutler.motion.fractal.train import load_checkpoint

        self.model, self.mean, self.std, self.meta = load_checkpoint(checkpoint)
        self.encoder = encoder or default_encoder()
        self.model_id = f"fractal:{Path(checkpoint).name}" + ("" if snap_text else ":raw-text")
        self.snap_text = snap_text
        self._idle: dict[int | None, Motion] = {}
        self._phrase_emb: np.ndarray | None = None

    def condition(self, text: str) -> np.ndarray:
        """The text embedding the model is conditioned on (1, dim).

        With ``snap_text`` an unseen wording is replaced by a softmax mix (temperature
        :data:`SNAP_TEMPERATURE`) of the embeddings of the phrases the model was trained on, so
        it is conditioned inside the region it learned; else the raw embedding."""
        emb = self.encoder.encode([text])[:1]
        if not self.snap_text:
            return emb
        if self._phrase_emb is None:
            from egobutler.motion.fractal.labels import all_labels

            clips = set(self.meta.get("clips") or [])
            phrases = [p for clip, ps in all_labels().items() if not clips or clip in clips for p in ps]
            self._phrase_emb = self.encoder.encode(phrases)
        sims = self._phrase_emb @ emb[0]
        weights = np.exp((sims - sims.max()) / SNAP_TEMPERATURE)
        return ((weights / weights.sum())[None] @ self._phrase_emb).astype(np.float32)

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
        emb = torch.from_numpy(self.condition(text))
        with torch.no_grad():
            tokens = self.model.generate(emb, stop_level=level)[-1][0].numpy()
        feats = tokens * self.std + self.mean
        c = self.model.config
        coarse = decode(feats, fps=c.fps * 2**level / (c.num_frames - 1), name=text[:40])
        return resample(coarse, c.num_frames, fps=c.fps) if level < top else coarse

    def generate(self, text: str, seconds: float, *, level: int | None = None) -> Motion:
        """A window for ``text``; longer motion either repeats it (locomotion: the root travels)
        or plays it once and hands over, blended, to a generated "stand calmly" window."""
        window = to_fps(self.generate_window(text, level), OUTPUT_FPS)
        travel = float(np.linalg.norm(window.root_pos[-1, :2] - window.root_pos[0, :2]))
        if window.duration_s >= seconds or travel > LOCOMOTION_M:
            return time_warp(window, seconds, OUTPUT_FPS)
        return then_idle(window, self._idle_window(level), seconds, OUTPUT_FPS)

    def _idle_window(self, level: int | None) -> Motion:
        if level not in self._idle:
            self._idle[level] = to_fps(self.generate_window(IDLE_PROMPT, level), OUTPUT_FPS)
        return self._idle[level]
