"""Coarse-to-fine hybrid retrieval over the clip corpus, cut at the query time.

Score of a clip, for a question asked at ``query_time``:

1. sparse: BM25 of the question words (weight 1) and the answer options' words (weight
   ``choice_weight``: options are hints, not facts) over 30 s clip documents;
2. dense (when the store has a vector index): cosine similarity of the clip embedding,
   fused with the sparse score (both normalised to the best candidate);
3. context: a share of the better neighbour's score (events straddle clip borders);
4. coarse levels: the same query against 10-minute and hour windows (concatenated clips)
   multiplies the clip score — clips inside the windows most about the question win;
5. time priors: a recency prior (recent memories are asked about more, and "last time"
   means the latest) and a boost for the window the question names ("yesterday afternoon").

Nothing whose start is at or after ``query_time`` can be returned (masked before ranking),
and evidence lines after it are dropped.
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np

from egobutler.memory_db.bm25 import BM25Index
from egobutler.egorag.corpus import Corpus
from egobutler.egorag.records import Evidence, SearchTrace
from egobutler.memory_db.text import tokenize
from egobutler.egorag.timeparse import TimeWindow

log = logging.getLogger(__name__)


TIME_WORDS = frozenset(tokenize(
    "yesterday today tonight morning afternoon evening night noon midday lunchtime ago minute minutes hour hours "
    "day days week weeks last time previous previously recently earlier usually monday tuesday wednesday thursday "
    "friday saturday sunday"
))


@dataclass(frozen=True)
class RetrievalConfig:
    choice_weight: float = 0.3
    dense_weight: float = 0.5
    neighbour_share: float = 0.3
    level_boosts: tuple[tuple[float, float], ...] = ((600.0, 0.5), (3600.0, 1.0))  # (window_s, boost)
    recency: float = 2.0
    recency_last_time: float = 2.0  # extra when the question says "last time"
    recency_scale_h: float = 12.0
    window_boost: float = 1.0  # x(1 + boost) inside the window the question names
    option_window_boost: float = 1.0  # x(1 + boost) inside any time an answer option names
    dense_pool: int = 500
    lines_per_clip: int = 8


@dataclass(frozen=True)
class Query:
    """What to search for: weighted tokens, the cut-off and the optional window."""

    text: str
    weights: dict[str, float]
    query_time: datetime
    window: TimeWindow | None = None
    wearer_id: str | None = None
    people: tuple[str, ...] = ()
    # Extra texts for the dense half, averaged with ``text``: for multiple choice, the
    # question with each option in turn, so every option gets its own neighbourhood.
    dense_texts: tuple[str, ...] = ()
    # Times the answer options name ("About four hours ago", "Yesterday afternoon"): the
    # answer is one of them, so the event asked about lies in one of these windows.
    option_windows: tuple[TimeWindow, ...] = ()


def query_weights(question: str, choices: Sequence[str] = (), *, choice_weight: float = 0.3,
                  wearer_name: str | None = None) -> dict[str, float]:
    """Token weights: question words 1 each, option words ``choice_weight`` each."""
    weights: dict[str, float] = {}
    for token in tokenize(_me(question, wearer_name, question=True)):
        if token not in TIME_WORDS:  # "yesterday afternoon" narrows the window; it is not a topic
            weights[token] = weights.get(token, 0.0) + 1.0
    for choice in choices:
        for token in tokenize(_me(choice, wearer_name)):
            weights[token] = weights.get(token, 0.0) + choice_weight
    return weights


def _me(text: str, wearer_name: str | None, *, question: bool = False) -> str:
    """Options say "Me" for the wearer; the memory names the wearer in transcripts."""
    if not wearer_name or question:
        return text
    return re.sub(r"\b(me|myself|i)\b", wearer_name, text, flags=re.I)


class _Level:
    """A coarse level: clips grouped into fixed windows, with a BM25 index over the groups."""

    def __init__(self, corpus: Corpus, window_s: float):
        keys = (corpus.starts // window_s).astype(np.int64)
        uniq, self.group_of = np.unique(keys, return_inverse=True) if len(keys) else (np.zeros(0, np.int64), keys)
        self.group_start = uniq.astype(np.float64) * window_s
        tokens: list[list[str]] = [[] for _ in range(len(uniq))]
        for i, g in enumerate(self.group_of):
            tokens[g].extend(corpus.tokens[i])
        self.index = BM25Index.from_token_lists(tokens)


class Retriever:
    """Ranks the clips of a `Corpus` for a `Query` (see the module docstring)."""

    def __init__(self, corpus: Corpus, store=None, config: RetrievalConfig = RetrievalConfig()):
        self.corpus = corpus
        self.store = store
        self.config = config
        self.levels = [(_Level(corpus, w), boost) for w, boost in config.level_boosts if len(corpus)]

    def scores(self, query: Query) -> np.ndarray:
        """Score per clip (-1 where excluded: after the query time, other wearer)."""
        c, cfg = self.corpus, self.config
        mask = c.mask(before=query.query_time, wearer_id=query.wearer_id)
        if query.people:
            mask &= self._people_mask(query.people)
        if query.window is not None and query.window.hard and query.window.start is not None:
            mask &= c.ends > query.window.start.timestamp()
        tokens = list(query.weights)
        s = np.where(mask, c.bm25.scores(tokens, weights=query.weights), 0.0)
        s = _normalised(s)
        w = query.window
        inside = None
        if w is not None and w.start is not None:
            inside = _overlapping(c, w)
            s = s + 0.01 * inside  # a question that is only a time ("what did I do at 9?") browses that window
        if cfg.dense_weight and self.store is not None and getattr(self.store, "index", None) is not None:
            s = s + cfg.dense_weight * self._dense(query, mask)
        if cfg.neighbour_share:
            left, right = np.r_[0.0, s[:-1]], np.r_[s[1:], 0.0]
            s = s + cfg.neighbour_share * np.maximum(left, right)
        cut = query.query_time.timestamp()
        for level, boost in self.levels:
            g = np.where(level.group_start < cut, level.index.scores(tokens, weights=query.weights), 0.0)
            s = s * (1.0 + boost * _normalised(g)[level.group_of])
        age_h = np.maximum(cut - c.starts, 0.0) / 3600.0
        recency = cfg.recency + (cfg.recency_last_time if query.window and query.window.recent else 0.0)
        s = s * (1.0 + recency / (1.0 + np.log1p(age_h / cfg.recency_scale_h)))
        if inside is not None and cfg.window_boost:
            s = s * np.where(inside, 1.0 + cfg.window_boost, 1.0)
        if query.option_windows and cfg.option_window_boost:
            in_option = np.logical_or.reduce([_overlapping(c, ow) for ow in query.option_windows])
            s = s * np.where(in_option, 1.0 + cfg.option_window_boost, 1.0)
        return np.where(mask, s, -1.0)

    def _dense(self, query: Query, mask: np.ndarray) -> np.ndarray:
        """Cosine scores of ``query.text`` averaged with those of ``query.dense_texts``.

        Each text's scores come from the store's vector index (0 outside its top
        ``dense_pool``) and are normalised to its best clip before averaging.
        """
        texts = (query.text, *query.dense_texts)
        try:
            rankings = self.store.vector_scores(texts, self.config.dense_pool, wearer_id=query.wearer_id,
                                                end=query.query_time)
        except Exception as exc:  # noqa: BLE001 - the dense half is optional; keyword results still stand
            log.warning("vector search failed, using keywords only: %s", exc)
            return np.zeros(len(self.corpus), dtype=np.float64)
        per_text = []
        for ranking in rankings:
            out = np.zeros(len(self.corpus), dtype=np.float64)
            for doc_id, score in ranking:
                i = self.corpus.index_of.get(doc_id.removeprefix("clip:"))
                if i is not None and mask[i]:
                    out[i] = max(score, 0.0)
            per_text.append(_normalised(out))
        return np.mean(per_text, axis=0)

    def _people_mask(self, people: Sequence[str]) -> np.ndarray:
        wanted = {p.lower() for p in people}
        return np.array([any((ln.speaker or "").lower() in wanted for ln in d.lines) or
                         any(p in " ".join(ln.text.lower() for ln in d.lines) for p in wanted)
                         for d in self.corpus.docs], dtype=bool)

    def search(self, query: Query, k: int = 10) -> tuple[list[Evidence], SearchTrace]:
        """The top-``k`` clips as evidence, best first, plus a trace of the search."""
        began = time.perf_counter()
        s = self.scores(query)
        candidates = int((s > 0).sum())
        order = top_k(s, k)
        evidence = [self.evidence(int(i), float(s[i]), query) for i in order if s[i] > 0]
        window = (query.window.start if query.window else None, query.query_time)
        label = query.window.label if query.window else "everything before the question"
        trace = SearchTrace((query.text,), window, time.perf_counter() - began, candidates,
                            f"hybrid search over {len(self.corpus)} clips ({label})")
        return evidence, trace

    def evidence(self, i: int, score: float, query: Query) -> Evidence:
        """Clip ``i`` as `Evidence`: its lines before the query time, the best-matching first kept in order."""
        doc = self.corpus.docs[i]
        lines = [ln for ln in doc.lines if ln.start < query.query_time]
        if len(lines) > self.config.lines_per_clip:
            def match(ln) -> float:
                return sum(query.weights.get(t, 0.0) for t in set(tokenize(f"{ln.speaker or ''} {ln.text}")))
            best = sorted(range(len(lines)), key=lambda j: -match(lines[j]))[: self.config.lines_per_clip]
            lines = [lines[j] for j in sorted(best)]
        return Evidence(doc.clip_id, doc.wearer_id, doc.start, doc.end, score, tuple(lines),
                        doc.thumbnail_path, doc.video_path, doc.video_offset_s)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` best scores, best first (argpartition: linear in the corpus size)."""
    if k <= 0 or not len(scores):
        return np.zeros(0, dtype=np.int64)
    if k < len(scores):
        part = np.argpartition(-scores, k - 1)[:k]
    else:
        part = np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]


def _overlapping(corpus: Corpus, window: TimeWindow) -> np.ndarray:
    """Which clips overlap ``window`` (it must have a start)."""
    return (corpus.ends > window.start.timestamp()) & (corpus.starts < window.end.timestamp())


def _normalised(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 and math.isfinite(top) else values
