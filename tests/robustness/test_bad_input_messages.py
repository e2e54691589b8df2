"""Each bad input a user reported gets one clear error naming the file (and line or record),
never a traceback, an endless loop or a silent success."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest

from egobutler.egorag.egolifeqa import DayClock, QuestionFileError, load_gold, load_questions
from egobutler.ingest.egolife import EgoLifeClock, EgoLifeFormatError, import_egolife, read_json_file, read_srt_file
from egobutler.ingest.errors import IngestError
from egobutler.ingest.sources import SourceError, open_source
from egobutler.motion.errors import ImuFormatError
from egobutler.motion.imu import read_imu

CLOCK = EgoLifeClock(date(2025, 1, 1))
GOOD_CLIP = {"video_file": "DAY1_A1_JAKE_11094208.mp4",
             "data": [{"start": 110942, "end": 110950, "text": "Jake: hello", "type": "transcript"}]}


@pytest.mark.parametrize(("content", "expected"), [
    (["just", "strings"], "clip #0 is malformed"),
    ([GOOD_CLIP, 42], "clip #1 is malformed"),
    ([{"video_file": "DAY1_A1_JAKE_11094208.mp4", "data": "oops"}], "data must be a list"),
    ([{**GOOD_CLIP, "video_file": "DAY999999999_A1_JAKE_11094208.mp4"}], "outside DAY1"),
    ({"not": "a list"}, "expected a list of clips"),
])
def test_malformed_egolife_json_names_the_file_and_clip(tmp_path, content, expected):
    path = tmp_path / "A1_JAKE_DAY1_11000000.json"
    path.write_text(json.dumps(content))
    with pytest.raises(EgoLifeFormatError, match=expected) as caught:
        read_json_file(path, CLOCK)
    assert str(path) in str(caught.value) and "\n" not in str(caught.value)


def test_non_utf8_and_deeply_nested_egolife_json_fail_cleanly(tmp_path):
    path = tmp_path / "A1_JAKE_DAY1_11000000.json"
    path.write_bytes(b'[{"video_file": "\xff\xfe"}]')
    with pytest.raises(EgoLifeFormatError, match="UTF-8 JSON"):
        read_json_file(path, CLOCK)
    path.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(EgoLifeFormatError, match="UTF-8 JSON"):
        read_json_file(path, CLOCK)


def test_garbage_srt_is_an_error_not_zero_clips(tmp_path):
    path = tmp_path / "A1_JAKE_DAY1_11000000.srt"
    path.write_text("this is not\n\nan srt file at all\n")
    with pytest.raises(EgoLifeFormatError, match="no SRT cues"):
        read_srt_file(path, CLOCK, "caption")


def test_import_keeps_the_good_files_and_reports_the_bad_one(store, tmp_path):
    folder = tmp_path / "export"
    folder.mkdir()
    (folder / "A1_JAKE_DAY1_11000000.json").write_text(json.dumps([GOOD_CLIP]))
    (folder / "A1_JAKE_DAY1_12000000.json").write_text(json.dumps(["broken"]))
    report = import_egolife(store, folder, index=False)
    assert report.clips == 1 and report.files == 1
    assert len(report.failures) == 1 and "A1_JAKE_DAY1_12000000.json" in report.failures[0]


def _qa(**overrides) -> dict:
    record = {"ID": "q1", "type": "EntityLog", "question": "Where is the knife?", "choice_a": "a", "choice_b": "b",
              "choice_c": "c", "choice_d": "d", "query_time": {"date": "DAY1", "time": "11000000"},
              "answer": "A", "target_time": {"date": "DAY1", "time": "10000000"}}
    record.update(overrides)
    return record


@pytest.mark.parametrize(("records", "expected"), [
    ([_qa(), _qa()], "share the ID"),
    ([_qa(choice_b=None)], "choice_b must be a non-empty string"),
    ([_qa(choice_c=["x", "y"])], "choice_c must be a non-empty string"),
    ([_qa(query_time={"date": "DAY999999999", "time": "11000000"})], "outside DAY1"),
    (["a string"], "record #0 is a str"),
    ([_qa(ID=None)], "has no ID"),
])
def test_bad_question_files_fail_with_the_record(tmp_path, records, expected):
    path = tmp_path / "questions.json"
    path.write_text(json.dumps(records))
    with pytest.raises(QuestionFileError, match=expected):
        load_questions(path, DayClock(date(2025, 1, 1)))


def test_a_bad_gold_answer_is_refused(tmp_path):
    path = tmp_path / "questions.json"
    path.write_text(json.dumps([_qa(answer="E")]))
    with pytest.raises(QuestionFileError, match="answer must be one of"):
        load_gold(path, DayClock(date(2025, 1, 1)))


def _imu_with(tmp_path: Path, sample: Path, line: int, column: int, value: str) -> Path:
    rows = (sample / "imu.csv").read_text().splitlines()
    cells = rows[line - 1].split(",")
    cells[column] = value
    rows[line - 1] = ",".join(cells)
    path = tmp_path / "imu.csv"
    path.write_text("\n".join(rows) + "\n")
    return path


def test_one_absurd_imu_timestamp_is_refused_with_its_line(tmp_path, sample):
    with pytest.raises(ImuFormatError, match="line 6") as caught:
        read_imu(_imu_with(tmp_path, sample, 6, 0, "1e26"))
    assert "corrupt" in str(caught.value)


def test_a_non_finite_imu_value_is_refused_with_line_and_column(tmp_path, sample):
    with pytest.raises(ImuFormatError, match=r"line 8, column '#3': not a finite number"):
        read_imu(_imu_with(tmp_path, sample, 8, 2, "inf"))


def test_imu_only_recording_with_an_absurd_timestamp_fails_fast(tmp_path, sample):
    folder = tmp_path / "rec"
    folder.mkdir()
    shutil.copy(sample / "meta.json", folder / "meta.json")
    _imu_with(folder, sample, 6, 0, "1e26")
    with pytest.raises(SourceError, match="IMU cannot be read.*line 6"):
        open_source(folder)


@pytest.mark.parametrize(("meta", "expected"), [
    ({"wearer": "../../etc", "start_utc": "2025-01-01T10:00:00Z"}, "not a valid id"),
    ({"wearer": {"a": 1}, "start_utc": "2025-01-01T10:00:00Z"}, "not a valid id"),
    ({"start_utc": 12}, "must be an ISO-8601 string"),
    ({"start_utc": "0001-01-01T00:00:00"}, "not a plausible recording time"),
    ({"start_utc": "2025-01-01T10:00:00Z", "timezone": "../../etc/passwd"}, "unknown time zone"),
])
def test_bad_meta_json_fails_before_any_work(tmp_path, sample, meta, expected):
    folder = tmp_path / "rec"
    shutil.copytree(sample, folder)
    (folder / "meta.json").write_text(json.dumps(meta))
    with pytest.raises(SourceError, match=expected):
        open_source(folder)


def test_a_symlink_loop_is_an_error_not_a_traceback(tmp_path):
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    with pytest.raises(IngestError, match="cannot be opened"):
        open_source(tmp_path / "a")
