"""Conversational gesture clips, authored as keyframes on the DeepMimic humanoid.

The DeepMimic clips that ship with pybullet are athletic (walk, run, flips, kicks); none waves,
nods or shrugs, and no registry package ships conversational motion capture. These clips are
our own: each gesture is a few key poses (arm directions, head and chest turns, knee bends)
with times, eased from pose to pose (smoothstep) and sampled at 30 fps. Every clip starts and
ends in the same calm standing pose (:data:`REST`), so clips chain into each other and into
:func:`idle` without a jump.

Directions are in the body frame (x forward, y left, z up; the figure faces +x): an arm pose
gives where the upper arm points and where the forearm points, and the joint rotations are
the shortest turns that put the bones there.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from egobutler.motion.clip_ops import slerp
from egobutler.motion.deepmimic import MocapClip
from egobutler.motion.errors import MotionError
from egobutler.motion.skeleton import HUMANOID, axis_angle_to_matrix, forward_kinematics, matrix_to_quat, quat_to_matrix

FPS = 30.0
_DOWN = np.array([0.0, 0.0, -1.0])
_X, _Y, _Z = np.eye(3)


@dataclass(frozen=True)
class Pose:
    """One key pose. Arm directions are (upper arm, forearm) in the body frame; angles in degrees.

    ``neck`` and ``chest`` are (pitch down, yaw left, roll left) turns; ``crouch_deg`` bends
    both hips and knees (the root drops so the feet stay on the ground); ``lift_m`` raises the
    whole body (a hop)."""

    right_arm: tuple[tuple[float, float, float], tuple[float, float, float]] = ((0.0, -0.15, -1.0), (0.25, -0.05, -1.0))
    left_arm: tuple[tuple[float, float, float], tuple[float, float, float]] = ((0.0, 0.15, -1.0), (0.25, 0.05, -1.0))
    neck: tuple[float, float, float] = (0.0, 0.0, 0.0)
    chest: tuple[float, float, float] = (0.0, 0.0, 0.0)
    crouch_deg: float = 0.0
    lift_m: float = 0.0
    sway_m: float = 0.0  # weight shift to the left (+) or right (-)


REST = Pose()


@dataclass(frozen=True)
class GestureSpec:
    """A gesture: key poses at times (seconds), what it is called and how people describe it."""

    name: str
    keys: tuple[tuple[float, Pose], ...]
    phrases: tuple[str, ...]
    held_out: tuple[str, ...] = field(default=())
    loop: bool = False


def _unit(v) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    return v / np.linalg.norm(v)


def aim(frm: np.ndarray, to: np.ndarray) -> np.ndarray:
    """The shortest rotation (3x3) that turns direction ``frm`` into direction ``to``."""
    a, b = _unit(frm), _unit(to)
    axis = np.cross(a, b)
    s, c = np.linalg.norm(axis), float(np.dot(a, b))
    if s < 1e-9:
        if c > 0:
            return np.eye(3)
        other = _X if abs(a[0]) < 0.9 else _Y  # half turn about any axis square to a
        return axis_angle_to_matrix(np.cross(a, other), np.pi)
    return axis_angle_to_matrix(axis / s, np.arctan2(s, c))


def _turn(pitch_yaw_roll: tuple[float, float, float]) -> np.ndarray:
    pitch, yaw, roll = np.radians(pitch_yaw_roll)
    return axis_angle_to_matrix(_Z, yaw) @ axis_angle_to_matrix(_Y, pitch) @ axis_angle_to_matrix(_X, roll)


def pose_rotations(pose: Pose) -> tuple[np.ndarray, np.ndarray]:
    """Root position (3,) and local joint quaternions (J, 4) of ``pose``."""
    names = HUMANOID.names
    local = np.tile(np.eye(3), (HUMANOID.num_joints, 1, 1))
    chest = _turn(pose.chest)
    local[names.index("chest")] = chest
    local[names.index("neck")] = _turn(pose.neck)
    for side, (upper, fore) in (("right", pose.right_arm), ("left", pose.left_arm)):
        # chest @ shoulder @ down = upper; chest @ shoulder @ elbow @ down = fore (body frame)
        shoulder = aim(_DOWN, chest.T @ _unit(upper))
        local[names.index(f"{side}_shoulder")] = shoulder
        local[names.index(f"{side}_elbow")] = aim(_DOWN, shoulder.T @ chest.T @ _unit(fore))
    bend = np.radians(pose.crouch_deg)
    for side in ("right", "left"):
        local[names.index(f"{side}_hip")] = axis_angle_to_matrix(_Y, -bend)
        local[names.index(f"{side}_knee")] = axis_angle_to_matrix(_Y, 2 * bend)
        local[names.index(f"{side}_ankle")] = axis_angle_to_matrix(_Y, -bend)
    positions, _ = forward_kinematics(np.zeros((1, 3)), local[None])
    toes = [names.index("right_toe"), names.index("left_toe")]
    height = -float(positions[0, toes, 2].min()) + pose.lift_m  # feet on the ground unless hopping
    return np.array([0.0, pose.sway_m, height]), matrix_to_quat(local)


def build_clip(spec: GestureSpec, fps: float = FPS) -> MocapClip:
    """Sample ``spec``'s key poses at ``fps``, easing between them (smoothstep)."""
    times = np.array([t for t, _ in spec.keys], dtype=np.float64)
    if len(times) < 2 or np.any(np.diff(times) <= 0):
        raise MotionError(f"gesture {spec.name!r}: needs two or more key poses at increasing times")
    keyed = [pose_rotations(p) for _, p in spec.keys]
    key_pos = np.stack([k[0] for k in keyed])
    key_rot = np.stack([k[1] for k in keyed])
    t = np.arange(int(round(times[-1] * fps)) + 1) / fps
    seg = np.clip(np.searchsorted(times, t, side="right") - 1, 0, len(times) - 2)
    frac = np.clip((t - times[seg]) / (times[seg + 1] - times[seg]), 0.0, 1.0)
    ease = frac * frac * (3 - 2 * frac)
    root_pos = key_pos[seg] * (1 - ease)[:, None] + key_pos[seg + 1] * ease[:, None]
    weights = np.broadcast_to(ease[:, None], (len(t), HUMANOID.num_joints))
    local = slerp(key_rot[seg], key_rot[seg + 1], weights)
    # Between keys the bent legs and the eased root height disagree a little: lift the body
    # wherever a toe would sink below the ground.
    positions, _ = forward_kinematics(root_pos, local)
    toes = [HUMANOID.names.index("right_toe"), HUMANOID.names.index("left_toe")]
    root_pos[:, 2] += np.maximum(0.0, -positions[:, toes, 2].min(axis=1))
    return MocapClip(name=spec.name, fps=fps, root_pos=root_pos, root_rot=local[:, 0].copy(), local_rot=local, loop=spec.loop)


