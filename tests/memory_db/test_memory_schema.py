"""Schema migrations: from nothing, from an older version, and refusing a newer one."""

from __future__ import annotations

import pytest
from sqlalchemy import create_engine, inspect, text

from egobutler.memory_db import migrations
from egobutler.memory_db.errors import DataDirError, SchemaError
from egobutler.memory_db.store import MemoryStore


def test_upgrade_from_an_empty_database(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'm.db'}")
    assert migrations.migrate(engine) == 0
    tables = set(inspect(engine).get_table_names())
    assert {"clips", "captions", "utterances", "motion_segments", "scene_texts", "summaries", "ledger",
            "people", "voice_profiles", "recordings", "wearers"} <= tables
    with engine.connect() as conn:
        assert migrations.current_version(conn) == migrations.LATEST
    assert migrations.migrate(engine) == migrations.LATEST  # a second run does nothing


def test_upgrade_from_the_first_version_keeps_data(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    engine = create_engine(url)
    migrations.migrate(engine, target=1)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO wearers (id, name, timezone) VALUES ('w', 'W', 'UTC')"))
    store = MemoryStore.open(url, tmp_path / "media")
    assert [w.id for w in store.wearers()] == ["w"]
    with store.engine.connect() as conn:
        assert migrations.current_version(conn) == migrations.LATEST
        indexes = {ix["name"] for ix in inspect(conn).get_indexes("clips")}
    assert "ix_clips_video_path" in indexes
    store.close()


def test_a_database_from_a_newer_egobutler_is_refused(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    engine = create_engine(url)
    migrations.migrate(engine)
    with engine.begin() as conn:
        conn.execute(text("UPDATE schema_version SET version = 999"))
    with pytest.raises(SchemaError, match="upgrade egobutler"):
        MemoryStore.open(url, tmp_path / "media")


def test_unwritable_data_dir_says_how_to_fix(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    with pytest.raises(DataDirError, match="EGOBUTLER_HOME"):
        MemoryStore.open(f"sqlite:///{blocker / 'memory.db'}", tmp_path / "media")
