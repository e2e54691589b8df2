"""Operations on :class:`~egobutler.motion.deepmimic.MocapClip`: resample, time-warp, chain.

All of them keep the skeleton (so bone lengths) and the z-up convention; rotations are
interpolated by spherical linear interpolation, root positions linearly.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from egobutler.motion.deepmimic import MocapClip
from egobutler.motion.errors import MotionError
from egobutler.motion.skeleton import matrix_to_quat, quat_to_matrix

MAX_SPEEDUP = 1.5  # a gesture longer than the reply plays at most this much faster, then is cut
BLEND_FRAMES = 8  # frames cross-faded where one clip hands over to the next (0.27 s at 30 fps)


def slerp(q0: np.ndarray, q1: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Spherical interpolation of (..., 4) quaternions at fractions ``t`` (broadcast to (...,))."""
    q0 = np.asarray(q0, dtype=np.float64)
    q1 = np.asarray(q1, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)[..., None]
    dot = (q0 * q1).sum(-1, keepdims=True)
    q1 = np.where(dot < 0, -q1, q1)  # take the short way round
    dot = np.clip(np.abs(dot), 0.0, 1.0)
    theta = np.arccos(dot)
    sin = np.sin(theta)
    near = sin < 1e-6  # nearly equal: linear interpolation is exact enough
    safe = np.where(near, 1.0, sin)
    w0 = np.where(near, 1 - t, np.sin((1 - t) * theta) / safe)
    w1 = np.where(near, t, np.sin(t * theta) / safe)
    out = w0 * q0 + w1 * q1
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def resample(clip: MocapClip, num_frames: int, fps: float | None = None) -> MocapClip:
    """Time-warp ``clip`` uniformly to ``num_frames`` frames spanning its whole duration.

    ``fps`` is the frame rate the result claims (default: keep the duration, so
    ``(num_frames - 1) / duration``); giving it changes the playback speed.
    """
    if num_frames < 2 or clip.num_frames < 2:
        raise MotionError(f"cannot resample a clip of {clip.num_frames} frames to {num_frames}")
    src = np.linspace(0.0, clip.num_frames - 1, num_frames)
    lo = np.clip(np.floor(src).astype(int), 0, clip.num_frames - 2)
    frac = src - lo
    root_pos = clip.root_pos[lo] * (1 - frac)[:, None] + clip.root_pos[lo + 1] * frac[:, None]
    local = slerp(clip.local_rot[lo], clip.local_rot[lo + 1], np.broadcast_to(frac[:, None], lo.shape + (clip.local_rot.shape[1],)))
    if fps is None:
        fps = (num_frames - 1) / max(clip.duration_s, 1e-9)
    return replace(clip, fps=float(fps), root_pos=root_pos, root_rot=local[:, 0].copy(), local_rot=local)


def to_fps(clip: MocapClip, fps: float) -> MocapClip:
    """Resample ``clip`` to the frame rate ``fps`` keeping its duration (and speed)."""
    num_frames = max(2, int(round(clip.duration_s * fps)) + 1)
    return resample(clip, num_frames, fps=(num_frames - 1) / max(clip.duration_s, 1e-9))


def fit_duration(clip: MocapClip, seconds: float, fps: float) -> MocapClip:
    """Time-warp ``clip`` to last exactly ``seconds`` at ``fps`` (``round(seconds*fps)+1`` frames)."""
    num_frames = max(2, int(round(seconds * fps)) + 1)
    return resample(clip, num_frames, fps=fps)


def heading(rot: np.ndarray) -> np.ndarray:
    """Yaw angle (radians) of rotations (..., 3, 3) or quaternions (..., 4): where x points, seen from above."""
    m = quat_to_matrix(rot) if rot.shape[-1] == 4 else rot
    return np.arctan2(m[..., 1, 0], m[..., 0, 0])


def rot_z(angle: float) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def place(clip: MocapClip, xy: np.ndarray, yaw: float, frame: int = 0) -> MocapClip:
    """Move and turn ``clip`` about z so that ``frame`` stands at ``xy`` facing ``yaw`` radians."""
    turn = rot_z(yaw - float(heading(clip.root_rot[frame])))
    root_pos = (clip.root_pos - clip.root_pos[frame] * [1, 1, 0]) @ turn.T
    root_pos[:, :2] += np.asarray(xy, dtype=np.float64)
    root_rot = matrix_to_quat(turn @ quat_to_matrix(clip.root_rot))
    local = clip.local_rot.copy()
    local[:, 0] = root_rot
    return replace(clip, root_pos=root_pos, root_rot=root_rot, local_rot=local)


