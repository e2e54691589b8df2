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

from egobutler.egorag.corpus import Corpus
from egobutler.egorag.records import Evidence, EvidenceLine, SearchTrace
from egobutler.egorag.timeparse import TimeWindow
from egobutler.memory_db.keyword_search import K1, KeywordResult, search_terms
from egobutler.memory_db.reads import format_line
from egobutler.memory_db.records import Clip
from egobutler.memory_db.text import tokenize

log = logging.getLogger(__name__)

_LEVEL_S = {"10min": 600.0, "hour": 3600.0, "day": 86400.0}


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
    keyword_pool: int = 500  # best keyword (and dense) matches kept as candidates; all keyword matches score windows
    summary_boosts: tuple[tuple[str, float], ...] = ()  # (level, boost): x(1 + boost * summary score)
    keyword_candidates: int = 5000  # most clips the database returns per query (rarest words first)
    expand_neighbours: int = 0  # the clips touching this many best candidates join the candidates
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


@dataclass(frozen=True)
class Candidates:
    """The clips worth scoring for one query, in time order, with their keyword and dense scores."""

    ids: tuple[str, ...]
    starts: np.ndarray  # epoch seconds
    ends: np.ndarray
    keyword: np.ndarray
    dense: np.ndarray
    keyword_all: KeywordResult  # every keyword match (for window scores), not only the kept ones


