"""EgoLife import: both layouts, wall-clock times, people and "me", idempotent."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from egobutler.ingest.egolife import discover, hhmmssff_seconds, import_egolife
from egobutler.ingest.errors import IngestError

from datetime import date

TZ = "Asia/Shanghai"
DAY1 = date(2025, 1, 1)


def test_json_layout_imports_clips_lines_and_people(small_store):
    counts = small_store.counts()
    assert counts["clips"] == 7
    assert counts["captions"] + counts["utterances"] == 17
    first = small_store.clips()[0]
    # DAY1 11:00:00 in Beijing = 03:00 UTC on the configured first day.
    assert first.start == datetime(2025, 1, 1, 11, 0, tzinfo=ZoneInfo(TZ))
    assert first.duration_s == 30.0
    people = {p.name: p for p in small_store.people()}
    assert people["Jake"].kind == "me"
    assert {"Alice", "Shure", "Tasha", "Lucia", "Katrina"} <= set(people)
    assert "me: Here you go." in small_store.clip_text(first.id)


def test_reimport_is_a_no_op(small_store, egolife_data):
    before = small_store.counts()
    report = import_egolife(small_store, egolife_data / "json", day1=DAY1, timezone=TZ, index=False)
    assert report.files_skipped == 2 and report.clips == 0
    assert small_store.counts() == before


def test_srt_layout(empty_store, egolife_data):
    report = import_egolife(empty_store, egolife_data / "EgoLifeCap", day1=DAY1, timezone=TZ, index=False)
    assert report.layout == "srt" and report.wearer_id == "A1_JAKE"
    lines = empty_store.lines()
    assert [ln.kind for ln in lines].count("utterance") == 3
    starts = {ln.text: ln.start for ln in lines}
    assert starts["Hand me the screwdriver, please."] == datetime(2025, 1, 1, 11, 0, 6, tzinfo=ZoneInfo(TZ))
    # SRT cues are grouped into 30 s wall-clock clips.
    assert len(empty_store.clips()) == 3
    assert empty_store.find_person("me").name == "Jake"


def test_day1_and_timezone_are_configurable(empty_store, egolife_data):
    import_egolife(empty_store, egolife_data / "json", day1=date(2024, 6, 10), timezone="UTC", index=False)
    assert empty_store.clips()[0].start == datetime(2024, 6, 10, 11, 0, tzinfo=ZoneInfo("UTC"))


def test_frames_and_missing_zeros_parse_leniently():
    assert hhmmssff_seconds("11094210") == 11 * 3600 + 9 * 60 + 42 + 0.5
    assert hhmmssff_seconds("11094299") == pytest.approx(11 * 3600 + 9 * 60 + 42 + 0.95)
    assert hhmmssff_seconds(93000) == 9 * 3600 + 30 * 60


def test_a_folder_without_egolife_files_says_what_it_expects(tmp_path):
    with pytest.raises(IngestError, match="found no EgoLife files"):
        discover(tmp_path)
