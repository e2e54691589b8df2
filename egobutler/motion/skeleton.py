"""The DeepMimic humanoid skeleton, rotation helpers and forward kinematics.

Conventions used by every motion module of the avatar:

* World frame: **z-up, x forward, y left**, right-handed, metres.  The DeepMimic files are
  y-up (x forward, z right); :data:`Y_UP_TO_Z_UP` converts a vector, and a rotation ``R``
  becomes ``M @ R @ M.T``.
* Quaternions are ``(w, x, y, z)`` arrays in the last axis.
* Joint rotations are *local* (relative to the parent joint's frame); the root's is its
  world rotation.  A joint's world position is its parent's position plus the parent's
  world rotation applied to the joint's rest offset.

The offsets come from ``pybullet_data/humanoid/humanoid.urdf`` at the global scale 0.25
that DeepMimic loads it with (so, e.g., the thigh is 0.42 m).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from egobutler.motion.errors import MotionError

# vector_zup = Y_UP_TO_Z_UP @ vector_yup  (x stays forward, -z_yup becomes y (left), y_yup up)
Y_UP_TO_Z_UP = np.array([[1.0, 0.0, 0.0], [0.0, 0.0, -1.0], [0.0, 1.0, 0.0]])


class UnknownJoint(MotionError):
    """A joint name that the skeleton does not have."""


@dataclass(frozen=True)
class Skeleton:
    """A joint tree: names, parent index (-1 for the root) and rest offsets (J, 3) in metres.

    Joints are ordered so that every parent comes before its children.  ``rotating`` marks
    the joints that carry rotation data; the others (head, wrists, toes) are end sites whose
    local rotation is always the identity.
    """

    names: tuple[str, ...]
    parents: tuple[int, ...]
    offsets: np.ndarray  # (J, 3) metres, z-up, in the parent's frame
    rotating: tuple[bool, ...]

    @property
    def num_joints(self) -> int:
        return len(self.names)

    def joint_index(self, name: str) -> int:
        """Index of the joint called ``name`` (e.g. "head", "neck", "left_wrist")."""
        try:
            return self.names.index(name)
        except ValueError:
            raise UnknownJoint(f"no joint {name!r}; the skeleton has {', '.join(self.names)}") from None

    def bone_lengths(self) -> np.ndarray:
        """Length in metres of the bone ending at each joint (0 for the root), shape (J,)."""
        return np.linalg.norm(self.offsets, axis=-1)

    def children(self, index: int) -> list[int]:
        return [j for j, p in enumerate(self.parents) if p == index]


def _humanoid() -> Skeleton:
    # (name, parent, offset in the URDF's y-up frame at scale 0.25 [m], has rotation data)
    table = [
        ("root", None, (0.0, 0.0, 0.0), True),
        ("chest", "root", (0.0, 0.236151, 0.0), True),
        ("neck", "chest", (0.0, 0.223894, 0.0), True),
        ("head", "neck", (0.0, 0.175, 0.0), False),  # centre of the head sphere
        ("right_hip", "root", (0.0, 0.0, 0.084887), True),
        ("right_knee", "right_hip", (0.0, -0.421546, 0.0), True),
        ("right_ankle", "right_knee", (0.0, -0.40987, 0.0), True),
        ("right_toe", "right_ankle", (0.1335, -0.05, 0.0), False),  # front of the foot box
        ("right_shoulder", "chest", (-0.02405, 0.2435, 0.18311), True),
        ("right_elbow", "right_shoulder", (0.0, -0.274788, 0.0), True),
        ("right_wrist", "right_elbow", (0.0, -0.258947, 0.0), False),
        ("left_hip", "root", (0.0, 0.0, -0.084887), True),
        ("left_knee", "left_hip", (0.0, -0.421546, 0.0), True),
        ("left_ankle", "left_knee", (0.0, -0.40987, 0.0), True),
        ("left_toe", "left_ankle", (0.1335, -0.05, 0.0), False),
        ("left_shoulder", "chest", (-0.02405, 0.2435, -0.18311), True),
        ("left_elbow", "left_shoulder", (0.0, -0.274788, 0.0), True),
        ("left_wrist", "left_elbow", (0.0, -0.258947, 0.0), False),
    ]
    names = tuple(row[0] for row in table)
    parents = tuple(-1 if row[1] is None else names.index(row[1]) for row in table)
    offsets = np.array([row[2] for row in table]) @ Y_UP_TO_Z_UP.T
    return Skeleton(names=names, parents=parents, offsets=offsets, rotating=tuple(row[3] for row in table))


HUMANOID = _humanoid()
"""The DeepMimic humanoid (18 joints, 13 of them rotating), z-up, metres."""


# --- rotations ------------------------------------------------------------------------


def quat_to_matrix(q: np.ndarray) -> np.ndarray:
    """(..., 4) quaternions (w, x, y, z) → (..., 3, 3) rotation matrices (normalised first)."""
    q = np.asarray(q, dtype=np.float64)
    q = q / np.maximum(np.linalg.norm(q, axis=-1, keepdims=True), 1e-12)
    w, x, y, z = np.moveaxis(q, -1, 0)
    m = np.stack(
        [
            1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
            2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
            2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
        ],
        axis=-1,
    )
    return m.reshape(q.shape[:-1] + (3, 3))


def matrix_to_quat(m: np.ndarray) -> np.ndarray:
    """(..., 3, 3) rotation matrices → (..., 4) unit quaternions (w, x, y, z), w ≥ 0."""
    m = np.asarray(m, dtype=np.float64)
    flat = m.reshape(-1, 3, 3)
    out = np.empty((flat.shape[0], 4))
    for i, r in enumerate(flat):
        # Shepperd's method: pick the largest diagonal term for numerical stability.
        tr = np.trace(r)
        if tr > 0:
            s = np.sqrt(tr + 1.0) * 2
            out[i] = (0.25 * s, (r[2, 1] - r[1, 2]) / s, (r[0, 2] - r[2, 0]) / s, (r[1, 0] - r[0, 1]) / s)
        elif r[0, 0] > r[1, 1] and r[0, 0] > r[2, 2]:
            s = np.sqrt(1.0 + r[0, 0] - r[1, 1] - r[2, 2]) * 2
            out[i] = ((r[2, 1] - r[1, 2]) / s, 0.25 * s, (r[0, 1] + r[1, 0]) / s, (r[0, 2] + r[2, 0]) / s)
        elif r[1, 1] > r[2, 2]:
            s = np.sqrt(1.0 + r[1, 1] - r[0, 0] - r[2, 2]) * 2
            out[i] = ((r[0, 2] - r[2, 0]) / s, (r[0, 1] + r[1, 0]) / s, 0.25 * s, (r[1, 2] + r[2, 1]) / s)
        else:
            s = np.sqrt(1.0 + r[2, 2] - r[0, 0] - r[1, 1]) * 2
            out[i] = ((r[1, 0] - r[0, 1]) / s, (r[0, 2] + r[2, 0]) / s, (r[1, 2] + r[2, 1]) / s, 0.25 * s)
    out *= np.where(out[:, :1] < 0, -1.0, 1.0)
    out /= np.linalg.norm(out, axis=-1, keepdims=True)
    return out.reshape(m.shape[:-2] + (4,))


def axis_angle_to_matrix(axis: np.ndarray, angle: np.ndarray) -> np.ndarray:
    """Rotation by ``angle`` radians (...,) about the unit ``axis`` (3,) → (..., 3, 3)."""
    angle = np.asarray(angle, dtype=np.float64)
    axis = np.asarray(axis, dtype=np.float64) / np.linalg.norm(axis)
    half = angle / 2.0
    q = np.concatenate([np.cos(half)[..., None], np.sin(half)[..., None] * axis], axis=-1)
    return quat_to_matrix(q)


def matrix_to_6d(m: np.ndarray) -> np.ndarray:
    """(..., 3, 3) → (..., 6): the first two columns, the continuous 6D rotation code."""
    return np.concatenate([m[..., :, 0], m[..., :, 1]], axis=-1)


def sixd_to_matrix(d6: np.ndarray) -> np.ndarray:
    """(..., 6) → (..., 3, 3) by Gram–Schmidt, so any 6 numbers give a valid rotation."""
    d6 = np.asarray(d6, dtype=np.float64)
    a, b = d6[..., :3], d6[..., 3:]
    x = a / np.maximum(np.linalg.norm(a, axis=-1, keepdims=True), 1e-8)
    b = b - (x * b).sum(-1, keepdims=True) * x
    y = b / np.maximum(np.linalg.norm(b, axis=-1, keepdims=True), 1e-8)
    z = np.cross(x, y)
    return np.stack([x, y, z], axis=-1)


# --- forward kinematics ----------------------------------------------------------------


def forward_kinematics(
    root_pos: np.ndarray, local_rot: np.ndarray, skeleton: Skeleton = HUMANOID
) -> tuple[np.ndarray, np.ndarray]:
    """World joint positions and rotations.

    ``root_pos`` (T, 3) metres; ``local_rot`` (T, J, 4) quaternions or (T, J, 3, 3)
    matrices, index 0 being the root's world rotation.  Returns ``positions`` (T, J, 3)
    metres and ``rotations`` (T, J, 3, 3), both in the z-up world frame.
    """
    local = np.asarray(local_rot, dtype=np.float64)
    if local.shape[-1] == 4:
        local = quat_to_matrix(local)
    root_pos = np.asarray(root_pos, dtype=np.float64)
    if local.ndim != 4 or local.shape[1] != skeleton.num_joints or root_pos.shape != (local.shape[0], 3):
        raise MotionError(
            f"forward_kinematics wants root_pos (T,3) and local_rot (T,{skeleton.num_joints},4|3x3); "
            f"got {root_pos.shape} and {local.shape}"
        )
    num_frames, num_joints = local.shape[:2]
    positions = np.zeros((num_frames, num_joints, 3))
    rotations = np.zeros((num_frames, num_joints, 3, 3))
    for j, parent in enumerate(skeleton.parents):
        if parent < 0:
            positions[:, j] = root_pos
            rotations[:, j] = local[:, j]
            continue
        positions[:, j] = positions[:, parent] + rotations[:, parent] @ skeleton.offsets[j]
        rotations[:, j] = rotations[:, parent] @ local[:, j]
    return positions, rotations


def joint_index(name: str, skeleton: Skeleton = HUMANOID) -> int:
    """Index of a joint of the (default humanoid) skeleton, e.g. ``joint_index("head")``."""
    return skeleton.joint_index(name)
