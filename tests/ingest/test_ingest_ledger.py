"""The ledger: re-running is a no-op, a new model re-runs only its stage, duplicates are
recognised, unconfigured stages are recorded as skipped, failures as failed."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone

from ingest_fakes import CALLS, FakeCaptioner

from egobutler.ingest.clips import clip_grid
from egobutler.ingest.pipeline import Pipeline
from egobutler.ingest.progress import ingest_status
from egobutler.ingest.sources import open_source
from egobutler.ingest.stages import StageSpec, stage_spec


def caption_spec(model: str) -> StageSpec:
    return StageSpec("caption", "egobutler.ingest.stage_vision:CaptionStage", {"captioner": FakeCaptioner(model)})


def slow_spec(model: str = "v1") -> StageSpec:
    return StageSpec("slownote", "ingest_fakes:SlowNote", {"model": model})


def test_clip_grid_is_wall_clock_aligned():
    start = datetime(2025, 1, 1, 10, 29, 45, tzinfo=timezone.utc)
    spans = clip_grid("me", start, 75.0, 30.0)
    assert [(s.clip.start.strftime("%H:%M:%S"), s.clip.duration_s) for s in spans] == [
        ("10:29:45", 15.0), ("10:30:00", 30.0), ("10:30:30", 30.0)]
    assert [s.offset_s for s in spans] == [0.0, 15.0, 45.0]
    # A second recording later the same minute lands on the same grid, without overlap.
    later = clip_grid("me", datetime(2025, 1, 1, 10, 31, 10, tzinfo=timezone.utc), 40.0, 30.0)
    assert later[0].clip.start.second == 10 and later[1].clip.start.strftime("%H:%M:%S") == "10:31:30"


def test_same_model_is_not_rerun_and_new_model_reruns_only_its_stage(store, sample, monkeypatch):
    monkeypatch.setenv("EGOBUTLER_TEST_SLOW_S", "0")
    CALLS.clear()
    source = open_source(sample)
    first = Pipeline(store, [caption_spec("v1"), slow_spec()]).ingest(source)
    assert first.status == "done" and first.clips == 3
    assert CALLS[("caption", "v1")] == 3 and CALLS[("slownote", "v1")] == 3
    captions_v1 = [x for x in store.lines(kinds=["caption"]) if x.model_id == "fake-captioner:v1"]
    assert len(captions_v1) == 3

    again = Pipeline(store, [caption_spec("v1"), slow_spec()]).ingest(source)
    assert again.status == "up-to-date"
    assert CALLS[("caption", "v1")] == 3 and CALLS[("slownote", "v1")] == 3  # nothing re-ran

    Pipeline(store, [caption_spec("v2"), slow_spec()]).ingest(source)
    assert CALLS[("caption", "v2")] == 3 and CALLS[("slownote", "v1")] == 3  # only the caption stage
    captions = store.lines(kinds=["caption"])
    assert {x.model_id for x in captions} == {"fake-captioner:v2", "slow-note:v1"}
    assert len(captions) == 6  # v1 captions replaced, not added to
    entry = store.ledger(first_clip_id(store), "caption")
    assert entry.status == "done" and entry.model_id == "fake-captioner:v2" and entry.attempts == 2


def first_clip_id(store) -> str:
    return store.clips()[0].id


def test_same_recording_synced_twice_or_renamed_is_ingested_once(store, sample, tmp_path, monkeypatch):
    monkeypatch.setenv("EGOBUTLER_TEST_SLOW_S", "0")
    CALLS.clear()
    renamed = tmp_path / "synced-again" / "glasses_2025-01-01"
    shutil.copytree(sample, renamed)
    pipeline = Pipeline(store, [slow_spec()])
    assert pipeline.ingest(open_source(sample)).status == "done"
    counts = store.counts()
    report = pipeline.ingest(open_source(renamed))
    assert report.status == "up-to-date"
    assert open_source(renamed).recording_id == open_source(sample).recording_id
    assert store.counts() == counts and CALLS[("slownote", "v1")] == 3
    assert len(store.recordings()) == 1


def test_unconfigured_stage_is_skipped_and_failures_are_recorded(store, sample, monkeypatch):
    monkeypatch.setenv("EGOBUTLER_TEST_SLOW_S", "0")
    specs = [stage_spec("caption", backend="none"), slow_spec(), StageSpec("exploding", "ingest_fakes:Exploding")]
    report = Pipeline(store, specs).ingest(open_source(sample))
    assert report.status == "partial"
    assert report.stages["caption"] == {"skipped": 3}
    assert report.stages["exploding"] == {"failed": 3}
    failed = store.ledger_entries(stage="exploding")
    assert all("backend crashed on purpose" in e.error and "aria_sample at" in e.error for e in failed)
    assert all(e.error == "no caption backend configured" for e in store.ledger_entries(stage="caption"))
    assert len(store.lines(kinds=["caption"])) == 3  # the good stage's lines are kept
    status = ingest_status(store)
    assert status.done == 6 and status.backlog == 0
    assert any(f.stage == "exploding" and "crashed" in f.error for f in status.failed)
    assert store.get_recording(report.recording_id).status == "partial"


def test_clips_get_thumbnails_and_seekable_clip_files(store, sample, monkeypatch):
    monkeypatch.setenv("EGOBUTLER_TEST_SLOW_S", "0")
    Pipeline(store, [slow_spec()]).ingest(open_source(sample))
    clips = store.clips()
    assert len(clips) == 3
    for clip in clips:
        assert store.media_path(clip.thumbnail_path).stat().st_size > 1000
        assert store.media_path(clip.video_path).is_file()
        assert 0.0 <= clip.video_offset_s < 2.5  # keyframes every 2 s in the sample
    import av

    with av.open(str(store.media_path(clips[1].video_path))) as c:
        assert 29.0 <= c.duration / 1e6 <= 33.0 and c.streams.audio
