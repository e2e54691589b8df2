"""The vector index: derived from SQL, rebuildable at any time.

Embedded Chroma (a folder in the data dir) by default, a Chroma server by URL. One
collection holds clip documents and summaries; its metadata records the embedder that
made the vectors, and vectors from another embedder are refused.
"""

from __future__ import annotations

import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from egobutler.memory_db.errors import EmbedderMismatchError, IndexError_

log = logging.getLogger(__name__)

COLLECTION = "egobutler_memory"


@dataclass(frozen=True)
class VectorDoc:
    """One indexed document: ``id`` is ``clip:<id>`` or ``summary:<id>``."""

    id: str
    vector: np.ndarray
    metadata: dict[str, Any]


def _client(path: Path | None, url: str | None):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=True)
    if url:
        parsed = urlparse(url)
        return chromadb.HttpClient(
            host=parsed.hostname or "localhost",
            port=parsed.port or 8000,
            ssl=parsed.scheme == "https",
            settings=chroma_settings,
        )
    assert path is not None
    path.mkdir(parents=True, exist_ok=True)
    return chromadb.PersistentClient(path=str(path), settings=chroma_settings)


def _forget_cached_system(path: Path) -> None:
    """Drop chroma's per-process cached system for ``path`` (a failed open leaves it half-built)."""
    from chromadb.api.shared_system_client import SharedSystemClient

    for key in [k for k in SharedSystemClient._identifier_to_system if k == str(path)]:
        SharedSystemClient._identifier_to_system.pop(key, None)
        SharedSystemClient._identifier_to_refcount.pop(key, None)


class VectorIndex:
    """A Chroma collection tied to one embedder (``model_id``, ``dim``)."""

    def __init__(self, model_id: str, dim: int, *, path: Path | None = None, url: str | None = None):
        if path is None and url is None:
            raise ValueError("VectorIndex needs a folder or a server URL")
        self.model_id, self.dim, self.path, self.url = model_id, dim, path, url
        self._client = self._open_client()
        self._collection = self._open_collection()

    def _open_client(self):
        try:
            return _client(self.path, self.url)
        except Exception as exc:  # noqa: BLE001 - chroma raises many types for a damaged dir
            if self.url:
                raise IndexError_(f"cannot reach the Chroma server at {self.url}: {exc}; is it running?") from exc
            return self._recover_corrupt_dir(exc)

    def _recover_corrupt_dir(self, exc: Exception):
        """Move a damaged embedded index aside and start an empty one (rebuilt from SQL)."""
        assert self.path is not None
        aside = self.path.with_name(f"{self.path.name}.corrupt-{int(time.time())}")
        log.warning("vector index at %s is unreadable (%s); moved to %s and rebuilding from SQL", self.path, exc, aside)
        shutil.move(str(self.path), str(aside))
        _forget_cached_system(self.path)
        self.recovered = True
        return _client(self.path, None)

    recovered = False

    def _open_collection(self):
        try:
            collection = self._client.get_or_create_collection(
                COLLECTION,
                configuration={"hnsw": {"space": "cosine"}},
                metadata={"embedder": self.model_id, "dim": self.dim},
                embedding_function=None,
            )
        except Exception as exc:  # noqa: BLE001
            if self.url:
                raise IndexError_(f"Chroma server at {self.url} refused the collection: {exc}") from exc
            self._client = self._recover_corrupt_dir(exc)
            return self._open_collection()
        found = (collection.metadata or {}).get("embedder")
        if found and found != self.model_id:
            raise EmbedderMismatchError(
                f"the vector index was built with {found!r} but the configured embedder is "
                f"{self.model_id!r}; run `egobutler reindex` to rebuild it with the new embedder"
            )
        return collection

    # --- writes ---
    def upsert(self, docs: Sequence[VectorDoc]) -> None:
        if not docs:
            return
        vectors = np.stack([d.vector for d in docs]).astype(np.float32)
        if vectors.shape[1] != self.dim:
            raise EmbedderMismatchError(
                f"vectors of dimension {vectors.shape[1]} offered to an index of dimension {self.dim}"
            )
        for start in range(0, len(docs), 2000):  # chroma caps one call's batch size
            chunk = docs[start : start + 2000]
            self._collection.upsert(
                ids=[d.id for d in chunk],
                embeddings=vectors[start : start + 2000],
                metadatas=[d.metadata for d in chunk],
            )

    def delete(self, ids: Sequence[str]) -> int:
        ids = list(ids)
        for start in range(0, len(ids), 2000):
            self._collection.delete(ids=ids[start : start + 2000])
        return len(ids)

    def reset(self) -> None:
        """Drop every vector (the collection is recreated for the current embedder)."""
        self._client.delete_collection(COLLECTION)
        self._collection = self._open_collection()

    def close(self) -> None:
        """Release the client (embedded Chroma keeps one system per folder per process)."""
        close = getattr(self._client, "close", None)
        if close is not None:
            close()

    # --- reads ---
    def count(self) -> int:
        return int(self._collection.count())

    def query_many(self, vectors: Sequence[np.ndarray], k: int,
                   where: dict[str, Any] | None = None) -> list[list[tuple[str, float]]]:
        """Per vector, the nearest documents as (id, cosine similarity), best first (one call for all)."""
        n = self.count()
        if n == 0 or not len(vectors):
            return [[] for _ in vectors]
        result = self._collection.query(
            query_embeddings=[np.asarray(v, dtype=np.float32) for v in vectors],
            n_results=min(k, n),
            where=where or None,
            include=["distances"],
        )
        out = []
        for ids, distances in zip(result["ids"], result["distances"]):
            # Equal distances come back in arbitrary order; break ties by id so results are stable.
            hits = [(doc_id, 1.0 - float(dist)) for doc_id, dist in zip(ids, distances)]
            out.append(sorted(hits, key=lambda hit: (-round(hit[1], 6), hit[0])))
        return out

    def ids(self) -> set[str]:
        return set(self._collection.get(include=[])["ids"])