class Retriever:
    """Ranks clips of a `MemoryStore` for a `Query` (see the module docstring)."""

    def __init__(self, store, config: RetrievalConfig = RetrievalConfig()):
        self.store = store
        self.config = config
        self.corpus = Corpus(store)

    # ------------------------------------------------------------------ candidates
    def candidates(self, query: Query) -> Candidates:
        """Keyword matches (database, statistics before the cut) and nearest vectors (Chroma, ended before the cut)."""
        cfg = self.config
        since = _hard_start(query)
        keyword = self.store.keyword_search(query.weights, query.query_time, wearer_id=query.wearer_id, since=since,
                                            cap=cfg.keyword_candidates)
        dense = self._dense(query, since, keyword)
        kept = sorted(keyword.scores, key=lambda c: (-keyword.scores[c], c))[: cfg.keyword_pool]
        near = sorted(dense, key=lambda c: (-dense[c], c))[: cfg.keyword_pool]
        spans = self.store.clip_spans(list(dict.fromkeys(kept + near)))
        spans.update(self._window_clips(query, set(spans)))
        if cfg.expand_neighbours:
            # Events straddle clip borders: the clips touching the best candidates are candidates too.
            first = sorted(spans, key=lambda c: -(keyword.scores.get(c, 0.0) / max(keyword.scores.values(), default=1.0)
                                                  + dense.get(c, 0.0)))[: cfg.expand_neighbours]
            touching = self.store.touching_spans([spans[c] for c in first], wearer_id=query.wearer_id,
                                                 before=query.query_time)
            spans.update({c: v for c, v in touching.items() if c not in spans})
        ids = [c for c in spans if since is None or spans[c][1] > since.timestamp()]
        if query.people:
            ids = self._with_people(ids, query)
        ids.sort(key=lambda c: (spans[c][0], c))
        return Candidates(tuple(ids), np.array([spans[c][0] for c in ids], dtype=np.float64),
                          np.array([spans[c][1] for c in ids], dtype=np.float64),
                          np.array([keyword.scores.get(c, 0.0) for c in ids]), np.array([dense.get(c, 0.0) for c in ids]),
                          keyword)

    def _window_clips(self, query: Query, known: set[str]) -> dict[str, tuple[float, float]]:
        """The clips of the window the question names (a question that is only a time browses it)."""
        w = query.window
        if w is None or w.start is None:
            return {}
        end = min(w.end, query.query_time)
        found = self.store.clips(wearer_id=query.wearer_id, start=w.start, end=end, limit=self.config.keyword_pool)
        return {c.id: (c.start.timestamp(), c.end.timestamp()) for c in found if c.id not in known}

    def _dense(self, query: Query, since: datetime | None, keyword: KeywordResult) -> dict[str, float]:
        """Cosine scores of ``query.text`` averaged with those of ``query.dense_texts``.

        Each text's scores come from the store's vector index (0 outside its top
        ``dense_pool``) and are normalised to its best clip before averaging. The clip that
        straddles the cut is embedded now from its lines before it.
        """
        if not self.config.dense_weight or getattr(self.store, "index", None) is None:
            return {}
        texts = (query.text, *query.dense_texts)
        partial = {f"clip:{p.ref_id}": text for p, text in zip(keyword.partial, self._partial_texts(keyword, query))}
        try:
            rankings = self.store.vector_scores(texts, self.config.dense_pool, wearer_id=query.wearer_id, start=since,
                                                before=query.query_time, extra_docs=partial)
        except Exception as exc:  # noqa: BLE001 - the dense half is optional; keyword results still stand
            log.warning("vector search failed, using keywords only: %s", exc)
            return {}
        total: dict[str, float] = {}
        for ranking in rankings:
            best = max((score for _, score in ranking), default=0.0)
            if best <= 0:
                continue
            for doc_id, score in ranking:
                if doc_id.startswith("clip:") and score > 0:
                    total[doc_id[5:]] = total.get(doc_id[5:], 0.0) + score / best
        return {clip_id: value / len(rankings) for clip_id, value in total.items()}

    def _partial_texts(self, keyword: KeywordResult, query: Query) -> list[str]:
        if not keyword.partial:
            return []
        names = self.store.speaker_names()
        lines = self.store.lines(clip_ids=[p.ref_id for p in keyword.partial], end=query.query_time)
        return ["\n".join(format_line(ln, names, stamp=False) for ln in lines if ln.clip_id == p.ref_id)
                for p in keyword.partial]

    def _with_people(self, ids: list[str], query: Query) -> list[str]:
        """Clips where one of ``query.people`` speaks or is named (lines before the cut)."""
        wanted = [tuple(search_terms(p)) for p in query.people]
        terms = {c: set(t) for c, t in self.store.clip_terms(ids, query.query_time).items()}
        return [c for c in ids if any(all(t in terms[c] for t in name) for name in wanted if name)]

    # ------------------------------------------------------------------ scoring
    def scores(self, query: Query) -> tuple[Candidates, np.ndarray]:
        """The candidates and a score each (higher is better)."""
        cfg = self.config
        cand = self.candidates(query)
        if not cand.ids:
            return cand, np.zeros(0)
        starts, ends = cand.starts, cand.ends
        s = _normalised(cand.keyword)
        w = query.window
        inside = None
        if w is not None and w.start is not None:
            inside = (ends > w.start.timestamp()) & (starts < w.end.timestamp())
            s = s + 0.01 * inside  # a question that is only a time ("what did I do at 9?") browses that window
        s = s + cfg.dense_weight * cand.dense
        if cfg.neighbour_share:
            s = s + cfg.neighbour_share * _best_neighbour(s, starts, ends)
        s = s * self._window_factor(cand, ends, query)
        cut = query.query_time.timestamp()
        age_h = np.maximum(cut - starts, 0.0) / 3600.0
        recency = cfg.recency + (cfg.recency_last_time if w and w.recent else 0.0)
        s = s * (1.0 + recency / (1.0 + np.log1p(age_h / cfg.recency_scale_h)))
        if inside is not None and cfg.window_boost:
            s = s * np.where(inside, 1.0 + cfg.window_boost, 1.0)
        if query.option_windows and cfg.option_window_boost:
            in_option = np.logical_or.reduce([(ends > ow.start.timestamp()) & (starts < ow.end.timestamp())
                                              for ow in query.option_windows])
            s = s * np.where(in_option, 1.0 + cfg.option_window_boost, 1.0)
        return cand, s

    def _window_factor(self, cand: Candidates, ends: np.ndarray, query: Query) -> np.ndarray:
        """Coarse to fine: clips inside the windows most about the question are multiplied up.

        Windows of ``level_boosts`` are scored by the keyword scores of all the clips in them
        that ended before the cut; summaries (``summary_boosts``) of windows that ended before
        the cut are searched as documents of their own.
        """
        factor = np.ones(len(ends))
        found = cand.keyword_all
        for window_s, boost in self.config.level_boosts:
            if not boost or not found.ends:
                continue
            groups = _window_scores(found, window_s)
            top = max(groups.values())
            mine = np.array([groups.get(int(k), 0.0) for k in ((ends - 1.0) // window_s)])
            factor *= 1.0 + boost * mine / top if top > 0 else 1.0
        for level, boost in self.config.summary_boosts:
            if boost:
                factor *= 1.0 + boost * self._summary_scores(level, ends, query)
        return factor

    def _summary_scores(self, level: str, ends: np.ndarray, query: Query) -> np.ndarray:
        """Per clip: the keyword score (normalised) of the ``level`` summary whose window holds it."""
        found = self.store.keyword_search(query.weights, query.query_time, kind="summary", level=level,
                                          wearer_id=query.wearer_id)
        if not found.scores:
            return np.zeros(len(ends))
        spans = sorted((found.ends[r], found.scores[r]) for r in found.scores)
        span_ends = np.array([e for e, _ in spans])
        values = np.array([v for _, v in spans]) / max(v for _, v in spans)
        at = np.searchsorted(span_ends, ends - 1.0, side="left")  # the first window ending at/after the clip
        length = _LEVEL_S[level]
        ok = (at < len(spans)) & (span_ends[np.minimum(at, len(spans) - 1)] - length <= ends - 1.0)
        return np.where(ok, values[np.minimum(at, len(spans) - 1)], 0.0)

    # ------------------------------------------------------------------ results
    def search(self, query: Query, k: int = 10) -> tuple[list[Evidence], SearchTrace]:
        """The top-``k`` clips as evidence, best first, plus a trace of the search."""
        began = time.perf_counter()
        cand, s = self.scores(query)
        order = [int(i) for i in top_k(s, k) if s[i] > 0]
        clips = {c.id: c for c in self.store.clips(ids=[cand.ids[i] for i in order])} if order else {}
        evidence = self.evidence([clips[cand.ids[i]] for i in order], [float(s[i]) for i in order], query)
        window = (query.window.start if query.window else None, query.query_time)
        label = query.window.label if query.window else "everything before the question"
        trace = SearchTrace((query.text,), window, time.perf_counter() - began, len(cand.ids),
                            f"hybrid search over {len(cand.ids)} candidate clips ({label})")
        return evidence, trace

    def evidence(self, clips: Sequence[Clip], scores: Sequence[float], query: Query) -> list[Evidence]:
        """Clips as `Evidence`: their lines before the query time, the best-matching ``lines_per_clip`` kept in order."""
        if not clips:
            return []
        names = self.store.speaker_names()
        by_clip: dict[str, list[EvidenceLine]] = {c.id: [] for c in clips}
        for line in self.store.lines(clip_ids=[c.id for c in clips], end=query.query_time):
            speaker = names.get(line.speaker_id or "", line.speaker_id) if line.kind == "utterance" else None
            text = line.text if line.kind in ("caption", "utterance") else f"[{line.kind}] {line.text}"
            by_clip[line.clip_id].append(EvidenceLine(line.start, line.kind, text, speaker))
        out = []
        for clip, score in zip(clips, scores):
            lines = by_clip[clip.id]
            if len(lines) > self.config.lines_per_clip:
                def match(ln) -> float:
                    return sum(query.weights.get(t, 0.0) for t in set(tokenize(f"{ln.speaker or ''} {ln.text}")))
                best = sorted(range(len(lines)), key=lambda j: -match(lines[j]))[: self.config.lines_per_clip]
                lines = [lines[j] for j in sorted(best)]
            out.append(Evidence(clip.id, clip.wearer_id, clip.start, clip.end, score, tuple(lines),
                                clip.thumbnail_path, clip.video_path, clip.video_offset_s))
        return out


def _window_scores(found: KeywordResult, window_s: float) -> dict[int, float]:
    """Each window as one document of its clips that ended before the cut: BM25 term saturation
    over the window's summed term counts (a window is about the question when it holds many of
    its words, not when it repeats one), weighted by the clip-level idf."""
    tf_by_window: dict[int, dict[str, int]] = {}
    for ref_id, end in found.ends.items():
        window = tf_by_window.setdefault(int((end - 1.0) // window_s), {})
        for term, tf in found.counts[ref_id].items():
            window[term] = window.get(term, 0) + tf
    lift = {t: w * found.stats.idf(t) * (K1 + 1) for t, w in found.weights.items()}
    return {key: sum(lift[t] * tf / (tf + K1) for t, tf in window.items()) for key, window in tf_by_window.items()}


def _hard_start(query: Query) -> datetime | None:
    w = query.window
    return w.start if w is not None and w.hard and w.start is not None else None


def _best_neighbour(s: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """The better score of the clips just before and just after each (candidates that touch in time)."""
    left = np.r_[0.0, s[:-1]] * np.r_[False, np.abs(starts[1:] - ends[:-1]) <= 1.0]
    right = np.r_[s[1:], 0.0] * np.r_[np.abs(starts[1:] - ends[:-1]) <= 1.0, False]
    return np.maximum(left, right)


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` best scores, best first (argpartition: linear in the corpus size)."""
    if k <= 0 or not len(scores):
        return np.zeros(0, dtype=np.int64)
    if k < len(scores):
        part = np.argpartition(-scores, k - 1)[:k]
    else:
        part = np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]


def _normalised(values: np.ndarray) -> np.ndarray:
    top = float(values.max()) if len(values) else 0.0
    return values / top if top > 0 and math.isfinite(top) else values
