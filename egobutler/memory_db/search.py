"""Search over the memory: vectors (Chroma), keywords (BM25) and their fusion.

A mixin of `MemoryStore`, kept apart so each file reads in one sitting.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import select

from egobutler.memory_db import schema as s
from egobutler.memory_db.errors import MemoryError_
from egobutler.memory_db.bm25 import BM25Index
from egobutler.memory_db.records import Hit
from egobutler.memory_db.rows import summary_from_row
from egobutler.memory_db.text import tokenize

_RRF_K = 60  # reciprocal-rank-fusion constant: damps the weight of the very top ranks


@dataclass(frozen=True)
class _KeywordIndex:
    """BM25 over clip and summary documents; ``ids`` are ``clip:<id>`` / ``summary:<id>``."""

    ids: list[str]
    index: BM25Index
    meta: dict[str, tuple]


class SearchMixin:
    """`search` and the caches behind it; needs ``engine``, ``index``, ``embedder`` and the read API."""

    _bm25: _KeywordIndex | None = None
    _bm25_version: str | None = None
    _lock: threading.RLock

    def search(self, query: str, k: int = 10, *, mode: str = "hybrid", targets: Sequence[str] = ("clip", "summary"),
               wearer_id: str | None = None, start: datetime | None = None, end: datetime | None = None,
               speaker_ids: Sequence[str] | None = None, levels: Sequence[str] | None = None) -> list[Hit]:
        """Clips and summaries that match ``query``, best first, within the filters.

        ``mode``: ``vector`` (embeddings), ``keyword`` (BM25) or ``hybrid`` (both, fused by
        reciprocal rank). Time filters keep items whose start lies in [start, end).
        """
        if mode not in ("hybrid", "vector", "keyword"):
            raise MemoryError_(f"unknown search mode {mode!r}; use hybrid, vector or keyword")
        if mode != "keyword" and self.index is None:
            if mode == "vector":
                raise MemoryError_("vector search needs an embedder; configure one or use --mode keyword")
            mode = "keyword"
        allowed = self._speaker_clip_ids(speaker_ids) if speaker_ids else None
        pool = max(k * 5, 50)
        ranked: list[list[tuple[str, float]]] = []
        if mode in ("vector", "hybrid"):
            ranked.append(self.vector_scores([query], pool, targets=targets, wearer_id=wearer_id, start=start, end=end,
                                             levels=levels)[0])
        if mode in ("keyword", "hybrid"):
            ranked.append(self._keyword_candidates(query, pool, targets, wearer_id, start, end, levels))
        if allowed is not None:
            ranked = [[(d, sc) for d, sc in lst if not d.startswith("clip:") or d[5:] in allowed] for lst in ranked]
        scored = ranked[0] if len(ranked) == 1 else _rrf(ranked)
        return self._hits(scored[:k])

    def vector_scores(self, queries: Sequence[str], k: int, *, targets: Sequence[str] = ("clip",),
                      wearer_id: str | None = None, start: datetime | None = None, end: datetime | None = None,
                      levels: Sequence[str] | None = None) -> list[list[tuple[str, float]]]:
        """Per query, the ``k`` nearest ids (``clip:<id>``, ``summary:<id>``) with cosine scores.

        No texts are loaded: this is the dense half of a ranker that has the texts already.
        """
        if self.index is None or self.embedder is None:
            raise MemoryError_("vector search needs an embedder; configure one or use keyword search")
        vectors = self.embedder.embed(list(queries))
        return self.index.query_many(list(vectors), k, _chroma_where(targets, wearer_id, start, end, levels))

    def _speaker_clip_ids(self, speaker_ids: Sequence[str]) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(s.utterances.c.clip_id).where(s.utterances.c.speaker_id.in_(list(speaker_ids))))
            return {r[0] for r in rows}

    def _keyword_candidates(self, query, pool, targets, wearer_id, start, end, levels) -> list[tuple[str, float]]:
        keyword = self._keyword_index()
        if not keyword.ids:
            return []
        mask = np.array([_meta_ok(keyword.meta[i], targets, wearer_id, start, end, levels) for i in keyword.ids], dtype=bool)
        scores = np.where(mask, keyword.index.scores(tokenize(query)), 0.0)
        order = np.argsort(-scores, kind="stable")[:pool]
        return [(keyword.ids[i], float(scores[i])) for i in order if scores[i] > 0]

    def _keyword_index(self) -> _KeywordIndex:
        version = self.data_version()
        with self._lock:
            if self._bm25 is None or version != self._bm25_version:
                self._bm25 = self._build_keyword_index()
                self._bm25_version = version
            return self._bm25

    def _build_keyword_index(self) -> _KeywordIndex:
        all_clips = self.clips()
        texts = self.clip_texts([c.id for c in all_clips], stamps=False)
        ids, docs, meta = [], [], {}
        for clip in all_clips:
            doc_id = f"clip:{clip.id}"
            ids.append(doc_id)
            docs.append(texts[clip.id])
            meta[doc_id] = ("clip", clip.wearer_id, clip.start.timestamp(), None)
        for summary in self.summaries():
            doc_id = f"summary:{summary.id}"
            ids.append(doc_id)
            docs.append(summary.text)
            meta[doc_id] = ("summary", summary.wearer_id, summary.start.timestamp(), summary.level)
        return _KeywordIndex(ids, BM25Index.from_texts(docs), meta)

    def _hits(self, scored: list[tuple[str, float]]) -> list[Hit]:
        clip_ids = [d[5:] for d, _ in scored if d.startswith("clip:")]
        summary_ids = [d[8:] for d, _ in scored if d.startswith("summary:")]
        clips = {c.id: c for c in self.clips(ids=clip_ids)} if clip_ids else {}
        texts = self.clip_texts(clip_ids) if clip_ids else {}
        with self.engine.connect() as conn:
            rows = conn.execute(select(s.summaries).where(s.summaries.c.id.in_(summary_ids))) if summary_ids else []
            summaries = {r.id: summary_from_row(r) for r in rows}
        hits: list[Hit] = []
        for doc_id, score in scored:
            kind, _, key = doc_id.partition(":")
            if kind == "clip" and key in clips:
                c = clips[key]
                hits.append(Hit("clip", key, score, texts[key], c.start, c.end, c.wearer_id, clip=c))
            elif kind == "summary" and key in summaries:
                x = summaries[key]
                hits.append(Hit("summary", key, score, x.text, x.start, x.end, x.wearer_id, summary=x))
        return hits


def _chroma_where(targets, wearer_id, start, end, levels) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if set(targets) != {"clip", "summary"}:
        clauses.append({"target": {"$in": list(targets)}})
    if wearer_id is not None:
        clauses.append({"wearer_id": wearer_id})
    if start is not None:
        clauses.append({"start_ts": {"$gte": start.timestamp()}})
    if end is not None:
        clauses.append({"start_ts": {"$lt": end.timestamp()}})
    if levels is not None:
        clauses.append({"$or": [{"target": "clip"}, {"level": {"$in": list(levels)}}]})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _meta_ok(meta: tuple, targets, wearer_id, start, end, levels) -> bool:
    target, wearer, start_ts, level = meta
    if target not in targets:
        return False
    if wearer_id is not None and wearer != wearer_id:
        return False
    if start is not None and start_ts < start.timestamp():
        return False
    if end is not None and start_ts >= end.timestamp():
        return False
    if levels is not None and target == "summary" and level not in levels:
        return False
    return True


def _rrf(rankings: list[list[tuple[str, float]]]) -> list[tuple[str, float]]:
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, (doc_id, _) in enumerate(ranking):
            fused[doc_id] = fused.get(doc_id, 0.0) + 1.0 / (_RRF_K + rank + 1)
    return sorted(fused.items(), key=lambda item: (-round(item[1], 9), item[0]))
