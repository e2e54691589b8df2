"""Keyword search that lives in the database and never sees the future.

Documents (`schema.search_docs`): one per clip — the tokens of its lines, speakers named —
and one per summary. A document's ``id`` is the second its window ends (times a million,
plus a hash), so "documents that had ended before T" is the range ``id < cut_key(T)``:

* SQLite: an FTS5 table over ``body`` and ``tags`` kept in step by triggers; matching,
  the wearer/kind/level filters (``tags``) and the time cut (rowid range) run in FTS5;
* PostgreSQL: a generated ``tsvector`` column with a GIN index; filters are columns.

Scores are Okapi BM25 whose statistics — number of documents, average length, document
frequency of each query term — are counted in SQL over the documents that ended before
T, plus the clip that straddles T rebuilt from its lines said before T. (FTS5's own
``bm25()`` counts over the whole table, future included, so it is not used for scoring.)
"""

from __future__ import annotations

import hashlib
import math
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from functools import lru_cache

from sqlalchemy import Connection, and_, delete, func, select, text

from egobutler.memory_db import schema as s
from egobutler.memory_db.text import tokenize

K1 = 1.2  # term-frequency saturation
B = 0.75  # length normalisation
CANDIDATE_CAP = 5_000  # most documents fetched per query (rarest terms first)
MAX_CLIP_S = 3600.0  # a clip straddling T is looked for among clips that started this long before T
_KEY_SCALE = 1_000_000
_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=timezone.utc)


# ---------------------------------------------------------------------- documents
def doc_key(end: datetime, kind: str, ref_id: str) -> int:
    """Time-ordered document id: the end second, then a hash to tell apart documents ending together."""
    return int(math.floor(end.timestamp())) * _KEY_SCALE + zlib.crc32(f"{kind}:{ref_id}".encode()) % _KEY_SCALE


def cut_key(when: datetime) -> int:
    """Documents with ``id`` below this ended before ``when``'s second began (so before ``when``)."""
    return int(math.floor(when.timestamp())) * _KEY_SCALE


def wearer_tag(wearer_id: str) -> str:
    return "w" + hashlib.md5(wearer_id.encode()).hexdigest()[:12]


def doc_tags(kind: str, wearer_id: str, level: str | None) -> str:
    return " ".join([f"k{kind}", wearer_tag(wearer_id)] + ([f"l{level}"] if level else []))


@lru_cache(maxsize=65536)
def _terms(text_: str) -> tuple[str, ...]:
    return tuple(t.replace("'", "") for t in tokenize(text_) if t.replace("'", ""))


def search_terms(text_: str) -> list[str]:
    """Our tokenizer's tokens as the index stores them (apostrophes dropped)."""
    return list(_terms(text_))


def line_terms(kind: str, text_: str, speaker: str | None) -> list[str]:
    """A memory line's tokens: utterances with their speaker, other kinds with their kind."""
    if kind == "utterance":
        return search_terms(f"{speaker}: {text_}" if speaker else text_)
    if kind == "caption":
        return search_terms(text_)
    return search_terms(f"[{kind}] {text_}")


def speaker_names(conn: Connection) -> dict[str, str]:
    """Person id -> the name used in documents (the wearer's own name for "me")."""
    wearers = {r.id: r.name for r in conn.execute(select(s.wearers.c.id, s.wearers.c.name))}
    names = {}
    for row in conn.execute(select(s.people.c.id, s.people.c.name, s.people.c.kind, s.people.c.wearer_id)):
        if row.kind == "me":
            names[row.id] = wearers.get(row.wearer_id or "", row.name or "me")
        else:
            names[row.id] = row.name or row.id
    return names


@dataclass(frozen=True)
class ClipLine:
    """What a clip document needs of a line."""

    clip_id: str
    start: datetime
    kind: str
    text: str
    speaker_id: str | None


