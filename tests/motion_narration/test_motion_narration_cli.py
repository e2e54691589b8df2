"""`egobutler motion narrate`: segments and narration for a file, clean one-line errors."""

from __future__ import annotations

import json
import subprocess
import sys

from typer.testing import CliRunner

from egobutler.motion.imu import write_imu_csv
from egobutler.motion.synth_imu import synth_plan


def _walk_file(tmp_path):
    series, _ = synth_plan([("still", 3), ("walking", 8), ("still", 3)], seed=9)
    return write_imu_csv(series, tmp_path / "walk.csv")


def test_narrate_prints_segments_and_a_sentence(tmp_path, egobutler_home):
    from egobutler.app.cli import app

    result = CliRunner().invoke(app, ["motion", "narrate", str(_walk_file(tmp_path))])
    assert result.exit_code == 0, result.output
    lines = result.stdout.strip().splitlines()
    assert [line.split()[2] for line in lines[:-1]] == ["still", "walking", "still"]
    assert lines[-1].startswith("I stayed still, then walked about ")


def test_narrate_json_for_a_span(tmp_path, egobutler_home):
    from egobutler.app.cli import app

    result = CliRunner().invoke(app, ["motion", "narrate", str(_walk_file(tmp_path)), "--start-s", "4",
                                      "--end-s", "9", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["model_id"] == "rules-v2" and payload["start_s"] == 4.0
    assert [s["label"] for s in payload["segments"]] == ["walking"]
    assert payload["segments"][0]["stats"]["steps"] >= 7


def test_bad_file_and_empty_span_are_one_line_errors(tmp_path, egobutler_home):
    bad = tmp_path / "bad.csv"
    bad.write_text("timestamp_ns,accel_x_mps2\n0,1\n")
    for args in ([str(bad)], [str(_walk_file(tmp_path)), "--start-s", "60", "--end-s", "90"]):
        proc = subprocess.run([sys.executable, "-c", "from egobutler.app.cli import main; main()",
                               "motion", "narrate", *args], capture_output=True, text=True)
        assert proc.returncode == 1, proc.stderr
        assert proc.stderr.count("\n") == 1 and proc.stderr.startswith("error: ")
        assert "Traceback" not in proc.stderr
