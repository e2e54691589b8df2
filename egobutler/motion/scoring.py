"""Score a narrator's segments against a recording's truth (for benchmarks and tuning).

Frames every 0.1 s. Per-activity precision and recall leave out 0.5 s either side of each true
boundary (where a change of activity has no one right answer); the ``strict`` confusion keeps
every frame. False walking: still frames narrated as a gait (walking, running, stairs).
Boundary error: for each true change of activity, how far the nearest narrated change is
(capped at 10 s). Steps: per true gait span, the steps of the narrated segments over it (pro
rata); spans the narrator said it could not count are tallied apart. Events (sit-down,
stand-up) are found when one of the same kind starts within 1 s of the true start.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from egobutler.motion.records import MotionSegment
from egobutler.motion.scenarios import GAIT_LABELS, Scenario

FRAME_S = 0.1
EDGE_S = 0.5
BOUNDARY_CAP_S = 10.0
EVENT_TOLERANCE_S = 1.0
LABELS = ("still", "walking", "running", "stairs_up", "stairs_down", "other")


@dataclass
class Tally:
    """Running totals over many recordings; `summary` turns them into the reported figures."""

    confusion: Counter = field(default_factory=Counter)
    strict: Counter = field(default_factory=Counter)
    still_s: float = 0.0
    false_walk_s: float = 0.0
    boundary_errors: list = field(default_factory=list)
    step_true: list = field(default_factory=list)
    step_counted: list = field(default_factory=list)
    steps_unknown_spans: int = 0
    events: Counter = field(default_factory=Counter)
    event_errors: list = field(default_factory=list)
    confidence: list = field(default_factory=list)  # (confidence, correct) per scored frame

    def add(self, scenario: Scenario, segments: list[MotionSegment]) -> None:
        acts = [s for s in segments if not s.is_event]
        self._frames(scenario, acts)
        self.boundary_errors += boundary_errors(scenario, acts)
        self._steps(scenario, acts)
        self._events(scenario, [s for s in segments if s.is_event])

    def _frames(self, scenario: Scenario, acts: list[MotionSegment]) -> None:
        bounds = np.array([b for a in scenario.activities for b in (a.start_s, a.end_s)])
        for t in np.arange(scenario.series.t_s[0], scenario.series.t_s[-1], FRAME_S):
            truth = label_at(scenario.activities, t)
            if truth is None:
                continue
            seg = segment_at(acts, t)
            pred = seg.label if seg is not None else "none"
            self.strict[(truth, pred)] += 1
            if truth == "still":
                self.still_s += FRAME_S
                self.false_walk_s += FRAME_S if pred in GAIT_LABELS else 0.0
            if np.min(np.abs(bounds - t)) >= EDGE_S:
                self.confusion[(truth, pred)] += 1
                if seg is not None and "confidence" in seg.stats:
                    self.confidence.append((float(seg.stats["confidence"]), truth == pred))

    def _steps(self, scenario: Scenario, acts: list[MotionSegment]) -> None:
        for span in scenario.activities:
            if span.label not in GAIT_LABELS or span.steps <= 0:
                continue
            over = [s for s in acts if _overlap(s, span) > 0]
            if any(s.stats.get("steps") is None and s.label in GAIT_LABELS for s in over):
                self.steps_unknown_spans += 1
                continue
            counted = sum(s.stats.get("steps", 0) * _overlap(s, span) / s.duration_s for s in over if s.duration_s > 0)
            self.step_true.append(span.steps)
            self.step_counted.append(counted)

    def _events(self, scenario: Scenario, events: list[MotionSegment]) -> None:
        for label in ("sit_down", "stand_up"):
            truth = [e.start_s for e in scenario.events if e.label == label]
            guess = [e.start_s for e in events if e.label == label]
            self.events[label + "_true"] += len(truth)
            self.events[label + "_pred"] += len(guess)
            for t in truth:
                near = [abs(g - t) for g in guess]
                if near and min(near) <= EVENT_TOLERANCE_S:
                    self.events[label + "_found"] += 1
                    self.event_errors.append(min(near))
            self.events[label + "_right"] += sum(any(abs(g - t) <= EVENT_TOLERANCE_S for t in truth) for g in guess)

    def summary(self) -> dict:
        out: dict = {"per_label": prf(self.confusion), "per_label_with_boundaries": prf(self.strict),
                     "frames": sum(self.confusion.values()),
                     "confusion": {f"{t}->{p}": n for (t, p), n in sorted(self.confusion.items())}}
        out["still_minutes"] = round(self.still_s / 60.0, 2)
        out["false_walk_s_per_still_min"] = round(self.false_walk_s / (self.still_s / 60.0), 2) if self.still_s else None
        errs = np.asarray(self.boundary_errors)
        out["boundary_error_s"] = {} if not len(errs) else {
            "median": round(float(np.median(errs)), 2), "mean": round(float(np.mean(errs)), 2),
            "within_1s": round(float(np.mean(errs <= 1.0)), 3), "n": len(errs)}
        out["steps"] = _step_summary(self.step_true, self.step_counted, self.steps_unknown_spans)
        out["events"] = {label: {
            "precision": _ratio(self.events[label + "_right"], self.events[label + "_pred"]),
            "recall": _ratio(self.events[label + "_found"], self.events[label + "_true"]),
            "support": self.events[label + "_true"]} for label in ("sit_down", "stand_up")}
        out["event_onset_error_s"] = round(float(np.mean(self.event_errors)), 2) if self.event_errors else None
        out["confidence_calibration"] = calibration(self.confidence)
        return out


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if b else None


def _step_summary(true: list, counted: list, unknown: int) -> dict:
    if not true:
        return {"spans": 0, "unknown_spans": unknown}
    t, c = np.asarray(true, float), np.asarray(counted, float)
    return {"spans": len(t), "unknown_spans": unknown, "true_steps": int(t.sum()),
            "total_error_pct": round(100 * float(abs(c.sum() - t.sum()) / t.sum()), 1),
            "mean_abs_span_error_pct": round(100 * float(np.mean(np.abs(c - t) / t)), 1),
            "mean_signed_span_error_pct": round(100 * float(np.mean((c - t) / t)), 1)}


def label_at(spans, t: float) -> str | None:
    for s in spans:
        if s.start_s <= t < s.end_s:
            return s.label
    return None


def segment_at(acts: list[MotionSegment], t: float) -> MotionSegment | None:
    for s in acts:
        if s.start_s <= t < s.end_s:
            return s
    return None


def _overlap(a, b) -> float:
    return max(0.0, min(a.end_s, b.end_s) - max(a.start_s, b.start_s))


def _changes(spans) -> list[float]:
    """Times where the activity label changes (joins of equal labels are no change)."""
    out, last = [], None
    for s in sorted(spans, key=lambda s: s.start_s):
        if last is not None and s.label != last.label:
            out.append((last.end_s + s.start_s) / 2)
        last = s
    return out


def boundary_errors(scenario: Scenario, acts: list[MotionSegment]) -> list[float]:
    truth, pred = _changes(scenario.activities), _changes(acts)
    return [min([abs(p - t) for p in pred] + [BOUNDARY_CAP_S]) for t in truth]


def prf(confusion: Counter, labels=LABELS) -> dict:
    """Precision / recall / support per label (the labels given, then any other truth label)."""
    extra = sorted({t for t, _ in confusion} - set(labels) - {"none"})
    out = {}
    for label in list(labels) + extra:
        tp = confusion[(label, label)]
        predicted = sum(v for (_, p), v in confusion.items() if p == label)
        actual = sum(v for (t, _), v in confusion.items() if t == label)
        if predicted or actual:
            out[label] = {"precision": _ratio(tp, predicted), "recall": _ratio(tp, actual), "support": actual}
    return out


def calibration(pairs: list, edges=(0.0, 0.5, 0.7, 0.85, 1.01)) -> list[dict]:
    """Frames grouped by the narrated segment's confidence: how often the label was right."""
    if not pairs:
        return []
    conf = np.array([c for c, _ in pairs])
    right = np.array([r for _, r in pairs], dtype=float)
    out = []
    for lo, hi in zip(edges[:-1], edges[1:]):
        sel = (conf >= lo) & (conf < hi)
        if sel.any():
            out.append({"confidence": f"{lo:.2f}-{min(hi, 1.0):.2f}", "frames": int(sel.sum()),
                        "mean_confidence": round(float(conf[sel].mean()), 3), "accuracy": round(float(right[sel].mean()), 3)})
    return out
