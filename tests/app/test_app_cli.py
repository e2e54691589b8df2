"""The CLI as a user runs it: a real process, one clean line on errors."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

EGOBUTLER = [sys.executable, "-m", "egobutler.app"]


def run(*args: str, home: Path, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("EGOBUTLER_")}
    full_env.update({"EGOBUTLER_HOME": str(home), "HF_HUB_OFFLINE": "1"}, **(env or {}))
    proc = subprocess.run([*EGOBUTLER, *args], capture_output=True, text=True, env=full_env, timeout=300)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc


def test_every_verb_has_help(tmp_path):
    top = run("--help", home=tmp_path).stdout
    verbs = ["status", "doctor", "models", "memory", "forget", "export", "reindex"]
    for verb in verbs:
        assert verb in top
        assert "Usage" in run(verb, "--help", home=tmp_path).stdout
    assert "Usage" in run("models", "pull", "--help", home=tmp_path).stdout
    assert "Usage" in run("memory", "search", "--help", home=tmp_path).stdout


def test_status_creates_the_memory_and_reports_counts(tmp_path):
    home = tmp_path / "home"
    report = json.loads(run("status", "--json", home=home).stdout)
    assert report["home"] == str(home) and report["counts"]["clips"] == 0
    assert (home / "memory.db").exists()


def test_fixable_errors_are_one_line_without_traceback(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    proc = run("status", home=blocker / "sub", check=False)
    assert proc.returncode == 1
    assert proc.stderr.startswith("error: ") and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    proc = run("status", home=tmp_path, env={"EGOBUTLER_LMM": "x"}, check=False)
    assert proc.returncode == 1 and "EGOBUTLER_LMM" in proc.stderr and "Traceback" not in proc.stderr


def test_models_list_shows_bundled_models_found_and_pull_fails_cleanly_offline(tmp_path):
    models = json.loads(run("models", "list", "--json", home=tmp_path).stdout)
    by_name = {m["name"]: m for m in models}
    assert by_name["all-MiniLM-L6-v2"]["found"] and by_name["tiny.en"]["found"]
    assert not by_name["qwen2.5-7b"]["found"]
    assert "models pull" in by_name["qwen2.5-7b"]["how_to_get"]
    # One catalog: the reader's models are listed under the names the LLM backends use.
    assert by_name["qwen2.5-coder-0.5b"]["found"] and by_name["qwen2.5-coder-0.5b"]["backend"] == "llama-cpp"
    proc = run("models", "pull", "qwen2.5-0.5b", home=tmp_path, check=False)
    assert "unknown model" not in proc.stderr
    proc = run("models", "pull", "small", home=tmp_path, check=False)
    assert proc.returncode == 1 and "error:" in proc.stderr and "Traceback" not in proc.stderr
    proc = run("models", "pull", "no-such-model", home=tmp_path, check=False)
    assert "unknown model" in proc.stderr


def test_doctor_reports_configured_backends(tmp_path):
    checks = json.loads(run("doctor", "--json", home=tmp_path, check=False).stdout)
    names = {c["name"]: c for c in checks}
    assert names["asr: faster-whisper"]["state"] == "ok"
    assert names["caption: none"]["state"] == "off"
    bad = json.loads(run("doctor", "--json", home=tmp_path, env={"EGOBUTLER_LLM_MODEL": "/nowhere/model.gguf"},
                         check=False).stdout)
    llm = next(c for c in bad if c["name"].startswith("llm"))
    assert llm["state"] == "missing" and llm["fix"]


@pytest.mark.slow
def test_search_export_forget_round_trip_through_the_cli(tmp_path):
    home = tmp_path / "home"
    code = (
        "from egobutler.app.settings import load_settings; from egobutler.app.services import open_store;"
        "from datetime import datetime, timezone, timedelta;"
        "from egobutler.memory_db.records import Clip, MemoryLine, Wearer;"
        "s = open_store(load_settings()); s.upsert_wearer(Wearer('me', 'Me'));"
        "t = datetime(2025, 1, 1, 9, tzinfo=timezone.utc); c = Clip('me', t, t + timedelta(seconds=30)); s.add_clips([c]);"
        "s.add_lines([MemoryLine('caption', c.id, t, t, 'I left the screwdriver on the windowsill.', 'm')]); s.close()"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env={**os.environ, "EGOBUTLER_HOME": str(home)})
    hits = json.loads(run("memory", "search", "screwdriver", "--mode", "keyword", "--json", home=home).stdout)
    assert "windowsill" in hits[0]["text"] and hits[0]["start"].startswith("2025-01-01T09:00:00")
    exported = run("export", home=home).stdout.splitlines()
    assert any(json.loads(line)["type"] == "caption" for line in exported)
    run("forget", "--from", "2025-01-01T08:00+00:00", "--to", "2025-01-01T10:00+00:00", "--yes", home=home)
    assert json.loads(run("memory", "search", "screwdriver", "--mode", "keyword", "--json", home=home).stdout) == []
    assert "reindexed 0" in run("reindex", home=home).stdout
