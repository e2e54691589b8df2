"""The process the kill -9 test kills: ingests the sample recording, forgets it, ingests it
again, ... and SIGKILLs itself right after its Nth write step (a SQL commit or a vector
write), the moments where SQL, vectors and media can disagree. Run in a forked child (see
test_kill_9.py), so it starts at once."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from sqlalchemy import event

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
    return Pipeline(store, stages, IngestOptions(batch_clips=1, frames_per_s=0.25))  # few frames: quick cycles


class StepCounter:
    """Counts write steps; SIGKILLs this process after step ``kill_at`` (0: never)."""

    def __init__(self, store: MemoryStore, kill_at: int):
        self.steps, self.kill_at = 0, kill_at
        event.listen(store.engine, "commit", lambda _conn: self.step())
        index = store.index
        for name in ("upsert", "delete"):
            write = getattr(index, name)
            setattr(index, name, lambda *a, _write=write, **k: (_write(*a, **k), self.step())[0])

    def step(self) -> None:
        self.steps += 1
        if self.steps == self.kill_at:
            os.kill(os.getpid(), signal.SIGKILL)


def churn(home: str, kill_at: int = 0, cycles: int = 1) -> None:
    """Ingest then forget (``cycles`` times), killed after write step ``kill_at``; writes the
    number of steps one run took to ``home/steps.txt`` when it is not killed."""
    store = open_memory(Path(home))
    counter = StepCounter(store, kill_at)
    work = pipeline(store)
    source = open_source(SAMPLE)
    for _ in range(cycles):
        work.ingest(source)
        store.forget(recording_id=source.recording_id)
    (Path(home) / "steps.txt").write_text(str(counter.steps))
    store.close()


def finish(home: str) -> None:
    """Ingest the recording to the end (the restart after the last kill)."""
    store = open_memory(Path(home))
    try:
        pipeline(store).ingest(open_source(SAMPLE))
    finally:
        store.close()
