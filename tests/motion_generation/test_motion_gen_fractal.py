"""The fractal generator: levels, input mixing, training, checkpoints, generated motion."""

import numpy as np
import pytest
import torch

from egobutler.motion.fractal.mixing import interp_matrix, intra_group_mix, level_indices, num_levels, upsample


def test_keyframe_levels_have_the_right_lengths_and_nest():
    assert num_levels(33) == 6
    for level in range(6):
        idx = level_indices(33, level)
        assert len(idx) == 2**level + 1 and idx[0] == 0 and idx[-1] == 32
        if level:
            assert set(level_indices(33, level - 1)) <= set(idx)  # each level keeps all coarser frames
            np.testing.assert_array_equal(idx[::2], level_indices(33, level - 1))
    with pytest.raises(ValueError):
        num_levels(30)


def test_upsample_keeps_coarse_tokens_and_interpolation_hits_keyframes():
    coarse = torch.randn(2, 5, 7)
    fine = upsample(coarse)
    assert fine.shape == (2, 9, 7)
    np.testing.assert_allclose(fine[:, ::2].numpy(), coarse.numpy())
    w = interp_matrix(2, 33)
    np.testing.assert_allclose(w.sum(1).numpy(), 1.0, atol=1e-6)
    np.testing.assert_allclose((w @ coarse)[:, level_indices(33, 2)].numpy(), coarse.numpy(), atol=1e-6)


def test_intra_group_mixing_preserves_frames_within_groups():
    x = torch.arange(2 * 9, dtype=torch.float32).reshape(2, 9, 1).repeat(1, 1, 3)
    gen = torch.Generator().manual_seed(0)
    mixed = intra_group_mix(x, 3, gen)
    for b in range(2):
        for g in range(3):
            before = sorted(x[b, 3 * g:3 * g + 3, 0].tolist())
            after = sorted(mixed[b, 3 * g:3 * g + 3, 0].tolist())
            assert before == after  # same frames, only their order changed
    assert not torch.equal(mixed, x)  # and the order did change somewhere
    np.testing.assert_array_equal(mixed[..., 0].numpy(), mixed[..., 2].numpy())  # whole frames move together


def test_training_reduces_the_loss(tiny_checkpoint):
    _, before, after = tiny_checkpoint  # λ·L_key + (1−λ)·L_seq over all levels, all windows
    assert after < 0.85 * before


def test_checkpoint_round_trip_gives_the_same_motion(tiny_checkpoint, hash_encoder):
    from egobutler.motion.fractal.train import load_checkpoint, save_checkpoint

    path, _, _ = tiny_checkpoint
    model, mean, std, meta = load_checkpoint(path)
    assert meta["text_model"] == "test:hash"
    text = torch.from_numpy(hash_encoder.encode(["walk forward"]))
    again = save_checkpoint(path.with_name("again.pt"), model, mean, std, meta)
    model2, mean2, std2, _ = load_checkpoint(again)
    np.testing.assert_allclose(model.generate(text)[-1].numpy(), model2.generate(text)[-1].numpy(), atol=1e-6)
    np.testing.assert_array_equal(mean, mean2)


def test_corrupt_checkpoint_says_how_to_fix(tmp_path):
    from egobutler.motion.fractal.train import CheckpointError, load_checkpoint

    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"not a checkpoint")
    with pytest.raises(CheckpointError, match="retrain"):
        load_checkpoint(bad)
    with pytest.raises(CheckpointError, match="train-generator"):
        load_checkpoint(tmp_path / "missing.pt")


@pytest.mark.parametrize("level", [0, 1, None])
def test_generated_motion_is_finite_and_keeps_bone_lengths(tiny_checkpoint, hash_encoder, level):
    from egobutler.motion.avatar import animate_reply
    from egobutler.motion.fractal.generator import FractalGenerator
    from egobutler.motion.skeleton import HUMANOID

    gen = FractalGenerator(tiny_checkpoint[0], encoder=hash_encoder)
    motion = animate_reply("walk forward", 2.0, generator=gen, level=level)
    assert motion.num_frames == 61 and motion.fps == 30.0  # 2 s at 30 fps, whatever the level
    positions, _ = motion.world()
    assert np.isfinite(positions).all()
    for j, parent in enumerate(HUMANOID.parents):
        if parent >= 0:
            np.testing.assert_allclose(np.linalg.norm(positions[:, j] - positions[:, parent], axis=-1),
                                       np.linalg.norm(HUMANOID.offsets[j]), atol=1e-6)


def test_level_out_of_range_is_a_clear_error(tiny_checkpoint, hash_encoder):
    from egobutler.motion.errors import MotionError
    from egobutler.motion.fractal.generator import FractalGenerator

    gen = FractalGenerator(tiny_checkpoint[0], encoder=hash_encoder)
    with pytest.raises(MotionError, match="level must be between 0"):
        gen.generate("jump up", 1.0, level=7)


def test_unseen_wording_is_snapped_to_the_phrases_the_model_learned(tiny_checkpoint, hash_encoder):
    from egobutler.motion.fractal.generator import FractalGenerator

    gen = FractalGenerator(tiny_checkpoint[0], encoder=hash_encoder)
    raw = FractalGenerator(tiny_checkpoint[0], encoder=hash_encoder, snap_text=False)
    seen = hash_encoder.encode(["walk forward"])[0]
    snapped = gen.condition("please walk forward")[0]
    assert snapped @ seen / np.linalg.norm(snapped) > 0.99
    np.testing.assert_allclose(raw.condition("please walk forward"), hash_encoder.encode(["please walk forward"]))
