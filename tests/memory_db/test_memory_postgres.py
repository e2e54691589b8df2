"""The same store on a real PostgreSQL server (started by .ci/run)."""

from __future__ import annotations

import os
import uuid

import pytest
from memory_helpers import HashingEmbedder, seed

from egobutler.memory_db.store import MemoryStore

URL = os.environ.get("EGOBUTLER_TEST_POSTGRES_URL")


@pytest.mark.postgres
@pytest.mark.skipif(not URL, reason="no PostgreSQL server: set EGOBUTLER_TEST_POSTGRES_URL (.ci/run starts one)")
def test_store_round_trip_on_postgresql(tmp_path):
    from sqlalchemy import create_engine, text

    schema_name = f"t_{uuid.uuid4().hex[:8]}"
    admin = create_engine(URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {schema_name}"))
    url = f"{URL}?options=-csearch_path%3D{schema_name}"
    try:
        store = MemoryStore.open(url, tmp_path / "media", chroma_path=tmp_path / "chroma", embedder=HashingEmbedder())
        clips = seed(store, 12)
        assert store.add_clips(clips) == 0
        assert "screwdriver" in store.search("screwdriver", k=1)[0].text
        assert store.forget(person_id="alice").lines == 2
        assert store.counts()["clips"] == 12
        store.close()
    finally:
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {schema_name} CASCADE"))