def _sequence(*steps: tuple[float, Pose]) -> tuple[tuple[float, Pose], ...]:
    """Key poses given as (seconds after the previous key, pose), starting and ending at rest."""
    out, now = [(0.0, REST)], 0.0
    for dt, pose in steps:
        now += dt
        out.append((now, pose))
    return tuple(out)


def _wave() -> tuple[tuple[float, Pose], ...]:
    up = (0.05, -0.75, 0.65)
    out_ = Pose(right_arm=(up, (0.05, -0.55, 0.85)), neck=(-3, -8, 6))
    in_ = Pose(right_arm=(up, (0.05, 0.35, 0.95)), neck=(-3, -8, 6))
    return _sequence((0.45, out_), (0.3, in_), (0.3, out_), (0.3, in_), (0.3, out_), (0.45, REST))


def _nod() -> tuple[tuple[float, Pose], ...]:
    down, up = Pose(neck=(22, 0, 0), chest=(4, 0, 0)), Pose(neck=(-4, 0, 0))
    return _sequence((0.25, down), (0.25, up), (0.25, down), (0.25, up), (0.25, Pose(neck=(12, 0, 0))), (0.35, REST))


def _head_shake() -> tuple[tuple[float, Pose], ...]:
    hand = ((0.35, -0.25, -0.9), (0.9, -0.1, -0.1))
    left = Pose(neck=(4, 28, 0), right_arm=(hand[0], (0.8, -0.5, -0.1)))
    right = Pose(neck=(4, -28, 0), right_arm=(hand[0], (0.8, 0.25, -0.1)))
    return _sequence((0.25, left), (0.25, right), (0.25, left), (0.25, right), (0.2, Pose(neck=(4, 10, 0))), (0.35, REST))


