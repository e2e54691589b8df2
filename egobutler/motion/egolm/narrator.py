"""`EgoLMNarrator`: narration text from a trained EgoLM checkpoint; segments from the rules
(they are what search and "how long did I sit" queries need, and a generated sentence has
no times)."""

from __future__ import annotations

from pathlib import Path

from egobutler.motion.errors import NarratorUnavailable
from egobutler.motion.imu import ImuSeries
from egobutler.motion.narrate import Narrator
from egobutler.motion.records import MotionSegment, Narration


class EgoLMNarrator(Narrator):
    """Loads ``model`` (a folder written by ``egobutler motion train-narrator``) on creation."""

    def __init__(self, model: str | Path | None = None, device: str = "cpu"):
        if not model:
            raise NarratorUnavailable("the egolm narrator needs a trained checkpoint: set motion_narrator_model "
                                      "(train one with `egobutler motion train-narrator DATA --out DIR`)")
        from egobutler.motion.egolm.train import load_checkpoint

        self.model, self.cfg, self.vocab = load_checkpoint(model, device)
        self.device = device
        self.model_id = f"egolm:{Path(model).name}"

    def text_for(self, series: ImuSeries) -> str:
        """The generated narration of ``series`` (its first ``window_s`` seconds)."""
        import torch

        from egobutler.motion.egolm.features import motion_window

        window = torch.tensor(motion_window(series, self.cfg)[None], device=self.device)
        return self.vocab.decode(self.model.generate(window)[0])

    def narrate_series(self, series: ImuSeries) -> Narration:
        from egobutler.motion.activity import segment

        segments = tuple(
            MotionSegment(s.start_s, s.end_s, s.label, s.stats, self.model_id) for s in segment(series)
        )
        return Narration(segments, self.text_for(series), self.model_id, float(series.t_s[0]), float(series.t_s[-1]))
