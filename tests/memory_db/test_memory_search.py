"""Keyword search in the database: found as soon as written, filtered in SQL, statistics before the cut.

The same checks run on SQLite (FTS5) and, when a server is available, PostgreSQL (GIN).
"""

from __future__ import annotations

import os
import uuid
from datetime import timedelta

import pytest
from memory_helpers import T0, seed

from egobutler.memory_db.keyword_search import search_terms
from egobutler.memory_db.records import Clip, MemoryLine, Person, Wearer
from egobutler.memory_db.store import MemoryStore

PG_URL = os.environ.get("EGOBUTLER_TEST_POSTGRES_URL")
BACKENDS = ["sqlite", pytest.param("postgres", marks=[pytest.mark.postgres, pytest.mark.skipif(
    not PG_URL, reason="no PostgreSQL server: set EGOBUTLER_TEST_POSTGRES_URL (.ci/run starts one)")])]


@pytest.fixture(params=BACKENDS)
def store(request, tmp_path):
    if request.param == "sqlite":
        opened = MemoryStore.open(f"sqlite:///{tmp_path / 'memory.db'}", tmp_path / "media")
        yield opened
        opened.close()
        return
    from sqlalchemy import create_engine, text

    name = f"t_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_URL)
    with admin.begin() as conn:
        conn.execute(text(f"CREATE SCHEMA {name}"))
    opened = MemoryStore.open(f"{PG_URL}?options=-csearch_path%3D{name}", tmp_path / "media")
    try:
        yield opened
    finally:
        opened.close()
        with admin.begin() as conn:
            conn.execute(text(f"DROP SCHEMA {name} CASCADE"))
        admin.dispose()


def w(*words: str) -> dict[str, float]:
    """Query weights as the engine makes them (our tokenizer's terms)."""
    return {t: 1.0 for word in words for t in search_terms(word)}


def clip_with(store, wearer: str, minute: int, *texts: str, speaker: str | None = None) -> Clip:
    start = T0 + timedelta(minutes=minute)
    clip = Clip(wearer, start, start + timedelta(seconds=30))
    store.add_clips([clip])
    kind = "utterance" if speaker else "caption"
    store.add_lines([MemoryLine(kind, clip.id, start + timedelta(seconds=5 + 10 * i), start + timedelta(seconds=6 + 10 * i),
                                text, "test", speaker_id=speaker) for i, text in enumerate(texts)], index=False)
    return clip


def test_a_clip_is_found_as_soon_as_it_is_written(store):
    seed(store, 6)
    before = store.keyword_search({"harmonica": 1.0}, T0 + timedelta(hours=2))
    assert before.scores == {}
    clip = clip_with(store, "jake", 30, "I play the harmonica on the balcony.")
    after = store.keyword_search({"harmonica": 1.0}, T0 + timedelta(hours=2))
    assert list(after.scores) == [clip.id]


def test_wearer_time_and_speaker_filters_run_in_the_query(store):
    store.upsert_wearer(Wearer("jake", "Jake"))
    store.upsert_wearer(Wearer("lucia", "Lucia"))
    store.upsert_person(Person("alice", "Alice"))
    mine = clip_with(store, "jake", 0, "We water the cactus.")
    hers = clip_with(store, "lucia", 1, "We water the cactus.")
    spoken = clip_with(store, "jake", 2, "The cactus needs sun.", speaker="alice")
    cut = T0 + timedelta(hours=1)
    assert set(store.keyword_search(w("cactus"), cut, wearer_id="jake").scores) == {mine.id, spoken.id}
    assert set(store.keyword_search(w("cactus"), cut, wearer_id="lucia").scores) == {hers.id}
    assert set(store.keyword_search(w("cactus"), cut, since=T0 + timedelta(minutes=1, seconds=40)).scores) == {spoken.id}
    assert set(store.keyword_search(w("alice"), cut).scores) == {spoken.id}  # speakers are searchable by name
    store.rename_person("alice", "Alicia")
    assert set(store.keyword_search(w("alicia"), cut).scores) == {spoken.id}


def test_only_lines_and_documents_before_the_cut_count(store):
    store.upsert_wearer(Wearer("jake", "Jake"))
    early = clip_with(store, "jake", 0, "The kettle is on the stove.")
    straddling = clip_with(store, "jake", 5, "I pour the tea.", "The kettle whistles loudly.")
    clip_with(store, "jake", 9, "Kettle kettle kettle everywhere.")
    cut = straddling.start + timedelta(seconds=10)  # after "I pour the tea", before the whistle
    result = store.keyword_search({"kettle": 1.0, "tea": 1.0}, cut)
    assert set(result.scores) == {early.id, straddling.id}
    assert result.stats.n_docs == 2 and result.stats.df == {"kettle": 1, "tea": 1}
    assert [p.terms for p in result.partial] == [("pour", "tea")]
    later = store.keyword_search({"kettle": 1.0}, T0 + timedelta(hours=1))
    assert later.stats.df == {"kettle": 3} and later.stats.n_docs == 3


def test_forgetting_removes_documents(store):
    seed(store, 6)
    assert store.keyword_search({"screwdriver": 1.0}, T0 + timedelta(hours=1)).scores
    store.forget(start=T0, end=T0 + timedelta(hours=1))
    assert not store.keyword_search({"screwdriver": 1.0}, T0 + timedelta(hours=1)).scores
