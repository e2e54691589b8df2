"""The DeepMimic reader and forward kinematics give a plausible, upright human."""

import numpy as np
import pytest

from egobutler.motion.deepmimic import ClipNotFound, head_pose, list_clips, load_clip
from egobutler.motion.skeleton import HUMANOID, forward_kinematics, joint_index, matrix_to_quat, quat_to_matrix


def test_bundled_clips_are_listed():
    names = list_clips()
    assert {"walk", "run", "jump", "backflip", "punch", "kick"} <= set(names)


def test_walk_is_upright_z_up_and_moves_forward():
    clip = load_clip("walk")
    assert clip.fps == pytest.approx(30.0, rel=1e-3)
    positions, _ = clip.world()
    head = positions[:, joint_index("head"), 2]
    toes = positions[:, [joint_index("left_toe"), joint_index("right_toe")], 2]
    assert 1.3 < head.mean() < 1.7  # a person's head, in metres above the floor
    assert np.abs(toes.min()) < 0.08  # the feet touch the ground (z = 0)
    assert clip.root_pos[-1, 0] - clip.root_pos[0, 0] > 0.8  # walks along +x
    right = positions[:, joint_index("right_wrist"), 1] - positions[:, 0, 1]
    assert right.mean() < 0  # the right hand is on the right (-y)


def test_forward_kinematics_keeps_bone_lengths():
    clip = load_clip("cartwheel")
    positions, rotations = forward_kinematics(clip.root_pos, clip.local_rot)
    for j, parent in enumerate(HUMANOID.parents):
        if parent >= 0:
            length = np.linalg.norm(positions[:, j] - positions[:, parent], axis=-1)
            np.testing.assert_allclose(length, np.linalg.norm(HUMANOID.offsets[j]), atol=1e-9)
    np.testing.assert_allclose(rotations @ np.swapaxes(rotations, -1, -2), np.broadcast_to(np.eye(3), rotations.shape), atol=1e-9)


def test_head_pose_for_imu_synthesis():
    clip = load_clip("run")
    t_s, pos, rot = head_pose(clip)
    assert t_s.shape == (clip.num_frames,) and pos.shape == (clip.num_frames, 3) and rot.shape == (clip.num_frames, 3, 3)
    assert t_s[1] == pytest.approx(1 / clip.fps)
    # The head looks roughly forward (+x) and its z axis points up while running.
    assert rot[:, 2, 2].mean() > 0.8 and rot[:, 0, 0].mean() > 0.5


def test_quaternion_matrix_round_trip():
    q = np.random.default_rng(0).normal(size=(100, 4))
    q /= np.linalg.norm(q, axis=-1, keepdims=True)
    q *= np.sign(q[:, :1])
    np.testing.assert_allclose(matrix_to_quat(quat_to_matrix(q)), q, atol=1e-9)


def test_unknown_clip_names_the_installed_ones():
    with pytest.raises(ClipNotFound, match="walk"):
        load_clip("wave_hello")
