"""Synthesize head-mounted IMU from head poses: for tests with planted activities, for the
benchmark on real motion capture (DeepMimic), and for sample recordings.

Physics: the accelerometer measures specific force f = a - g (a device at rest reads
+9.81 m/s² *up*); both f and the angular velocity are expressed in the head frame. Poses are
interpolated with cubic splines (positions) and slerp (rotations) onto the IMU clock, then
sensor noise and a constant per-axis bias are added.

Two sources of head poses:

* `plan_head_pose` — a procedural head: still, walk, run, stairs, head turns, sit-down,
  stand-up, with the truth segments returned alongside (for tests);
* `clip_head_pose` — DeepMimic motion capture (``egobutler.motion.deepmimic``), looped to any
  duration; `session_from_clips` joins clips and still periods into one recording.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import numpy as np

from egobutler.motion.imu import GRAVITY_MPS2, ImuSeries

log = logging.getLogger(__name__)

UP = np.array([0.0, 0.0, 1.0])  # z-up world (as in egobutler.motion.skeleton)
STANDING_HEAD_M = 1.65
SITTING_HEAD_M = 1.20


@dataclass(frozen=True)
class PlannedSegment:
    """A planted activity: what the synthesized wearer did from ``start_s`` to ``end_s``."""

    start_s: float
    end_s: float
    label: str
    steps: int = 0
    turn_deg: float = 0.0  # head turns: + = left


@dataclass(frozen=True)
class NoiseModel:
    """Sensor noise: white noise std per sample and bias std (drawn once per recording)."""

    accel_std_mps2: float = 0.03
    gyro_std_radps: float = 0.004
    accel_bias_mps2: float = 0.05
    gyro_bias_radps: float = 0.004


QUIET = NoiseModel(0.0, 0.0, 0.0, 0.0)


# ----------------------------------------------------------------------------- pose -> IMU


def imu_from_head_pose(
    t_s: np.ndarray, pos: np.ndarray, rot: np.ndarray, *, rate_hz: float = 200.0,
    noise: NoiseModel = NoiseModel(), seed: int = 0, height_m: bool = False, mount: np.ndarray | None = None,
    lever_m: np.ndarray | None = None,
) -> ImuSeries:
    """Head-mounted IMU from head poses ``t_s`` (T,), ``pos`` (T, 3) metres in a z-up world and
    ``rot`` (T, 3, 3) head-to-world rotations. ``height_m`` also returns the head height (as a
    trajectory or barometer would give it). ``mount`` (3, 3) turns head-frame vectors into the
    sensor's frame (glasses hold their IMU at an angle); identity by default. ``lever_m`` (3,)
    is where the sensor sits in the head frame relative to ``pos`` (glasses sit ~10 cm in front
    of and above the neck pivot, so a nod moves the sensor); none by default."""
    from scipy.interpolate import CubicSpline
    from scipy.spatial.transform import Rotation, Slerp

    if lever_m is not None:
        pos = pos + np.einsum("tij,j->ti", rot, np.asarray(lever_m, dtype=np.float64))
    grid = t_s[0] + np.arange(int((t_s[-1] - t_s[0]) * rate_hz) + 1) / rate_hz
    spline = CubicSpline(t_s, pos, axis=0)
    acc_world = spline(grid, 2)
    dt = 1.0 / rate_hz
    slerp = Slerp(t_s, Rotation.from_matrix(rot))
    rots = slerp(grid)
    before = slerp(np.clip(grid - dt / 2, t_s[0], t_s[-1]))
    after = slerp(np.clip(grid + dt / 2, t_s[0], t_s[-1]))
    # Body-frame angular velocity: the small rotation from one instant to the next, over dt.
    gyro = (before.inv() * after).as_rotvec() / dt
    specific = acc_world + GRAVITY_MPS2 * UP
    accel = rots.inv().apply(specific)
    if mount is not None:
        accel, gyro = accel @ mount.T, gyro @ mount.T
    rng = np.random.default_rng(seed)
    accel = accel + rng.normal(0, noise.accel_bias_mps2, 3) + rng.normal(0, noise.accel_std_mps2, accel.shape)
    gyro = gyro + rng.normal(0, noise.gyro_bias_radps, 3) + rng.normal(0, noise.gyro_std_radps, gyro.shape)
    height = spline(grid)[:, 2] - float(spline(grid[0])[2]) if height_m else None
    return ImuSeries(t_s=grid, accel=accel, gyro=gyro, height_m=height, source="synthetic")


def _rot_z(yaw: np.ndarray) -> np.ndarray:
    c, s = np.cos(yaw), np.sin(yaw)
    out = np.zeros(yaw.shape + (3, 3))
    out[..., 0, 0], out[..., 0, 1], out[..., 1, 0], out[..., 1, 1], out[..., 2, 2] = c, -s, s, c, 1.0
    return out


def _rot_y(pitch: np.ndarray) -> np.ndarray:
    c, s = np.cos(pitch), np.sin(pitch)
    out = np.zeros(pitch.shape + (3, 3))
    out[..., 0, 0], out[..., 0, 2], out[..., 2, 0], out[..., 2, 2], out[..., 1, 1] = c, s, -s, c, 1.0
    return out


# ----------------------------------------------------------------------------- procedural head


_GAITS = {  # label: (cadence steps/min, bob amplitude m, speed m/s, rise per step m)
    "walking": (110.0, 0.025, 1.3, 0.0),
    "running": (165.0, 0.045, 3.0, 0.0),
    "stairs_up": (90.0, 0.02, 0.5, 0.17),
    "stairs_down": (100.0, 0.02, 0.5, -0.17),
}


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * x * (x * (6 * x - 15) + 10)


def plan_head_pose(
    plan: list[tuple[str, float] | tuple[str, float, float]], *, rate_hz: float = 100.0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[PlannedSegment]]:
    """A head that does ``plan``: a list of ``(action, duration_s[, value])`` with action in
    still | walking | running | stairs_up | stairs_down | turn_head (value: degrees, + = left)
    | sit_down | stand_up | talking | nodding (value: ``{"seed", "intensity"}``; see
    `conversation_head`; the truth calls them still). A gait's value may be a dict
    ``{"cadence_spm", "bob_m", "speed_mps"}`` for a gait of its own (slow walking, say). Returns ``t_s, pos, rot`` and the truth segments (turns, sit-down
    and stand-up are events; the still periods around them are ``still``)."""
    t = np.arange(int(sum(p[1] for p in plan) * rate_hz) + 1) / rate_hz
    x, y, z = np.zeros_like(t), np.zeros_like(t), np.full_like(t, STANDING_HEAD_M)
    yaw, pitch = np.zeros_like(t), np.zeros_like(t)
    heading, start, truth = 0.0, 0.0, []
    for item in plan:
        action, duration = item[0], float(item[1])
        sel = (t >= start) & (t <= start + duration + 1e-9)
        tau = t[sel] - start
        steps = _apply(action, item[2] if len(item) > 2 else None, tau, duration, sel, x, y, z, yaw, pitch, heading)
        heading = yaw[sel][-1]
        after = t > start + duration + 1e-9
        x[after], y[after], z[after], yaw[after] = x[sel][-1], y[sel][-1], z[sel][-1], heading
        turn = float(item[2]) if action == "turn_head" and len(item) > 2 else (90.0 if action == "turn_head" else 0.0)
        truth.append(PlannedSegment(start, start + duration, _truth_label(action), steps, turn))
        start += duration
    rot = _rot_z(yaw) @ _rot_y(pitch)
    return t, np.column_stack([x, y, z]), rot, truth


def _truth_label(action: str) -> str:
    if action in ("talking", "nodding"):
        return "still"  # the body stays where it is: not an activity of its own
    return "head_turn" if action == "turn_head" else action


def _apply(action, value, tau, duration, sel, x, y, z, yaw, pitch, heading) -> int:
    """Write one action's head motion into the arrays at ``sel``; return its step count."""
    if action in _GAITS:
        cadence, bob, speed, rise = _GAITS[action]
        if isinstance(value, dict):  # a gait of its own: {"cadence_spm", "bob_m", "speed_mps"}
            cadence = float(value.get("cadence_spm", cadence))
            bob, speed = float(value.get("bob_m", bob)), float(value.get("speed_mps", speed))
        f_step = cadence / 60.0
        # Ramp in and out over ~0.5 s so the body accelerates like a person does.
        env = _smoothstep(tau / 0.5) * _smoothstep((duration - tau) / 0.5)
        dist = speed * np.concatenate([[0.0], np.cumsum(env[1:] * np.diff(tau))])
        x[sel] = x[sel][0] + dist * math.cos(heading)
        y[sel] = y[sel][0] + dist * math.sin(heading)
        phase = 2 * math.pi * f_step * tau
        z[sel] = z[sel][0] - bob * env * (1 - np.cos(phase)) + rise * f_step * dist / max(speed, 1e-9)
        y[sel] += 0.02 * env * np.sin(phase / 2)  # side-to-side sway at the stride rate
        pitch[sel] = 0.03 * env * np.sin(phase)
        return int(round(f_step * (duration - 0.5)))
    if action == "turn_head":
        turn = math.radians(value if value is not None else 90.0)
        yaw[sel] = heading + turn * _smoothstep(tau / duration)
    elif action in ("sit_down", "stand_up"):
        frac = _smoothstep(tau / duration)
        z0, z1 = (STANDING_HEAD_M, SITTING_HEAD_M) if action == "sit_down" else (SITTING_HEAD_M, STANDING_HEAD_M)
        z[sel] = z0 + (z1 - z0) * frac
        pitch[sel] = math.radians(25) * np.sin(math.pi * frac)  # lean forward while moving
        lean = 0.15 * np.sin(math.pi * frac)
        x[sel] = x[sel][0] + lean * math.cos(heading)
        y[sel] = y[sel][0] + lean * math.sin(heading)
    elif action in ("talking", "nodding"):
        opts = value if isinstance(value, dict) else {}
        rng = np.random.default_rng(int(opts.get("seed", 0)))
        d = conversation_head(tau, rng, nods_only=action == "nodding", intensity=float(opts.get("intensity", 1.0)))
        x[sel] = x[sel][0] + d[:, 0] * math.cos(heading) - d[:, 1] * math.sin(heading)
        y[sel] = y[sel][0] + d[:, 0] * math.sin(heading) + d[:, 1] * math.cos(heading)
        z[sel] = z[sel][0] + d[:, 2]
        yaw[sel] = heading + d[:, 3]
        pitch[sel] = d[:, 4]
    elif action != "still":
        raise ValueError(f"unknown action {action!r}")
    return 0