def clip_lines(conn: Connection, clip_ids: Sequence[str], before: datetime | None = None) -> dict[str, list[ClipLine]]:
    """The lines of ``clip_ids`` (those starting before ``before`` when given), in time order."""
    out: dict[str, list[ClipLine]] = {cid: [] for cid in clip_ids}
    ids = list(clip_ids)
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        for kind, table in s.LINE_TABLES.items():
            speaker = table.c.speaker_id if kind == "utterance" else None
            cols = [table.c.clip_id, table.c.start, table.c.text] + ([speaker] if speaker is not None else [])
            query = select(*cols).where(table.c.clip_id.in_(chunk))
            if before is not None:
                query = query.where(table.c.start < before)
            for row in conn.execute(query):
                out[row.clip_id].append(ClipLine(row.clip_id, row.start, kind, row.text,
                                                 row.speaker_id if kind == "utterance" else None))
    for lines in out.values():
        lines.sort(key=lambda ln: (ln.start, ln.kind, ln.text))
    return out


def doc_terms(lines: Iterable[ClipLine], names: Mapping[str, str], end: datetime) -> list[str]:
    """A clip document's tokens: its lines that start before the clip (or the cut) ends."""
    terms: list[str] = []
    for ln in lines:
        if ln.start < end:
            terms.extend(line_terms(ln.kind, ln.text, names.get(ln.speaker_id or "", ln.speaker_id)))
    return terms


def refresh_clip_docs(conn: Connection, clip_ids: Iterable[str], new_lines: Sequence | None = None) -> None:
    """Rewrite the search documents of ``clip_ids`` from their lines (clips gone: documents gone).

    ``new_lines`` (the lines just added): a clip with no document yet had no words, so its
    document is built from these alone instead of reading its lines back.
    """
    ids = sorted(set(clip_ids))
    if not ids:
        return
    names = speaker_names(conn)
    given: dict[str, list[ClipLine]] = {}
    for ln in {ln.id: ln for ln in new_lines or ()}.values():
        given.setdefault(ln.clip_id, []).append(ClipLine(ln.clip_id, ln.start, ln.kind, ln.text, ln.speaker_id))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        had = {r[0] for r in conn.execute(select(s.search_docs.c.ref_id).where(
            and_(s.search_docs.c.kind == "clip", s.search_docs.c.ref_id.in_(chunk))))}
        if had:
            delete_docs(conn, "clip", sorted(had))
        clips = conn.execute(select(s.clips.c.id, s.clips.c.wearer_id, s.clips.c.start, s.clips.c.end)
                             .where(s.clips.c.id.in_(chunk))).all()
        reread = [c.id for c in clips if c.id in had or c.id not in given]
        lines = {**{c.id: sorted(given[c.id], key=lambda ln: (ln.start, ln.kind, ln.text))
                    for c in clips if c.id not in had and c.id in given}, **clip_lines(conn, reread)}
        rows = []
        for clip in clips:
            terms = doc_terms(lines[clip.id], names, clip.end)
            if terms:
                rows.append(_doc_row("clip", clip.id, clip.wearer_id, None, clip.start, clip.end, terms))
        _insert_docs(conn, rows)


def refresh_summary_docs(conn: Connection, summary_ids: Iterable[str]) -> None:
    ids = sorted(set(summary_ids))
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        conn.execute(delete(s.search_docs).where(and_(s.search_docs.c.kind == "summary", s.search_docs.c.ref_id.in_(chunk))))
        rows = []
        for x in conn.execute(select(s.summaries).where(s.summaries.c.id.in_(chunk))):
            terms = search_terms(x.text)
            if terms:
                rows.append(_doc_row("summary", x.id, x.wearer_id, x.level, x.start, x.end, terms))
        _insert_docs(conn, rows)


def delete_docs(conn: Connection, kind: str, ref_ids: Sequence[str]) -> None:
    for start in range(0, len(ref_ids), 500):
        conn.execute(delete(s.search_docs).where(and_(s.search_docs.c.kind == kind,
                                                      s.search_docs.c.ref_id.in_(list(ref_ids[start:start + 500])))))


def _doc_row(kind, ref_id, wearer_id, level, start, end, terms: list[str]) -> dict:
    return {"id": doc_key(end, kind, ref_id), "kind": kind, "ref_id": ref_id, "wearer_id": wearer_id, "level": level,
            "start": start, "end": end, "n_tokens": len(terms), "body": " ".join(terms),
            "tags": doc_tags(kind, wearer_id, level)}