def _shrug() -> tuple[tuple[float, Pose], ...]:
    up = Pose(right_arm=((0.15, -0.45, -0.9), (0.75, -0.65, 0.15)), left_arm=((0.15, 0.45, -0.9), (0.75, 0.65, 0.15)),
              neck=(-5, 0, 14), chest=(-4, 0, 0), lift_m=0.02)
    return _sequence((0.45, up), (0.6, up), (0.5, REST))


def _point_back() -> tuple[tuple[float, Pose], ...]:
    point = Pose(right_arm=((0.25, -0.85, 0.45), (-0.85, -0.25, 0.45)), neck=(-5, -35, 0), chest=(0, -15, 0))
    beat = Pose(right_arm=((0.2, -0.85, 0.5), (-0.95, -0.2, 0.25)), neck=(-5, -35, 0), chest=(0, -15, 0))
    return _sequence((0.5, point), (0.3, beat), (0.3, point), (0.4, point), (0.5, REST))


def _think() -> tuple[tuple[float, Pose], ...]:
    chin = Pose(right_arm=((0.55, -0.1, -0.83), (-0.1, 0.55, 0.83)), left_arm=((0.3, 0.2, -0.93), (0.6, -0.75, 0.2)),
                neck=(-10, 12, 10))
    tilt = Pose(right_arm=((0.55, -0.1, -0.83), (-0.1, 0.5, 0.86)), left_arm=((0.3, 0.2, -0.93), (0.6, -0.75, 0.2)),
                neck=(-14, 18, 6))
    return _sequence((0.55, chin), (0.6, tilt), (0.6, chin), (0.55, REST))


def _count() -> tuple[tuple[float, Pose], ...]:
    arm = (0.35, -0.3, -0.89)
    up = Pose(right_arm=(arm, (0.45, -0.05, 0.9)), left_arm=((0.3, 0.25, -0.92), (0.85, -0.35, 0.35)), neck=(6, -5, 0))
    tap = Pose(right_arm=(arm, (0.8, 0.0, 0.55)), left_arm=((0.3, 0.25, -0.92), (0.85, -0.35, 0.35)), neck=(12, -5, 0))
    return _sequence((0.4, up), (0.22, tap), (0.22, up), (0.22, tap), (0.22, up), (0.22, tap), (0.22, up), (0.4, REST))


def _cheer() -> tuple[tuple[float, Pose], ...]:
    arms_up = {"right_arm": ((0.05, -0.45, 0.9), (0.05, -0.3, 0.95)), "left_arm": ((0.05, 0.45, 0.9), (0.05, 0.3, 0.95))}
    dip = Pose(**arms_up, crouch_deg=28, neck=(-12, 0, 0))
    hop = Pose(**arms_up, lift_m=0.12, neck=(-15, 0, 0))
    return _sequence((0.3, Pose(crouch_deg=20)), (0.25, hop), (0.25, dip), (0.25, hop), (0.25, dip), (0.3, Pose(**arms_up)),
                     (0.5, REST))


def _talk() -> tuple[tuple[float, Pose], ...]:
    upper_r, upper_l = (0.35, -0.3, -0.89), (0.35, 0.3, -0.89)
    right_beat = Pose(right_arm=(upper_r, (0.8, -0.15, 0.55)), left_arm=(upper_l, (0.9, 0.3, 0.1)), neck=(3, -6, 0))
    left_beat = Pose(right_arm=(upper_r, (0.9, -0.3, 0.1)), left_arm=(upper_l, (0.8, 0.15, 0.55)), neck=(3, 6, 0))
    return _sequence((0.35, right_beat), (0.3, left_beat), (0.3, right_beat), (0.3, left_beat), (0.4, REST))


