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

    said = [x for x in store.lines(kinds=["utterance"])]
    keys = next(x for x in said if "keys are on the kitchen table" in x.text.lower())
    assert keys.clip_id == clips[0].id and keys.speaker_id
    # The one who asks is not the one who answers, and the asker's voice (the wearer's)
    # keeps its person id in a later clip ("...milk and bread on the way home").
    asker = next(x for x in said if "where my keys" in x.text.lower()).speaker_id
    assert asker != keys.speaker_id
    shopping = next(x for x in said if "milk and bread" in x.text.lower())
    assert shopping.clip_id == clips[2].id and shopping.speaker_id == asker
    assert len(store.people()) == len({x.speaker_id for x in said}) == 3  # three voices in the sample
    assert len(store.voice_profiles()) == 3

    signs = {x.text for x in store.lines(kinds=["scene_text"])}
    assert {"KITCHEN", "FRONT DOOR", "LIVING ROOM"} <= signs
    motion = store.lines(kinds=["motion"])
    assert len(motion) == 3 and "walk" in motion[1].text and "still" in motion[0].text

    hits = store.search("where are the keys kitchen table", k=3, mode="keyword")
    assert hits and hits[0].clip.id == clips[0].id

    assert Pipeline(store, specs).ingest(open_source(sample)).status == "up-to-date"