def conversation_head(tau: np.ndarray, rng: np.random.Generator, *, nods_only: bool = False,
                      intensity: float = 1.0) -> np.ndarray:
    """Head motion of someone standing or sitting in place while talking: bursts of nods
    (1.5-3 Hz, 4-15 deg), glances left and right (10-45 deg) and the small sway of the body
    behind gestures (about a centimetre, 0.3-1.5 Hz). Returns (len(tau), 5): x, y, z offsets (m,
    x = facing), yaw and pitch (rad); zero at both ends so it joins still periods smoothly."""
    out = np.zeros((len(tau), 5))
    if len(tau) < 2:
        return out
    duration = float(tau[-1])
    start = float(rng.uniform(0.3, 2.0))
    while start < duration - 1.0:  # nod bursts
        hz, deg, count = rng.uniform(1.5, 3.0), rng.uniform(4.0, 15.0) * intensity, int(rng.integers(2, 6))
        span = (tau >= start) & (tau <= start + count / hz)
        out[span, 4] += math.radians(deg) * np.sin(math.pi * hz * (tau[span] - start)) ** 2
        start += count / hz + float(rng.uniform(1.0, 5.0))
    if not nods_only:
        glance, start = 0.0, float(rng.uniform(0.5, 3.0))
        while start < duration - 1.0:  # glances: turn to a new heading and hold it
            target = math.radians(float(rng.uniform(-45.0, 45.0))) * min(intensity, 1.5)
            length = float(rng.uniform(0.4, 1.0))
            out[:, 3] += (target - glance) * _smoothstep((tau - start) / length)
            glance, start = target, start + length + float(rng.uniform(1.5, 6.0))
        for k, amp in ((0, 0.012), (1, 0.012), (2, 0.004)):  # sway behind gestures
            for _ in range(3):
                hz, phase = rng.uniform(0.3, 1.5), rng.uniform(0, 2 * math.pi)
                out[:, k] += amp * intensity / 3 * np.sin(2 * math.pi * hz * tau + phase)
    ends = _smoothstep(tau / 0.5) * _smoothstep((duration - tau) / 0.5)
    out[:, :3] = (out[:, :3] - out[0, :3]) * ends[:, None]
    out[:, 3] -= out[:, 3] * _smoothstep((tau - (duration - 1.0)) / 1.0)  # face forward again at the end
    out[:, 4] *= ends
    return out


