"""Numbered schema migrations.

Each migration is a function that takes a connection inside a transaction and brings
the schema from version N-1 to N. `migrate` applies the missing ones in order and
refuses a database made by a newer egobutler (it would not know its tables).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from sqlalchemy import Connection, Engine, inspect, select, text

from egobutler.memory_db import schema
from egobutler.memory_db.errors import SchemaError

log = logging.getLogger(__name__)


def _m001_initial(conn: Connection) -> None:
    """The first schema: every table as of egobutler 0.1."""
    tables = [t for name, t in schema.metadata.tables.items() if name != "schema_version"]
    schema.metadata.create_all(conn, tables=tables)


def _m002_clip_media_index(conn: Connection) -> None:
    """Media lookups by path (forget deletes a video file once no clip refers to it)."""
    conn.execute(text("CREATE INDEX IF NOT EXISTS ix_clips_video_path ON clips (video_path)"))


def _m003_search_in_database(conn: Connection) -> None:
    """Keyword search in the database: `search_docs` with FTS5 (SQLite) or a GIN-indexed tsvector (PostgreSQL).

    Documents are written for the clips and summaries already stored (idempotent: only
    when the table is empty).
    """
    from egobutler.memory_db.keyword_search import create_search_index

    create_search_index(conn)


def _m004_ledger_by_content(conn: Connection) -> None:
    """The ingestion ledger keyed by recording content hash, stage and model: each step
    records the recording (content hash) it ran on, filled in for old rows from their clip."""
    if "recording_id" not in {c["name"] for c in inspect(conn).get_columns("ledger")}:
        conn.execute(text("ALTER TABLE ledger ADD COLUMN recording_id VARCHAR(64)"))
    conn.execute(text(
        "UPDATE ledger SET recording_id = (SELECT clips.recording_id FROM clips WHERE clips.id = ledger.clip_id) "
        "WHERE recording_id IS NULL"
    ))


def _m005_people_from_voices(conn: Connection) -> None:
    """Voice exemplars say where they came from; name suggestions get a table.

    (An utterance's spoken language is kept in its ``stats``, so utterances need no column.)
    """
    have = {c["name"] for c in inspect(conn).get_columns("voice_profiles")}
    for name, sql_type in (("source", "VARCHAR(64)"), ("speech_s", "FLOAT"), ("loudness_dbfs", "FLOAT")):
        if name not in have:
            conn.execute(text(f"ALTER TABLE voice_profiles ADD COLUMN {name} {sql_type}"))
    schema.name_suggestions.create(conn, checkfirst=True)


MIGRATIONS: list[Callable[[Connection], None]] = [
    _m001_initial,
    _m002_clip_media_index,
    _m003_search_in_database,
    _m004_ledger_by_content,
    _m005_people_from_voices,
]
LATEST = len(MIGRATIONS)


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    row = conn.execute(select(schema.schema_version.c.version)).first()
    return int(row[0]) if row else 0


def migrate(engine: Engine, target: int = LATEST) -> int:
    """Upgrade the database to `target`; returns the version it was at before."""
    with engine.begin() as conn:
        schema.schema_version.create(conn, checkfirst=True)
        before = current_version(conn)
        if before > LATEST:
            raise SchemaError(
                f"the memory database is at schema version {before}, newer than this egobutler "
                f"understands ({LATEST}); upgrade egobutler (pip install -U egobutler) to open it"
            )
        for number in range(before + 1, target + 1):
            log.info("applying memory schema migration %d", number)
            MIGRATIONS[number - 1](conn)
        if target > before:
            conn.execute(schema.schema_version.delete())
            conn.execute(schema.schema_version.insert().values(version=target))
    return before
