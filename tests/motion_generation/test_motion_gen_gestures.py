"""The default generator's motion fits the words: checked on joint positions."""

from __future__ import annotations

import numpy as np
import pytest

from egobutler.motion.skeleton import HUMANOID, joint_index


@pytest.fixture(scope="module")
def default_generator():
    """The generator the app uses by default, with the real MiniLM encoder."""
    from egobutler.motion.avatar import DEFAULT_GENERATOR, load_generator

    return load_generator(DEFAULT_GENERATOR)


def _world(motion) -> np.ndarray:
    return motion.world()[0]


def test_wave_raises_a_hand_above_the_shoulder(default_generator) -> None:
    pos = _world(default_generator.generate("wave hello with the right hand", 3.0))
    wrist, shoulder = pos[:, joint_index("right_wrist")], pos[:, joint_index("right_shoulder")]
    above = wrist[:, 2] - shoulder[:, 2]
    assert above.max() > 0.2, "the hand rises well above the shoulder"
    assert (above > 0.1).sum() > 20, "and stays up for a wave, not a flick"
    # the raised hand moves side to side (waving), not just up
    raised = wrist[above > 0.1, 1]
    assert raised.max() - raised.min() > 0.1


def test_walk_moves_the_root_forward(default_generator) -> None:
    motion = default_generator.generate("walk forward", 3.0)
    root = motion.root_pos
    assert root[-1, 0] - root[0, 0] > 1.5  # ~1.2 m/s
    assert abs(root[-1, 1] - root[0, 1]) < 0.5


@pytest.mark.parametrize(("prompt", "check"), [
    ("nod yes", "head_dips"),
    ("shrug, I don't know", "hands_out"),
    ("raise both arms and cheer", "both_hands_up"),
    ("stand calmly", "still"),
])
def test_gesture_prompts_make_the_gesture(default_generator, prompt, check) -> None:
    pos = _world(default_generator.generate(prompt, 3.0))
    head, lw, rw = (joint_index(n) for n in ("head", "left_wrist", "right_wrist"))
    if check == "head_dips":
        forward = pos[:, head, 0] - pos[:, 0, 0]
        assert forward.max() - forward.min() > 0.05
    elif check == "hands_out":
        assert (pos[:, lw, 1] - pos[:, rw, 1]).max() > 0.6  # wrists far apart, palms out
    elif check == "both_hands_up":
        assert min(pos[:, lw, 2].max(), pos[:, rw, 2].max()) > pos[:, head, 2].max()
    else:
        assert np.abs(pos - pos[:1]).max() < 0.15


def test_gesture_clips_start_and_end_at_rest_with_feet_on_the_ground() -> None:
    from egobutler.motion.gesture_clips import gesture_clips, rest_pose_world

    rest = rest_pose_world()
    toes = [joint_index("left_toe"), joint_index("right_toe")]
    for name, clip in gesture_clips().items():
        pos = _world(clip)
        np.testing.assert_allclose(pos[0], rest, atol=0.03, err_msg=name)
        np.testing.assert_allclose(pos[-1], rest, atol=0.03, err_msg=name)
        assert pos[:, toes, 2].min() > -0.01, name
        for j, parent in enumerate(HUMANOID.parents):
            if parent >= 0:
                np.testing.assert_allclose(np.linalg.norm(pos[:, j] - pos[:, parent], axis=-1),
                                           np.linalg.norm(HUMANOID.offsets[j]), atol=1e-6)


def test_a_gesture_longer_reply_hands_over_to_idle_without_a_jump(hash_encoder) -> None:
    from egobutler.motion.retrieval_motion import RetrievalGenerator

    gen = RetrievalGenerator(encoder=hash_encoder)
    motion = gen.generate("nod yes", 6.0)
    assert motion.num_frames == 181
    pos = _world(motion)
    step = np.linalg.norm(np.diff(pos, axis=0), axis=-1).max()
    assert step < 0.08  # metres per frame: no teleporting joint at the hand-over
