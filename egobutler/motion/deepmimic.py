"""Reader for the DeepMimic humanoid motion clips that ship inside ``pybullet_data``.

Each file (``pybullet_data/data/motions/humanoid3d_<name>.txt``) is JSON:
``{"Loop": "wrap"|"none", "Frames": [[dt, root xyz, root quat, chest quat, neck quat,
right hip quat, right knee angle, right ankle quat, right shoulder quat, right elbow angle,
left hip quat, left knee angle, left ankle quat, left shoulder quat, left elbow angle], ...]}``
— 44 numbers a frame, y-up, metres, quaternions (w, x, y, z), knee/elbow angles in radians
about the joint's z axis.  :func:`load_clip` converts them to the z-up convention of
:mod:`egobutler.motion.skeleton`.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from egobutler.motion.errors import MotionError
from egobutler.motion.skeleton import HUMANOID, Y_UP_TO_Z_UP, Skeleton, axis_angle_to_matrix, forward_kinematics, matrix_to_quat

log = logging.getLogger(__name__)

_PREFIX = "humanoid3d_"
# Layout of one frame after the leading duration: (joint name, kind) in file order.
_LAYOUT = [
    ("chest", "quat"), ("neck", "quat"),
    ("right_hip", "quat"), ("right_knee", "angle"), ("right_ankle", "quat"),
    ("right_shoulder", "quat"), ("right_elbow", "angle"),
    ("left_hip", "quat"), ("left_knee", "angle"), ("left_ankle", "quat"),
    ("left_shoulder", "quat"), ("left_elbow", "angle"),
]
_FRAME_WIDTH = 44
# The revolute joints turn about z in the y-up file frame, which is -y in ours.
_HINGE_AXIS = Y_UP_TO_Z_UP @ np.array([0.0, 0.0, 1.0])


class ClipNotFound(MotionError):
    """A DeepMimic clip name that is not installed."""


@dataclass(frozen=True, eq=False)
class MocapClip:
    """One motion clip on the :data:`~egobutler.motion.skeleton.HUMANOID` skeleton.

    ``root_pos`` (T, 3) metres and ``root_rot`` (T, 4) quaternion (w, x, y, z) in the z-up
    world frame (x forward, y left); ``local_rot`` (T, J, 4) local joint quaternions for all
    skeleton joints (index 0 equals ``root_rot``; end sites are the identity).  Frames are
    ``1 / fps`` seconds apart.
    """

    name: str
    fps: float
    root_pos: np.ndarray
    root_rot: np.ndarray
    local_rot: np.ndarray
    loop: bool = False
    skeleton: Skeleton = field(default=HUMANOID, repr=False)

    @property
    def num_frames(self) -> int:
        return int(self.root_pos.shape[0])

    @property
    def duration_s(self) -> float:
        return (self.num_frames - 1) / self.fps

    @property
    def t_s(self) -> np.ndarray:
        """Frame times in seconds from the clip start, shape (T,)."""
        return np.arange(self.num_frames) / self.fps

    def world(self) -> tuple[np.ndarray, np.ndarray]:
        """World joint ``positions`` (T, J, 3) metres and ``rotations`` (T, J, 3, 3)."""
        return forward_kinematics(self.root_pos, self.local_rot, self.skeleton)


def motions_dir() -> Path:
    """The folder of DeepMimic clips inside the installed ``pybullet`` package."""
    try:
        import pybullet_data  # only a path helper; does not load the simulator
    except ImportError:
        raise MotionError("the DeepMimic clips come with pybullet: pip install pybullet") from None
    return Path(pybullet_data.getDataPath()) / "data" / "motions"


def list_clips(directory: Path | None = None) -> list[str]:
    """Names of the installed humanoid clips, e.g. ``["backflip", ..., "walk"]``, sorted."""
    folder = Path(directory) if directory is not None else motions_dir()
    return sorted(p.stem[len(_PREFIX):] for p in folder.glob(f"{_PREFIX}*.txt"))


def load_clip(name: str, directory: Path | None = None) -> MocapClip:
    """Read the clip ``name`` (as listed by :func:`list_clips`) or a path to a clip file."""
    path = Path(name)
    if not path.is_file():
        folder = Path(directory) if directory is not None else motions_dir()
        path = folder / f"{_PREFIX}{name}.txt"
        if not path.is_file():
            known = ", ".join(list_clips(folder)) or "none (is pybullet installed?)"
            raise ClipNotFound(f"no DeepMimic clip {name!r}; installed clips: {known}")
    try:
        data = json.loads(path.read_text())
        frames = np.asarray(data["Frames"], dtype=np.float64)
    except (ValueError, KeyError) as exc:
        raise MotionError(f"{path} is not a DeepMimic motion file ({exc})") from None
    if frames.ndim != 2 or frames.shape[1] != _FRAME_WIDTH:
        raise MotionError(f"{path}: expected {_FRAME_WIDTH} numbers a frame (humanoid3d), got {frames.shape}")
    clip_name = path.stem[len(_PREFIX):] if path.stem.startswith(_PREFIX) else path.stem
    return _frames_to_clip(clip_name, frames, loop=data.get("Loop", "none") == "wrap")


def _frames_to_clip(name: str, frames: np.ndarray, loop: bool) -> MocapClip:
    durations = frames[:, 0]
    # The last frame's duration is 0 in most files; a few frames differ by a millisecond.
    fps = 1.0 / float(np.median(durations[durations > 0]))
    skel = HUMANOID
    local = np.zeros((frames.shape[0], skel.num_joints, 4))
    local[..., 0] = 1.0
    local[:, 0] = _quat_to_zup(frames[:, 4:8])
    col = 8
    for joint, kind in _LAYOUT:
        j = skel.joint_index(joint)
        if kind == "quat":
            local[:, j] = _quat_to_zup(frames[:, col:col + 4])
            col += 4
        else:
            local[:, j] = matrix_to_quat(axis_angle_to_matrix(_HINGE_AXIS, frames[:, col]))
            col += 1
    root_pos = frames[:, 1:4] @ Y_UP_TO_Z_UP.T
    return MocapClip(name=name, fps=fps, root_pos=root_pos, root_rot=local[:, 0].copy(), local_rot=local, loop=loop)


def _quat_to_zup(q: np.ndarray) -> np.ndarray:
    # Conjugating by a proper rotation M maps (w, v) to (w, M v); also normalise.
    out = np.concatenate([q[:, :1], q[:, 1:] @ Y_UP_TO_Z_UP.T], axis=-1)
    return out / np.linalg.norm(out, axis=-1, keepdims=True)


def head_pose(clip: MocapClip) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pose of the head (where head-mounted glasses sit) in every frame.

    Returns ``t_s`` (T,) seconds from the clip start, ``pos`` (T, 3) metres (world, z-up,
    the centre of the head) and ``rot`` (T, 3, 3) the head's world rotation (the neck
    joint's; columns are the head's x forward, y left, z up axes in world coordinates).
    Works for any object with ``root_pos``, ``local_rot``, ``fps`` and ``skeleton``.
    """
    positions, rotations = forward_kinematics(clip.root_pos, clip.local_rot, clip.skeleton)
    head = clip.skeleton.joint_index("head")
    return np.arange(positions.shape[0]) / clip.fps, positions[:, head], rotations[:, head]
