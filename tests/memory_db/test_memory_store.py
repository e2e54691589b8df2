"""The memory store: idempotent writes, search with filters, forget, reindex, export/import."""

from __future__ import annotations

import io
import json
import shutil
from datetime import timedelta

import pytest
from memory_helpers import T0, HashingEmbedder, open_store, seed

from egobutler.memory_db.errors import EmbedderMismatchError, MemoryError_
from egobutler.memory_db.records import Clip, MemoryLine, Summary


def _snapshot(store):
    return [(h.kind, h.id, round(h.score, 5)) for q in ("screwdriver", "flowers table", "keys kitchen")
            for h in store.search(q, k=5)]


def test_adding_the_same_memories_twice_changes_nothing(store):
    clips = seed(store)
    before = store.counts()
    results = _snapshot(store)
    assert store.add_clips(clips) == 0
    again = [MemoryLine(l.kind, l.clip_id, l.start, l.end, l.text, l.model_id, l.speaker_id, l.label)
             for l in store.lines()]
    assert store.add_lines(again) == 0
    assert store.counts() == before
    assert _snapshot(store) == results


def test_search_finds_the_moment_and_respects_filters(store):
    seed(store, 12)
    hits = store.search("where did I leave the screwdriver", k=3)
    assert "screwdriver" in hits[0].text
    # Nothing at or after `end` comes back: the first screwdriver clip starts at T0.
    later = store.search("screwdriver", k=10, start=T0 + timedelta(seconds=30))
    assert all(h.start >= T0 + timedelta(seconds=30) for h in later)
    assert all(h.start != T0 for h in later)
    before = store.search("screwdriver", k=10, end=T0 + timedelta(seconds=60))
    assert before[0].start == T0 and all(h.start < T0 + timedelta(seconds=60) for h in before)
    by_alice = store.search("flowers", k=10, mode="keyword", speaker_ids=["alice"])
    assert by_alice and all("Alice:" in h.text for h in by_alice)
    assert store.search("flowers", k=10, wearer_id="someone-else") == []


def test_vector_scores_rank_like_vector_search_for_several_queries_at_once(store):
    seed(store, 12)
    queries = ["screwdriver", "flowers on the table"]
    batched = store.vector_scores(queries, 20, end=T0 + timedelta(minutes=3))
    for query, ranking in zip(queries, batched):
        alone = store.search(query, k=20, mode="vector", targets=("clip",), end=T0 + timedelta(minutes=3))
        assert len(alone) == 6  # the clips that start in the first three minutes
        assert [doc_id for doc_id, _ in ranking] == [f"clip:{h.id}" for h in alone]
        assert [round(score, 4) for _, score in ranking] == [round(h.score, 4) for h in alone]
    assert all(h.start < T0 + timedelta(minutes=3) for h in store.clips(ids=[i[5:] for i, _ in batched[0]]))


def test_clip_document_names_speakers(store):
    clips = seed(store)
    assert "Alice: Let's buy flowers" in store.clip_text(clips[1].id)
    assert "me: Did anyone see the remote" in store.clip_text(clips[5].id)
    store.rename_person("alice", "Alice Liu")
    assert "Alice Liu: Let's buy flowers" in store.clip_text(clips[1].id)
    assert "Alice Liu" in store.search("flowers", k=1, mode="vector")[0].text  # re-embedded


def test_forget_removes_rows_vectors_and_media_together(store):
    clips = seed(store, 6, media=True)
    store.add_summaries([Summary("jake", "10min", T0, T0 + timedelta(minutes=10), "Morning: screwdriver, flowers.", "test")])
    thumb = store.media_path(clips[0].thumbnail_path)
    video = store.media_path("videos/rec1.mp4")
    video.parent.mkdir(parents=True, exist_ok=True)
    video.write_bytes(b"video")
    report = store.forget(start=T0, end=T0 + timedelta(seconds=30))
    assert report.clips == 1 and report.lines == 1 and report.summaries == 1
    assert not thumb.exists()
    assert video.exists(), "a video still used by other clips must stay"
    assert store.get_clip(clips[0].id) is None
    assert store.lines(clip_ids=[clips[0].id]) == []
    assert f"clip:{clips[0].id}" not in store.index.ids()
    assert all("screwdriver" not in h.text for h in store.search("screwdriver", k=10))
    store.forget(recording_id="rec1")
    assert store.counts()["clips"] == 0 and not video.exists()
    assert store.index.count() == 0


