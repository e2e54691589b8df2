"""Strict causality: asked at T, the memory after T changes nothing.

Pairs of memories are built from one synthetic life log: ``full`` holds everything, ``cut``
only what had happened by T (clips that started before T, lines that started before T).
The same question asked at T must give the same evidence (clips, lines, scores, order)
and the same answer in both. Questions are asked in the middle of clips, so the clip that
straddles T has lines on both sides of it, and the words after T are chosen to shift
corpus statistics (document frequencies, lengths) if anything leaked.
"""

from __future__ import annotations

import random
import zlib
from datetime import date, datetime, timedelta, timezone

import numpy as np
import pytest

from egobutler.egorag.engine import Engine
from egobutler.egorag.records import Question
from egobutler.memory_db.embedder import Embedder
from egobutler.memory_db.keyword_search import search_terms
from egobutler.memory_db.records import Clip, MemoryLine, Person, Wearer
from egobutler.memory_db.store import MemoryStore

T0 = datetime(2025, 1, 1, 3, 0, tzinfo=timezone.utc)  # 11:00 in Shanghai
TOPICS = [
    "Alice tightens the shelf with a screwdriver", "we make coffee with the grinder and a latte",
    "Shure plays the guitar and sings a song", "Tasha buys flowers at the market for the table",
    "Katrina charges the phone and the power bank", "we assemble the whiteboard stand in the hall",
    "Lucia bakes a cake with eggs and cream", "I look for the remote control under the sofa",
]
SPEAKERS = ["alice", "shure", "tasha", "me"]
QUESTION_TIMES = [timedelta(minutes=23, seconds=14), timedelta(minutes=41, seconds=7), timedelta(minutes=58, seconds=45)]
QUESTIONS = [
    ("Who used the screwdriver on the shelf?", ("Alice", "Shure", "Tasha", "Katrina")),
    ("What did we drink with the grinder?", ("Latte", "Tea", "Juice", "Milk")),
    ("Where did I look for the remote control?", ("Under the sofa", "In the kitchen", "On the shelf", "Outside")),
]


def life_log(seed: int = 7) -> tuple[list[Clip], list[MemoryLine]]:
    """Two hours of 30 s clips, each with 4-8 lines spread over the clip, topics drifting over time."""
    rng = random.Random(seed)
    clips, lines = [], []
    for i in range(240):
        start = T0 + timedelta(seconds=30 * i)
        clip = Clip("jake", start, start + timedelta(seconds=30))
        clips.append(clip)
        topic = TOPICS[(i // 6 + rng.randrange(2)) % len(TOPICS)]
        for j in range(rng.randint(4, 8)):
            at = start + timedelta(seconds=rng.uniform(0, 29))
            words = topic.split()
            text = " ".join(rng.sample(words, k=max(3, len(words) - rng.randrange(3))))
            if j % 2:
                lines.append(MemoryLine("utterance", clip.id, at, at + timedelta(seconds=1), text, "test",
                                        speaker_id=rng.choice(SPEAKERS)))
            else:
                lines.append(MemoryLine("caption", clip.id, at, at + timedelta(seconds=1), text, "test"))
    return clips, lines


class WordBuckets(Embedder):
    """Each word adds to one of 32 buckets (crc32): texts sharing words are near. Instant and deterministic."""

    model_id, dim = "test:word-buckets-32", 32

    def embed(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for term in search_terms(text):
                out[row, zlib.crc32(term.encode()) % self.dim] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-9)


def build_memory(path, clips: list[Clip], lines: list[MemoryLine], vectors: bool = False) -> MemoryStore:
    store = MemoryStore.open(f"sqlite:///{path / 'memory.db'}", path / "media",
                             **({"chroma_path": path / "chroma", "embedder": WordBuckets()} if vectors else {}))
    store.upsert_wearer(Wearer("jake", "Jake", "Asia/Shanghai"))
    store.upsert_person(Person("me", "Jake", "me", "jake"))
    for name in ("alice", "shure", "tasha"):
        store.upsert_person(Person(name, name.title(), "person", "jake"))
    store.add_clips(clips)
    store.add_lines(lines, index=vectors)
    return store


def engine(store: MemoryStore) -> Engine:
    return Engine(store, None, timezone="Asia/Shanghai", day1=date(2025, 1, 1))


def fingerprint(answer) -> tuple:
    evidence = tuple((e.clip_id, round(e.score, 9), tuple((ln.start, ln.text) for ln in e.lines))
                     for e in answer.evidence)
    return answer.text, answer.choice, evidence


@pytest.mark.parametrize("vectors", [False, True], ids=["keywords", "keywords+vectors"])
@pytest.mark.parametrize("offset", QUESTION_TIMES, ids=lambda d: f"T+{int(d.total_seconds())}s")
def test_memory_after_the_question_changes_nothing(tmp_path, offset, vectors):
    clips, lines = life_log()
    when = T0 + offset
    straddling = [c for c in clips if c.start < when < c.end]
    assert straddling and any(ln.clip_id == straddling[0].id and ln.start >= when for ln in lines), \
        "the test must ask in the middle of a clip with lines after the question"
    (tmp_path / "full").mkdir()
    (tmp_path / "cut").mkdir()
    full = build_memory(tmp_path / "full", clips, lines, vectors)
    cut = build_memory(tmp_path / "cut", [c for c in clips if c.start < when], [ln for ln in lines if ln.start < when],
                       vectors)
    try:
        for text, choices in QUESTIONS:
            question = Question(text, when, choices=choices, wearer_id="jake")
            from_full, from_cut = engine(full).ask(question), engine(cut).ask(question)
            assert from_cut.evidence, f"{text!r} found nothing"
            assert fingerprint(from_full) == fingerprint(from_cut), f"{text!r} at {when} saw the future"
            free = Question(text, when, wearer_id="jake")
            assert fingerprint(engine(full).ask(free)) == fingerprint(engine(cut).ask(free))
    finally:
        full.close()
        cut.close()
