"""The retrieval corpus: every clip of the memory as a document, in time order.

Built from the store once per engine (and refreshed when the store grows). Arrays of
start/end times (epoch seconds) make the query-time cut and time windows vectorised; the
BM25 matrix and the per-line texts give keyword scores and quotable evidence lines.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np

from egobutler.memory_db.bm25 import BM25Index
from egobutler.egorag.records import EvidenceLine
from egobutler.memory_db.text import tokenize

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClipDoc:
    """One clip as a retrievable document; ``lines`` in time order."""

    clip_id: str
    wearer_id: str
    start: datetime
    end: datetime
    lines: tuple[EvidenceLine, ...]
    thumbnail_path: str | None = None
    video_path: str | None = None
    video_offset_s: float = 0.0

    def text(self, wearer_name: str | None = None) -> str:
        """The document text: lines with their speakers ("me" named as the wearer when known)."""
        parts = []
        for line in self.lines:
            speaker = line.speaker
            if speaker == "me" and wearer_name:
                speaker = wearer_name
            parts.append(f"{speaker}: {line.text}" if speaker else line.text)
        return "\n".join(parts)


class Corpus:
    """Clip documents + their time arrays + a BM25 index over them."""

    def __init__(self, docs: Sequence[ClipDoc], wearer_names: dict[str, str] | None = None):
        self.docs = sorted(docs, key=lambda d: d.start)
        self.wearer_names = dict(wearer_names or {})
        self.starts = np.array([d.start.timestamp() for d in self.docs], dtype=np.float64)
        self.ends = np.array([d.end.timestamp() for d in self.docs], dtype=np.float64)
        wearers = sorted({d.wearer_id for d in self.docs})
        self.wearer_codes = {w: i for i, w in enumerate(wearers)}
        self.wearer_of = np.array([self.wearer_codes[d.wearer_id] for d in self.docs], dtype=np.int32)
        self.index_of = {d.clip_id: i for i, d in enumerate(self.docs)}
        self.tokens = [tokenize(d.text(self.wearer_names.get(d.wearer_id))) for d in self.docs]
        self.bm25 = BM25Index.from_token_lists(self.tokens)
        log.info("corpus: %d clips, %d terms", len(self.docs), len(self.bm25.vocab))

    def __len__(self) -> int:
        return len(self.docs)

    def mask(self, *, before: datetime, start: datetime | None = None, end: datetime | None = None,
             wearer_id: str | None = None) -> np.ndarray:
        """Clips that start before the query time and overlap [start, end)."""
        keep = self.starts < before.timestamp()
        if start is not None:
            keep &= self.ends > start.timestamp()
        if end is not None:
            keep &= self.starts < end.timestamp()
        if wearer_id is not None:
            code = self.wearer_codes.get(wearer_id)
            keep &= (self.wearer_of == code) if code is not None else False
        return keep

    def wearer_name(self, wearer_id: str) -> str | None:
        return self.wearer_names.get(wearer_id)


def utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)


def load_corpus(store, *, wearer_id: str | None = None) -> Corpus:
    """All clips of ``store`` (one wearer or all) as a `Corpus`."""
    names = store.speaker_names()
    clips = store.clips(wearer_id=wearer_id)
    by_clip: dict[str, list[EvidenceLine]] = {c.id: [] for c in clips}
    ids = [c.id for c in clips]
    for start in range(0, len(ids), 2000):
        for line in store.lines(clip_ids=ids[start:start + 2000]):
            speaker = names.get(line.speaker_id or "", line.speaker_id) if line.kind == "utterance" else None
            text = line.text if line.kind in ("caption", "utterance") else f"[{line.kind}] {line.text}"
            by_clip[line.clip_id].append(EvidenceLine(line.start, line.kind, text, speaker))
    docs = [ClipDoc(c.id, c.wearer_id, c.start, c.end, tuple(by_clip[c.id]), c.thumbnail_path, c.video_path,
                    c.video_offset_s) for c in clips]
    wearer_names = {w.id: w.name for w in store.wearers()}
    return Corpus(docs, wearer_names)
