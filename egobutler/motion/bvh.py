"""BVH export and import (the animation format Blender, Maya and MotionBuilder read).

Files are written the usual way: y-up, centimetres, root channels ``X/Y/Zposition
Z/Y/Xrotation``, other joints ``Z/Y/Xrotation`` in degrees, skeleton end sites (head,
wrists, toes) as ``End Site``.  The reader accepts any rotation channel order and returns
the motion in our z-up metres convention; an ``End Site`` is named ``<parent>_end``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from egobutler.motion.deepmimic import MocapClip
from egobutler.motion.errors import MotionError
from egobutler.motion.skeleton import Y_UP_TO_Z_UP, Skeleton, axis_angle_to_matrix, forward_kinematics, matrix_to_quat, quat_to_matrix

CM_PER_M = 100.0
_M = Y_UP_TO_Z_UP  # z-up vector = _M @ y-up vector


class BvhError(MotionError):
    """A BVH file this reader cannot understand."""


@dataclass(frozen=True, eq=False)
class BvhMotion:
    """A BVH animation in our convention: z-up metres, local quaternions (T, J, 4)."""

    skeleton: Skeleton
    fps: float
    root_pos: np.ndarray
    local_rot: np.ndarray

    def world(self) -> tuple[np.ndarray, np.ndarray]:
        return forward_kinematics(self.root_pos, self.local_rot, self.skeleton)


def _euler_zyx_deg(m: np.ndarray) -> np.ndarray:
    """(..., 3, 3) → (..., 3) degrees (z, y, x) with m = Rz @ Ry @ Rx."""
    sy = np.clip(-m[..., 2, 0], -1.0, 1.0)
    b = np.arcsin(sy)
    a = np.arctan2(m[..., 1, 0], m[..., 0, 0])
    c = np.arctan2(m[..., 2, 1], m[..., 2, 2])
    lock = np.abs(sy) > 1 - 1e-9  # gimbal lock: put the whole turn into z
    a = np.where(lock, np.arctan2(-m[..., 0, 1], m[..., 1, 1]), a)
    c = np.where(lock, 0.0, c)
    return np.degrees(np.stack([a, b, c], -1))


def write_bvh(motion: MocapClip, path: str | Path) -> Path:
    """Write ``motion`` (any object with ``skeleton``, ``fps``, ``root_pos``, ``local_rot``) as BVH."""
    skel = motion.skeleton
    local = quat_to_matrix(motion.local_rot)
    euler = _euler_zyx_deg(_M.T @ local @ _M)  # rotations in the y-up frame
    lines = ["HIERARCHY"]
    order: list[int] = []

    def emit(j: int, depth: int) -> None:
        pad = "  " * depth
        off = (_M.T @ skel.offsets[j]) * CM_PER_M
        kids = skel.children(j)
        if not skel.rotating[j] and not kids:
            lines.extend([f"{pad}End Site", f"{pad}{{", f"{pad}  OFFSET {off[0]:.6f} {off[1]:.6f} {off[2]:.6f}", f"{pad}}}"])
            return
        order.append(j)
        head = "ROOT" if skel.parents[j] < 0 else "JOINT"
        channels = "CHANNELS 6 Xposition Yposition Zposition" if head == "ROOT" else "CHANNELS 3"
        lines.extend([f"{pad}{head} {skel.names[j]}", f"{pad}{{", f"{pad}  OFFSET {off[0]:.6f} {off[1]:.6f} {off[2]:.6f}",
                  f"{pad}  {channels} Zrotation Yrotation Xrotation"])
        for k in kids:
            emit(k, depth + 1)
        lines.append(f"{pad}}}")

    emit(skel.parents.index(-1), 0)
    root_pos = (motion.root_pos @ _M) * CM_PER_M  # row vectors: p_yup = M.T @ p_zup
    lines += ["MOTION", f"Frames: {motion.root_pos.shape[0]}", f"Frame Time: {1.0 / motion.fps:.8f}"]
    for t in range(motion.root_pos.shape[0]):
        values = list(root_pos[t]) + [v for j in order for v in euler[t, j]]
        lines.append(" ".join(f"{v:.6f}" for v in values))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


def read_bvh(path: str | Path) -> BvhMotion:
    """Read a BVH file into z-up metres (assumes the file is y-up centimetres, as most are)."""
    tokens = Path(path).read_text().split()
    try:
        skel, channels, pos = _parse_hierarchy(tokens)
        return _parse_motion(tokens, pos, skel, channels)
    except (IndexError, ValueError) as exc:
        raise BvhError(f"{path} is not a BVH file this reader understands ({exc})") from None


def _parse_hierarchy(tokens: list[str]) -> tuple[Skeleton, list[list[str]], int]:
    names, parents, offsets, channels, rotating = [], [], [], [], []
    stack: list[int] = []
    i = tokens.index("HIERARCHY") + 1
    while tokens[i] != "MOTION":
        tok = tokens[i]
        if tok in ("ROOT", "JOINT") or tok == "End":
            parent = stack[-1] if stack else -1
            name = tokens[i + 1] if tok != "End" else f"{names[parent]}_end"
            names.append(name)
            parents.append(parent)
            channels.append([])
            rotating.append(tok != "End")
            offsets.append([0.0, 0.0, 0.0])
            i += 2
        elif tok == "{":
            stack.append(len(names) - 1)
            i += 1
        elif tok == "}":
            stack.pop()
            i += 1
        elif tok == "OFFSET":
            offsets[stack[-1]] = [float(v) for v in tokens[i + 1:i + 4]]
            i += 4
        elif tok == "CHANNELS":
            n = int(tokens[i + 1])
            channels[stack[-1]] = tokens[i + 2:i + 2 + n]
            i += 2 + n
        else:
            raise ValueError(f"unexpected token {tok!r}")
    offsets_zup = (np.asarray(offsets) / CM_PER_M) @ _M.T
    skel = Skeleton(names=tuple(names), parents=tuple(parents), offsets=offsets_zup, rotating=tuple(rotating))
    return skel, channels, i


def _parse_motion(tokens: list[str], i: int, skel: Skeleton, channels: list[list[str]]) -> BvhMotion:
    num_frames = int(tokens[tokens.index("Frames:", i) + 1])
    at = tokens.index("Time:", i) + 1
    frame_time = float(tokens[at])
    width = sum(len(c) for c in channels)
    data = np.asarray(tokens[at + 1:at + 1 + num_frames * width], dtype=np.float64).reshape(num_frames, width)
    local = np.broadcast_to(np.eye(3), (num_frames, skel.num_joints, 3, 3)).copy()
    root_pos = np.zeros((num_frames, 3))
    col = 0
    axes = {"X": np.array([1.0, 0, 0]), "Y": np.array([0, 1.0, 0]), "Z": np.array([0, 0, 1.0])}
    for j, chans in enumerate(channels):
        rot = np.broadcast_to(np.eye(3), (num_frames, 3, 3))
        for name in chans:
            values = data[:, col]
            col += 1
            if name.endswith("position"):
                root_pos[:, "XYZ".index(name[0])] = values
            else:
                rot = rot @ axis_angle_to_matrix(axes[name[0]], np.radians(values))
        local[:, j] = _M @ rot @ _M.T
    return BvhMotion(skeleton=skel, fps=1.0 / frame_time, root_pos=(root_pos / CM_PER_M) @ _M.T, local_rot=matrix_to_quat(local))
