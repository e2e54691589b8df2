"""Writing clips, lines and summaries: a mixin of `MemoryStore` (needs ``engine``, ``_bump``, ``sync_index``).

Every write is idempotent: rows carry content-hash ids and an existing id is skipped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select, update

from egobutler.memory_db import schema as s
from egobutler.memory_db.errors import MemoryError_
from egobutler.memory_db.keyword_search import refresh_clip_docs, refresh_summary_docs
from egobutler.memory_db.records import Clip, MemoryLine, Summary
from egobutler.memory_db.rows import clip_values, line_values, summary_values


class ContentWriteMixin:
    """Adds and replaces the memory's content; marks what must be re-embedded."""

    def add_clips(self, clips: Sequence[Clip]) -> int:
        """Insert new clips; an existing clip gets its media references updated. Returns the new count."""
        if not clips:
            return 0
        new = 0
        with self.engine.begin() as conn:
            existing = self._existing_ids(conn, s.clips, [c.id for c in clips])
            fresh = [clip_values(c) for c in clips if c.id not in existing]
            if fresh:
                conn.execute(s.clips.insert(), fresh)
                new = len(fresh)
            for clip in clips:
                if clip.id in existing:
                    conn.execute(
                        update(s.clips).where(s.clips.c.id == clip.id).values(
                            recording_id=clip.recording_id, video_path=clip.video_path,
                            video_offset_s=clip.video_offset_s, thumbnail_path=clip.thumbnail_path,
                        )
                    )
            self._bump(conn)
        return new

    @staticmethod
    def _existing_ids(conn, table, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        ids = list(dict.fromkeys(ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found.update(r[0] for r in conn.execute(select(table.c.id).where(table.c.id.in_(chunk))))
        return found

    def add_lines(self, lines: Sequence[MemoryLine], *, index: bool = True) -> int:
        """Add memory lines; existing ids are skipped. Returns how many were new."""
        if not lines:
            return 0
        new = 0
        touched: set[str] = set()
        with self.engine.begin() as conn:
            known_clips = self._existing_ids(conn, s.clips, [l.clip_id for l in lines])
            missing = {l.clip_id for l in lines} - known_clips
            if missing:
                raise MemoryError_(f"lines refer to clips not in memory: {sorted(missing)[:3]}; add the clips first")
            for kind, table in s.LINE_TABLES.items():
                batch = [l for l in lines if l.kind == kind]
                if not batch:
                    continue
                existing = self._existing_ids(conn, table, [l.id for l in batch])
                fresh = list({l.id: line_values(l) for l in batch if l.id not in existing}.values())
                if fresh:
                    conn.execute(table.insert(), fresh)
                    new += len(fresh)
                    touched.update(v["clip_id"] for v in fresh)
            self._mark_clips_dirty(conn, touched)
            refresh_clip_docs(conn, touched, lines)  # keyword-searchable as soon as this commits
            self._bump(conn)
        if index and touched:
            self.sync_index(clip_ids=touched)
        return new

    def _mark_clips_dirty(self, conn, clip_ids: Iterable[str]) -> None:
        ids = list(clip_ids)
        for start in range(0, len(ids), 500):
            conn.execute(update(s.clips).where(s.clips.c.id.in_(ids[start : start + 500])).values(dirty=True))

    def replace_lines(self, clip_id: str, kind: str, lines: Sequence[MemoryLine], *, index: bool = True) -> int:
        """Swap a clip's lines of one kind for ``lines`` in one transaction (a stage re-run)."""
        table = s.LINE_TABLES[kind]
        if any(l.kind != kind or l.clip_id != clip_id for l in lines):
            raise MemoryError_(f"replace_lines({clip_id!r}, {kind!r}) got lines of another clip or kind")
        with self.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.clip_id == clip_id))
            values = list({l.id: line_values(l) for l in lines}.values())
            if values:
                conn.execute(table.insert(), values)
            self._mark_clips_dirty(conn, [clip_id])
            refresh_clip_docs(conn, [clip_id])
            self._bump(conn)
        if index:
            self.sync_index(clip_ids=[clip_id])
        return len(values)

    def add_summaries(self, summaries: Sequence[Summary], *, index: bool = True) -> int:
        """Add or replace summaries (one per wearer, level and window start)."""
        if not summaries:
            return 0
        with self.engine.begin() as conn:
            ids = [x.id for x in summaries]
            existing = self._existing_ids(conn, s.summaries, ids)
            for start in range(0, len(ids), 500):
                conn.execute(delete(s.summaries).where(s.summaries.c.id.in_(ids[start : start + 500])))
            conn.execute(s.summaries.insert(), list({x.id: summary_values(x) for x in summaries}.values()))
            refresh_summary_docs(conn, ids)
            self._bump(conn)
        if index:
            self.sync_index()
        return len(set(ids) - existing)
