"""Forgetting: remove a span of time, a recording, a person or a wearer — everywhere.

SQL rows, their vectors and their media files go together. Summaries that overlap
forgotten clips are removed too (they were derived from them); `egobutler summarize`
rebuilds what remains.
"""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import and_, delete, func, or_, select

from egobutler.memory_db import schema as s
from egobutler.memory_db.errors import MemoryError_
from egobutler.memory_db.keyword_search import delete_docs, refresh_clip_docs
from egobutler.memory_db.records import ForgetReport

if TYPE_CHECKING:
    from egobutler.memory_db.store import MemoryStore

TRASH_PREFIX = "trash:"  # meta rows listing media files whose rows are gone (see `reconcile.py`)


def forget(
    store: MemoryStore,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    recording_id: str | None = None,
    person_id: str | None = None,
    wearer_id: str | None = None,
) -> ForgetReport:
    if start is None and end is None and recording_id is None and person_id is None and wearer_id is None:
        raise MemoryError_("forget needs a scope: a time range, a recording, a person or a wearer")
    if person_id is not None:
        return _forget_person(store, person_id)
    query = select(s.clips.c.id, s.clips.c.video_path, s.clips.c.thumbnail_path, s.clips.c.start, s.clips.c.end, s.clips.c.wearer_id)
    if start is not None:
        query = query.where(s.clips.c.end > start)
    if end is not None:
        query = query.where(s.clips.c.start < end)
    if recording_id is not None:
        query = query.where(s.clips.c.recording_id == recording_id)
    if wearer_id is not None:
        query = query.where(s.clips.c.wearer_id == wearer_id)
    with store.engine.begin() as conn:
        doomed = conn.execute(query).all()
        ids = [r.id for r in doomed]
        lines = 0
        for start_i in range(0, len(ids), 500):
            chunk = ids[start_i : start_i + 500]
            for table in s.LINE_TABLES.values():
                lines += conn.execute(delete(table).where(table.c.clip_id.in_(chunk))).rowcount
            conn.execute(delete(s.ledger).where(s.ledger.c.clip_id.in_(chunk)))
            conn.execute(delete(s.clips).where(s.clips.c.id.in_(chunk)))
            delete_docs(conn, "clip", chunk)
        summary_ids = _overlapping_summaries(conn, doomed, wearer_id)
        for start_i in range(0, len(summary_ids), 500):
            conn.execute(delete(s.summaries).where(s.summaries.c.id.in_(summary_ids[start_i : start_i + 500])))
            delete_docs(conn, "summary", summary_ids[start_i : start_i + 500])
        recordings = 0
        if recording_id is not None:
            recordings = conn.execute(delete(s.recordings).where(s.recordings.c.id == recording_id)).rowcount
        elif wearer_id is not None and start is None and end is None:
            recordings = conn.execute(delete(s.recordings).where(s.recordings.c.wearer_id == wearer_id)).rowcount
        media = _unreferenced_media(conn, doomed)
        trash_key = note_media_to_delete(conn, media)
        store._bump(conn)
    # The SQL rows are gone (one transaction). Vectors and files follow; what cannot be removed
    # now is reported, and the next start removes vectors whose rows are gone.
    problems: list[str] = []
    vectors = _delete_vectors(store, [f"clip:{i}" for i in ids] + [f"summary:{i}" for i in summary_ids], problems)
    files = _delete_media(store, media, problems)
    if trash_key is not None and not problems:
        with store.engine.begin() as conn:
            conn.execute(delete(s.meta).where(s.meta.c.key == trash_key))
    return ForgetReport(clips=len(ids), lines=lines, summaries=len(summary_ids), media_files=files,
                        vectors=vectors, recordings=recordings, problems=tuple(problems))


def note_media_to_delete(conn, paths: list[str]) -> str | None:
    """Record, in the same transaction as the rows' deletion, which files must go: a process
    killed before deleting them leaves the note, and the next start deletes them."""
    if not paths:
        return None
    key = f"{TRASH_PREFIX}{uuid.uuid4().hex}"
    conn.execute(s.meta.insert().values(key=key, value=json.dumps(paths)))
    return key