def synth_plan(
    plan: list, *, rate_hz: float = 200.0, noise: NoiseModel = NoiseModel(), seed: int = 0,
    with_height: bool = False, mount: np.ndarray | None = None, lever_m: np.ndarray | None = None,
) -> tuple[ImuSeries, list[PlannedSegment]]:
    """IMU of a procedural head doing ``plan`` (see `plan_head_pose`) and the truth."""
    t, pos, rot, truth = plan_head_pose(plan)
    series = imu_from_head_pose(t, pos, rot, rate_hz=rate_hz, noise=noise, seed=seed, height_m=with_height,
                                mount=mount, lever_m=lever_m)
    return series, truth


def random_mount(rng: np.random.Generator) -> np.ndarray:
    """A random sensor orientation: the narrator must not assume how the IMU sits in the frame."""
    from scipy.spatial.transform import Rotation

    return Rotation.random(random_state=rng).as_matrix()


# ----------------------------------------------------------------------------- DeepMimic clips


def clip_head_pose(name: str, duration_s: float | None = None, *, speed: float = 1.0,
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """Head poses of DeepMimic clip ``name``, looped to ``duration_s`` when the clip loops
    (each loop continues from where the last one ended). Also returns the number of loops.
    ``speed`` plays the clip faster (> 1) or slower (< 1): a walk at 0.75 is a slow walk of
    about 70 steps a minute (a time warp: stride length stays, cadence and speed scale)."""
    from egobutler.motion.deepmimic import head_pose, load_clip

    clip = load_clip(name)
    t, pos, rot = head_pose(clip)
    t = t / speed
    fps = clip.fps * speed
    if duration_s is None or not clip.loop or duration_s <= clip.duration_s / speed:
        return t, *clean_mocap(pos, rot, fps), 1
    period = clip.duration_s / speed
    loops = int(math.ceil(duration_s / period))
    pos, rot = _close_loop(t / period, pos, rot)
    shift = pos[-1] - pos[0]
    shift[2] = 0.0  # the wrap adds only ground travel
    ts, ps, rs = [t], [pos], [rot]
    for k in range(1, loops):
        ts.append(t[1:] + k * period)
        ps.append(pos[1:] + k * shift)
        rs.append(rot[1:])
    t, pos, rot = np.concatenate(ts), np.concatenate(ps), np.concatenate(rs)
    return t, *clean_mocap(pos, rot, fps), loops


def clean_mocap(pos: np.ndarray, rot: np.ndarray, fps: float, cutoff_hz: float = 6.0) -> tuple[np.ndarray, np.ndarray]:
    """Remove one-frame glitches and keep the band a head moves in. Some DeepMimic clips were
    mirrored at mid-cycle and the head jumps ~6 cm in one frame there; differentiated twice that
    is a 15 g spike no head feels. A 3-frame median of per-frame velocities removes such jumps,
    a zero-phase low-pass at ``cutoff_hz`` the frame-rate jitter."""
    from scipy.signal import butter, medfilt, sosfiltfilt
    from scipy.spatial.transform import Rotation

    if len(pos) < 12:
        return pos, rot
    sos = butter(2, min(cutoff_hz, 0.45 * fps), fs=fps, output="sos")

    def clean(rates: np.ndarray) -> np.ndarray:
        rates = np.column_stack([medfilt(rates[:, k], 3) for k in range(3)])
        return sosfiltfilt(sos, rates, axis=0)

    vel = clean(np.diff(pos, axis=0))
    pos = pos[0] + np.concatenate([np.zeros((1, 3)), np.cumsum(vel, axis=0)])
    rots = Rotation.from_matrix(rot)
    steps = clean((rots[:-1].inv() * rots[1:]).as_rotvec())  # body-frame rotation per frame
    out = [rots[0]]
    for step in Rotation.from_rotvec(steps):
        out.append(out[-1] * step)
    return pos, np.stack([r.as_matrix() for r in out])


def _close_loop(frac: np.ndarray, pos: np.ndarray, rot: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """DeepMimic loops end close to, not at, their first pose (a few degrees, a centimetre);
    looping them as is would jolt the head once a cycle. Spread the mismatch of height and
    orientation linearly over the cycle so that it closes."""
    from scipy.spatial.transform import Rotation

    residual = Rotation.from_matrix(rot[-1] @ rot[0].T).as_rotvec()
    fix = Rotation.from_rotvec(-frac[:, None] * residual[None]).as_matrix()
    pos = pos.copy()
    pos[:, 2] -= frac * (pos[-1, 2] - pos[0, 2])
    return pos, fix @ rot


def _hold(pos: np.ndarray, rot: np.ndarray, duration_s: float, fps: float) -> tuple:
    n = max(int(duration_s * fps), 2)
    return np.arange(n) / fps, np.repeat(pos[None], n, 0), np.repeat(rot[None], n, 0)


def session_from_clips(
    parts: list[tuple], *, rate_hz: float = 200.0, noise: NoiseModel = NoiseModel(),
    seed: int = 0, blend_s: float = 0.4, mount: np.ndarray | None = None, lever_m: np.ndarray | None = None,
) -> tuple[ImuSeries, list[PlannedSegment]]:
    """A recording made of DeepMimic clips and still periods: ``parts`` is a list of
    ``(clip name | "still" | "talking", duration_s[, option])``; a clip's option is its playback
    speed (see `clip_head_pose`), a talking part's the seed of its `conversation_head`. Each
    clip continues from where the head was (translated and turned to match); ``blend_s`` of
    smooth motion joins the pieces. Returns the IMU and the truth (clip names as labels,
    "still" for the pauses, talking included)."""
    fps = 30.0
    ts, ps, rs, truth = [], [], [], []
    now, last_pos, last_rot = 0.0, None, None
    for name, duration, *option in parts:
        if name in ("still", "talking"):
            anchor_pos = last_pos if last_pos is not None else np.array([0.0, 0.0, STANDING_HEAD_M])
            anchor_rot = last_rot if last_rot is not None else np.eye(3)
            t, p, r = _hold(anchor_pos, anchor_rot, duration, fps)
            if name == "talking":
                p, r = _talk_over(t, p, r, int(option[0]) if option else 0)
        else:
            t, p, r, loops = clip_head_pose(name, duration, speed=float(option[0]) if option else 1.0)
            keep = t <= duration + 1e-9
            t, p, r = t[keep], p[keep], r[keep]
            if last_pos is not None:
                p, r = _continue_from(p, r, last_pos, last_rot)
        start = now + (blend_s if ts else 0.0)
        ts.append(t + start)
        ps.append(p)
        rs.append(r)
        truth.append(PlannedSegment(start, start + float(t[-1]), "still" if name == "talking" else name))
        now, last_pos, last_rot = start + float(t[-1]), p[-1], r[-1]
    return _join(ts, ps, rs, rate_hz, noise, seed, mount, lever_m), truth


def _talk_over(t: np.ndarray, p: np.ndarray, r: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A held pose with `conversation_head` motion on top (offsets in the head's heading frame)."""
    d = conversation_head(t, np.random.default_rng(seed))
    heading = math.atan2(r[0][1, 0], r[0][0, 0])
    c, s = math.cos(heading), math.sin(heading)
    p = p.copy()
    p[:, 0] += d[:, 0] * c - d[:, 1] * s
    p[:, 1] += d[:, 0] * s + d[:, 1] * c
    p[:, 2] += d[:, 2]
    r = _rot_z(d[:, 3]) @ r @ _rot_y(d[:, 4])  # glance about world up, nod about the head's own axis
    return p, r


def _continue_from(p: np.ndarray, r: np.ndarray, last_pos: np.ndarray, last_rot: np.ndarray):
    """Turn the clip about the vertical so it starts facing the way the head faced, and move
    it to start where the head was."""
    def yaw_of(m: np.ndarray) -> float:
        return math.atan2(m[1, 0], m[0, 0])

    turn = _rot_z(np.array(yaw_of(last_rot) - yaw_of(r[0])))
    p = (p - p[0]) @ turn.T + last_pos * np.array([1, 1, 0]) + np.array([0, 0, p[0, 2]])
    return p, turn @ r


def _join(ts, ps, rs, rate_hz, noise, seed, mount, lever_m=None) -> ImuSeries:
    # The blend gaps between pieces are bridged by the spline / slerp of imu_from_head_pose.
    t = np.concatenate(ts)
    pos = np.concatenate(ps)
    rot = np.concatenate(rs)
    keep = np.concatenate([[True], np.diff(t) > 1e-6])
    return imu_from_head_pose(t[keep], pos[keep], rot[keep], rate_hz=rate_hz, noise=noise, seed=seed, mount=mount,
                              lever_m=lever_m)


def write_sample_recording(path, *, still_s: float = 10.0, walk_s: float = 20.0, rate_hz: float = 200.0, seed: int = 0):
    """Write an Aria-style IMU CSV of a wearer standing still, then walking (DeepMimic motion
    capture when pybullet is installed, else the procedural head). Returns the path."""
    from egobutler.motion.errors import MotionError
    from egobutler.motion.imu import write_imu_csv

    try:
        series, _ = session_from_clips([("still", still_s), ("walk", walk_s)], rate_hz=rate_hz, seed=seed)
    except (MotionError, ImportError):
        series, _ = synth_plan([("still", still_s), ("walking", walk_s)], rate_hz=rate_hz, seed=seed)
    return write_imu_csv(series, path)


# ----------------------------------------------------------------------------- training data


def random_plan(rng: np.random.Generator, duration_s: float = 30.0) -> list[tuple]:
    """A random sequence of actions filling ``duration_s``, posture-consistent (only a sitter
    stands up; a sitter does not walk off), with short pauses between actions. No stairs:
    the CSVs written for training carry no height."""
    plan: list[tuple] = []
    left, sitting = duration_s, False
    while left > 2.0:
        choices = ["still", "turn_head", "stand_up"] if sitting else \
            ["still", "walking", "walking", "running", "turn_head", "sit_down"]
        action = str(rng.choice(choices))
        extra: tuple = ()
        if action in ("sit_down", "stand_up"):
            dur = 1.5
        elif action == "turn_head":
            dur = float(rng.uniform(0.8, 1.5))
            extra = (float(rng.choice([-1, 1]) * rng.uniform(40, 120)),)
        else:
            dur = min(float(rng.uniform(3.0, 10.0)), left)
        if dur > left:
            break
        if action in ("sit_down", "stand_up"):
            sitting = action == "sit_down"
        plan.append((action, dur, *extra))
        left -= dur
        pause = min(1.5, left)
        if action != "still" and pause > 0:
            plan.append(("still", pause))
            left -= pause
    if left > 0:
        plan.append(("still", left))
    return plan


def truth_segments(truth: list[PlannedSegment]) -> list:
    """The planted truth as `MotionSegment`s (what a perfect narrator would return)."""
    from egobutler.motion.records import MotionSegment

    out, posture = [], "standing"
    for seg in truth:
        stats: dict = {}
        if seg.label in _GAITS:
            stats = {"steps": seg.steps, "cadence_spm": _GAITS[seg.label][0]}
            out.append(MotionSegment(seg.start_s, seg.end_s, seg.label, stats, "truth"))
        elif seg.label == "head_turn":
            out.append(MotionSegment(seg.start_s, seg.end_s, "still", {"posture": posture}, "truth"))
            out.append(MotionSegment(seg.start_s, seg.end_s, "head_turn", {
                "turn_deg": abs(seg.turn_deg), "direction": "left" if seg.turn_deg > 0 else "right"}, "truth"))
        elif seg.label in ("sit_down", "stand_up"):
            posture = "sitting" if seg.label == "sit_down" else "standing"
            out.append(MotionSegment(seg.start_s, seg.end_s, "other", {}, "truth"))
            out.append(MotionSegment(seg.start_s, seg.end_s, seg.label, {}, "truth"))
        else:
            out.append(MotionSegment(seg.start_s, seg.end_s, "still", {"posture": posture}, "truth"))
    return sorted(out, key=lambda s: (s.start_s, s.is_event))


def write_narration_dataset(out_dir, clips: int = 20, clip_s: float = 30.0, seed: int = 0, rate_hz: float = 100.0):
    """Write a synthetic training set in the layout `egobutler motion train-narrator` reads:
    ``imu/clipNNN.csv`` (Aria-style) and ``narrations.jsonl`` whose texts describe the planted
    truth. For smoke runs and tests; a real narrator needs real paired data."""
    import json
    from pathlib import Path

    from egobutler.motion.imu import write_imu_csv
    from egobutler.motion.narrate import describe

    out = Path(out_dir)
    rng = np.random.default_rng(seed)
    lines = []
    for i in range(clips):
        plan = random_plan(rng, clip_s)
        series, truth = synth_plan(plan, rate_hz=rate_hz, seed=seed * 1000 + i)
        name = f"imu/clip{i:03d}.csv"
        write_imu_csv(series, out / name)
        lines.append(json.dumps({"file": name, "start_s": 0.0, "end_s": float(series.t_s[-1]) + 0.01,
                                 "text": describe(truth_segments(truth))}))
    (out / "narrations.jsonl").write_text("\n".join(lines) + "\n")
    return out
