"""kill -9 in the middle of `egobutler ingest`, restart: the memory equals that of an
uninterrupted run — nothing lost, nothing duplicated. Real processes, real SIGKILL."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import time
from pathlib import Path

import pytest

from egobutler.memory_db.store import MemoryStore

STAGES = '["motion", "ingest_fakes:SlowNote"]'


def ledger_done(db: Path, stage: str) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1) as conn:
            return conn.execute("SELECT count(*) FROM ledger WHERE stage=? AND status='done'", (stage,)).fetchone()[0]
    except sqlite3.Error:
        return 0  # not created yet


def memory_of(home: Path) -> dict:
    store = MemoryStore.open(f"sqlite:///{home / 'memory.db'}", home / "media")
    try:
        lines = sorted((x.id, x.kind, x.clip_id, x.start, x.end, x.text, x.model_id) for x in store.lines())
        clips = sorted((c.id, c.start, c.end, c.thumbnail_path, c.video_path) for c in store.clips())
        ledger = sorted((e.clip_id, e.stage, e.status, e.model_id) for e in store.ledger_entries())
        return {"lines": lines, "clips": clips, "ledger": ledger, "counts": store.counts(),
                "recordings": [(r.id, r.status) for r in store.recordings()]}
    finally:
        store.close()


@pytest.mark.slow
def test_kill_9_mid_ingest_then_restart_equals_an_uninterrupted_run(sample, cli_env, egobutler_cmd, tmp_path):
    env = dict(cli_env, EGOBUTLER_STAGES=STAGES, EGOBUTLER_TEST_SLOW_S="1.5")
    crashed, clean = tmp_path / "crashed", tmp_path / "clean"
    command = egobutler_cmd + ["ingest", str(sample), "--json"]

    proc = subprocess.Popen(command, env=dict(env, EGOBUTLER_HOME=str(crashed)),
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 240
    while ledger_done(crashed / "memory.db", "slownote") < 1:
        assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
        assert time.monotonic() < deadline, "ingest made no progress"
        time.sleep(0.2)
    os.kill(proc.pid, signal.SIGKILL)  # mid-way: one slow clip done, the next one running
    proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert ledger_done(crashed / "memory.db", "slownote") < 3

    resumed = subprocess.run(command, env=dict(env, EGOBUTLER_HOME=str(crashed)), capture_output=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr.decode()[-2000:]
    uninterrupted = subprocess.run(command, env=dict(env, EGOBUTLER_HOME=str(clean)), capture_output=True, timeout=300)
    assert uninterrupted.returncode == 0, uninterrupted.stderr.decode()[-2000:]

    after_crash, reference = memory_of(crashed), memory_of(clean)
    assert after_crash["lines"] == reference["lines"]
    assert after_crash["clips"] == reference["clips"]
    assert after_crash["ledger"] == reference["ledger"]
    assert after_crash["counts"] == reference["counts"]
    assert reference["counts"]["captions"] == 3 and reference["counts"]["motion_segments"] == 3
    assert after_crash["recordings"] == reference["recordings"] == [(reference["recordings"][0][0], "done")]
