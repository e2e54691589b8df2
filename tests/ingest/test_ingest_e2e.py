"""The sample recording through the real offline stages: transcripts with speakers, scene
text, motion narrations, thumbnails — and searchable."""

from __future__ import annotations

import pytest

from egobutler.ingest.pipeline import Pipeline
from egobutler.ingest.sources import open_source
from egobutler.ingest.stages import stage_spec


@pytest.mark.slow
def test_sample_recording_becomes_searchable_memory(store, sample):
    specs = [stage_spec("asr", backend="faster-whisper", model="tiny.en", diarizer="onnx"),
             stage_spec("caption", backend="none"), stage_spec("ocr", backend="rapidocr"),
             stage_spec("motion", backend="rules")]
    report = Pipeline(store, specs).ingest(open_source(sample))
    assert report.status == "done", report.problems
    assert report.stages["caption"] == {"skipped": 3}

    clips = store.clips()
    assert [c.start.strftime("%H:%M:%S") for c in clips] == ["10:29:45", "10:30:00", "10:30:30"]
    assert all(store.media_path(c.thumbnail_path).is_file() for c in clips)

    said = [l for l in store.lines(kinds=["utterance"])]
    keys = next(l for l in said if "keys are on the kitchen table" in l.text.lower())
    assert keys.clip_id == clips[0].id and keys.speaker_id
    # Three voices; the wearer's voice keeps one person id across clips.
    assert len({l.speaker_id for l in said}) == 3 and len(store.people()) == 3
    asker = next(l for l in said if "where my keys" in l.text.lower()).speaker_id
    assert any(l.speaker_id == asker and l.clip_id == clips[2].id for l in said)

    signs = {l.text for l in store.lines(kinds=["scene_text"])}
    assert {"KITCHEN", "FRONT DOOR", "LIVING ROOM"} <= signs
    motion = store.lines(kinds=["motion"])
    assert len(motion) == 3 and "walk" in motion[1].text and "still" in motion[0].text

    hits = store.search("where are the keys kitchen table", k=3, mode="keyword")
    assert hits and hits[0].clip.id == clips[0].id

    assert Pipeline(store, specs).ingest(open_source(sample)).status == "up-to-date"
