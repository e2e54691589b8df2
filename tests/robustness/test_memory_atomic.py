"""`memory import` and `forget` are all-or-nothing (or say exactly what remains), vectors a
killed process left behind are reconciled when the memory opens, and memory text never
drives the terminal."""

from __future__ import annotations

import io
import json

import pytest
from memory_helpers import open_store, seed

from egobutler.app.terminal import printable
from egobutler.memory_db.errors import MemoryError_
from egobutler.memory_db.reconcile import reconcile_index
from egobutler.memory_db.vector_index import VectorDoc


def _export(store) -> list[str]:
    buffer = io.StringIO()
    store.export_jsonl(buffer)
    return buffer.getvalue().splitlines()


def _snapshot(store) -> tuple:
    return (store.counts(), sorted(x.id for x in store.lines()), sorted(c.id for c in store.clips()),
            sorted(p.id for p in store.people()), sorted(w.id for w in store.wearers()))


@pytest.fixture
def source_lines(tmp_path) -> list[str]:
    store = open_store(tmp_path / "source")
    try:
        seed(store, media=True)
        return _export(store)
    finally:
        store.close()


def test_a_bad_line_4_imports_nothing(tmp_path, source_lines) -> None:
    target = open_store(tmp_path / "target")
    try:
        before = _snapshot(target)
        broken = source_lines[:3] + ['{"type": "clip", "id": 5}'] + source_lines[3:]
        with pytest.raises(MemoryError_, match="line 4 .*nothing was imported"):
            target.import_jsonl(io.StringIO("\n".join(broken)))
        assert _snapshot(target) == before
        assert target.import_jsonl(io.StringIO("\n".join(source_lines))) == len(source_lines)
        assert target.counts()["clips"] == 6 and not target.index.ids() ^ {f"clip:{c.id}" for c in target.clips()}
    finally:
        target.close()


@pytest.mark.parametrize(("change", "expected"), [
    (lambda r: r["type"] == "clip" and r.update(thumbnail_path="../../outside.jpg"), "outside the media dir"),
    (lambda r: r["type"] == "clip" and r.update(video_path="/etc/passwd"), "outside the media dir"),
    (lambda r: r["type"] == "clip" and r.update(wearer_id="stranger"), "unknown wearer"),
    (lambda r: r["type"] == "caption" and r.update(clip_id="no-such-clip"), "unknown clip"),
    (lambda r: r["type"] == "caption" and r.update(start="2025-01-01T09:00:00"), "no UTC offset"),
    (lambda r: r["type"] == "person" and r.update(kind="robot"), "kind must be one of"),
])
def test_invalid_records_are_refused_before_anything_is_written(tmp_path, source_lines, change, expected) -> None:
    records = [json.loads(x) for x in source_lines]
    for record in records:
        change(record)
    target = open_store(tmp_path / "target")
    try:
        before = _snapshot(target)
        with pytest.raises(MemoryError_, match=expected):
            target.import_jsonl(io.StringIO("\n".join(json.dumps(r) for r in records)))
        assert _snapshot(target) == before
    finally:
        target.close()


class _BrokenIndex:
    """Wraps the real index; deleting fails as a lost Chroma server would."""

    def __init__(self, real):
        self.real = real

    def __getattr__(self, name):
        return getattr(self.real, name)

    def delete(self, ids):
        raise ConnectionError("the vector server went away")


def test_forget_reports_the_vectors_it_could_not_delete_and_the_next_open_removes_them(tmp_path) -> None:
    store = open_store(tmp_path)
    clips = seed(store, media=True)
    real = store.index
    store.index = _BrokenIndex(real)
    report = store.forget(recording_id="rec1")
    assert report.clips == len(clips) and report.problems and "vectors could not be deleted" in report.problems[0]
    assert store.counts()["clips"] == 0 and len(real.ids()) >= len(clips)
    store.index = real
    store.close()
    reopened = open_store(tmp_path)
    try:
        assert reconcile_index(reopened).removed >= len(clips)
        assert not any(i.startswith("clip:") for i in reopened.index.ids())
    finally:
        reopened.close()


def test_rows_left_dirty_by_a_kill_are_embedded_when_the_memory_opens(tmp_path) -> None:
    store = open_store(tmp_path)
    clips = seed(store)
    store.index.delete([f"clip:{clips[0].id}"])  # as if killed after the SQL commit, before the vector write
    store.index.upsert([VectorDoc("summary:gone", [0.1] * store.embedder.dim, {"wearer_id": "jake"})])
    with store.engine.begin() as conn:
        from sqlalchemy import update

        from egobutler.memory_db import schema as s

        conn.execute(update(s.clips).where(s.clips.c.id == clips[0].id).values(dirty=True))
    store.close()
    reopened = open_store(tmp_path)
    try:
        result = reconcile_index(reopened)
        assert result.embedded == 1 and result.removed == 1
        assert reopened.index.ids() == {f"clip:{c.id}" for c in reopened.clips()}
    finally:
        reopened.close()


def test_escape_sequences_never_reach_the_terminal() -> None:
    hostile = "keys\x1b]0;pwned\x07 on the \x1b[2J\x1b[31mtable\x1b[0m\x9b1A\x07 ok\nnext line\tok"
    assert printable(hostile) == "keys on the table ok\nnext line\tok"


def test_memory_search_prints_no_escape_sequences(egobutler_home) -> None:
    from typer.testing import CliRunner

    from egobutler.app.cli import app
    from egobutler.app.services import open_store as app_store
    from egobutler.app.settings import load_settings
    from egobutler.memory_db.records import Clip, MemoryLine, Wearer
    from memory_helpers import T0

    from datetime import timedelta

    store = app_store(load_settings(), with_index=False)
    try:
        store.upsert_wearer(Wearer("jake", "Jake"))
        clip = Clip("jake", T0, T0 + timedelta(seconds=30))
        store.add_clips([clip])
        store.add_lines([MemoryLine("caption", clip.id, T0, T0, "the \x1b]0;pwned\x07keys \x1b[2Jare here", "test")],
                        index=False)
    finally:
        store.close()
    result = CliRunner().invoke(app, ["memory", "search", "keys", "--mode", "keyword"])
    assert result.exit_code == 0, result.output
    assert "keys" in result.output and "\x1b]" not in result.output and "\x1b[2J" not in result.output
