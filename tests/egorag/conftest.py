"""Fixtures for EgoRAG tests: small memories imported from the committed EgoLife fixtures."""

from __future__ import annotations

import hashlib
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from egobutler.ingest.egolife import import_egolife
from egobutler.memory_db.embedder import Embedder
from egobutler.memory_db.store import MemoryStore

DATA = Path(__file__).resolve().parents[1] / "data" / "egolife"
TZ = "Asia/Shanghai"
DAY1 = date(2025, 1, 1)


class HashingEmbedder(Embedder):
    """Bag of hashed words -> unit vector: texts sharing words are close. Deterministic, instant."""

    model_id = "test-hashing-64"
    dim = 64

    def embed(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in text.lower().split():
                out[i, int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.where(norms == 0, 1.0, norms)


@pytest.fixture
def egolife_data() -> Path:
    return DATA


@pytest.fixture
def empty_store(tmp_path):
    store = MemoryStore.open(f"sqlite:///{tmp_path / 'memory.db'}", tmp_path / "media")
    yield store
    store.close()


@pytest.fixture
def small_store(empty_store):
    """The two-hour JSON fixture imported (keyword-only memory, no vector index)."""
    import_egolife(empty_store, DATA / "json", day1=DAY1, timezone=TZ, index=False)
    return empty_store


@pytest.fixture
def vector_store(tmp_path):
    """The fixture imported into a memory with a (fake) vector index."""
    store = MemoryStore.open(f"sqlite:///{tmp_path / 'memory.db'}", tmp_path / "media",
                             chroma_path=tmp_path / "chroma", embedder=HashingEmbedder())
    import_egolife(store, DATA / "json", day1=DAY1, timezone=TZ)
    yield store
    store.close()
