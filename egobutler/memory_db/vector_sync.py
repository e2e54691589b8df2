"""Keeping the vector index in step with SQL: a mixin of `MemoryStore`.

The index holds one document per clip (its lines in time order, no clock digits) and one
per summary; ``dirty`` flags in SQL say what must be (re-)embedded.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select, update

from egobutler.memory_db import schema as s
from egobutler.memory_db.errors import MemoryError_
from egobutler.memory_db.records import Clip, Summary
from egobutler.memory_db.rows import clip_from_row, summary_from_row
from egobutler.memory_db.vector_index import VectorDoc

Progress = Callable[[int, int], None]
_EMBED_BATCH = 256


class VectorSyncMixin:
    """`sync_index` and `reindex`; needs ``engine``, ``index``, ``embedder``, ``_lock`` and the reads."""

    _lock: threading.RLock

    def sync_index(self, progress: Progress | None = None, *, clip_ids: Iterable[str] | None = None) -> int:
        """Embed every clip and summary whose text changed since it was last embedded."""
        if self.index is None or self.embedder is None:
            return 0
        with self._lock:
            query = select(s.clips).where(s.clips.c.dirty.is_(True))
            if clip_ids is not None:
                query = query.where(s.clips.c.id.in_(list(clip_ids)))
            with self.engine.connect() as conn:
                dirty_clips = [clip_from_row(r) for r in conn.execute(query)]
                dirty_summaries = [summary_from_row(r) for r in conn.execute(select(s.summaries).where(s.summaries.c.dirty.is_(True)))]
            total = len(dirty_clips) + len(dirty_summaries)
            done = 0
            names = self.speaker_names()
            for start in range(0, len(dirty_clips), _EMBED_BATCH):
                batch = dirty_clips[start : start + _EMBED_BATCH]
                texts = self.clip_texts([c.id for c in batch], names=names, stamps=False)
                self._embed_and_store([(f"clip:{c.id}", texts[c.id], _clip_meta(c)) for c in batch])
                with self.engine.begin() as conn:
                    conn.execute(update(s.clips).where(s.clips.c.id.in_([c.id for c in batch])).values(dirty=False))
                done += len(batch)
                if progress:
                    progress(done, total)
            for start in range(0, len(dirty_summaries), _EMBED_BATCH):
                batch = dirty_summaries[start : start + _EMBED_BATCH]
                self._embed_and_store([(f"summary:{x.id}", x.text, _summary_meta(x)) for x in batch])
                with self.engine.begin() as conn:
                    conn.execute(update(s.summaries).where(s.summaries.c.id.in_([x.id for x in batch])).values(dirty=False))
                done += len(batch)
                if progress:
                    progress(done, total)
            return total

    def _embed_and_store(self, items: list[tuple[str, str, dict[str, Any]]]) -> None:
        assert self.index is not None and self.embedder is not None
        with_text = [item for item in items if item[1].strip()]
        empty = [item[0] for item in items if not item[1].strip()]
        if empty:
            self.index.delete(empty)
        if with_text:
            vectors = self.embedder.embed([text for _, text, _ in with_text])
            self.index.upsert([VectorDoc(i, v, m) for (i, _, m), v in zip(with_text, vectors)])

    def reindex(self, progress: Progress | None = None) -> int:
        """Drop the vector index and rebuild it from SQL with the configured embedder."""
        if self.index is None:
            raise MemoryError_("no vector index is configured (no embedder); nothing to rebuild")
        self.index.reset()
        with self.engine.begin() as conn:
            conn.execute(update(s.clips).values(dirty=True))
            conn.execute(update(s.summaries).values(dirty=True))
        return self.sync_index(progress)


def _clip_meta(clip: Clip) -> dict[str, Any]:
    return {"target": "clip", "wearer_id": clip.wearer_id, "start_ts": clip.start.timestamp(),
            "end_ts": clip.end.timestamp(), "level": "clip"}


def _summary_meta(summary: Summary) -> dict[str, Any]:
    return {"target": "summary", "wearer_id": summary.wearer_id, "start_ts": summary.start.timestamp(),
            "end_ts": summary.end.timestamp(), "level": summary.level}
