"""Motion windows ↔ per-frame feature vectors for the fractal generator.

A frame is 81 numbers: the root position (3, metres, in the window's own frame: the first
frame stands over the origin facing +x) and the 6D rotation code of each of the 13 rotating
joints (the root's world rotation first, then the local rotations).  Bone lengths are not
features: decoding runs forward kinematics on the fixed skeleton, so they never drift.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from egobutler.motion.clip_ops import canonical, repeat_to, resample
from egobutler.motion.deepmimic import MocapClip
from egobutler.motion.skeleton import HUMANOID, matrix_to_6d, matrix_to_quat, quat_to_matrix, sixd_to_matrix

ROT_JOINTS = tuple(j for j, rotating in enumerate(HUMANOID.rotating) if rotating)
FEATURE_DIM = 3 + 6 * len(ROT_JOINTS)


def encode(clip: MocapClip) -> np.ndarray:
    """(T, FEATURE_DIM) features of ``clip`` as it is (call :func:`canonical` first for a window)."""
    rot6 = matrix_to_6d(quat_to_matrix(clip.local_rot[:, list(ROT_JOINTS)]))
    return np.concatenate([clip.root_pos, rot6.reshape(clip.num_frames, -1)], axis=-1).astype(np.float32)


def decode(features: np.ndarray, fps: float, name: str = "generated") -> MocapClip:
    """A :class:`MocapClip` on the humanoid from (T, FEATURE_DIM) features."""
    features = np.asarray(features, dtype=np.float64)
    num_frames = features.shape[0]
    local = np.zeros((num_frames, HUMANOID.num_joints, 4))
    local[..., 0] = 1.0
    rot6 = features[:, 3:].reshape(num_frames, len(ROT_JOINTS), 6)
    local[:, list(ROT_JOINTS)] = matrix_to_quat(sixd_to_matrix(rot6))
    return MocapClip(name=name, fps=float(fps), root_pos=features[:, :3].copy(), root_rot=local[:, 0].copy(), local_rot=local)


def at_speed(clip: MocapClip, fps: float, speed: float = 1.0) -> MocapClip:
    """``clip`` resampled to ``fps`` and played ``speed`` times faster."""
    num_frames = max(2, int(round(clip.duration_s / speed * fps)) + 1)
    return resample(clip, num_frames, fps=fps)


def windows(clip: MocapClip, fps: float, num_frames: int, stride: int = 2, speed: float = 1.0) -> np.ndarray:
    """All (N, num_frames, FEATURE_DIM) canonical windows of ``clip`` at ``fps``.

    Looping clips are repeated so a window may start anywhere in the cycle; clips shorter
    than a window hold their last pose.
    """
    base = at_speed(clip, fps, speed)
    cycle = base.num_frames
    if clip.loop:
        base = repeat_to(base, (cycle + num_frames) / fps)
        starts = range(0, max(1, cycle - 1), stride)
    else:
        if base.num_frames < num_frames:
            pad = num_frames - base.num_frames
            base = replace(
                base,
                root_pos=np.concatenate([base.root_pos, np.repeat(base.root_pos[-1:], pad, 0)]),
                root_rot=np.concatenate([base.root_rot, np.repeat(base.root_rot[-1:], pad, 0)]),
                local_rot=np.concatenate([base.local_rot, np.repeat(base.local_rot[-1:], pad, 0)]),
            )
        starts = range(0, base.num_frames - num_frames + 1, stride)
    out = []
    for s in starts:
        part = replace(base, root_pos=base.root_pos[s:s + num_frames], root_rot=base.root_rot[s:s + num_frames],
                       local_rot=base.local_rot[s:s + num_frames])
        out.append(encode(canonical(part)))
    return np.stack(out)
