"""Helpers for the memory tests: a small deterministic embedder (our own interface) and a seeded memory.

A module of its own (not conftest.py) so that `import` finds it by a name no other test folder uses.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta, timezone
from pathlib import Path

import numpy as np

from egobutler.memory_db.embedder import Embedder
from egobutler.memory_db.text import tokenize
from egobutler.memory_db.records import Clip, MemoryLine, Person, Wearer
from egobutler.memory_db.store import MemoryStore


class HashingEmbedder(Embedder):
    """Bag of hashed word stems: texts sharing words get similar vectors."""

    def __init__(self, dim: int = 64, model_id: str = "test:hashing-64"):
        self.dim, self.model_id = dim, model_id

    def embed(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokenize(text):
                out[row, int(hashlib.md5(token.encode()).hexdigest(), 16) % self.dim] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-9)


T0 = datetime(2025, 1, 1, 9, 0, tzinfo=timezone.utc)

DAY = [
    ("caption", "I pick up the screwdriver from the workbench.", None),
    ("utterance", "Let's buy flowers for the table tomorrow.", "alice"),
    ("motion", "I walked about 20 steps to the kitchen.", None),
    ("scene_text", "KITCHEN", None),
    ("caption", "I put my keys on the kitchen table.", None),
    ("utterance", "Did anyone see the remote control?", "me"),
]


def open_store(home: Path, embedder: Embedder | None = None) -> MemoryStore:
    return MemoryStore.open(
        f"sqlite:///{home / 'memory.db'}", home / "media", chroma_path=home / "chroma",
        embedder=embedder if embedder is not None else HashingEmbedder(),
    )


def seed(store: MemoryStore, n_clips: int = len(DAY), *, media: bool = False) -> list[Clip]:
    """A wearer, two people and one line per 30 s clip (with thumbnails when ``media``)."""
    store.upsert_wearer(Wearer("jake", "Jake", "Asia/Shanghai"))
    store.upsert_person(Person("me", "Jake", "me", "jake"))
    store.upsert_person(Person("alice", "Alice"))
    clips = []
    for i in range(n_clips):
        start = T0 + timedelta(seconds=30 * i)
        thumb = None
        if media:
            thumb = f"thumbs/{i:04d}.jpg"
            path = store.media_path(thumb)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(b"\xff\xd8fakejpeg")
        clips.append(Clip("jake", start, start + timedelta(seconds=30), recording_id="rec1",
                          video_path="videos/rec1.mp4" if media else None, video_offset_s=30.0 * i,
                          thumbnail_path=thumb))
    store.add_clips(clips)
    lines = []
    for i, clip in enumerate(clips):
        kind, text, speaker = DAY[i % len(DAY)]
        lines.append(MemoryLine(kind, clip.id, clip.start + timedelta(seconds=2), clip.start + timedelta(seconds=6), text,
                                "test", speaker_id=speaker, label="walking" if kind == "motion" else None))
    store.add_lines(lines)
    return clips
