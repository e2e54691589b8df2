"""The ledger is keyed by the recording's content (hash), stage and model: a damaged or
IMU-only copy ingested first never hides the real recording of the same time, the same
file is never ingested twice, and `status` says which copy replaced which."""

from __future__ import annotations

import shutil

from ingest_fakes import CALLS, FakeCaptioner

from egobutler.ingest.pipeline import Pipeline
from egobutler.ingest.progress import ingest_status
from egobutler.ingest.sources import open_source
from egobutler.ingest.stages import StageSpec, stage_spec


def _stages() -> list[StageSpec]:
    return [StageSpec("caption", "egobutler.ingest.stage_vision:CaptionStage", {"captioner": FakeCaptioner("v1")}),
            stage_spec("motion")]


def test_imu_only_copy_then_the_real_recording_ingests_the_real_one(store, sample, tmp_path):
    CALLS.clear()
    imu_only = tmp_path / "imu_only"
    shutil.copytree(sample, imu_only)
    (imu_only / "video.mp4").unlink()
    first = Pipeline(store, _stages()).ingest(open_source(imu_only))
    assert first.clips == 3 and CALLS[("caption", "v1")] == 0  # nothing to caption without video
    assert not store.lines(kinds=["caption"])

    good = Pipeline(store, _stages()).ingest(open_source(sample))
    assert good.status == "done" and good.recording_id != first.recording_id
    assert CALLS[("caption", "v1")] == 3
    assert len(store.lines(kinds=["caption"])) == 3
    assert {c.recording_id for c in store.clips()} == {good.recording_id}
    assert any("replaces" in note and str(imu_only) in note for note in good.notes)

    again = Pipeline(store, _stages()).ingest(open_source(sample))
    assert again.status == "up-to-date" and CALLS[("caption", "v1")] == 3
    assert any("already ingested" in note for note in again.notes)

    status = ingest_status(store)
    assert [r.recording for r in status.replaced] == [str(imu_only)]
    assert str(sample) in status.replaced[0].error
    assert store.get_recording(first.recording_id).status == "replaced"


def test_the_same_content_renamed_is_not_ingested_again(store, sample, tmp_path):
    CALLS.clear()
    Pipeline(store, _stages()).ingest(open_source(sample))
    renamed = tmp_path / "renamed"
    shutil.copytree(sample, renamed)
    assert Pipeline(store, _stages()).ingest(open_source(renamed)).status == "up-to-date"
    assert CALLS[("caption", "v1")] == 3
    assert not ingest_status(store).replaced


def test_migration_4_adds_the_content_key_to_an_old_ledger(tmp_path):
    from sqlalchemy import create_engine, text

    from egobutler.memory_db.migrations import migrate

    engine = create_engine(f"sqlite:///{tmp_path / 'old.db'}")
    migrate(engine, target=3)
    with engine.begin() as conn:
        conn.execute(text("ALTER TABLE ledger DROP COLUMN recording_id"))  # as egobutler 0.1 made it
        conn.execute(text("INSERT INTO clips (id, recording_id, wearer_id, start, \"end\", video_offset_s, dirty) "
                          "VALUES ('c1', 'rec-old', 'me', '2025-01-01 10:00:00', '2025-01-01 10:00:30', 0, 1)"))
        conn.execute(text("INSERT INTO ledger (clip_id, stage, status, attempts) VALUES ('c1', 'caption', 'done', 1)"))
    migrate(engine)
    migrate(engine)  # idempotent
    with engine.connect() as conn:
        assert conn.execute(text("SELECT recording_id FROM ledger")).scalar_one() == "rec-old"
    engine.dispose()
