"""`EgoLMNarrator`: narration from a trained EgoLM checkpoint.

Checkpoints trained on timed narrations (``meta.json`` ``"text_format": "timed"``, as
``egobutler motion train-narrator --synthetic`` makes) narrate each 30 s window as
``START END LABEL [N steps]`` items (`egobutler.motion.egolm.timed`); those become the
segments (each with the model's probability of its label as confidence), and the sentence is
written from them as for the rules narrator. Checkpoints trained on free text keep their
generated sentence and take their segments from the rules (a sentence has no times).
"""

from __future__ import annotations

import json
from pathlib import Path

from egobutler.motion.errors import NarratorUnavailable
from egobutler.motion.imu import ImuSeries
from egobutler.motion.narrate import Narrator, describe
from egobutler.motion.records import MotionSegment, Narration

WINDOW_S = 30.0
_GAITS = ("walking", "running", "stairs_up", "stairs_down")


class EgoLMNarrator(Narrator):
    """Loads ``model`` (a folder written by ``egobutler motion train-narrator``) on creation."""

    def __init__(self, model: str | Path | None = None, device: str = "cpu"):
        if not model:
            raise NarratorUnavailable("the egolm narrator needs a trained checkpoint: set motion_narrator_model "
                                      "(train one with `egobutler motion train-narrator DATA --out DIR`)")
        from egobutler.motion.egolm.train import load_checkpoint

        self.model, self.cfg, self.vocab = load_checkpoint(model, device)
        meta_path = Path(model) / "meta.json"
        meta = json.loads(meta_path.read_text()) if meta_path.is_file() else {}
        self.timed = meta.get("text_format") == "timed"
        self.window_s = min(WINDOW_S, self.cfg.window_s)
        self.device = device
        self.model_id = f"egolm:{Path(model).name}"

    def text_for(self, series: ImuSeries) -> str:
        """The generated narration of ``series`` (its first ``window_s`` seconds)."""
        return self._generate([series])[0][0]

    def _generate(self, spans: list[ImuSeries]) -> list[tuple[str, list[float]]]:
        """(decoded text, per-item label probability) for each span, in one batch."""
        import numpy as np
        import torch

        from egobutler.motion.egolm.features import motion_window

        windows = torch.tensor(np.stack([motion_window(s, self.cfg) for s in spans]), device=self.device)
        ids, probs = self.model.generate_with_probs(windows)
        return [(self.vocab.decode(i), _item_confidences(self.vocab, i, p)) for i, p in zip(ids, probs)]

    def narrate_series(self, series: ImuSeries) -> Narration:
        start, end = float(series.t_s[0]), float(series.t_s[-1])
        if not self.timed:
            from egobutler.motion.activity import segment

            segments = tuple(MotionSegment(s.start_s, s.end_s, s.label, s.stats, self.model_id) for s in segment(series))
            return Narration(segments, self.text_for(series), self.model_id, start, end)
        segments = tuple(self.timed_segments(series))
        return Narration(segments, describe(segments), self.model_id, start, end)

    def timed_segments(self, series: ImuSeries) -> list[MotionSegment]:
        """Segments of the whole series, window by window (30 s, or the model's window)."""
        from egobutler.motion.egolm import timed

        start, end, step = float(series.t_s[0]), float(series.t_s[-1]), self.window_s
        starts = [start + k * step for k in range(int((end - start) // step) + 1) if start + k * step < end]
        spans = [series.span(s, s + step) for s in starts]
        keep = [k for k, sp in enumerate(spans) if len(sp) > 1]
        out: list[MotionSegment] = []
        for k, (text, conf) in zip(keep, self._generate([spans[k] for k in keep])):
            length = min(step, end - starts[k])
            out += timed.read(text, starts[k], length, self.model_id, conf)
        return _finish(out)


def _item_confidences(vocab, ids: list[int], probs: list[float]) -> list[float]:
    """Per ";"-separated item: the probability the model gave its label word (the third)."""
    sep = vocab.index.get(";")
    out, item = [], []
    for token, prob in zip(ids, probs):
        if token == sep:
            out.append(item[2] if len(item) > 2 else 0.0)
            item = []
        else:
            item.append(prob)
    out.append(item[2] if len(item) > 2 else 0.0)
    return out


def _finish(segments: list[MotionSegment]) -> list[MotionSegment]:
    """Join one activity across window edges, give gaits a cadence, set the posture."""
    from egobutler.motion.events import set_posture

    acts: list[MotionSegment] = []
    for seg in sorted((s for s in segments if not s.is_event), key=lambda s: s.start_s):
        if acts and acts[-1].label == seg.label and abs(acts[-1].end_s - seg.start_s) < 1e-6:
            last = acts.pop()
            stats = dict(last.stats)
            if "steps" in stats or "steps" in seg.stats:
                stats["steps"] = stats.get("steps", 0) + seg.stats.get("steps", 0)
            weights = (last.duration_s, seg.duration_s)
            if "confidence" in last.stats and "confidence" in seg.stats:
                stats["confidence"] = round((last.stats["confidence"] * weights[0] + seg.stats["confidence"] * weights[1])
                                            / max(sum(weights), 1e-9), 2)
            seg = MotionSegment(last.start_s, seg.end_s, seg.label, stats, seg.model_id)
        acts.append(seg)
    for seg in acts:
        if seg.label in _GAITS and seg.stats.get("steps") and seg.duration_s > 0:
            seg.stats["cadence_spm"] = round(60.0 * seg.stats["steps"] / seg.duration_s, 1)
    events = [s for s in segments if s.is_event]
    set_posture(acts, events)
    return sorted(acts + events, key=lambda s: (s.start_s, s.is_event))
