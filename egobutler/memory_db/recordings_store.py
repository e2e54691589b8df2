"""Recordings and the per-clip stage ledger: a mixin of `MemoryStore` (needs ``engine``)."""

from __future__ import annotations

from sqlalchemy import and_, select, update

from egobutler.memory_db import schema as s
from egobutler.memory_db.connection import utcnow
from egobutler.memory_db.records import LedgerEntry, Recording
from egobutler.memory_db.rows import recording_from_row


class RecordingsMixin:
    """Recordings as they arrive and what each ingestion stage did with each clip."""

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

    def mark_stage(self, clip_id: str, stage: str, status: str, *, model_id: str | None = None, error: str | None = None,
                   recording_id: str | None = None) -> None:
        """Record a stage's state for a clip; ``running`` counts an attempt. ``recording_id`` is the
        content hash of the recording the step ran on (another recording starts the count again)."""
        now = utcnow()
        with self.engine.begin() as conn:
            key = and_(s.ledger.c.clip_id == clip_id, s.ledger.c.stage == stage)
            row = conn.execute(select(s.ledger.c.attempts, s.ledger.c.recording_id).where(key)).first()
            same_content = row is not None and (recording_id is None or row[1] == recording_id)
            attempts = (row[0] if same_content else 0) + (1 if status == "running" else 0)
            values = {"status": status, "model_id": model_id, "error": error, "attempts": attempts, "updated_at": now}
            if recording_id is not None:
                values["recording_id"] = recording_id
            if row:
                conn.execute(update(s.ledger).where(key).values(**values))
            else:
                conn.execute(s.ledger.insert().values(clip_id=clip_id, stage=stage, **values))


def _ledger_from_row(row) -> LedgerEntry:
    return LedgerEntry(row.clip_id, row.stage, row.status, row.model_id, row.attempts, row.error, row.updated_at,
                       row.recording_id)

