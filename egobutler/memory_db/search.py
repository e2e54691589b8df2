"""Search over the memory: keywords in the database, vectors in Chroma, and their fusion.

A mixin of `MemoryStore`, kept apart so each file reads in one sitting. Keyword search is
`keyword_search` (SQLite FTS5 / PostgreSQL full text, BM25 with statistics from before
the cut); vector search asks Chroma with time and wearer metadata filters. Both cut at
``end``: nothing that ended after it is returned, and with keywords the clip straddling
it counts only its lines said before it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select

from egobutler.memory_db import keyword_search as kw
from egobutler.memory_db import schema as s
from egobutler.memory_db.errors import MemoryError_
from egobutler.memory_db.records import Hit
from egobutler.memory_db.rows import summary_from_row

_RRF_K = 60  # reciprocal-rank-fusion constant: damps the weight of the very top ranks


class SearchMixin:
    """`search`, `keyword_search` and `vector_scores`; needs ``engine``, ``index``, ``embedder`` and the read API."""

    def search(self, query: str, k: int = 10, *, mode: str = "hybrid", targets: Sequence[str] = ("clip", "summary"),
               wearer_id: str | None = None, start: datetime | None = None, end: datetime | None = None,
               speaker_ids: Sequence[str] | None = None, levels: Sequence[str] | None = None) -> list[Hit]:
        """Clips and summaries that match ``query``, best first, within the filters.

        ``mode``: ``vector`` (embeddings), ``keyword`` (BM25 in the database) or ``hybrid``
        (both, fused by reciprocal rank). Items must have ended by ``end`` (with keywords, a
        clip that straddles it is searched on its lines before it) and started at or after ``start``.
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
            ranked.append(self.vector_scores([query], pool, targets=targets, wearer_id=wearer_id, start=start,
                                             before=end, levels=levels)[0])
        if mode in ("keyword", "hybrid"):
            ranked.append(self._keyword_ranking(query, pool, targets, wearer_id, start, end, levels))
        if allowed is not None:
            ranked = [[(d, sc) for d, sc in lst if not d.startswith("clip:") or d[5:] in allowed] for lst in ranked]
        scored = ranked[0] if len(ranked) == 1 else _rrf(ranked)
        hits = self._hits(scored[:pool])
        return [h for h in hits if start is None or h.start >= start][:k]

    def keyword_search(self, weights: Mapping[str, float], before: datetime | None = None, *, kind: str = "clip",
                       wearer_id: str | None = None, level: str | None = None, since: datetime | None = None,
                       cap: int = kw.CANDIDATE_CAP) -> kw.KeywordResult:
        """BM25 scores (``ref_id -> score``) of documents that ended before ``before`` (see `keyword_search`)."""
        scope = kw.Scope(before or kw._FAR_FUTURE, kind, wearer_id, level, since)
        with self.engine.connect() as conn:
            return kw.keyword_search(conn, weights, scope, cap)

    def keyword_stats(self, terms: Sequence[str], before: datetime, *, wearer_id: str | None = None) -> kw.TermStats:
        """Clip-document statistics before ``before`` for ``terms`` (the straddling clip counted by its earlier lines)."""
        scope = kw.Scope(before, "clip", wearer_id)
        with self.engine.connect() as conn:
            return kw.term_stats(conn, scope, list(dict.fromkeys(terms)), kw.partial_clips(conn, scope))

    def clip_terms(self, clip_ids: Sequence[str], before: datetime) -> dict[str, tuple[str, ...]]:
        """Each clip's document tokens as of ``before`` (only its lines said before it)."""
        names_needed = list(dict.fromkeys(clip_ids))
        with self.engine.connect() as conn:
            names = kw.speaker_names(conn)
            lines = kw.clip_lines(conn, names_needed, before=before)
        return {cid: tuple(kw.doc_terms(lines[cid], names, before)) for cid in names_needed}

    def vector_scores(self, queries: Sequence[str], k: int, *, targets: Sequence[str] = ("clip",),
                      wearer_id: str | None = None, start: datetime | None = None, before: datetime | None = None,
                      levels: Sequence[str] | None = None, end: datetime | None = None,
                      extra_docs: Mapping[str, str] | None = None) -> list[list[tuple[str, float]]]:
        """Per query, the ``k`` nearest ids (``clip:<id>``, ``summary:<id>``) with cosine scores.

        ``extra_docs`` (id -> text) are embedded now and scored against every query too
        (how a clip that straddles the cut is searched on its lines before it).

        Only items that ended by ``before`` (``end`` is an older name for it) and started
        at or after ``start``. No texts are loaded: this is the dense half of a ranker.
        """
        if self.index is None or self.embedder is None:
            raise MemoryError_("vector search needs an embedder; configure one or use keyword search")
        vectors = self.embedder.embed(list(queries))
        found = self.index.query_many(list(vectors), k, _chroma_where(targets, wearer_id, start, before or end, levels))
        if extra_docs:
            ids = list(extra_docs)
            cosines = vectors @ self.embedder.embed([extra_docs[i] for i in ids]).T
            found = [sorted(ranking + [(i, float(c)) for i, c in zip(ids, row)], key=lambda item: -item[1])
                     for ranking, row in zip(found, cosines)]
        return found

    def _speaker_clip_ids(self, speaker_ids: Sequence[str]) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(select(s.utterances.c.clip_id).where(s.utterances.c.speaker_id.in_(list(speaker_ids))))
            return {r[0] for r in rows}

    def _keyword_ranking(self, query, pool, targets, wearer_id, start, end, levels) -> list[tuple[str, float]]:
        weights = {t: 1.0 for t in kw.search_terms(query)}
        scored: list[tuple[str, float]] = []
        if "clip" in targets:
            result = self.keyword_search(weights, end, wearer_id=wearer_id, since=start)
            scored += [(f"clip:{ref}", sc) for ref, sc in result.scores.items()]
        if "summary" in targets:
            for level in levels or ("10min", "hour", "day"):
                result = self.keyword_search(weights, end, kind="summary", wearer_id=wearer_id, level=level, since=start)
                scored += [(f"summary:{ref}", sc) for ref, sc in result.scores.items()]
        return sorted(scored, key=lambda item: (-item[1], item[0]))[:pool]

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


def _chroma_where(targets, wearer_id, start, before, levels) -> dict[str, Any] | None:
    clauses: list[dict[str, Any]] = []
    if set(targets) != {"clip", "summary"}:
        clauses.append({"target": {"$in": list(targets)}})
    if wearer_id is not None:
        clauses.append({"wearer_id": wearer_id})
    if start is not None:
        clauses.append({"start_ts": {"$gte": start.timestamp()}})
    if before is not None:
        clauses.append({"end_ts": {"$lte": before.timestamp()}})
    if levels is not None:
        clauses.append({"$or": [{"target": "clip"}, {"level": {"$in": list(levels)}}]})
    if not clauses:
        return None
    return clauses[0] if len(clauses) == 1 else {"$and": clauses}


def _rrf(rankings: list[list[tuple[str, float]]]) -> list[tuple[str, float]]:
    fused: dict[str, float] = {}
    for ranking in rankings:
        for rank, (doc_id, _) in enumerate(ranking):
            fused[doc_id] = fused.get(doc_id, 0.0) + 1.0 / (_RRF_K + rank + 1)
    return sorted(fused.items(), key=lambda item: (-round(item[1], 9), item[0]))