def _insert_docs(conn: Connection, rows: list[dict]) -> None:
    """Insert, moving an id that collides (two documents ending in the same second with equal hashes) up by one."""
    if not rows:
        return
    wanted = [r["id"] for r in rows]
    taken = {r[0] for r in conn.execute(select(s.search_docs.c.id).where(s.search_docs.c.id.in_(wanted)))}
    for row in rows:
        while row["id"] in taken:
            row["id"] += 1
            if conn.execute(select(s.search_docs.c.id).where(s.search_docs.c.id == row["id"])).first():
                continue
        taken.add(row["id"])
    conn.execute(s.search_docs.insert(), rows)


# ---------------------------------------------------------------------- DDL (migration 3)
SQLITE_DDL = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5(body, tags, ref_id UNINDEXED, "
    "content='search_docs', content_rowid='id', detail='column')",
    "CREATE TRIGGER IF NOT EXISTS search_docs_ai AFTER INSERT ON search_docs BEGIN "
    "INSERT INTO search_fts(rowid, body, tags, ref_id) VALUES (new.id, new.body, new.tags, new.ref_id); END",
    "CREATE TRIGGER IF NOT EXISTS search_docs_ad AFTER DELETE ON search_docs BEGIN "
    "INSERT INTO search_fts(search_fts, rowid, body, tags, ref_id) VALUES ('delete', old.id, old.body, old.tags, old.ref_id); END",
]
POSTGRES_DDL = [
    "ALTER TABLE search_docs ADD COLUMN IF NOT EXISTS tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', body)) STORED",
    "CREATE INDEX IF NOT EXISTS ix_search_docs_tsv ON search_docs USING GIN (tsv)",
]


def create_search_index(conn: Connection) -> None:
    """The search table, its full-text index, and documents for every clip and summary already stored."""
    s.search_docs.create(conn, checkfirst=True)
    for statement in SQLITE_DDL if conn.dialect.name == "sqlite" else POSTGRES_DDL:
        conn.execute(text(statement))
    if conn.execute(select(func.count()).select_from(s.search_docs)).scalar_one() == 0:
        refresh_clip_docs(conn, [r[0] for r in conn.execute(select(s.clips.c.id))])
        refresh_summary_docs(conn, [r[0] for r in conn.execute(select(s.summaries.c.id))])


# ---------------------------------------------------------------------- search
@dataclass(frozen=True)
class Scope:
    """Which documents: a kind (and summary level), a wearer, and a time cut; ``since`` keeps those ending after it."""

    before: datetime
    kind: str = "clip"
    wearer_id: str | None = None
    level: str | None = None
    since: datetime | None = None


@dataclass(frozen=True)
class TermStats:
    """BM25 statistics over the documents in scope (everything that precedes the cut)."""

    n_docs: int
    total_tokens: int
    df: dict[str, int]

    @property
    def avg_len(self) -> float:
        return self.total_tokens / self.n_docs if self.n_docs else 1.0

    def idf(self, term: str) -> float:
        df = self.df.get(term, 0)
        return math.log1p((self.n_docs - df + 0.5) / (df + 0.5))

    def weight(self, term: str, tf: float, length: int) -> float:
        """One term's BM25 weight in a document of ``length`` tokens where it occurs ``tf`` times."""
        if tf <= 0:
            return 0.0
        norm = K1 * (1 - B + B * length / max(self.avg_len, 1e-9))
        return self.idf(term) * tf * (K1 + 1) / (tf + norm)


@dataclass(frozen=True)
class Partial:
    """A clip that straddles the cut, as a document of its lines said before the cut."""

    ref_id: str
    wearer_id: str
    start: datetime
    end: datetime
    terms: tuple[str, ...]


@dataclass(frozen=True)
class KeywordResult:
    scores: dict[str, float]  # ref_id -> BM25 score (> 0), every matching document in the candidate set
    ends: dict[str, float]  # ref_id -> the second its window ends (epoch), from the document id
    stats: TermStats
    weights: dict[str, float]  # the query terms and their weights, as searched
    counts: dict[str, dict[str, int]]  # ref_id -> how often each query term occurs in it
    partial: tuple[Partial, ...]


