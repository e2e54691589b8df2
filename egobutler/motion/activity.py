"""Segment head-mounted IMU into activities and events with rules on interpretable features.

Pipeline (all at `RATE_HZ`):

1. resample; gaps stay NaN and are segmented separately (a gap never becomes a segment);
2. track gravity in the sensor frame with a complementary filter (gyro-propagated, pulled
   towards the accelerometer with time constant `GRAVITY_TAU_S`), so head tilts do not leak
   into "linear" acceleration;
3. remove the acceleration the head's own rotation gives a sensor sitting off its pivot
   (a fitted lever arm; `_rotation_part`), so nods and glances are not body motion;
4. per 2.56 s window (hop 0.5 s), everywhere: the step period and regularity from the
   autocorrelation of vertical acceleration, and its spread -> walking | running |
   stairs_up/down (when height is known) or no gait; gait runs are smoothed (no activity
   shorter than `MIN_ACTIVITY_S`), and gaits under `MIN_GAIT_S` or `MIN_GAIT_STEPS` are "other";
5. outside gaits, the 0.5 s spread of linear acceleration says still or other;
6. events (`egobutler.motion.events`): head turns (yaw about the gravity axis), sit-down /
   stand-up (the head's height change, integrated or from the trajectory), and a confidence
   on every segment (`egobutler.motion.confidence`).

Cadence bounds are human gait's, not fitted: walking 55-150 steps/min, running 120-215.
Other thresholds were chosen on the tuning split of `egobutler.motion.scenarios` only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from egobutler.motion.imu import GRAVITY_MPS2, ImuSeries, resample
from egobutler.motion.records import MotionSegment

RATE_HZ = 50.0
GRAVITY_TAU_S = 1.0
WINDOW_S = 2.56
HOP_S = 0.5
MIN_ACTIVITY_S = 1.5       # shortest gait activity inside a moving span
MIN_GAIT_S = 2.5           # a shorter rhythmic span is "other": a few steps are not told from a nod burst
MIN_GAIT_STEPS = 4
GAIT_LABELS = ("walking", "running", "stairs_up", "stairs_down")
MIN_STILL_S = 0.8
MIN_MOVE_S = 0.4
STILL_STD_MPS2 = 0.45      # linear-acceleration spread below this is "not moving the body"
RUN_STD_MPS2 = 4.5         # vertical spread above this with steps is running
WALK_MAX_STD_MPS2 = 4.0    # vertical spread above this at a walking rhythm is hopping, not walking
STEP_MIN_SAMPLES_PER_STEP = 5.0  # fewer samples a step and peaks blur together
STEP_MIN_PERIODICITY = 0.5
GAIT_MIN_STD_MPS2 = 0.3    # vertical spread a gait window needs at least
GAIT_EDGE_STD_MPS2 = 0.2   # a gait run starts and ends where the 0.5 s spread passes this
# Cadence bounds from human gait, not from data: walking 55-150 steps/min (slow strolls
# included), running 120-215; where they overlap the vertical spread decides.
WALK_STEP_HZ = (0.9, 2.5)  # steps per second
RUN_STEP_HZ = (2.0, 3.6)
PERIODICITY_MIN = 0.5      # autocorrelation at the step period; walking measures 0.6-0.9 (step regularity)
STAIRS_RATE_MPS = 0.12     # |height change| per second while stepping
TURN_RATE_RADPS = 0.35     # yaw rate that starts a head turn (~20 deg/s)
TURN_MIN_DEG = 30.0
SIT_STAND_MIN_M = 0.2      # head height change that makes a sit-down / stand-up
SIT_STAND_PAD_S = 0.8      # rest either side of a sit-down included when integrating its height change
LEVER_MAX_M = 0.25         # farthest a head-worn sensor sits from the point the head turns about
LEVER_WINDOW_S = 8.0       # windows that each estimate that lever arm
LEVER_MIN_EXPLAINED = 0.5  # share of a window's acceleration the rotation must explain for it to vote


@dataclass(frozen=True)
class Window:
    """One analysis window: centre time, its own label (before smoothing) and rhythm score."""

    centre_s: float
    label: str
    periodicity: float


@dataclass(frozen=True)
class Features:
    """Per-sample signals at `RATE_HZ`: ``t_s``, ``vertical`` linear acceleration along up
    (m/s²), ``horizontal`` its magnitude across (m/s²), ``yaw_rate`` about up (rad/s, + = left),
    ``height_m`` or None, ``valid`` (no gap), ``saturated`` (a sensor clipped) or None."""

    t_s: np.ndarray
    vertical: np.ndarray
    horizontal: np.ndarray
    yaw_rate: np.ndarray
    height_m: np.ndarray | None
    valid: np.ndarray
    saturated: np.ndarray | None = None


def features(series: ImuSeries) -> Features:
    """Resample, track gravity and split acceleration into vertical and horizontal parts."""
    rs = resample(series, RATE_HZ)
    valid = np.isfinite(rs.accel).all(axis=1) & np.isfinite(rs.gyro).all(axis=1)
    accel = np.where(valid[:, None], rs.accel, 0.0)
    gyro = np.where(valid[:, None], rs.gyro, 0.0)
    up = _track_up(accel, gyro, valid)
    linear = accel - GRAVITY_MPS2 * up
    linear = linear - _rotation_part(linear, gyro, valid)
    vertical = np.einsum("ij,ij->i", linear, up)
    horizontal = np.linalg.norm(linear - vertical[:, None] * up, axis=1)
    yaw = np.einsum("ij,ij->i", gyro, up)
    return Features(rs.t_s, vertical, horizontal, yaw, rs.height_m, valid, rs.saturated)


def _rotation_part(linear: np.ndarray, gyro: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """The acceleration that turning the head alone gives the sensor, per sample.

    Glasses hold their IMU some centimetres from the point the head turns about, so a nod or
    a glance accelerates the sensor without the body moving: a x r + w x (w x r) for a lever
    arm r that is fixed in the sensor frame. r is fitted by least squares in 8 s windows; the
    windows the fit explains (rotation-dominated: talking, glancing) vote, and the median of
    their estimates is used, so walking, or a whole-body flip turning about the hips, does not
    pull it. Bounded to `LEVER_MAX_M` (a head is not bigger). The rotational part is removed
    before any activity is judged."""
    if valid.sum() < RATE_HZ:
        return np.zeros_like(linear)
    omega = np.where(valid[:, None], gyro, 0.0)
    alpha = np.gradient(omega, 1.0 / RATE_HZ, axis=0)
    m = _skew(alpha) + _skew(omega) @ _skew(omega)  # (N, 3, 3): rotational accel = m @ r
    lever = _fit_lever(m, np.where(valid[:, None], linear, 0.0), valid)
    return np.where(valid[:, None], m @ lever, 0.0)


def _fit_lever(m: np.ndarray, linear: np.ndarray, valid: np.ndarray) -> np.ndarray:
    width, votes = int(LEVER_WINDOW_S * RATE_HZ), []
    for a in range(0, max(len(m) - width, 0) + 1, width // 2):
        sel = slice(a, a + width)
        if not valid[sel].all():
            continue
        rows, target = m[sel].reshape(-1, 3), linear[sel].reshape(-1)
        lever, *_ = np.linalg.lstsq(rows, target, rcond=None)
        explained = 1.0 - float(np.sum((target - rows @ lever) ** 2)) / max(float(target @ target), 1e-9)
        if explained >= LEVER_MIN_EXPLAINED and np.linalg.norm(lever) <= LEVER_MAX_M:
            votes.append(lever)
    return np.median(votes, axis=0) if votes else np.zeros(3)


def _skew(v: np.ndarray) -> np.ndarray:
    """(N, 3) -> (N, 3, 3) cross-product matrices: skew(a) @ b == a x b."""
    out = np.zeros(v.shape[:-1] + (3, 3))
    out[..., 0, 1], out[..., 0, 2], out[..., 1, 2] = -v[..., 2], v[..., 1], -v[..., 0]
    out[..., 1, 0], out[..., 2, 0], out[..., 2, 1] = v[..., 2], -v[..., 1], v[..., 0]
    return out


def _track_up(accel: np.ndarray, gyro: np.ndarray, valid: np.ndarray) -> np.ndarray:
    """Unit 'up' vector in the sensor frame per sample (complementary filter). Plain floats:
    numpy's per-call overhead would dominate a 3-vector loop."""
    dt = 1.0 / RATE_HZ
    alpha = dt / GRAVITY_TAU_S
    up = np.zeros_like(accel)
    up[:, 2] = 1.0
    acc, gyr = accel.tolist(), gyro.tolist()
    g = None
    second = int(RATE_HZ)
    for k in range(len(acc)):
        if not valid[k]:
            g = None  # restart after a gap
            continue
        if g is None:
            g = accel[k : k + second][valid[k : k + second]].mean(axis=0).tolist()
        (wx, wy, wz), (ax, ay, az) = gyr[k], acc[k]
        gx, gy, gz = g
        # A world-fixed vector seen from a frame rotating at w changes as dg/dt = -w x g.
        gx, gy, gz = gx - dt * (wy * gz - wz * gy), gy - dt * (wz * gx - wx * gz), gz - dt * (wx * gy - wy * gx)
        g = [(1 - alpha) * gx + alpha * ax, (1 - alpha) * gy + alpha * ay, (1 - alpha) * gz + alpha * az]
        norm = (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]) ** 0.5 or 1.0
        up[k] = (g[0] / norm, g[1] / norm, g[2] / norm)
    return up


