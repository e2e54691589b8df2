"""`egobutler daemon` as a real process: it picks up a recording dropped into the inbox once
the sync settles, files it under done/, and on SIGTERM finishes its clip and exits 0."""

from __future__ import annotations

import json
import shutil
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest


def wait_for(predicate, timeout_s: float, proc: subprocess.Popen, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not predicate():
        assert proc.poll() is None, f"daemon exited early: {proc.stderr.read().decode()[-2000:]}"
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.2)


def ledger(db: Path) -> list[tuple[str, str]]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT stage, status FROM ledger").fetchall()
    except sqlite3.Error:
        return []


def summary_levels(db: Path) -> set[str]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return {row[0] for row in conn.execute("SELECT level FROM summaries")}
    except sqlite3.Error:
        return set()


@pytest.mark.slow
def test_daemon_ingests_dropped_recordings_and_stops_cleanly_on_sigterm(sample, cli_env, egobutler_cmd, tmp_path,
                                                                         egobutler_home):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    env = dict(cli_env, EGOBUTLER_STAGES='["motion", "ingest_fakes:SlowNote"]', EGOBUTLER_TEST_SLOW_S="1.5")
    proc = subprocess.Popen(egobutler_cmd + ["daemon", "--inbox", str(inbox), "--settle-s", "1"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        shutil.copytree(sample, inbox / "monday")  # no marker: ready once its size stops changing
        wait_for(lambda: (inbox / "done" / "monday" / "video.mp4").exists(), 300, proc, "monday to be ingested")
        db = egobutler_home / "memory.db"
        assert sorted(ledger(db)).count(("slownote", "done")) == 3
        # The new clips are summarised (10 minutes, hour, day) as soon as they are in.
        wait_for(lambda: summary_levels(db) == {"10min", "hour", "day"}, 60, proc, "the summaries")

        # A second, different recording (another morning), announced with a .done marker.
        tuesday = tmp_path / "staging" / "tuesday"
        shutil.copytree(sample, tuesday)
        meta = json.loads((tuesday / "meta.json").read_text())
        (tuesday / "meta.json").write_text(json.dumps(dict(meta, start_utc="2025-01-02T10:29:45+00:00")))
        shutil.move(str(tuesday), str(inbox / "tuesday"))
        (inbox / "tuesday.done").touch()
        wait_for(lambda: ledger(db).count(("slownote", "done")) >= 4, 120, proc, "tuesday's first clip")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=60) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
    states = ledger(db)
    assert ("slownote", "running") not in states  # the clip in hand was finished, not abandoned
    assert (inbox / "tuesday").exists() and not (inbox / "done" / "tuesday").exists()  # resumes next start
    assert "stopped" in proc.stderr.read().decode()
