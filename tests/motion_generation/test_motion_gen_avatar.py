"""Retrieval fallback, rendering and the `egobutler motion generate` CLI."""

import pytest
from typer.testing import CliRunner


def test_retrieval_finds_the_labelled_clip_and_time_warps_it(hash_encoder):
    from egobutler.motion.avatar import animate_reply
    from egobutler.motion.retrieval_motion import RetrievalGenerator

    gen = RetrievalGenerator(encoder=hash_encoder)
    assert gen.nearest("a person does a back flip")[0] == "backflip"
    for seconds in (0.5, 2.5, 7.0):
        motion = animate_reply("walk forward", seconds, generator=gen)
        assert motion.num_frames == round(seconds * 30) + 1
        assert motion.duration_s == pytest.approx(seconds)
    # 7 s of walking is several gait cycles chained forward, not one cycle slowed down.
    assert motion.root_pos[-1, 0] - motion.root_pos[0, 0] > 4.0


def test_unknown_generator_lists_the_choices():
    from egobutler.motion.avatar import UnknownGenerator, load_generator

    with pytest.raises(UnknownGenerator, match="fractal, retrieval"):
        load_generator("diffusion")


def test_missing_checkpoint_falls_back_to_retrieval(tmp_path, hash_encoder):
    from egobutler.motion.avatar import load_generator
    from egobutler.motion.retrieval_motion import RetrievalGenerator

    gen = load_generator("fractal", tmp_path / "nope.pt", encoder=hash_encoder)
    assert isinstance(gen, RetrievalGenerator)


def test_gif_and_frames_show_the_figure(tmp_path):
    from PIL import Image

    from egobutler.motion.clip_ops import canonical
    from egobutler.motion.deepmimic import load_clip
    from egobutler.motion.render import Camera, render_frames, save_motion

    clip = canonical(load_clip("run"))
    frames = render_frames(clip, Camera(width=160, height=120))
    assert len(frames) == clip.num_frames and frames[0].shape == (120, 160, 3)
    assert (frames[0] < 150).any(axis=-1).sum() > 100  # the dark skeleton is in the picture
    gif = save_motion(clip, tmp_path / "run.gif", Camera(width=160, height=120))
    with Image.open(gif) as img:
        assert img.n_frames == clip.num_frames // 2 + 1  # 30 fps clip saved at 15 fps


def test_cli_generate_writes_a_playable_mp4(tmp_path, egobutler_home, monkeypatch, hash_encoder):
    import av

    import egobutler.motion.fractal.text as text
    from egobutler.app.cli import app

    monkeypatch.setattr(text, "default_encoder", lambda: hash_encoder)
    out = tmp_path / "jump.mp4"
    result = CliRunner().invoke(app, ["motion", "generate", "jump up", "--generator", "retrieval",
                                      "--seconds", "1.5", "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    with av.open(str(out)) as container:
        frames = sum(1 for _ in container.decode(video=0))
    assert frames == 46  # 1.5 s at 30 fps, both ends included


def test_cli_rejects_an_unknown_output_type(tmp_path, egobutler_home, monkeypatch, hash_encoder):
    import egobutler.motion.fractal.text as text
    from egobutler.app.cli import app

    monkeypatch.setattr(text, "default_encoder", lambda: hash_encoder)
    result = CliRunner().invoke(app, ["motion", "generate", "jump", "--generator", "retrieval", "--out", str(tmp_path / "x.avi")])
    assert result.exit_code != 0
    assert ".mp4, .gif or .bvh" in str(result.exception) + result.output


@pytest.mark.slow
def test_bundled_generator_makes_recognisable_motion(tmp_path):
    """The shipped checkpoint with the real MiniLM encoder: walking moves forward, crawling
    stays low while dancing stands."""
    from egobutler.motion.avatar import animate_reply, bundled_checkpoint, load_generator
    from egobutler.motion.skeleton import joint_index

    assert bundled_checkpoint().stat().st_size < 5e6
    gen = load_generator("fractal")
    head = joint_index("head")
    walk = animate_reply("let's walk over there", 3.0, generator=gen)
    assert walk.root_pos[-1, 0] - walk.root_pos[0, 0] > 1.0
    crawl, _ = animate_reply("crawl on the floor", 2.0, generator=gen).world()
    stand, _ = animate_reply("dance happily", 2.0, generator=gen).world()
    assert crawl[:, head, 2].mean() < 0.7 < stand[:, head, 2].mean()


@pytest.mark.slow
def test_cli_train_generator_writes_a_loadable_checkpoint(tmp_path, egobutler_home):
    import json

    from egobutler.app.cli import app
    from egobutler.motion.fractal.train import load_checkpoint

    result = CliRunner().invoke(app, ["motion", "train-generator", "deepmimic", "--steps", "6", "--out", str(tmp_path), "--json"])
    assert result.exit_code == 0, result.output
    info = json.loads(result.stdout[result.stdout.index("{"):])
    _, _, _, meta = load_checkpoint(info["checkpoint"])
    assert meta["steps"] == 6 and len(meta["clips"]) == 15
