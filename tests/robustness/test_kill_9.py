"""`kill -9` at 20 random points of ingesting and forgetting, each followed by a restart:
SQL, vectors and media stay consistent — every row has its vector and no vector outlives its
row, every media file a row names exists, and (once the recording is ingested again) no file
is left that no row names. A point is a random write step (SQL commit or vector write) of
an ingest-then-forget run: right after it is where a crash can leave the three apart. Real
processes, real SIGKILL; the workers are forked from a preloaded server so each restart
costs milliseconds, not an interpreter start."""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
from pathlib import Path

import pytest
from sqlalchemy import func, select

from egobutler.memory_db import schema as s

KILLS = 20
SEED = int(os.environ.get("EGOBUTLER_TEST_KILL_SEED", "18"))


def _context():
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["crash_worker"])
    return context


def _media_files(home: Path) -> set[str]:
    media = home / "media"
    return {str(p.relative_to(media)) for p in media.rglob("*") if p.is_file()}


def _check(home: Path, *, orphans_allowed: bool) -> dict:
    from crash_worker import open_memory

    store = open_memory(home)  # the restart: opening reconciles
    try:
        with store.engine.connect() as conn:
            dirty = conn.execute(select(func.count()).select_from(s.clips).where(s.clips.c.dirty.is_(True))).scalar_one()
        clips = store.clips()
        texts = store.clip_texts([c.id for c in clips]) if clips else {}
        expected = {f"clip:{c.id}" for c in clips if texts.get(c.id, "").strip()}
        expected |= {f"summary:{x.id}" for x in store.summaries()}
        referenced = {p for c in clips for p in (c.thumbnail_path, c.video_path) if p}
        files = _media_files(home)
        assert dirty == 0, "rows left without their vectors"
        assert store.index.ids() == expected, "vectors and rows differ"
        assert referenced <= files, f"rows name missing media: {sorted(referenced - files)[:3]}"
        if not orphans_allowed:
            assert files == referenced, f"orphan media files: {sorted(files - referenced)[:3]}"
        return {"clips": len(clips), "lines": len(store.lines()), "files": len(files)}
    finally:
        store.close()


@pytest.mark.slow
def test_kill_9_at_20_random_points_leaves_sql_vectors_and_media_consistent(tmp_path) -> None:
    from crash_worker import churn, finish

    context = _context()
    rng = random.Random(SEED)
    warm = context.Process(target=churn, args=(str(tmp_path / "warm"),))  # counts the write steps of a run
    warm.start()
    warm.join(120)
    assert warm.exitcode == 0
    steps = int((tmp_path / "warm" / "steps.txt").read_text())
    assert steps > 20
    home = tmp_path / "home"
    for kill, point in enumerate(sorted(rng.sample(range(1, steps + 1), KILLS))):
        worker = context.Process(target=churn, args=(str(home), point, 3))  # resumes, then full runs
        worker.start()
        worker.join(120)
        assert worker.exitcode == -signal.SIGKILL, f"kill {kill} at step {point}: exit code {worker.exitcode}"
        _check(home, orphans_allowed=True)
    done = context.Process(target=finish, args=(str(home),))
    done.start()
    done.join(120)
    assert done.exitcode == 0
    final = _check(home, orphans_allowed=False)
    reference = tmp_path / "reference"
    clean = context.Process(target=finish, args=(str(reference),))
    clean.start()
    clean.join(120)
    assert final == _check(reference, orphans_allowed=False)
