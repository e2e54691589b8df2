"""Bad recordings: each is marked failed or partial with what and where; the good parts are
kept and the rest of the inbox goes on."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from egobutler.ingest.inbox import ingest_path
from egobutler.ingest.pipeline import Pipeline
from egobutler.ingest.stages import StageSpec, stage_spec


def specs() -> list[StageSpec]:
    return [StageSpec("slownote", "ingest_fakes:SlowNote"), stage_spec("motion", backend="rules")]


def strip_audio(src: Path, dst: Path) -> None:
    """Copy only the video stream (no re-encode): a camera that recorded no sound."""
    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w") as out:
        vin = inp.streams.video[0]
        vout = out.add_stream_from_template(vin)
        for packet in inp.demux(vin):
            if packet.dts is None:
                continue
            packet.stream = vout
            out.mux(packet)


@pytest.mark.slow
def test_bad_recordings_fail_or_partly_succeed_and_the_inbox_goes_on(store, sample_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("EGOBUTLER_TEST_SLOW_S", "0")
    inbox = sample_copy.parent
    # 1. a truncated video (the sync stopped half way): cannot be opened at all
    truncated = inbox / "truncated.mp4"
    truncated.write_bytes((sample_copy / "video.mp4").read_bytes()[:200_000])
    # 2. an Aria folder whose IMU CSV is garbage at line 3
    bad_imu = inbox / "bad_imu"
    bad_imu.mkdir()
    (bad_imu / "meta.json").write_text(json.dumps({"wearer": "me", "start_utc": "2025-01-02T08:00:00Z"}))
    strip_audio(sample_copy / "video.mp4", bad_imu / "video.mp4")  # 3. ...and its video has no audio
    (bad_imu / "imu.csv").write_text("timestamp_ns,accel_x_mps2,accel_y_mps2,accel_z_mps2,gyro_x_radps,"
                                     "gyro_y_radps,gyro_z_radps\n0,0,0,9.8,0,0,0\n1000000,zero,0,9.8,0,0,0\n")
    pipeline = Pipeline(store, specs() + [stage_spec("asr", backend="none")])
    reports = {p.name: ingest_path(pipeline, p, default_wearer="me")
               for p in (truncated, bad_imu, sample_copy)}

    failed = reports["truncated.mp4"]
    assert failed.status == "failed"
    assert "truncated.mp4" in failed.problems[0] and "cannot open" in failed.problems[0]
    assert store.get_recording(failed.recording_id).status == "failed"

    partial = reports["bad_imu"]
    assert partial.status == "partial"
    message = store.get_recording(partial.recording_id).error
    assert "imu.csv, line 3" in message and "no audio track" in message
    assert partial.stages["slownote"] == {"done": 3}  # the video's clips are kept
    assert partial.stages["motion"] == {"skipped": 3}

    assert reports["aria_sample"].status == "done"  # the rest of the inbox went on
    assert len(store.clips()) == 6


def test_video_without_audio_skips_speech_with_a_reason(store, sample_copy, tmp_path, monkeypatch):
    monkeypatch.setenv("EGOBUTLER_TEST_SLOW_S", "0")
    silent = tmp_path / "phone.mp4"
    strip_audio(sample_copy / "video.mp4", silent)

    class NoModelAsr:  # only `model_id`/`load`/`close` are touched before the missing audio is noticed
        model_id = "never-used"

        def load(self): pass

        def close(self): pass

    asr = StageSpec("asr", "egobutler.ingest.stage_audio:AsrStage", {"asr": NoModelAsr(), "vad": NoModelAsr()})
    report = ingest_path(Pipeline(store, [asr]), silent, start="2025-01-03T09:00:00+01:00", default_wearer="me")
    assert report.status == "partial"
    entries = store.ledger_entries(stage="asr")
    assert [e.status for e in entries] == ["skipped"] * 3
    assert "no audio track" in entries[0].error
    assert store.clips()[0].start.isoformat() == "2025-01-03T08:00:00+00:00"


def test_video_without_a_start_time_says_how_to_fix_it(store, tmp_path):
    plain = tmp_path / "clip.mp4"
    strip_audio(Path(__file__).resolve().parents[2] / "samples" / "aria_sample" / "video.mp4", plain)
    report = ingest_path(Pipeline(store, specs()), plain, default_wearer="me")
    assert report.status == "failed" and "--start" in report.problems[0]
