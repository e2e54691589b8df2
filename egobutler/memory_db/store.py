"""`MemoryStore`: the one API over SQL rows, the vector index and media files.

SQL is the source of truth; the vector index holds one document per clip (its lines
in time order) and one per summary, and is rebuilt from SQL by `reindex`. Every write
is idempotent: rows carry content-hash ids, and adding an existing id does nothing.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timezone
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, and_, create_engine, delete, event, func, or_, select, update
from sqlalchemy.exc import OperationalError

from egobutler.memory_db import schema as s
from egobutler.memory_db.embedder import Embedder
from egobutler.memory_db.errors import DataDirError, MemoryError_
from egobutler.memory_db.media import MediaStore
from egobutler.memory_db.migrations import migrate
from egobutler.memory_db.records import (
    Clip,
    ForgetReport,
    LedgerEntry,
    MemoryLine,
    Person,
    Recording,
    Summary,
    VoiceProfile,
    Wearer,
)
from egobutler.memory_db.rows import (
    clip_from_row,
    clip_values,
    line_from_row,
    line_values,
    person_from_row,
    recording_from_row,
    summary_from_row,
    summary_values,
)
from egobutler.memory_db.search import SearchMixin
from egobutler.memory_db.vector_index import VectorDoc, VectorIndex

log = logging.getLogger(__name__)

Progress = Callable[[int, int], None]
_EMBED_BATCH = 256


def _utcnow() -> datetime:
    return datetime.now(timezone.utc)


def _make_engine(database_url: str) -> Engine:
    if database_url.startswith("sqlite"):
        engine = create_engine(database_url, connect_args={"timeout": 60, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn, _record):  # WAL: readers never block the writer
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA busy_timeout=60000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    return create_engine(database_url, pool_pre_ping=True)


def _check_data_dir(database_url: str) -> None:
    if not database_url.startswith("sqlite:///"):
        return
    db_path = Path(database_url.removeprefix("sqlite:///"))
    folder = db_path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DataDirError(f"cannot create the data dir {folder}: {exc.strerror}; set EGOBUTLER_HOME to a writable folder") from None
    if not folder.is_dir():
        raise DataDirError(f"the data dir {folder} is not a directory; set EGOBUTLER_HOME to a folder")
    probe = folder / ".egobutler-write-test"
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        raise DataDirError(f"the data dir {folder} is not writable; fix its permissions or set EGOBUTLER_HOME") from None


class MemoryStore(SearchMixin):
    """Open with `MemoryStore.open`; see the module docstring for the model."""

    def __init__(self, engine: Engine, media: MediaStore, index: VectorIndex | None, embedder: Embedder | None):
        self.engine = engine
        self.media = media
        self.index = index
        self.embedder = embedder
        self._bm25 = None
        self._bm25_version: str | None = None
        self._lock = threading.RLock()

    @classmethod
    def open(
        cls,
        database_url: str,
        media_dir: Path,
        *,
        chroma_path: Path | None = None,
        chroma_url: str | None = None,
        embedder: Embedder | None = None,
    ) -> MemoryStore:
        """Connect, migrate the schema, and attach the vector index (if an embedder is given)."""
        _check_data_dir(database_url)
        engine = _make_engine(database_url)
        try:
            migrate(engine)
        except OperationalError as exc:
            raise MemoryError_(f"cannot open the memory database {engine.url!r}: {exc.orig}") from None
        Path(media_dir).mkdir(parents=True, exist_ok=True)
        index = None
        if embedder is not None and (chroma_path is not None or chroma_url is not None):
            index = VectorIndex(embedder.model_id, embedder.dim, path=chroma_path, url=chroma_url)
        store = cls(engine, MediaStore(Path(media_dir)), index, embedder)
        if index is not None and index.recovered:
            store.reindex()
        return store

    def close(self) -> None:
        if self.index is not None:
            self.index.close()
        self.engine.dispose()

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ bookkeeping
    def _bump(self, conn) -> None:
        """Record that the memory changed (other processes' caches watch this)."""
        stamp = repr(_utcnow().timestamp())
        updated = conn.execute(update(s.meta).where(s.meta.c.key == "data_version").values(value=stamp)).rowcount
        if not updated:
            conn.execute(s.meta.insert().values(key="data_version", value=stamp))

    def data_version(self) -> str:
        with self.engine.connect() as conn:
            row = conn.execute(select(s.meta.c.value).where(s.meta.c.key == "data_version")).first()
        return row[0] if row else "0"

    # ------------------------------------------------------------------ wearers & people
    def upsert_wearer(self, wearer: Wearer) -> Wearer:
        values = {"name": wearer.name, "timezone": wearer.timezone}
        with self.engine.begin() as conn:
            if not conn.execute(update(s.wearers).where(s.wearers.c.id == wearer.id).values(**values)).rowcount:
                conn.execute(s.wearers.insert().values(id=wearer.id, **values))
        return wearer

    def get_wearer(self, wearer_id: str) -> Wearer | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(s.wearers).where(s.wearers.c.id == wearer_id)).first()
        return Wearer(row.id, row.name, row.timezone) if row else None

    def wearers(self) -> list[Wearer]:
        with self.engine.connect() as conn:
            return [Wearer(r.id, r.name, r.timezone) for r in conn.execute(select(s.wearers).order_by(s.wearers.c.id))]

    def upsert_person(self, person: Person) -> Person:
        values = {"name": person.name, "kind": person.kind, "wearer_id": person.wearer_id}
        with self.engine.begin() as conn:
            if not conn.execute(update(s.people).where(s.people.c.id == person.id).values(**values)).rowcount:
                conn.execute(s.people.insert().values(id=person.id, **values))
            self._bump(conn)
        return person

    def get_person(self, person_id: str) -> Person | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(s.people).where(s.people.c.id == person_id)).first()
        return person_from_row(row) if row else None

    def find_person(self, name: str, wearer_id: str | None = None) -> Person | None:
        """A person by name (case-insensitive) or id; ``me`` finds the wearer."""
        query = select(s.people).where(
            or_(func.lower(s.people.c.name) == name.lower(), s.people.c.id == name)
        )
        if name.lower() == "me":
            query = select(s.people).where(s.people.c.kind == "me")
        if wearer_id is not None:
            query = query.where(or_(s.people.c.wearer_id == wearer_id, s.people.c.wearer_id.is_(None)))
        with self.engine.connect() as conn:
            row = conn.execute(query.order_by(s.people.c.id)).first()
        return person_from_row(row) if row else None

    def people(self, wearer_id: str | None = None) -> list[Person]:
        query = select(s.people).order_by(s.people.c.name, s.people.c.id)
        if wearer_id is not None:
            query = query.where(or_(s.people.c.wearer_id == wearer_id, s.people.c.wearer_id.is_(None)))
        with self.engine.connect() as conn:
            return [person_from_row(r) for r in conn.execute(query)]

    def _require_person(self, conn, person_id: str) -> None:
        if conn.execute(select(s.people.c.id).where(s.people.c.id == person_id)).first() is None:
            raise MemoryError_(f"no person with id {person_id!r}; see `egobutler people list`")

    def rename_person(self, person_id: str, name: str) -> None:
        with self.engine.begin() as conn:
            self._require_person(conn, person_id)
            conn.execute(update(s.people).where(s.people.c.id == person_id).values(name=name))
            self._mark_person_clips_dirty(conn, person_id)
            self._bump(conn)

    def set_person_kind(self, person_id: str, kind: str) -> None:
        if kind not in ("person", "me", "not_person"):
            raise MemoryError_(f"unknown person kind {kind!r}; use person, me or not_person")
        with self.engine.begin() as conn:
            self._require_person(conn, person_id)
            conn.execute(update(s.people).where(s.people.c.id == person_id).values(kind=kind))
            self._mark_person_clips_dirty(conn, person_id)
            self._bump(conn)

    def merge_people(self, keep_id: str, drop_id: str) -> None:
        """Move ``drop``'s utterances and voice profiles onto ``keep`` and delete ``drop``."""
        if keep_id == drop_id:
            raise MemoryError_("cannot merge a person with themselves")
        with self.engine.begin() as conn:
            self._require_person(conn, keep_id)
            self._require_person(conn, drop_id)
            conn.execute(update(s.utterances).where(s.utterances.c.speaker_id == drop_id).values(speaker_id=keep_id))
            conn.execute(update(s.voice_profiles).where(s.voice_profiles.c.person_id == drop_id).values(person_id=keep_id))
            conn.execute(delete(s.people).where(s.people.c.id == drop_id))
            self._mark_person_clips_dirty(conn, keep_id)
            self._bump(conn)

    def reassign_utterances(self, line_ids: Sequence[str], person_id: str) -> int:
        """Give these utterances another speaker (how a wrong cluster is split)."""
        with self.engine.begin() as conn:
            self._require_person(conn, person_id)
            changed = conn.execute(
                update(s.utterances).where(s.utterances.c.id.in_(list(line_ids))).values(speaker_id=person_id)
            ).rowcount
            self._mark_person_clips_dirty(conn, person_id)
            self._bump(conn)
        return changed

    def _mark_person_clips_dirty(self, conn, person_id: str) -> None:
        clip_ids = select(s.utterances.c.clip_id).where(s.utterances.c.speaker_id == person_id)
        conn.execute(update(s.clips).where(s.clips.c.id.in_(clip_ids)).values(dirty=True))

    def add_voice_profile(self, profile: VoiceProfile) -> None:
        with self.engine.begin() as conn:
            if conn.execute(select(s.voice_profiles.c.id).where(s.voice_profiles.c.id == profile.id)).first():
                return
            conn.execute(
                s.voice_profiles.insert().values(
                    id=profile.id, person_id=profile.person_id, model_id=profile.model_id,
                    vector=[float(x) for x in profile.vector],
                )
            )

    def voice_profiles(self, model_id: str | None = None, person_id: str | None = None) -> list[VoiceProfile]:
        query = select(s.voice_profiles).order_by(s.voice_profiles.c.person_id, s.voice_profiles.c.id)
        if model_id is not None:
            query = query.where(s.voice_profiles.c.model_id == model_id)
        if person_id is not None:
            query = query.where(s.voice_profiles.c.person_id == person_id)
        with self.engine.connect() as conn:
            return [VoiceProfile(r.person_id, tuple(r.vector), r.model_id, r.id) for r in conn.execute(query)]

    # ------------------------------------------------------------------ recordings
    def upsert_recording(self, recording: Recording) -> Recording:
        values = {
            "wearer_id": recording.wearer_id, "source": recording.source, "kind": recording.kind,
            "start": recording.start, "end": recording.end, "status": recording.status, "error": recording.error,
        }
        with self.engine.begin() as conn:
            if not conn.execute(update(s.recordings).where(s.recordings.c.id == recording.id).values(**values)).rowcount:
                conn.execute(s.recordings.insert().values(id=recording.id, **values))
        return recording

    def set_recording_status(self, recording_id: str, status: str, error: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(update(s.recordings).where(s.recordings.c.id == recording_id).values(status=status, error=error))

    def get_recording(self, recording_id: str) -> Recording | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(s.recordings).where(s.recordings.c.id == recording_id)).first()
        return recording_from_row(row) if row else None

    def recordings(self, status: str | None = None) -> list[Recording]:
        query = select(s.recordings).order_by(s.recordings.c.start, s.recordings.c.id)
        if status is not None:
            query = query.where(s.recordings.c.status == status)
        with self.engine.connect() as conn:
            return [recording_from_row(r) for r in conn.execute(query)]

    # ------------------------------------------------------------------ clips & lines
    def add_clips(self, clips: Sequence[Clip]) -> int:
        """Insert new clips; an existing clip gets its media references updated. Returns the new count."""
        if not clips:
            return 0
        new = 0
        with self.engine.begin() as conn:
            existing = self._existing_ids(conn, s.clips, [c.id for c in clips])
            fresh = [clip_values(c) for c in clips if c.id not in existing]
            if fresh:
                conn.execute(s.clips.insert(), fresh)
                new = len(fresh)
            for clip in clips:
                if clip.id in existing:
                    conn.execute(
                        update(s.clips).where(s.clips.c.id == clip.id).values(
                            recording_id=clip.recording_id, video_path=clip.video_path,
                            video_offset_s=clip.video_offset_s, thumbnail_path=clip.thumbnail_path,
                        )
                    )
            self._bump(conn)
        return new

    @staticmethod
    def _existing_ids(conn, table, ids: Sequence[str]) -> set[str]:
        found: set[str] = set()
        ids = list(dict.fromkeys(ids))
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            found.update(r[0] for r in conn.execute(select(table.c.id).where(table.c.id.in_(chunk))))
        return found

    def add_lines(self, lines: Sequence[MemoryLine], *, index: bool = True) -> int:
        """Add memory lines; existing ids are skipped. Returns how many were new."""
        if not lines:
            return 0
        new = 0
        touched: set[str] = set()
        with self.engine.begin() as conn:
            known_clips = self._existing_ids(conn, s.clips, [l.clip_id for l in lines])
            missing = {l.clip_id for l in lines} - known_clips
            if missing:
                raise MemoryError_(f"lines refer to clips not in memory: {sorted(missing)[:3]}; add the clips first")
            for kind, table in s.LINE_TABLES.items():
                batch = [l for l in lines if l.kind == kind]
                if not batch:
                    continue
                existing = self._existing_ids(conn, table, [l.id for l in batch])
                fresh = list({l.id: line_values(l) for l in batch if l.id not in existing}.values())
                if fresh:
                    conn.execute(table.insert(), fresh)
                    new += len(fresh)
                    touched.update(v["clip_id"] for v in fresh)
            self._mark_clips_dirty(conn, touched)
            self._bump(conn)
        if index and touched:
            self.sync_index(clip_ids=touched)
        return new

    def _mark_clips_dirty(self, conn, clip_ids: Iterable[str]) -> None:
        ids = list(clip_ids)
        for start in range(0, len(ids), 500):
            conn.execute(update(s.clips).where(s.clips.c.id.in_(ids[start : start + 500])).values(dirty=True))

    def replace_lines(self, clip_id: str, kind: str, lines: Sequence[MemoryLine], *, index: bool = True) -> int:
        """Swap a clip's lines of one kind for ``lines`` in one transaction (a stage re-run)."""
        table = s.LINE_TABLES[kind]
        if any(l.kind != kind or l.clip_id != clip_id for l in lines):
            raise MemoryError_(f"replace_lines({clip_id!r}, {kind!r}) got lines of another clip or kind")
        with self.engine.begin() as conn:
            conn.execute(delete(table).where(table.c.clip_id == clip_id))
            values = list({l.id: line_values(l) for l in lines}.values())
            if values:
                conn.execute(table.insert(), values)
            self._mark_clips_dirty(conn, [clip_id])
            self._bump(conn)
        if index:
            self.sync_index(clip_ids=[clip_id])
        return len(values)

    def add_summaries(self, summaries: Sequence[Summary], *, index: bool = True) -> int:
        """Add or replace summaries (one per wearer, level and window start)."""
        if not summaries:
            return 0
        with self.engine.begin() as conn:
            ids = [x.id for x in summaries]
            existing = self._existing_ids(conn, s.summaries, ids)
            for start in range(0, len(ids), 500):
                conn.execute(delete(s.summaries).where(s.summaries.c.id.in_(ids[start : start + 500])))
            conn.execute(s.summaries.insert(), list({x.id: summary_values(x) for x in summaries}.values()))
            self._bump(conn)
        if index:
            self.sync_index()
        return len(set(ids) - existing)

    # ------------------------------------------------------------------ ledger
    def ledger(self, clip_id: str, stage: str) -> LedgerEntry | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(s.ledger).where(and_(s.ledger.c.clip_id == clip_id, s.ledger.c.stage == stage))).first()
        return _ledger_from_row(row) if row else None

    def ledger_entries(self, *, recording_id: str | None = None, stage: str | None = None, status: str | None = None) -> list[LedgerEntry]:
        query = select(s.ledger).order_by(s.ledger.c.clip_id, s.ledger.c.stage)
        if recording_id is not None:
            query = query.where(s.ledger.c.clip_id.in_(select(s.clips.c.id).where(s.clips.c.recording_id == recording_id)))
        if stage is not None:
            query = query.where(s.ledger.c.stage == stage)
        if status is not None:
            query = query.where(s.ledger.c.status == status)
        with self.engine.connect() as conn:
            return [_ledger_from_row(r) for r in conn.execute(query)]

    def mark_stage(self, clip_id: str, stage: str, status: str, *, model_id: str | None = None, error: str | None = None) -> None:
        """Record a stage's state for a clip; ``running`` counts an attempt."""
        now = _utcnow()
        with self.engine.begin() as conn:
            key = and_(s.ledger.c.clip_id == clip_id, s.ledger.c.stage == stage)
            row = conn.execute(select(s.ledger.c.attempts).where(key)).first()
            attempts = (row[0] if row else 0) + (1 if status == "running" else 0)
            values = {"status": status, "model_id": model_id, "error": error, "attempts": attempts, "updated_at": now}
            if row:
                conn.execute(update(s.ledger).where(key).values(**values))
            else:
                conn.execute(s.ledger.insert().values(clip_id=clip_id, stage=stage, **values))

    # ------------------------------------------------------------------ reads
    def get_clip(self, clip_id: str) -> Clip | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(s.clips).where(s.clips.c.id == clip_id)).first()
        return clip_from_row(row) if row else None

    def clips(self, *, wearer_id: str | None = None, start: datetime | None = None, end: datetime | None = None,
              recording_id: str | None = None, limit: int | None = None, ids: Sequence[str] | None = None) -> list[Clip]:
        query = _window(select(s.clips), s.clips, start, end).order_by(s.clips.c.start, s.clips.c.id)
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
                query = _window(select(table), table, start, end)
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
        query = _window(select(s.summaries), s.summaries, start, end).order_by(s.summaries.c.start, s.summaries.c.level)
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
        if self.index is not None:
            result["vectors"] = self.index.count()
        return result

    # ------------------------------------------------------------------ vector index
    def sync_index(self, progress: Progress | None = None, *, clip_ids: Iterable[str] | None = None) -> int:
        """Embed every clip and summary whose text changed since it was last embedded."""
        if self.index is None or self.embedder is None:
            return 0
        with self._lock:
            query = select(s.clips).where(s.clips.c.dirty.is_(True))
            if clip_ids is not None:
                query = query.where(s.clips.c.id.in_(list(clip_ids)))
            with self.engine.connect() as conn:
                dirty_clips = [clip_from_row(r) for r in conn.execute(query)]
                dirty_summaries = [summary_from_row(r) for r in conn.execute(select(s.summaries).where(s.summaries.c.dirty.is_(True)))]
            total = len(dirty_clips) + len(dirty_summaries)
            done = 0
            names = self.speaker_names()
            for start in range(0, len(dirty_clips), _EMBED_BATCH):
                batch = dirty_clips[start : start + _EMBED_BATCH]
                texts = self.clip_texts([c.id for c in batch], names=names, stamps=False)
                self._embed_and_store([(f"clip:{c.id}", texts[c.id], _clip_meta(c)) for c in batch])
                with self.engine.begin() as conn:
                    conn.execute(update(s.clips).where(s.clips.c.id.in_([c.id for c in batch])).values(dirty=False))
                done += len(batch)
                if progress:
                    progress(done, total)
            for start in range(0, len(dirty_summaries), _EMBED_BATCH):
                batch = dirty_summaries[start : start + _EMBED_BATCH]
                self._embed_and_store([(f"summary:{x.id}", x.text, _summary_meta(x)) for x in batch])
                with self.engine.begin() as conn:
                    conn.execute(update(s.summaries).where(s.summaries.c.id.in_([x.id for x in batch])).values(dirty=False))
                done += len(batch)
                if progress:
                    progress(done, total)
            return total

    def _embed_and_store(self, items: list[tuple[str, str, dict[str, Any]]]) -> None:
        assert self.index is not None and self.embedder is not None
        with_text = [item for item in items if item[1].strip()]
        empty = [item[0] for item in items if not item[1].strip()]
        if empty:
            self.index.delete(empty)
        if with_text:
            vectors = self.embedder.embed([text for _, text, _ in with_text])
            self.index.upsert([VectorDoc(i, v, m) for (i, _, m), v in zip(with_text, vectors)])

    def reindex(self, progress: Progress | None = None) -> int:
        """Drop the vector index and rebuild it from SQL with the configured embedder."""
        if self.index is None:
            raise MemoryError_("no vector index is configured (no embedder); nothing to rebuild")
        self.index.reset()
        with self.engine.begin() as conn:
            conn.execute(update(s.clips).values(dirty=True))
            conn.execute(update(s.summaries).values(dirty=True))
        return self.sync_index(progress)

    # ------------------------------------------------------------------ forget / export
    def forget(self, **filters: Any) -> ForgetReport:
        """Remove everything in scope — SQL rows, vectors and media — together. See `forget.py`."""
        from egobutler.memory_db.forget import forget

        report = forget(self, **filters)
        self._bm25 = None
        return report

    def export_jsonl(self, fp: IO[str]) -> int:
        from egobutler.memory_db.export import export_jsonl

        return export_jsonl(self, fp)

    def import_jsonl(self, fp: IO[str]) -> int:
        from egobutler.memory_db.export import import_jsonl

        return import_jsonl(self, fp)


# ---------------------------------------------------------------------- helpers
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


def _window(query, table, start: datetime | None, end: datetime | None):
    if start is not None:
        query = query.where(table.c.start >= start)
    if end is not None:
        query = query.where(table.c.start < end)
    return query


def _ledger_from_row(row) -> LedgerEntry:
    return LedgerEntry(row.clip_id, row.stage, row.status, row.model_id, row.attempts, row.error, row.updated_at)


def _clip_meta(clip: Clip) -> dict[str, Any]:
    return {"target": "clip", "wearer_id": clip.wearer_id, "start_ts": clip.start.timestamp(),
            "end_ts": clip.end.timestamp(), "level": "clip"}


def _summary_meta(summary: Summary) -> dict[str, Any]:
    return {"target": "summary", "wearer_id": summary.wearer_id, "start_ts": summary.start.timestamp(),
            "end_ts": summary.end.timestamp(), "level": summary.level}
