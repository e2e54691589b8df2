"""The transformers captioner loading tiny random checkpoints (real configs, saved to disk) by the production path.

The weights are random, so the text is garbage: these tests check the plumbing a user
relies on (a caption per clip, frames capped, span, model id, batching, freeing), not words.
"""

from __future__ import annotations

import logging
import shutil

import pytest
from PIL import Image

from egobutler.egogpt.captioner import ClipFrames, load_captioner
from egobutler.egogpt.errors import BackendUnavailable

pytestmark = pytest.mark.slow  # torch + transformers import and CPU generation: ~5-20 s per test


@pytest.mark.parametrize(
    ("family", "frames_as"),
    [("qwen2_vl", "video"), ("qwen2_5_vl", "video"), ("llava_onevision", "video"), ("idefics3", "images")],
)
def test_each_family_captions_a_clip_through_the_production_loader(tiny_vlm_dirs, make_frames, caplog, family,
                                                                   frames_as):  # fmt: skip
    captioner = load_captioner("transformers", model=str(tiny_vlm_dirs[family]), max_frames=4, max_new_tokens=5)
    with caplog.at_level(logging.INFO, logger="egobutler.egogpt.captioner_transformers"), captioner:
        caption = captioner.caption(make_frames(30), "Alice: pass me the screwdriver", start_s=0.0, end_s=30.0)
    assert f"frames as {frames_as}" in caplog.text  # video families get the clip as a video, like EgoGPT
    assert caption.frames_used == 4  # 30 frames offered, capped at N
    assert (caption.start_s, caption.end_s) == (0.0, 30.0)
    assert caption.model_id.startswith(f"transformers:tiny-{family}@")
    assert isinstance(caption.text, str)  # random weights: any decodable text


def test_a_batch_of_clips_with_different_lengths_comes_back_in_order(tiny_vlm_dirs, make_frames):
    frames = make_frames(6)
    clips = [ClipFrames(tuple(frames[:n])) for n in (3, 6, 3, 1)]
    captioner = load_captioner("transformers", model=str(tiny_vlm_dirs["qwen2_vl"]), batch_size=2, max_new_tokens=3)
    captions = captioner.caption_clips(clips)
    captioner.close()
    assert [c.frames_used for c in captions] == [3, 6, 3, 1]
    assert [c.end_s for c in captions] == [3.0, 6.0, 3.0, 1.0]


def test_pil_frames_are_accepted(tiny_vlm_dirs, make_frames):
    frames = [(offset, Image.fromarray(array)) for offset, array in make_frames(2)]
    captioner = load_captioner("transformers", model=str(tiny_vlm_dirs["idefics3"]), max_new_tokens=3)
    assert captioner.caption(frames).frames_used == 2
    captioner.close()


def test_runs_on_cpu_in_float32_without_a_gpu_and_close_frees_the_model(tiny_vlm_dirs, make_frames):
    import torch

    captioner = load_captioner("transformers", model=str(tiny_vlm_dirs["llava_onevision"]), max_new_tokens=2)
    captioner.load()
    weights = next(captioner._model.parameters())
    if not torch.cuda.is_available():
        assert (weights.device.type, weights.dtype) == ("cpu", torch.float32)
    captioner.close()
    assert captioner._model is None
    assert captioner.caption(make_frames(1)).frames_used == 1  # loads again on demand
    captioner.close()


def test_model_id_is_stable_per_checkpoint_and_differs_between_checkpoints(tiny_vlm_dirs, tmp_path):
    from egobutler.egogpt.captioner_tiny import build_tiny_vlm

    source = tiny_vlm_dirs["qwen2_vl"]
    same = load_captioner("transformers", model=str(source)).model_id
    assert load_captioner("transformers", model=str(source)).model_id == same
    moved = shutil.copytree(source, tmp_path / "elsewhere" / source.name)
    assert load_captioner("transformers", model=str(moved)).model_id == same  # same weights, same id
    retrained = build_tiny_vlm("qwen2_vl", tmp_path / "retrained" / source.name, seed=1)
    assert load_captioner("transformers", model=str(retrained)).model_id != same
    assert load_captioner("transformers", model="Qwen/Qwen2-VL-2B-Instruct").model_id == (
        "transformers:Qwen/Qwen2-VL-2B-Instruct"
    )


def test_a_checkpoint_that_is_not_here_says_how_to_get_it(make_frames):
    captioner = load_captioner("transformers", model="someone/not-downloaded-vlm", local_files_only=True)
    with pytest.raises(BackendUnavailable, match="hf download someone/not-downloaded-vlm"):
        captioner.caption(make_frames(1))


def test_a_folder_that_is_not_a_checkpoint_is_reported(tmp_path, make_frames):
    captioner = load_captioner("transformers", model=str(tmp_path))
    with pytest.raises(BackendUnavailable, match=str(tmp_path)):
        captioner.caption(make_frames(1))


def test_asking_for_a_gpu_that_is_not_there_is_a_clear_error(tiny_vlm_dirs, make_frames):
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has a GPU")
    captioner = load_captioner("transformers", model=str(tiny_vlm_dirs["qwen2_vl"]), device="cuda")
    with pytest.raises(BackendUnavailable, match="no CUDA GPU"):
        captioner.caption(make_frames(1))