# ----------------------------------------------------------------------------- windows


def _step_period(x: np.ndarray) -> tuple[float, float]:
    """(step frequency Hz, autocorrelation there) of a window of vertical acceleration."""
    x = x - x.mean()
    energy = float(x @ x)
    if energy <= 1e-9:
        return 0.0, 0.0
    ac = np.correlate(x, x, mode="full")[len(x) - 1 :] / energy
    lo, hi = int(RATE_HZ / RUN_STEP_HZ[1]), min(int(RATE_HZ / WALK_STEP_HZ[0]) + 1, len(x) - 1)
    if hi <= lo:
        return 0.0, 0.0  # shorter than one step: no rhythm to find
    lag = lo + int(np.argmax(ac[lo:hi]))
    # An unbiased estimate: the raw autocorrelation shrinks with lag as fewer samples overlap.
    score = float(ac[lag]) * len(x) / (len(x) - lag)
    return RATE_HZ / lag, score


def _window_label(f: Features, sel: slice) -> tuple[str, float]:
    """(gait label or "other", the rhythm's autocorrelation) of one window."""
    vert = f.vertical[sel]
    v_std = float(np.std(vert))
    step_hz, score = _step_period(vert)
    if score >= PERIODICITY_MIN:
        if RUN_STEP_HZ[0] <= step_hz <= RUN_STEP_HZ[1] and v_std >= RUN_STD_MPS2:
            return "running", score
        if WALK_STEP_HZ[0] <= step_hz <= WALK_STEP_HZ[1] and GAIT_MIN_STD_MPS2 <= v_std < WALK_MAX_STD_MPS2:
            return _stairs_or_walking(f, sel), score
    return "other", score


