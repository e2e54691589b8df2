"""The process the kill -9 test kills: ingests the sample recording, forgets it, ingests it
again, ... until killed. Run in a forked child (see test_kill_9.py), so it starts at once."""

from __future__ import annotations

from pathlib import Path

from ingest_fakes import FakeCaptioner
from memory_helpers import HashingEmbedder

from egobutler.ingest.pipeline import IngestOptions, Pipeline
from egobutler.ingest.sources import open_source
from egobutler.ingest.stages import StageSpec, stage_spec
from egobutler.memory_db.reconcile import reconcile
from egobutler.memory_db.store import MemoryStore

SAMPLE = Path(__file__).resolve().parents[2] / "samples" / "aria_sample"


def open_memory(home: Path) -> MemoryStore:
    """The memory as `egobutler` opens it: SQL, an embedded vector index, reconciled at once."""
    store = MemoryStore.open(f"sqlite:///{home / 'memory.db'}", home / "media", chroma_path=home / "chroma",
                             embedder=HashingEmbedder())
    reconcile(store)
    return store


def pipeline(store: MemoryStore) -> Pipeline:
    stages = [StageSpec("caption", "egobutler.ingest.stage_vision:CaptionStage", {"captioner": FakeCaptioner("v1")}),
              stage_spec("motion")]
    return Pipeline(store, stages, IngestOptions(batch_clips=1))


def churn(home: str, cycles: int = 1_000_000) -> None:
    """Ingest, forget, ingest, ... (``cycles`` times, or until killed)."""
    store = open_memory(Path(home))
    work = pipeline(store)
    source = open_source(SAMPLE)
    for _ in range(cycles):
        work.ingest(source)
        store.forget(recording_id=source.recording_id)


def finish(home: str) -> None:
    """Ingest the recording to the end (the restart after the last kill)."""
    store = open_memory(Path(home))
    try:
        pipeline(store).ingest(open_source(SAMPLE))
    finally:
        store.close()
