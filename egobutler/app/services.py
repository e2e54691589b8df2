"""Builds the long-lived services (the memory store, the embedder) from `Settings`."""

from __future__ import annotations

import logging
from functools import lru_cache

from egobutler.app.settings import Settings
from egobutler.memory_db.embedder import Embedder, load_embedder
from egobutler.memory_db.store import MemoryStore

log = logging.getLogger(__name__)


@lru_cache(maxsize=4)
def _embedder(name: str, model: str) -> Embedder:
    # Loading the model takes seconds; one per process is enough.
    return load_embedder(name, model)


def open_store(settings: Settings, *, with_index: bool = True) -> MemoryStore:
    """Open the memory described by ``settings`` (creating the data dir if needed).

    ``with_index=False`` skips loading the embedder: SQL-only commands start faster.
    """
    embedder = _embedder(settings.embedder, settings.embedder_model) if with_index else None
    store = MemoryStore.open(
        settings.db_url,
        settings.media_dir,
        chroma_path=None if settings.chroma_url else settings.chroma_path,
        chroma_url=settings.chroma_url,
        embedder=embedder,
    )
    if with_index:
        from egobutler.memory_db.reconcile import reconcile

        reconcile(store)  # vectors and media files a killed process left missing or orphaned
    return store