def _idle() -> tuple[tuple[float, Pose], ...]:
    breathe_in = Pose(chest=(-2, 0, 0), neck=(-1, 4, 0), sway_m=0.01)
    breathe_out = Pose(chest=(1, 0, 0), neck=(2, -3, 0), sway_m=-0.01)
    return _sequence((1.0, breathe_in), (1.0, REST), (1.0, breathe_out), (1.0, REST))


GESTURE_SPECS: tuple[GestureSpec, ...] = (
    GestureSpec("wave", _wave(), ("wave hello with the right hand", "wave hello", "a person waves", "greet someone",
                                  "hi there", "say hello", "goodbye, wave", "raise a hand and wave"),
                held_out=("wave at a friend", "good morning to you", "waving hand")),
    GestureSpec("nod", _nod(), ("nod yes", "nod the head", "yes, that's right", "agree", "a person nods",
                                "correct", "I agree with you"),
                held_out=("nodding in agreement", "yes indeed", "that is true")),
    GestureSpec("head_shake", _head_shake(), ("shake the head no", "no", "disagree", "a person shakes their head",
                                              "that's not right", "deny it", "no, it wasn't"),
                held_out=("shaking head", "nope, not at all", "that is wrong")),
    GestureSpec("shrug", _shrug(), ("shrug, I don't know", "shrug the shoulders", "I have no idea", "who knows",
                                    "a person shrugs", "not sure"),
                held_out=("I really can't tell", "shrugging", "no clue")),
    GestureSpec("point_back", _point_back(), ("point back over the shoulder, that was earlier", "point behind",
                                              "that happened earlier", "remember back then", "point backwards",
                                              "it was yesterday"),
                held_out=("thumb over the shoulder", "recall the past", "back in time")),
    GestureSpec("think", _think(), ("hand on the chin, thinking", "think it over", "hmm, let me think", "ponder",
                                    "a person thinks", "consider the question", "let me see"),
                held_out=("thinking hard", "wondering about it", "maybe, perhaps")),
    GestureSpec("count", _count(), ("count on the fingers", "count one, two, three", "a person counts",
                                    "how many", "list the items"),
                held_out=("counting", "there were three of them", "number of things")),
    GestureSpec("cheer", _cheer(), ("raise both arms and cheer", "celebrate", "hooray, great news", "a person cheers",
                                    "arms up in victory", "congratulations"),
                held_out=("celebration", "we won!", "jump for joy with arms up")),
    GestureSpec("talk", _talk(), ("talk with the hands", "explain while gesturing", "a person talks", "keep talking",
                                  "speak and move the hands"),
                held_out=("chatting", "gesturing while speaking", "telling a story")),
    GestureSpec("idle", _idle(), ("stand calmly", "stand still", "idle", "stand and breathe", "wait",
                                  "a person stands"),
                held_out=("standing quietly", "do nothing", "calm standing"), loop=True),
)


def gesture_clips(fps: float = FPS) -> dict[str, MocapClip]:
    """Every authored gesture as a clip, by name."""
    return {spec.name: build_clip(spec, fps) for spec in GESTURE_SPECS}


def gesture_labels() -> dict[str, list[str]]:
    """Training phrases of each gesture clip (the held-out phrasings are not among them)."""
    return {spec.name: list(spec.phrases) for spec in GESTURE_SPECS}


def gesture_held_out() -> dict[str, list[str]]:
    """Phrasings of each gesture that no generator is trained or labelled on (for the benchmark)."""
    return {spec.name: list(spec.held_out) for spec in GESTURE_SPECS}


def rest_pose_world() -> np.ndarray:
    """World joint positions (J, 3) of :data:`REST` (for tests and framing)."""
    root, quats = pose_rotations(REST)
    return forward_kinematics(root[None], quat_to_matrix(quats)[None])[0][0]
