"""The EgoLM narrator at a tiny size: it trains, saves, loads and narrates through the real code."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from egobutler.motion.errors import NarratorTrainingError
from egobutler.motion.imu import read_imu
from egobutler.motion.narrate import load_narrator, narrate
from egobutler.motion.synth_imu import write_narration_dataset

pytestmark = pytest.mark.slow  # importing torch and training take ~10 s on a busy 2-core box


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Tiny models run fastest on one thread, above all while other tests share the cores."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """(data dir, checkpoint dir, TrainReport) of a tiny narrator trained for 30 steps."""
    from egobutler.motion.egolm.config import Config
    from egobutler.motion.egolm.train import train

    data = write_narration_dataset(tmp_path_factory.mktemp("narrations"), clips=4, clip_s=6.0, seed=1)
    out = data / "ckpt"
    report = train(data, out, steps=30, cfg=Config.tiny(), threads=1, seed=0)
    return data, out, report


def test_a_few_steps_reduce_the_loss(trained):
    _, _, report = trained
    assert len(report.losses) == 30 and report.examples == 4
    assert np.mean(report.losses[-5:]) < 0.8 * np.mean(report.losses[:5])


def test_checkpoint_round_trips_to_the_same_narration(trained, tmp_path):
    import torch

    from egobutler.motion.egolm.train import load_checkpoint, save_checkpoint

    data, ckpt, _ = trained
    model, cfg, vocab = load_checkpoint(ckpt)
    copy = save_checkpoint(tmp_path / "copy", model, cfg, vocab, {"steps": 30})
    again, _, vocab2 = load_checkpoint(copy)
    for (name, a), (_, b) in zip(model.state_dict().items(), again.state_dict().items()):
        assert torch.equal(a, b), name
    assert vocab2.tokens == vocab.tokens
    series = read_imu(data / "imu" / "clip000.csv")
    first = load_narrator("egolm", str(ckpt))
    second = load_narrator("egolm", str(copy))
    assert first.text_for(series) == second.text_for(series)


def test_the_loaded_narrator_writes_words_it_learned(trained):
    data, ckpt, _ = trained
    narrator = load_narrator("egolm", str(ckpt))
    series = read_imu(data / "imu" / "clip001.csv")
    result = narrate(series, 0.0, 6.0, narrator)
    assert result.model_id == "egolm:ckpt"
    words = set(json.loads((ckpt / "vocab.json").read_text()))
    generated = result.text.lower().replace(",", " , ").replace(".", " . ").split()
    assert generated and set(generated) <= words
    assert result.segments and all(s.model_id == "egolm:ckpt" for s in result.segments)


def test_training_data_problems_name_the_file_and_line(tmp_path):
    from egobutler.motion.egolm.config import Config
    from egobutler.motion.egolm.train import train

    with pytest.raises(NarratorTrainingError, match="no narrations.jsonl"):
        train(tmp_path, tmp_path / "out", steps=1, cfg=Config.tiny())
    data = write_narration_dataset(tmp_path / "d", clips=1, clip_s=4.0)
    with (data / "narrations.jsonl").open("a") as handle:
        handle.write('{"file": "imu/clip000.csv", "start_s": 0}\n')
    with pytest.raises(NarratorTrainingError, match=r"narrations.jsonl, line 2: bad record"):
        train(data, tmp_path / "out", steps=1, cfg=Config.tiny())


def test_cli_trains_then_narrates_with_the_checkpoint(tmp_path, egobutler_home):
    from egobutler.app.cli import app

    data = write_narration_dataset(tmp_path / "data", clips=2, clip_s=5.0, seed=4)
    out = tmp_path / "model"
    runner = CliRunner()
    trained = runner.invoke(app, ["motion", "train-narrator", str(data), "--steps", "3", "--tiny",
                                  "--threads", "1", "--out", str(out), "--json"])
    assert trained.exit_code == 0, trained.output
    assert (out / "model.pt").is_file()
    said = runner.invoke(app, ["motion", "narrate", str(data / "imu" / "clip000.csv"), "--narrator", "egolm",
                               "--model", str(out), "--json"])
    assert said.exit_code == 0, said.output
    payload = json.loads(said.stdout)
    assert payload["model_id"] == "egolm:model" and payload["segments"]
