"""Bring the vector index back in line with SQL (the source of truth) when the memory opens.

A process killed between a SQL commit and the vector write leaves rows marked dirty (their
vectors missing or stale) or, after a forget, vectors whose rows are gone. `reconcile_index`
embeds every dirty clip and summary and deletes vectors without a row, so every row has its
vector and no vector outlives its row.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select

from egobutler.memory_db import schema as s

if TYPE_CHECKING:
    from egobutler.memory_db.store import MemoryStore

log = logging.getLogger(__name__)

_TABLES = {"clip": s.clips, "summary": s.summaries}


@dataclass(frozen=True)
class Reconciled:
    embedded: int = 0  # dirty rows embedded
    removed: int = 0  # vectors whose row is gone


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