def partial_clips(conn: Connection, scope: Scope) -> list[Partial]:
    """Clips that started before the cut but end at or after its second, rebuilt from lines before the cut."""
    if scope.kind != "clip" or scope.before >= _FAR_FUTURE:
        return []
    lo = scope.before - timedelta(seconds=MAX_CLIP_S)
    query = select(s.clips.c.id, s.clips.c.wearer_id, s.clips.c.start, s.clips.c.end).where(
        and_(s.clips.c.start < scope.before, s.clips.c.start >= lo,
             s.clips.c.end >= datetime.fromtimestamp(cut_key(scope.before) / _KEY_SCALE, timezone.utc)))
    if scope.wearer_id is not None:
        query = query.where(s.clips.c.wearer_id == scope.wearer_id)
    if scope.since is not None:
        query = query.where(s.clips.c.end > scope.since)
    clips = conn.execute(query.order_by(s.clips.c.start, s.clips.c.id)).all()
    if not clips:
        return []
    names = speaker_names(conn)
    lines = clip_lines(conn, [c.id for c in clips], before=scope.before)
    out = []
    for clip in clips:
        terms = doc_terms(lines[clip.id], names, min(clip.end, scope.before))
        if terms:
            out.append(Partial(clip.id, clip.wearer_id, clip.start, clip.end, tuple(terms)))
    return out


def term_stats(conn: Connection, scope: Scope, terms: Sequence[str], partial: Sequence[Partial]) -> TermStats:
    """Document count, total length and per-term document frequency before the cut (``since`` is not applied)."""
    whole = Scope(scope.before, scope.kind, scope.wearer_id, scope.level)
    d = s.search_docs.c
    query = select(func.count(), func.coalesce(func.sum(d.n_tokens), 0)).where(
        and_(d.kind == whole.kind, d.id < cut_key(whole.before)))
    if whole.wearer_id is not None:
        query = query.where(d.wearer_id == whole.wearer_id)
    if whole.level is not None:
        query = query.where(d.level == whole.level)
    n_docs, total = conn.execute(query).one()
    df = _document_frequencies(conn, whole, terms)
    for p in partial:
        present = set(p.terms)
        for term in terms:
            df[term] += term in present
    return TermStats(int(n_docs) + len(partial), int(total) + sum(len(p.terms) for p in partial), df)


def _document_frequencies(conn: Connection, scope: Scope, terms: Sequence[str]) -> dict[str, int]:
    df = {t: 0 for t in terms}
    if not terms:
        return df
    if conn.dialect.name == "sqlite":
        for term in terms:
            df[term] = int(conn.execute(text("SELECT count(*) FROM search_fts WHERE search_fts MATCH :m AND rowid < :cut"),
                                        {"m": _fts_match([term], scope), "cut": cut_key(scope.before)}).scalar_one())
        return df
    names = [f"t{i}" for i in range(len(terms))]
    counts = ", ".join(f"count(*) FILTER (WHERE tsv @@ to_tsquery('simple', :{n}))" for n in names)
    where, params = _pg_where(scope)
    row = conn.execute(text(f"SELECT {counts} FROM search_docs WHERE tsv @@ to_tsquery('simple', :any) AND {where}"),
                       {**params, **dict(zip(names, terms)), "any": " | ".join(terms)}).one()
    return {t: int(c) for t, c in zip(terms, row)}


def candidates(conn: Connection, scope: Scope, terms: Sequence[str], cap: int = CANDIDATE_CAP) -> list[tuple[int, str, str]]:
    """(id, ref_id, body) of documents before the cut holding any of ``terms``, latest first, at most ``cap``."""
    if not terms:
        return []
    if conn.dialect.name == "sqlite":
        query = "SELECT rowid, ref_id, body FROM search_fts WHERE search_fts MATCH :m AND rowid < :cut"
        params = {"m": _fts_match(terms, scope), "cut": cut_key(scope.before), "cap": cap}
        if scope.since is not None:
            query += " AND rowid >= :lo"
            params["lo"] = cut_key(scope.since)
        rows = conn.execute(text(query + " ORDER BY rowid DESC LIMIT :cap"), params)
        return [(r[0], r[1], r[2]) for r in rows]
    where, params = _pg_where(scope)
    if scope.since is not None:
        where += " AND id >= :lo"
        params["lo"] = cut_key(scope.since)
    rows = conn.execute(text(f"SELECT id, ref_id, body FROM search_docs WHERE tsv @@ to_tsquery('simple', :q) AND {where} "
                             "ORDER BY id DESC LIMIT :cap"), {**params, "q": " | ".join(terms), "cap": cap})
    return [(r[0], r[1], r[2]) for r in rows]