def _stairs_or_walking(f: Features, sel: slice) -> str:
    if f.height_m is None:
        return "walking"
    h = f.height_m[sel]
    rate = float(np.polyfit(np.arange(len(h)) / RATE_HZ, h, 1)[0])
    if rate >= STAIRS_RATE_MPS:
        return "stairs_up"
    if rate <= -STAIRS_RATE_MPS:
        return "stairs_down"
    return "walking"


def _runs(values: list) -> list[tuple[int, int, object]]:
    """[(start index, end index exclusive, value)] of equal consecutive values."""
    out, start = [], 0
    for i in range(1, len(values) + 1):
        if i == len(values) or values[i] != values[start]:
            out.append((start, i, values[start]))
            start = i
    return out


def _smooth(labels: list[str], min_windows: int) -> list[str]:
    """Give runs shorter than ``min_windows`` to their longer neighbour, shortest first."""
    labels = list(labels)
    while True:
        runs = _runs(labels)
        short = [r for r in runs if r[1] - r[0] < min_windows]
        if not short or len(runs) == 1:
            return labels
        a, b, _ = min(short, key=lambda r: r[1] - r[0])
        i = runs.index(next(r for r in runs if r[0] == a))
        left = runs[i - 1] if i > 0 else None
        right = runs[i + 1] if i + 1 < len(runs) else None
        pick = max((r for r in (left, right) if r), key=lambda r: r[1] - r[0])
        labels[a:b] = [pick[2]] * (b - a)


def moving_mask(f: Features) -> np.ndarray:
    """Per sample: is the body moving (0.5 s spread of linear acceleration over the still
    threshold)? Still blips under `MIN_STILL_S` count as moving, moving blips under
    `MIN_MOVE_S` as still (a nod or a bump is not an activity)."""
    moving = (_moving_spread(f) >= STILL_STD_MPS2) & f.valid
    for value, shortest in ((False, MIN_STILL_S), (True, MIN_MOVE_S)):
        for a, b in _spans(moving == value):
            if b - a < shortest * RATE_HZ and a > 0 and b < len(moving) and f.valid[a:b].all():
                moving[a:b] = not value
    return moving


