"""Timed narrations: the text the EgoLM narrator is trained to write, and how it is read back.

One 30 s window is written as items separated by ";", each ``START END LABEL`` in whole
seconds from the window start, gaits followed by ``N steps``, e.g.::

    0 6 still ; 6 30 walking 41 steps ; 12 14 sitdown

Labels are one word each (``stairsup``, ``sitdown``, ...) so the word vocabulary keeps them
whole. Reading back turns the items into `MotionSegment` activities that tile the window
(overlaps cut, gaps given to the activity before) and events.
"""

from __future__ import annotations

import re

from egobutler.motion.records import ACTIVITY_LABELS, EVENT_LABELS, MotionSegment

WORD_OF = {"stairs_up": "stairsup", "stairs_down": "stairsdown", "sit_down": "sitdown", "stand_up": "standup",
           "head_turn": "headturn"}
LABEL_OF = {**{v: k for k, v in WORD_OF.items()}, **{k: k for k in ACTIVITY_LABELS + EVENT_LABELS if k not in WORD_OF}}
GAITS = ("walking", "running", "stairs_up", "stairs_down")
_ITEM = re.compile(r"^\s*(\d+)\s+(\d+)\s+([a-z]+)(?:\s+(\d+)\s+steps)?\s*$")


def write(activities, events, start_s: float, length_s: float) -> str:
    """The timed narration of truth spans (objects with start_s, end_s, label and, for gaits,
    steps) over ``start_s .. start_s + length_s``. Pieces under a second are left out."""
    items = []
    for span in _merged(activities, start_s, length_s):
        a, b, label, steps = span
        if b - a < 1:
            continue
        text = f"{a} {b} {WORD_OF.get(label, label)}"
        if label in GAITS and steps:
            text += f" {steps} steps"
        items.append((a, text))
    for e in events:
        if start_s <= e.start_s < start_s + length_s:
            a = int(round(e.start_s - start_s))
            b = max(a + 1, int(round(min(e.end_s, start_s + length_s) - start_s)))
            items.append((a, f"{a} {b} {WORD_OF.get(e.label, e.label)}"))
    return " ; ".join(text for _, text in sorted(items, key=lambda item: item[0]))


def _merged(activities, start_s: float, length_s: float) -> list[tuple[int, int, str, int]]:
    """Activities clipped to the window, neighbours of one label joined, steps pro rata."""
    out: list[list] = []
    end_s = start_s + length_s
    for span in sorted(activities, key=lambda s: s.start_s):
        lo, hi = max(span.start_s, start_s), min(span.end_s, end_s)
        if hi <= lo:
            continue
        steps = getattr(span, "steps", 0) or 0
        share = steps * (hi - lo) / (span.end_s - span.start_s) if span.end_s > span.start_s else 0.0
        if out and out[-1][2] == span.label:
            out[-1][1], out[-1][3] = hi, out[-1][3] + share
        else:
            out.append([lo, hi, span.label, share])
    return [(int(round(a - start_s)), int(round(b - start_s)), label, int(round(steps))) for a, b, label, steps in out]


def read(text: str, start_s: float, length_s: float, model_id: str,
         confidences: list[float] | None = None) -> list[MotionSegment]:
    """Segments from a generated timed narration over ``start_s .. start_s + length_s``.
    Items that do not parse are skipped. ``confidences`` (one per item) go into the stats."""
    activities, events = [], []
    for k, item in enumerate(text.split(";")):
        match = _ITEM.match(item.lower())
        label = LABEL_OF.get(match.group(3)) if match else None
        if label is None:
            continue
        a, b = float(match.group(1)), float(match.group(2))
        a, b = min(max(a, 0.0), length_s), min(max(b, 0.0), length_s)
        if b <= a:
            continue
        stats: dict = {}
        if confidences is not None and k < len(confidences):
            stats["confidence"] = round(float(confidences[k]), 2)
        if label in GAITS and match.group(4):
            stats["steps"] = int(match.group(4))
        segment = MotionSegment(start_s + a, start_s + b, label, stats, model_id)
        (events if label in EVENT_LABELS else activities).append(segment)
    return _tile(activities, start_s, start_s + length_s, model_id) + events


def _tile(activities: list[MotionSegment], start_s: float, end_s: float, model_id: str) -> list[MotionSegment]:
    """Make activities cover start..end without overlap: each ends where the next begins.
    A window with nothing readable is "other" at confidence 0."""
    acts = sorted(activities, key=lambda s: s.start_s)
    if not acts:
        return [MotionSegment(start_s, end_s, "other", {"confidence": 0.0}, model_id)]
    out = []
    for i, seg in enumerate(acts):
        lo = start_s if i == 0 else out[-1].end_s
        hi = end_s if i == len(acts) - 1 else max(acts[i + 1].start_s, lo)
        if hi > lo:
            out.append(MotionSegment(lo, hi, seg.label, seg.stats, seg.model_id))
    return out
