"""One writer (the daemon) and readers (UI, CLI) on the same SQLite file, as real processes."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

WRITER = textwrap.dedent(
    """
    import sys
    from datetime import datetime, timedelta, timezone
    from egobutler.memory_db.store import MemoryStore
    from egobutler.memory_db.records import Clip, MemoryLine, Wearer
    store = MemoryStore.open(sys.argv[1], sys.argv[2])
    store.upsert_wearer(Wearer("w", "W"))
    t0 = datetime(2025, 1, 1, tzinfo=timezone.utc)
    for i in range(150):
        start = t0 + timedelta(seconds=30 * i)
        clip = Clip("w", start, start + timedelta(seconds=30))
        store.add_clips([clip])
        store.add_lines([MemoryLine("caption", clip.id, start, start, f"I am doing thing number {i}.", "m")])
        store.mark_stage(clip.id, "caption", "done", model_id="m")
    print("written", store.counts()["clips"])
    """
)

READER = textwrap.dedent(
    """
    import sys, time
    from egobutler.memory_db.store import MemoryStore
    store = MemoryStore.open(sys.argv[1], sys.argv[2])
    seen = 0
    deadline = time.time() + 60
    while seen < 150 and time.time() < deadline:
        seen = store.counts()["clips"]
        store.search("thing number", k=5, mode="keyword")
        store.ledger_entries(status="done")
    print("read", seen)
    """
)


@pytest.mark.slow
def test_a_writer_and_readers_work_at_once_without_lock_errors(tmp_path):
    url = f"sqlite:///{tmp_path / 'memory.db'}"
    media = str(tmp_path / "media")
    # Create the schema first so both start from the same file.
    subprocess.run([sys.executable, "-c", "from egobutler.memory_db.store import MemoryStore;"
                    f"MemoryStore.open({url!r}, {media!r}).close()"], check=True)
    procs = [subprocess.Popen([sys.executable, "-c", code, url, media], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for code in (WRITER, READER, READER)]
    outputs = [p.communicate(timeout=240) for p in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err
        assert "locked" not in err
    assert outputs[0][0].strip() == "written 150"
    assert all(out.strip() == "read 150" for out, _ in outputs[1:])