def _fts_match(terms: Sequence[str], scope: Scope) -> str:
    body = " OR ".join(f'"{t}"' for t in terms)
    parts = [f"body:({body})", f'tags:"k{scope.kind}"']
    if scope.wearer_id is not None:
        parts.append(f'tags:"{wearer_tag(scope.wearer_id)}"')
    if scope.level is not None:
        parts.append(f'tags:"l{scope.level}"')
    return " AND ".join(parts)


def _pg_where(scope: Scope) -> tuple[str, dict]:
    where = "kind = :kind AND id < :cut"
    params: dict = {"kind": scope.kind, "cut": cut_key(scope.before)}
    if scope.wearer_id is not None:
        where += " AND wearer_id = :wearer"
        params["wearer"] = scope.wearer_id
    if scope.level is not None:
        where += " AND level = :level"
        params["level"] = scope.level
    return where, params


def bm25(weights: Mapping[str, float], terms: Sequence[str], stats: TermStats) -> float:
    """BM25 of one document (its tokens) for the weighted query terms."""
    counts = Counter(t for t in terms if t in weights)
    length = len(terms)
    return sum(weights[t] * stats.weight(t, tf, length) for t, tf in counts.items())


def _scorer(weights: Mapping[str, float], stats: TermStats):
    """A fast `bm25` for many documents: per-term constants computed once."""
    lift = {t: w * stats.idf(t) * (K1 + 1) for t, w in weights.items()}
    base, slope = K1 * (1 - B), K1 * B / max(stats.avg_len, 1e-9)

    def score(terms: Sequence[str]) -> tuple[float, dict[str, int]]:
        counts: dict[str, int] = {}
        for t in terms:
            if t in lift:
                counts[t] = counts.get(t, 0) + 1
        if not counts:
            return 0.0, counts
        norm = base + slope * len(terms)
        return sum(lift[t] * tf / (tf + norm) for t, tf in counts.items()), counts
    return score


def keyword_search(conn: Connection, weights: Mapping[str, float], scope: Scope, cap: int = CANDIDATE_CAP) -> KeywordResult:
    """BM25 over the documents in ``scope``, with statistics from before its cut (see the module docstring).

    Terms are fetched rarest first while the candidate count stays under ``cap`` (the
    commonest words, which weigh least, then only score documents found by rarer ones).
    """
    normalised: dict[str, float] = {}
    for term, weight in weights.items():
        key = term.replace("'", "")
        if key:
            normalised[key] = normalised.get(key, 0.0) + weight
    weights, terms = normalised, list(normalised)
    partial = partial_clips(conn, scope)
    stats = term_stats(conn, scope, terms, partial)
    chosen, total = [], 0
    for term in sorted((t for t in terms if stats.df[t] > 0), key=lambda t: (stats.df[t], t)):
        if chosen and total + stats.df[term] > cap:
            break
        chosen.append(term)
        total += stats.df[term]
    scores: dict[str, float] = {}
    ends: dict[str, float] = {}
    counts: dict[str, dict[str, int]] = {}
    score_of = _scorer(weights, stats)
    found = [(float(key // _KEY_SCALE), ref_id, body.split()) for key, ref_id, body in candidates(conn, scope, chosen, cap)]
    found += [(p.end.timestamp(), p.ref_id, p.terms) for p in partial]
    for end, ref_id, terms in found:
        score, tfs = score_of(terms)
        if score > 0:
            scores[ref_id], ends[ref_id], counts[ref_id] = score, end, tfs
    return KeywordResult(scores, ends, stats, dict(weights), counts, tuple(partial))