def test_forget_a_person_removes_what_they_said(store):
    seed(store, 12)
    report = store.forget(person_id="alice")
    assert report.people == 1 and report.lines == 2
    assert store.get_person("alice") is None
    assert all("flowers" not in h.text for h in store.search("flowers", k=10))


def test_reindex_gives_the_same_results(store):
    seed(store, 12)
    store.add_summaries([Summary("jake", "hour", T0, T0 + timedelta(hours=1), "I fixed a shelf and talked about flowers.", "test")])
    before = _snapshot(store)
    assert store.reindex() == 13
    assert _snapshot(store) == before


def test_corrupt_vector_index_is_rebuilt_from_sql(tmp_path):
    store = open_store(tmp_path)
    seed(store)
    before = _snapshot(store)
    store.close()
    shutil.rmtree(tmp_path / "chroma")
    (tmp_path / "chroma").mkdir()
    (tmp_path / "chroma" / "chroma.sqlite3").write_bytes(b"this is not a database" * 100)
    reopened = open_store(tmp_path)
    assert _snapshot(reopened) == before
    assert any(p.name.startswith("chroma.corrupt-") for p in tmp_path.iterdir())
    reopened.close()


def test_index_refuses_vectors_from_another_embedder(tmp_path):
    open_store(tmp_path).close()
    with pytest.raises(EmbedderMismatchError, match="egobutler reindex"):
        open_store(tmp_path, HashingEmbedder(model_id="test:other"))


def test_export_then_import_is_lossless(store, tmp_path):
    seed(store, 8, media=True)
    store.add_summaries([Summary("jake", "day", T0, T0 + timedelta(days=1), "A day of fixing things.", "test")])
    first = io.StringIO()
    store.export_jsonl(first)
    records = [json.loads(line) for line in first.getvalue().splitlines()]
    utterance = next(r for r in records if r["type"] == "utterance" and r["speaker_id"] == "alice")
    assert utterance["speaker"] == "Alice" and utterance["start"].endswith("+08:00")
    assert next(r for r in records if r["type"] == "utterance" and r["speaker_id"] == "me")["speaker"] == "me"
    assert next(r for r in records if r["type"] == "motion")["label"] == "walking"
    other = open_store(tmp_path / "other")
    other.import_jsonl(io.StringIO(first.getvalue()))
    second = io.StringIO()
    other.export_jsonl(second)
    assert second.getvalue() == first.getvalue()
    assert _snapshot(other) == _snapshot(store)
    other.import_jsonl(io.StringIO(first.getvalue()))  # again: nothing duplicated
    assert other.counts() == store.counts()
    other.close()


def test_import_names_the_bad_line(store):
    with pytest.raises(MemoryError_, match="line 2"):
        store.import_jsonl(io.StringIO('{"type": "wearer", "id": "w", "name": "W"}\n{"type": "clip"}\n'))


def test_lines_need_their_clip_and_times_must_be_aware(store):
    with pytest.raises(MemoryError_, match="add the clips first"):
        store.add_lines([MemoryLine("caption", "nope", T0, T0, "x", "m")])
    with pytest.raises(ValueError, match="tz-aware"):
        Clip("jake", T0.replace(tzinfo=None), T0.replace(tzinfo=None))


def test_ledger_counts_attempts_and_replace_lines_swaps_a_stage(store):
    clips = seed(store, 2)
    clip = clips[0]
    store.mark_stage(clip.id, "caption", "running", model_id="a")
    store.mark_stage(clip.id, "caption", "failed", model_id="a", error="boom")
    store.mark_stage(clip.id, "caption", "running", model_id="a")
    store.mark_stage(clip.id, "caption", "done", model_id="a")
    entry = store.ledger(clip.id, "caption")
    assert entry.status == "done" and entry.attempts == 2 and entry.model_id == "a"
    new = [MemoryLine("caption", clip.id, clip.start, clip.end, "I hold a hammer.", "b")]
    store.replace_lines(clip.id, "caption", new)
    assert [l.text for l in store.lines(clip_ids=[clip.id], kinds=["caption"])] == ["I hold a hammer."]
    assert "hammer" in store.search("hammer", k=1, mode="vector")[0].text


def test_people_merge_moves_utterances(store):
    seed(store, 12)
    from egobutler.memory_db.records import Person, VoiceProfile

    store.upsert_person(Person("spk_1"))
    store.add_voice_profile(VoiceProfile("spk_1", (0.1, 0.2), "enc"))
    store.merge_people("alice", "spk_1")
    assert store.get_person("spk_1") is None
    assert [v.person_id for v in store.voice_profiles()] == ["alice"]
    with pytest.raises(MemoryError_, match="people list"):
        store.rename_person("nobody", "x")
