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


def test_bvh_round_trip_keeps_the_animation(tmp_path):
    from egobutler.motion.bvh import read_bvh, write_bvh

    clip = load_clip("cartwheel")  # upside-down poses exercise every Euler range
    back = read_bvh(write_bvh(clip, tmp_path / "cartwheel.bvh"))
    assert back.fps == pytest.approx(clip.fps, rel=1e-4)
    rename = {"neck_end": "head", "right_elbow_end": "right_wrist", "left_elbow_end": "left_wrist",
              "right_ankle_end": "right_toe", "left_ankle_end": "left_toe"}
    order = [joint_index(rename.get(n, n)) for n in back.skeleton.names]
    original, _ = clip.world()
    restored, _ = back.world()
    np.testing.assert_allclose(restored, original[:, order], atol=1e-5)  # metres
    assert (tmp_path / "cartwheel.bvh").read_text().startswith("HIERARCHY\nROOT root")


def test_humanml3d_features_become_walking_positions(tmp_path):
    from egobutler.motion.humanml3d import FEATURE_DIM, load_features

    frames = 40
    feats = np.zeros((frames, FEATURE_DIM), dtype=np.float32)
    feats[:, 2] = 0.05  # 5 cm a frame along the body's facing direction (+z in the dataset)
    feats[:, 3] = 0.9  # pelvis height, metres
    pose = np.zeros((21, 3))
    pose[14] = (0.0, 1.5, 0.0)  # head (joint 15): horizontal offset from the pelvis, absolute height
    pose[0] = (0.1, 0.8, 0.0)  # left hip, to the body's left (+x in the dataset)
    feats[:, 4:67] = pose.reshape(-1)
    path = tmp_path / "000001.npy"
    np.save(path, feats)
    motion = load_features(path)
    assert motion.positions.shape == (frames, 22, 3) and motion.fps == 20.0
    pelvis, head, left_hip = motion.positions[:, 0], motion.positions[:, 15], motion.positions[:, 1]
    np.testing.assert_allclose(pelvis[-1] - pelvis[0], [0.05 * (frames - 1), 0.0, 0.0], atol=1e-6)  # forward is +x
    np.testing.assert_allclose(head[:, 2], 1.5, atol=1e-6)  # z is up
    assert (left_hip[:, 1] > pelvis[:, 1]).all()  # left is +y
    with pytest.raises(Exception, match="263"):
        np.save(tmp_path / "bad.npy", np.zeros((5, 100)))
        load_features(tmp_path / "bad.npy")
