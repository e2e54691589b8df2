"""Events inside the activities of `egobutler.motion.activity.segment`: head turns, and
sit-downs / stand-ups with the posture they leave the wearer in."""

from __future__ import annotations

import math

import numpy as np

from egobutler.motion.activity import (
    GAIT_LABELS, RATE_HZ, SIT_STAND_MIN_M, SIT_STAND_PAD_S, TURN_MIN_DEG, TURN_RATE_RADPS, Features, _spans,
)
from egobutler.motion.confidence import transition_confidence, turn_confidence
from egobutler.motion.records import MotionSegment

TRANSITION_LOWPASS_HZ = 1.5     # a body lowering itself onto a chair is slower than this
TRANSITION_ACCEL_MPS2 = 0.2     # low-passed vertical acceleration that starts a candidate
TRANSITION_MAX_ACCEL_MPS2 = 4.0 # more than this is a jump or a fall, not sitting
TRANSITION_JOIN_S = 0.8         # the accelerate and brake phases of one sit-down, joined
TRANSITION_S = (0.4, 5.0)       # how long a sit-down or stand-up takes


def head_turns(f: Features, model_id: str = "rules") -> list[MotionSegment]:
    """Spans where the head yaws faster than `TURN_RATE_RADPS` and turns `TURN_MIN_DEG` or more.
    ``direction`` is "left" for counter-clockwise seen from above."""
    n = max(int(0.2 * RATE_HZ), 1)
    yaw = np.convolve(np.where(f.valid, f.yaw_rate, 0.0), np.ones(n) / n, "same")
    out = []
    for sign in (1.0, -1.0):
        fast = sign * yaw > TURN_RATE_RADPS
        for a, b in _merge_close(_spans(fast), int(0.3 * RATE_HZ)):
            # Extend to where the turn really starts and stops (rate back under a quarter).
            while a > 0 and sign * yaw[a - 1] > TURN_RATE_RADPS / 4:
                a -= 1
            while b < len(yaw) and sign * yaw[b] > TURN_RATE_RADPS / 4:
                b += 1
            angle = math.degrees(float(np.sum(yaw[a:b])) / RATE_HZ)
            if abs(angle) >= TURN_MIN_DEG:
                stats = {"turn_deg": round(abs(angle)), "direction": "left" if angle > 0 else "right",
                         "confidence": turn_confidence(angle)}
                out.append(MotionSegment(float(f.t_s[a]), float(f.t_s[b - 1]), "head_turn", stats, model_id))
    return _dedupe(out)


def _merge_close(spans: list[tuple[int, int]], gap: int) -> list[tuple[int, int]]:
    merged: list[list[int]] = []
    for a, b in spans:
        if merged and a - merged[-1][1] <= gap:
            merged[-1][1] = b
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def _dedupe(segs: list[MotionSegment]) -> list[MotionSegment]:
    out: list[MotionSegment] = []
    for s in sorted(segs, key=lambda s: s.start_s):
        if out and s.start_s < out[-1].end_s:
            continue  # extended spans of one turn can overlap; keep the first
        out.append(s)
    return out


def sit_stand(f: Features, parts: list[tuple[int, int, str]], model_id: str = "rules") -> list[MotionSegment]:
    """Sit-downs and stand-ups, found from the head's height rather than from how lively the
    movement is (a slow sit-down barely moves the accelerometer): spans where the low-passed
    vertical acceleration leaves `TRANSITION_ACCEL_MPS2`, outside any gait, across which the
    head drops or rises by `SIT_STAND_MIN_M` or more (trajectory height when known, else
    vertical acceleration integrated with zero velocity at rest on both sides). Violent spans
    (over `TRANSITION_MAX_ACCEL_MPS2`: a jump, a fall) are not sitting. ``parts`` are the
    activity sample spans of `segment`."""
    from scipy.signal import butter, sosfiltfilt

    if len(f.t_s) < RATE_HZ:
        return []
    gait = np.zeros(len(f.t_s), dtype=bool)
    for a, b, label in parts:
        gait[a:b] |= label in GAIT_LABELS
    sos = butter(2, TRANSITION_LOWPASS_HZ, fs=RATE_HZ, output="sos")
    low = sosfiltfilt(sos, np.where(f.valid, f.vertical, 0.0))
    active = (np.abs(low) >= TRANSITION_ACCEL_MPS2) & f.valid & ~gait
    out = []
    for a, b in _merge_close(_spans(active), int(TRANSITION_JOIN_S * RATE_HZ)):
        if not (TRANSITION_S[0] * RATE_HZ <= b - a <= TRANSITION_S[1] * RATE_HZ):
            continue
        if np.max(np.abs(low[a:b])) > TRANSITION_MAX_ACCEL_MPS2 or gait[max(a - int(RATE_HZ), 0):b + int(RATE_HZ)].any():
            continue
        dz = _height_change(f, a, b)
        if abs(dz) >= SIT_STAND_MIN_M:
            name = "sit_down" if dz < 0 else "stand_up"
            stats = {"height_change_m": round(dz, 2), "confidence": transition_confidence(dz)}
            out.append(MotionSegment(float(f.t_s[a]), float(f.t_s[b - 1]), name, stats, model_id))
    return out


def _height_change(f: Features, s0: int, s1: int) -> float:
    """Head height change (m) over samples s0..s1: from the trajectory if known, else by
    integrating vertical acceleration twice with zero vertical velocity at both ends."""
    if f.height_m is not None:
        return float(f.height_m[s1 - 1] - f.height_m[s0])
    pad = int(SIT_STAND_PAD_S * RATE_HZ)
    a0, a1 = max(s0 - pad, 0), min(s1 + pad, len(f.t_s))
    acc = f.vertical[a0:a1] - np.median(f.vertical[max(a0 - int(RATE_HZ), 0):a0 + 1])
    dt = 1.0 / RATE_HZ
    vel = np.cumsum(acc) * dt
    vel -= np.linspace(0.0, vel[-1], len(vel))  # zero velocity at rest on both sides
    return float(np.sum(vel) * dt)


def set_posture(activities: list[MotionSegment], events: list[MotionSegment]) -> None:
    """Still segments learn whether the wearer sat or stood, from the latest transition
    (a sit-down, a stand-up, or any walking: one walks standing)."""
    marks = [(e.end_s, "sitting" if e.label == "sit_down" else "standing")
             for e in events if e.label in ("sit_down", "stand_up")]
    marks += [(a.end_s, "standing") for a in activities if a.label in ("walking", "running", "stairs_up", "stairs_down")]
    marks.sort()
    for seg in activities:
        known = [posture for end_s, posture in marks if end_s <= seg.start_s + 1.0]
        if seg.label == "still" and known:
            seg.stats["posture"] = known[-1]
