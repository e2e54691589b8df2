"""Reader for HumanML3D motion features (``new_joint_vecs/*.npy``, 263 numbers a frame).

For users who have the dataset (it is not bundled).  A frame holds, for the 22 SMPL joints:
``[0]`` root angular velocity about the vertical axis, ``[1:3]`` root planar velocity in its
own facing frame, ``[3]`` root height, ``[4:67]`` the other 21 joints' positions
(horizontally relative to the root and facing-normalised; heights absolute), then
rotations, velocities and foot contacts, which the positions do not need.  The dataset is
y-up, facing +z, 20 fps; :func:`load_features` returns our convention: z-up, metres,
facing +x.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from egobutler.motion.errors import MotionError
from egobutler.motion.skeleton import Y_UP_TO_Z_UP, Skeleton

FEATURE_DIM = 263
FPS = 20.0
SMPL_NAMES = (
    "pelvis", "left_hip", "right_hip", "spine1", "left_knee", "right_knee", "spine2", "left_ankle", "right_ankle",
    "spine3", "left_foot", "right_foot", "neck", "left_collar", "right_collar", "head", "left_shoulder",
    "right_shoulder", "left_elbow", "right_elbow", "left_wrist", "right_wrist",
)
SMPL_PARENTS = (-1, 0, 0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 12, 13, 14, 16, 17, 18, 19)
# y-up facing +z → z-up facing +x: swap axes, then a quarter turn about z.
_TO_OURS = np.array([[0.0, -1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]]) @ Y_UP_TO_Z_UP


@dataclass(frozen=True, eq=False)
class JointMotion:
    """Joint positions only (no rotations): ``positions`` (T, J, 3) metres, z-up, facing +x."""

    name: str
    fps: float
    positions: np.ndarray
    skeleton: Skeleton

    @property
    def num_frames(self) -> int:
        return int(self.positions.shape[0])

    def world(self) -> tuple[np.ndarray, None]:
        """Same shape of answer as a clip's ``world()``; there are no rotations to give."""
        return self.positions, None


def features_to_positions(features: np.ndarray) -> np.ndarray:
    """(T, 263) HumanML3D features → (T, 22, 3) joint positions, y-up, facing +z (the dataset's frame)."""
    features = np.asarray(features, dtype=np.float64)
    if features.ndim != 2 or features.shape[1] != FEATURE_DIM:
        raise MotionError(f"HumanML3D features are (frames, {FEATURE_DIM}); got {features.shape}")
    # The dataset stores half the heading angle: its quaternion (cos a, 0, sin a, 0) turns by 2a.
    half = np.concatenate([[0.0], np.cumsum(features[:-1, 0])])
    turn = -2.0 * half  # the inverse rotation, from facing frame to world
    cos, sin = np.cos(turn), np.sin(turn)
    ry = np.zeros((len(turn), 3, 3))
    ry[:, 0, 0], ry[:, 0, 2], ry[:, 1, 1], ry[:, 2, 0], ry[:, 2, 2] = cos, sin, 1.0, -sin, cos
    step = np.zeros((len(turn), 3))
    step[1:, 0], step[1:, 2] = features[:-1, 1], features[:-1, 2]
    root = np.cumsum(np.einsum("tij,tj->ti", ry, step), axis=0)
    root[:, 1] = features[:, 3]
    local = features[:, 4:67].reshape(-1, 21, 3)
    joints = np.einsum("tij,tkj->tki", ry, local)
    joints[..., 0] += root[:, None, 0]
    joints[..., 2] += root[:, None, 2]
    return np.concatenate([root[:, None], joints], axis=1)


def load_features(path: str | Path) -> JointMotion:
    """Read one ``new_joint_vecs`` .npy file as a :class:`JointMotion` in our convention."""
    path = Path(path)
    try:
        features = np.load(path)
    except (OSError, ValueError) as exc:
        raise MotionError(f"cannot read HumanML3D features {path}: {exc}") from None
    positions = features_to_positions(features) @ _TO_OURS.T
    offsets = positions[0] - positions[0, [max(p, 0) for p in SMPL_PARENTS]]
    skel = Skeleton(names=SMPL_NAMES, parents=SMPL_PARENTS, offsets=offsets, rotating=(True,) * len(SMPL_NAMES))
    return JointMotion(name=path.stem, fps=FPS, positions=positions, skeleton=skel)
