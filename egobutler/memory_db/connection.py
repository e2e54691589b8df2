"""Opening the memory database: the SQLAlchemy engine (SQLite pragmas) and the data-dir check."""

from __future__ import annotations

import os
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import Engine, create_engine, event

from egobutler.memory_db.errors import DataDirError


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def make_engine(database_url: str) -> Engine:
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


def check_data_dir(database_url: str) -> None:
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
    probe = folder / f".egobutler-write-test-{os.getpid()}"  # one per process: openers may race
    try:
        probe.write_bytes(b"")
        probe.unlink()
    except OSError:
        raise DataDirError(f"the data dir {folder} is not writable; fix its permissions or set EGOBUTLER_HOME") from None