def _windows(f: Features, a: int, b: int) -> list[Window]:
    """The analysis windows of samples a..b (one when the span is shorter than a window)."""
    half, hop = int(WINDOW_S * RATE_HZ / 2), int(HOP_S * RATE_HZ)
    if b - a <= 2 * half:
        return [Window(float(f.t_s[(a + b - 1) // 2]), *_window_label(f, slice(a, b)))]
    return [Window(float(f.t_s[c]), *_window_label(f, slice(c - half, c + half)))
            for c in range(a + half, b - half + 1, hop)]


def segment(series: ImuSeries, *, model_id: str = "rules") -> list[MotionSegment]:
    """Activities (tiling the covered span; gaps excluded) and events, sorted by start."""
    f = features(series)
    if not f.valid.any():
        return []
    labels = np.where(moving_mask(f), "other", "still").astype(object)
    labels[~f.valid] = None
    windows: list[Window] = []
    for va, vb in _spans(f.valid):
        gait, span_windows = _gait_labels(f, va, vb)
        windows += span_windows
        labels[va:vb] = np.where(gait != None, gait, labels[va:vb])  # noqa: E711 (elementwise)
    parts = _drop_short_gaits(f, _absorb_slivers([(a, b, label) for a, b, label in _runs(list(labels)) if label is not None]))
    from egobutler.motion.confidence import activity_confidence
    from egobutler.motion.events import head_turns, set_posture, sit_stand

    transitions = sit_stand(f, parts, model_id)
    parts = _mark_transitions(f, parts, transitions)
    rate = series.rate_hz
    activities = [MotionSegment(float(f.t_s[a]), min(float(f.t_s[b - 1]) + 1 / RATE_HZ, float(series.t_s[-1])), label,
                                {**_activity_stats(f, a, b, label, rate),
                                 "confidence": activity_confidence(f, a, b, label, windows)}, model_id)
                  for a, b, label in parts]
    events = head_turns(f, model_id) + transitions
    set_posture(activities, events)
    return sorted(activities + events, key=lambda s: (s.start_s, s.is_event))


def _mark_transitions(f: Features, parts: list[tuple[int, int, str]], transitions: list[MotionSegment]):
    """Sit-downs and stand-ups are movement ("other") over their span, whatever the rest says."""
    labels = np.full(len(f.t_s), None, dtype=object)
    for a, b, label in parts:
        labels[a:b] = label
    for e in transitions:
        a, b = np.searchsorted(f.t_s, [e.start_s, e.end_s])
        labels[a:b + 1] = np.where(labels[a:b + 1] != None, "other", None)  # noqa: E711 (elementwise)
    return [(a, b, label) for a, b, label in _runs(list(labels)) if label is not None]


def _gait_labels(f: Features, a: int, b: int) -> tuple[np.ndarray, list[Window]]:
    """Per sample of a..b: the gait its windows show (walking, running, stairs) or None.
    Gait is looked for everywhere, not only where the body clearly moves: a slow walk bobs
    the head less than a lively conversation sways it, but it keeps a rhythm. A gait run's
    ends are trimmed to where the head moves at all (`GAIT_EDGE_STD_MPS2`)."""
    out = np.full(b - a, None, dtype=object)
    windows = _windows(f, a, b)
    centres = [w.centre_s for w in windows]
    labels = _smooth([w.label for w in windows], int(round(MIN_ACTIVITY_S / HOP_S)))
    spread = _moving_spread(f)[a:b]
    for wa, wb, label in _runs(labels):
        if label not in GAIT_LABELS:
            continue
        s0 = a if wa == 0 else int(np.searchsorted(f.t_s, (centres[wa - 1] + centres[wa]) / 2))
        s1 = b if wb == len(labels) else int(np.searchsorted(f.t_s, (centres[wb - 1] + centres[wb]) / 2))
        lively = np.flatnonzero(spread[s0 - a:s1 - a] >= GAIT_EDGE_STD_MPS2)
        if len(lively):
            out[s0 - a + lively[0]:s0 - a + lively[-1] + 1] = label
    return out, windows


def _absorb_slivers(parts: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Short movement at a gait's edge is the gait starting or stopping (its first steps
    come before a window sees the rhythm): up to `MIN_ACTIVITY_S` of it joins the gait. Any
    other movement under `MIN_MOVE_S` joins its longer touching neighbour."""
    out = list(parts)
    for i in sorted(range(len(out)), key=lambda k: out[k][1] - out[k][0]):
        a, b, label = out[i]
        near = [k for k in (i - 1, i + 1) if 0 <= k < len(out) and out[k][1] > out[k][0]
                and (out[k][1] == a or out[k][0] == b)]
        gaits = [k for k in near if out[k][2] in GAIT_LABELS]
        if label != "other" or not near:
            continue
        if gaits and b - a < MIN_ACTIVITY_S * RATE_HZ:
            k = max(gaits, key=lambda k: out[k][1] - out[k][0])
        elif b - a < MIN_MOVE_S * RATE_HZ:
            k = max(near, key=lambda k: out[k][1] - out[k][0])
        else:
            continue
        out[k] = (min(out[k][0], a), max(out[k][1], b), out[k][2])
        out[i] = (a, a, label)
    return [part for part in out if part[1] > part[0]]


def _drop_short_gaits(f: Features, parts: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """A gait shorter than `MIN_GAIT_S` or with fewer than `MIN_GAIT_STEPS` steps is movement,
    not a walk: nodding or shifting weight can look rhythmic for a moment. Neighbours of one
    label join."""
    out: list[tuple[int, int, str]] = []
    for a, b, label in parts:
        if label in GAIT_LABELS and ((b - a) < MIN_GAIT_S * RATE_HZ or count_steps(f.vertical[a:b]) < MIN_GAIT_STEPS):
            label = "other"
        if out and out[-1][2] == label and out[-1][1] == a:
            out[-1] = (out[-1][0], b, label)
        else:
            out.append((a, b, label))
    return out


def _moving_spread(f: Features, width_s: float = 0.5) -> np.ndarray:
    n = max(int(width_s * RATE_HZ), 1)
    kernel = np.ones(n) / n

    def mstd(x: np.ndarray) -> np.ndarray:
        mean = np.convolve(x, kernel, "same")
        return np.sqrt(np.maximum(np.convolve(x * x, kernel, "same") - mean * mean, 0.0))

    return np.hypot(mstd(np.where(f.valid, f.vertical, 0.0)), mstd(np.where(f.valid, f.horizontal, 0.0)))


def _activity_stats(f: Features, a: int, b: int, label: str, source_rate_hz: float = RATE_HZ) -> dict:
    duration = (b - a) / RATE_HZ
    stats: dict = {"duration_s": round(duration, 2)}
    if label in GAIT_LABELS:
        steps, why_not = step_count(f.vertical[a:b], source_rate_hz)
        stats["steps"] = steps
        if steps is None:
            stats["steps_unknown"] = why_not
        else:
            stats["cadence_spm"] = round(60.0 * steps / duration, 1) if duration > 0 else 0.0
    if f.height_m is not None:
        stats["elevation_m"] = round(float(f.height_m[b - 1] - f.height_m[a]), 2)
    if f.saturated is not None and f.saturated[a:b].any():
        # A clipped sensor under-reads: steps and intensity are lower bounds here.
        stats["saturated_s"] = round(float(f.saturated[a:b].sum()) / RATE_HZ, 2)
    return stats


def step_count(vertical: np.ndarray, source_rate_hz: float) -> tuple[int | None, str]:
    """Steps of a gait span, or (None, why) when the IMU cannot tell them: a sensor sampling
    under `STEP_MIN_SAMPLES_PER_STEP` times a step, or a rhythm too irregular to count
    (autocorrelation under `STEP_MIN_PERIODICITY`)."""
    probe = vertical[: int(8 * RATE_HZ)]
    step_hz, score = _step_period(probe) if len(probe) >= 2 * RATE_HZ else (0.0, 0.0)
    if step_hz and source_rate_hz < STEP_MIN_SAMPLES_PER_STEP * step_hz:
        return None, f"sampled at {source_rate_hz:.0f} Hz, too slow to tell steps of {step_hz:.1f} Hz apart"
    if score < STEP_MIN_PERIODICITY:
        return None, "the rhythm is too irregular to count steps"
    return count_steps(vertical), ""


def count_steps(vertical: np.ndarray) -> int:
    """Heel strikes in vertical head acceleration (m/s², at `RATE_HZ`): peaks of the
    0.7-4 Hz band at least 0.6 step periods apart and above 40% of the signal's spread."""
    from scipy.signal import butter, find_peaks, sosfiltfilt

    if len(vertical) < int(RATE_HZ):
        return 0
    sos = butter(2, (0.7, 4.0), btype="band", fs=RATE_HZ, output="sos")
    x = sosfiltfilt(sos, vertical - vertical.mean())
    step_hz, _ = _step_period(x[: int(8 * RATE_HZ)]) if len(x) >= 2 * RATE_HZ else (2.0, 0.0)
    distance = max(int(0.6 * RATE_HZ / max(step_hz, 0.5)), 1)
    peaks, _ = find_peaks(x, distance=distance, prominence=0.4 * float(np.std(x)))
    return int(len(peaks))


# ----------------------------------------------------------------------------- events


def _spans(mask: np.ndarray) -> list[tuple[int, int]]:
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    return list(zip(np.flatnonzero(edges == 1).tolist(), np.flatnonzero(edges == -1).tolist()))