def canonical(clip: MocapClip) -> MocapClip:
    """``clip`` moved so its first frame stands over the origin facing +x."""
    return place(clip, np.zeros(2), 0.0, frame=0)


def chain(clips: list[MocapClip], blend_frames: int = 4) -> MocapClip:
    """Play ``clips`` one after another (same fps), each placed where the previous one ends.

    The first frame of each next clip is dropped when it is a repeat of the previous last
    frame (looping clips); ``blend_frames`` frames of the join are cross-faded so the pose
    does not jump.
    """
    if not clips:
        raise MotionError("chain needs at least one clip")
    out = clips[0]
    for nxt in clips[1:]:
        end = out.num_frames - 1
        nxt = place(nxt, out.root_pos[end, :2], float(heading(out.root_rot[end])), frame=0)
        out = _join(out, nxt, blend_frames)
    return out


def _join(a: MocapClip, b: MocapClip, blend_frames: int) -> MocapClip:
    n = int(min(blend_frames, a.num_frames - 1, b.num_frames - 1))
    root_pos = np.concatenate([a.root_pos, b.root_pos[1:]])
    local = np.concatenate([a.local_rot, b.local_rot[1:]])
    if n > 0:
        # Ease the last n frames of `a` towards the start of `b` (weights rise to 1 at the join).
        w = (np.arange(1, n + 1) / (n + 1))
        start = a.num_frames - n
        target_pos = b.root_pos[0] + (a.root_pos[start:] - a.root_pos[-1])
        root_pos[start:a.num_frames] = root_pos[start:a.num_frames] * (1 - w[:, None]) + target_pos * w[:, None]
        target = np.broadcast_to(b.local_rot[0], local[start:a.num_frames].shape)
        local[start:a.num_frames] = slerp(local[start:a.num_frames], target, np.broadcast_to(w[:, None], target.shape[:-1]))
    return replace(a, name=a.name, root_pos=root_pos, root_rot=local[:, 0].copy(), local_rot=local)


def repeat_to(clip: MocapClip, seconds: float) -> MocapClip:
    """Repeat ``clip`` (looped end to end) until it lasts at least ``seconds``."""
    copies = max(1, int(np.ceil(seconds / max(clip.duration_s, 1e-6))))
    return chain([clip] * copies) if copies > 1 else clip


def time_warp(clip: MocapClip, seconds: float, fps: float = 30.0) -> MocapClip:
    """``clip`` repeated end to end the nearest whole number of times (at least once) and
    uniformly time-warped to last exactly ``seconds`` at ``fps``."""
    copies = max(1, int(round(seconds / max(clip.duration_s, 1e-6))))
    return fit_duration(chain([clip] * copies, BLEND_FRAMES) if copies > 1 else clip, seconds, fps)


def then_idle(gesture: MocapClip, idle: MocapClip, seconds: float, fps: float = 30.0) -> MocapClip:
    """``gesture`` once at its own pace, then ``idle`` (blended in) until ``seconds``.

    A gesture longer than ``seconds`` is sped up (at most :data:`MAX_SPEEDUP` times) and cut."""
    gesture = to_fps(gesture, fps)
    if gesture.duration_s >= seconds:
        warped = fit_duration(gesture, max(seconds, gesture.duration_s / MAX_SPEEDUP), fps)
        return trim(warped, seconds)
    rest_s = seconds - gesture.duration_s + BLEND_FRAMES / fps
    copies = max(1, int(np.ceil(rest_s / idle.duration_s)))
    return trim(chain([gesture] + [to_fps(idle, fps)] * copies, BLEND_FRAMES), seconds)


def trim(clip: MocapClip, seconds: float) -> MocapClip:
    """The first ``seconds`` of ``clip`` (``round(seconds * fps) + 1`` frames, at most all of it)."""
    n = min(clip.num_frames, max(2, int(round(seconds * clip.fps)) + 1))
    return replace(clip, root_pos=clip.root_pos[:n], root_rot=clip.root_rot[:n], local_rot=clip.local_rot[:n])
