"""Bring the vector index and the media files back in line with SQL (the source of truth)
when the memory opens.

A process killed between a SQL commit and the vector write leaves rows marked dirty (their
vectors missing or stale) or, after a forget, vectors whose rows are gone. `reconcile_index`
embeds every dirty clip and summary and deletes vectors without a row, so every row has its
vector and no vector outlives its row. A forget killed before it deleted its media files
left a note of them (written with the rows' deletion); `reconcile_media` deletes those that
no clip uses.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

import json

from sqlalchemy import delete, or_, select

from egobutler.memory_db import schema as s
from egobutler.memory_db.errors import MemoryError_

if TYPE_CHECKING:
    from egobutler.memory_db.store import MemoryStore

log = logging.getLogger(__name__)

_TABLES = {"clip": s.clips, "summary": s.summaries}


@dataclass(frozen=True)
class Reconciled:
    embedded: int = 0  # dirty rows embedded
    removed: int = 0  # vectors whose row is gone
    files: int = 0  # media files of forgotten clips deleted


def reconcile(store: MemoryStore) -> Reconciled:
    """Both: media files left by an interrupted forget, then the vector index."""
    files = reconcile_media(store)
    index = reconcile_index(store)
    return Reconciled(index.embedded, index.removed, files)


def reconcile_media(store: MemoryStore) -> int:
    """Delete the files an interrupted forget noted and no clip uses; returns how many."""
    from egobutler.memory_db.forget import TRASH_PREFIX

    deleted = 0
    with store.engine.connect() as conn:
        notes = conn.execute(select(s.meta.c.key, s.meta.c.value).where(s.meta.c.key.like(f"{TRASH_PREFIX}%"))).all()
    for key, value in notes:
        paths = [p for p in json.loads(value) if isinstance(p, str)]
        with store.engine.begin() as conn:
            used = set()
            for start in range(0, len(paths), 500):
                chunk = paths[start:start + 500]
                rows = conn.execute(select(s.clips.c.video_path, s.clips.c.thumbnail_path).where(
                    or_(s.clips.c.video_path.in_(chunk), s.clips.c.thumbnail_path.in_(chunk))))
                used.update(p for row in rows for p in row if p)
            for path in paths:
                if path not in used:
                    try:
                        deleted += store.media.delete(path)
                    except (OSError, MemoryError_) as exc:
                        log.warning("cannot delete %s left by an interrupted forget: %s", path, exc)
            conn.execute(delete(s.meta).where(s.meta.c.key == key))
    return deleted


def reconcile_index(store: MemoryStore) -> Reconciled:
    """Embed dirty rows and drop orphan vectors; a no-op without a vector index."""
    if store.index is None:
        return Reconciled()
    orphans = _orphan_vectors(store)
    if orphans:
        store.index.delete(orphans)
        log.info("removed %d vectors whose rows are gone", len(orphans))
    embedded = store.sync_index()
    if embedded:
        log.info("embedded %d clips/summaries left dirty by an interrupted write", embedded)
    return Reconciled(embedded=embedded, removed=len(orphans))


def _orphan_vectors(store: MemoryStore) -> list[str]:
    by_kind: dict[str, list[str]] = {kind: [] for kind in _TABLES}
    for doc_id in store.index.ids():
        kind, _, row_id = doc_id.partition(":")
        if kind in by_kind:
            by_kind[kind].append(row_id)
    orphans = []
    with store.engine.connect() as conn:
        for kind, row_ids in by_kind.items():
            table = _TABLES[kind]
            for start in range(0, len(row_ids), 500):
                chunk = row_ids[start:start + 500]
                present = {r[0] for r in conn.execute(select(table.c.id).where(table.c.id.in_(chunk)))}
                orphans += [f"{kind}:{i}" for i in chunk if i not in present]
    return orphans
