"""The CLI verbs end to end on the small fixture: import egolife, ask, bench egolifeqa, summarize."""

import json

import pytest
from typer.testing import CliRunner

from egobutler.app.cli import app
from egobutler.egorag.errors import EgoRagError

runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 0, result.output
    return result


@pytest.mark.slow
def test_import_ask_bench_and_summarize(egobutler_home, egolife_data, monkeypatch, tmp_path):
    monkeypatch.setenv("EGOBUTLER_LLM", "none")
    monkeypatch.setenv("EGOBUTLER_TIMEZONE", "Asia/Shanghai")
    first = json.loads(invoke("import", "egolife", str(egolife_data / "json"), "--no-embed", "--json").stdout)
    assert first["clips"] == 7 and first["wearer_id"] == "A1_JAKE"
    assert first["summaries"] > 0  # 10-minute, hour and day summaries are built as clips arrive
    again = json.loads(invoke("import", "egolife", str(egolife_data / "json"), "--no-embed", "--json").stdout)
    assert again["clips"] == 0 and again["files_skipped"] == 2 and again["summaries"] == 0

    answer = json.loads(invoke("ask", "Whose song was Shure playing?", "--at", "2025-01-02T14:02:00",
                               "--choice", "Jay Chou", "--choice", "JJ Lin", "--json").stdout)
    assert answer["choice"] == "B"
    assert answer["evidence"][0]["start"].startswith("2025-01-02T06:00:00")  # UTC of 14:00 in Beijing

    out = tmp_path / "bench"
    invoke("bench", "egolifeqa", "--questions", str(egolife_data / "questions.json"), "--out", str(out))
    report = json.loads((out / "report.json").read_text())
    assert report["n"] == 4 and report["answerer"].startswith("default")
    keyword = tmp_path / "keyword"
    invoke("bench", "egolifeqa", "--questions", str(egolife_data / "questions.json"), "--out", str(keyword),
           "--answerer", "keyword", "--limit", "2")
    assert json.loads((keyword / "report.json").read_text())["n"] == 2

    summary = json.loads(invoke("summarize", "--json").stdout)
    assert summary["builder"] == "extractive" and summary["summaries_written"] == 0  # nothing changed since import


@pytest.mark.slow
def test_bad_question_file_is_a_fixable_error(egobutler_home, egolife_data, tmp_path, monkeypatch):
    monkeypatch.setenv("EGOBUTLER_LLM", "none")
    bad = tmp_path / "bad.json"
    bad.write_text("[1, 2]")
    invoke("import", "egolife", str(egolife_data / "json"), "--no-embed")
    result = runner.invoke(app, ["bench", "egolifeqa", "--questions", str(bad), "--out", str(tmp_path / "o")])
    # The CLI's runner prints EgoRagErrors as one line (no traceback).
    assert result.exit_code != 0 and isinstance(result.exception, EgoRagError)
    assert "bad.json: record #0" in str(result.exception)