def _delete_media(store: MemoryStore, paths: list[str], problems: list[str]) -> int:
    deleted = 0
    for path in paths:
        try:
            deleted += store.media.delete(path)
        except (OSError, MemoryError_) as exc:
            problems.append(f"media file {path} could not be deleted ({getattr(exc, 'strerror', None) or exc}); "
                            "delete it by hand")
    return deleted


def _overlapping_summaries(conn, doomed, wearer_id: str | None) -> list[str]:
    if not doomed:
        return []
    found: set[str] = set()
    # Group the doomed clips into one window per wearer; summaries overlapping it go.
    spans: dict[str, tuple[datetime, datetime]] = {}
    for row in doomed:
        lo, hi = spans.get(row.wearer_id, (row.start, row.end))
        spans[row.wearer_id] = (min(lo, row.start), max(hi, row.end))
    for wearer, (lo, hi) in spans.items():
        rows = conn.execute(
            select(s.summaries.c.id, s.summaries.c.start, s.summaries.c.end).where(
                and_(s.summaries.c.wearer_id == wearer, s.summaries.c.end > lo, s.summaries.c.start < hi)
            )
        )
        for row in rows:
            # Keep summaries that overlap the hull but no doomed clip (gaps between forgotten spans).
            if any(row.start < r.end and r.start < row.end for r in doomed if r.wearer_id == wearer):
                found.add(row.id)
    return sorted(found)


def _unreferenced_media(conn, doomed) -> list[str]:
    """Media of the forgotten clips that no remaining clip still uses."""
    candidates = {p for r in doomed for p in (r.video_path, r.thumbnail_path) if p}
    if not candidates:
        return []
    still_used: set[str] = set()
    paths = list(candidates)
    for start in range(0, len(paths), 500):
        chunk = paths[start : start + 500]
        rows = conn.execute(
            select(s.clips.c.video_path, s.clips.c.thumbnail_path).where(
                or_(s.clips.c.video_path.in_(chunk), s.clips.c.thumbnail_path.in_(chunk))
            )
        )
        for row in rows:
            still_used.update(p for p in row if p)
    return sorted(candidates - still_used)


def _delete_vectors(store: MemoryStore, doc_ids: list[str], problems: list[str]) -> int:
    if store.index is None or not doc_ids:
        return 0
    try:
        present = store.index.ids()
        gone = [d for d in doc_ids if d in present]
        store.index.delete(gone)
    except Exception as exc:  # noqa: BLE001 - any index failure: the rows are gone, report what remains
        problems.append(f"{len(doc_ids)} vectors could not be deleted now ({type(exc).__name__}: {exc}); "
                        "they are removed the next time the memory is opened")
        return 0
    return len(gone)


def _forget_person(store: MemoryStore, person_id: str) -> ForgetReport:
    """Remove a person, their voice profiles and everything they said."""
    with store.engine.begin() as conn:
        if conn.execute(select(func.count()).select_from(s.people).where(s.people.c.id == person_id)).scalar_one() == 0:
            raise MemoryError_(f"no person with id {person_id!r}; see `egobutler people list`")
        clip_ids = sorted({r[0] for r in conn.execute(select(s.utterances.c.clip_id).where(s.utterances.c.speaker_id == person_id))})
        lines = conn.execute(delete(s.utterances).where(s.utterances.c.speaker_id == person_id)).rowcount
        conn.execute(delete(s.voice_profiles).where(s.voice_profiles.c.person_id == person_id))
        people = conn.execute(delete(s.people).where(s.people.c.id == person_id)).rowcount
        store._mark_clips_dirty(conn, clip_ids)
        refresh_clip_docs(conn, clip_ids)
        store._bump(conn)
    problems: list[str] = []
    try:
        store.sync_index(clip_ids=clip_ids)
    except Exception as exc:  # noqa: BLE001 - the rows are gone; the clips stay dirty and re-embed on the next start
        problems.append(f"{len(clip_ids)} clips could not be re-embedded now ({type(exc).__name__}: {exc}); "
                        "they are re-embedded the next time the memory is opened")
    return ForgetReport(lines=lines, people=people, problems=tuple(problems))
