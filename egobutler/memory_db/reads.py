"""Reading the memory back: clips, lines, summaries, clip documents, counts.

A mixin of `MemoryStore` (needs ``engine``, ``media``, ``index``, ``people``).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import and_, func, or_, select

from egobutler.memory_db import schema as s
from egobutler.memory_db.records import Clip, MemoryLine, Summary
from egobutler.memory_db.rows import clip_from_row, line_from_row, summary_from_row


class ReadMixin:
    """Typed reads with time, wearer, clip and speaker filters."""

    def get_clip(self, clip_id: str) -> Clip | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(s.clips).where(s.clips.c.id == clip_id)).first()
        return clip_from_row(row) if row else None

    def clips(self, *, wearer_id: str | None = None, start: datetime | None = None, end: datetime | None = None,
              recording_id: str | None = None, limit: int | None = None, ids: Sequence[str] | None = None) -> list[Clip]:
        query = time_window(select(s.clips), s.clips, start, end).order_by(s.clips.c.start, s.clips.c.id)
        if wearer_id is not None:
            query = query.where(s.clips.c.wearer_id == wearer_id)
        if recording_id is not None:
            query = query.where(s.clips.c.recording_id == recording_id)
        if ids is not None:
            query = query.where(s.clips.c.id.in_(list(ids)))
        if limit is not None:
            query = query.limit(limit)
        with self.engine.connect() as conn:
            return [clip_from_row(r) for r in conn.execute(query)]

    def clip_spans(self, ids: Sequence[str]) -> dict[str, tuple[float, float]]:
        """Clip id -> (start, end) in epoch seconds: what ranking needs, without whole clips."""
        out: dict[str, tuple[float, float]] = {}
        ids = list(ids)
        with self.engine.connect() as conn:
            for first in range(0, len(ids), 500):
                query = select(s.clips.c.id, s.clips.c.start, s.clips.c.end).where(s.clips.c.id.in_(ids[first:first + 500]))
                out.update({r.id: (r.start.timestamp(), r.end.timestamp()) for r in conn.execute(query)})
        return out

    def touching_spans(self, spans: Sequence[tuple[float, float]], *, wearer_id: str | None = None,
                       before: datetime | None = None, gap_s: float = 1.0) -> dict[str, tuple[float, float]]:
        """Clips that start where one of ``spans`` ends or end where one starts (within ``gap_s``), started before ``before``."""
        out: dict[str, tuple[float, float]] = {}
        spans = list(spans)
        with self.engine.connect() as conn:
            for first in range(0, len(spans), 100):
                near = []
                for start, end in spans[first:first + 100]:
                    near.append(and_(s.clips.c.start >= _utc(end - gap_s), s.clips.c.start <= _utc(end + gap_s)))
                    near.append(and_(s.clips.c.end >= _utc(start - gap_s), s.clips.c.end <= _utc(start + gap_s)))
                query = select(s.clips.c.id, s.clips.c.start, s.clips.c.end).where(or_(*near))
                if wearer_id is not None:
                    query = query.where(s.clips.c.wearer_id == wearer_id)
                if before is not None:
                    query = query.where(s.clips.c.start < before)
                out.update({r.id: (r.start.timestamp(), r.end.timestamp()) for r in conn.execute(query)})
        return out

    def lines(self, *, clip_ids: Sequence[str] | None = None, kinds: Sequence[str] | None = None,
              wearer_id: str | None = None, start: datetime | None = None, end: datetime | None = None,
              speaker_id: str | None = None) -> list[MemoryLine]:
        """Memory lines, ordered by start time."""
        out: list[MemoryLine] = []
        with self.engine.connect() as conn:
            for kind, table in s.LINE_TABLES.items():
                if kinds is not None and kind not in kinds:
                    continue
                if speaker_id is not None and kind != "utterance":
                    continue
                query = time_window(select(table), table, start, end)
                if clip_ids is not None:
                    query = query.where(table.c.clip_id.in_(list(clip_ids)))
                if wearer_id is not None:
                    query = query.where(table.c.clip_id.in_(select(s.clips.c.id).where(s.clips.c.wearer_id == wearer_id)))
                if speaker_id is not None:
                    query = query.where(table.c.speaker_id == speaker_id)
                out.extend(line_from_row(kind, r) for r in conn.execute(query))
        out.sort(key=lambda l: (l.start, l.kind, l.id))
        return out

    def summaries(self, *, level: str | None = None, wearer_id: str | None = None,
                  start: datetime | None = None, end: datetime | None = None) -> list[Summary]:
        query = time_window(select(s.summaries), s.summaries, start, end).order_by(s.summaries.c.start, s.summaries.c.level)
        if level is not None:
            query = query.where(s.summaries.c.level == level)
        if wearer_id is not None:
            query = query.where(s.summaries.c.wearer_id == wearer_id)
        with self.engine.connect() as conn:
            return [summary_from_row(r) for r in conn.execute(query)]

    def speaker_names(self) -> dict[str, str]:
        """Person id -> the name shown in text ("me" for the wearer)."""
        return {p.id: p.display_name for p in self.people()}

    def clip_texts(self, clip_ids: Sequence[str], *, names: dict[str, str] | None = None,
                   stamps: bool = True) -> dict[str, str]:
        """Each clip's document: its lines in time order, ``HH:MM:SS [Speaker:] text``.

        The indexes use ``stamps=False``: clock digits say nothing about meaning and would
        take a third of the embedder's 256-token window.
        """
        names = self.speaker_names() if names is None else names
        by_clip: dict[str, list[str]] = {cid: [] for cid in clip_ids}
        for start in range(0, len(clip_ids), 500):
            for line in self.lines(clip_ids=list(clip_ids)[start : start + 500]):
                by_clip[line.clip_id].append(format_line(line, names, stamp=stamps))
        return {cid: "\n".join(rows) for cid, rows in by_clip.items()}

    def clip_text(self, clip_id: str) -> str:
        return self.clip_texts([clip_id])[clip_id]

    def media_path(self, relative: str) -> Path:
        return self.media.path(relative)

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            def n(table) -> int:
                return int(conn.execute(select(func.count()).select_from(table)).scalar_one())

            result = {"recordings": n(s.recordings), "clips": n(s.clips)}
            result.update({f"{kind}s" if kind != "motion" else "motion_segments": n(t) for kind, t in s.LINE_TABLES.items()})
            result.update({"summaries": n(s.summaries), "people": n(s.people), "voice_profiles": n(s.voice_profiles)})
            # Keyword search has every clip as soon as it is written; these still wait for their vectors.
            result["vectors_pending"] = sum(
                int(conn.execute(select(func.count()).select_from(t).where(t.c.dirty.is_(True))).scalar_one())
                for t in (s.clips, s.summaries))
        if self.index is not None:
            result["vectors"] = self.index.count()
        return result


def format_line(line: MemoryLine, names: dict[str, str], *, stamp: bool = True) -> str:
    """One line of a clip document: ``HH:MM:SS`` (when ``stamp``), the speaker, the text."""
    if line.kind == "utterance":
        body = f"{names.get(line.speaker_id or '', line.speaker_id or 'someone')}: {line.text}"
    elif line.kind == "motion":
        body = f"[motion] {line.text}"
    elif line.kind == "scene_text":
        body = f"[text seen] {line.text}"
    else:
        body = line.text
    return f"{line.start.strftime('%H:%M:%S')} {body}" if stamp else body


def time_window(query, table, start: datetime | None, end: datetime | None):
    if start is not None:
        query = query.where(table.c.start >= start)
    if end is not None:
        query = query.where(table.c.start < end)
    return query


def _utc(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, timezone.utc)
