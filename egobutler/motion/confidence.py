"""How sure the rules narrator is of each segment, in 0..1, and the words that say so.

An activity's confidence comes from the analysis windows inside it (`activity.Window`):

* a gait: the share of its windows that saw that gait on their own (before smoothing), times
  how regular the rhythm was, discounted for short spans (a few steps are easily a nod burst);
* still: how far under the still threshold the head's 0.5 s acceleration spread stayed
  (median over the rest), times one minus the share of windows wholly inside the rest that
  saw a gait rhythm (a slow walk can hide under the threshold);
* other ("moved around"): a catch-all, never above `OTHER_CEILING`.

Events: a sit-down or stand-up by how far past `SIT_STAND_MIN_M` the head's height moved; a
head turn by its angle. The benchmark (`benchmarks/motion.py`) reports how often segments of
each confidence band were right on held-out recordings.

`hedge` words it: "probably" under `SURE`, "possibly" under `UNSURE`.
"""

from __future__ import annotations

import numpy as np

from egobutler.motion.activity import (
    GAIT_LABELS, RATE_HZ, SIT_STAND_MIN_M, STILL_STD_MPS2, WINDOW_S, Features, Window, _moving_spread,
)

SURE = 0.8
UNSURE = 0.55
OTHER_CEILING = 0.6
FULL_GAIT_S = 8.0   # a gait this long or longer gets no discount for being short


def activity_confidence(f: Features, a: int, b: int, label: str, windows: list[Window]) -> float:
    """Confidence of the activity ``label`` over samples a..b."""
    start, end = float(f.t_s[a]), float(f.t_s[b - 1])
    inside = [w for w in windows if start <= w.centre_s <= end]
    if not inside and windows:
        middle = (start + end) / 2
        inside = [min(windows, key=lambda w: abs(w.centre_s - middle))]
    duration = (b - a) / RATE_HZ
    gait_share = float(np.mean([w.label in GAIT_LABELS for w in inside])) if inside else 0.0
    if label in GAIT_LABELS:
        agree = float(np.mean([_same_gait(w.label, label) for w in inside])) if inside else 0.0
        rhythm = float(np.clip(np.median([w.periodicity for w in inside]), 0.0, 1.0)) if inside else 0.0
        value = agree * (0.6 + 0.4 * rhythm) * (0.7 + 0.3 * min(1.0, duration / FULL_GAIT_S))
    elif label == "still":
        half = WINDOW_S / 2
        whole = [w for w in windows if start + half <= w.centre_s <= end - half]
        rhythm_share = float(np.mean([w.label in GAIT_LABELS for w in whole])) if whole else 0.0
        calm = 1.0 - float(np.median(_moving_spread(f)[a:b])) / STILL_STD_MPS2
        value = (0.6 + 0.4 * float(np.clip(calm, 0.0, 1.0))) * (1.0 - rhythm_share)
    else:
        value = OTHER_CEILING * (1.0 - 0.5 * gait_share)
    return round(float(np.clip(value, 0.0, 1.0)), 2)


def _same_gait(seen: str, label: str) -> float:
    """Stairs and level walking share a rhythm; only the height tells them apart."""
    if seen == label:
        return 1.0
    return 0.5 if {seen, label} <= {"walking", "stairs_up", "stairs_down"} else 0.0


def transition_confidence(height_change_m: float) -> float:
    """A sit-down or stand-up that moved the head twice the threshold is sure."""
    return round(float(np.clip(abs(height_change_m) / (2 * SIT_STAND_MIN_M), 0.0, 1.0)), 2)


def turn_confidence(turn_deg: float) -> float:
    return round(float(np.clip(0.5 + abs(turn_deg) / 120.0, 0.0, 1.0)), 2)


def hedge(confidence: float | None) -> str:
    """"" when sure (or unknown), else "probably " or "possibly "."""
    if confidence is None or confidence >= SURE:
        return ""
    return "probably " if confidence >= UNSURE else "possibly "
