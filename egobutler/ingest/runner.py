"""Where a stage's per-clip work runs: in this process, or on a Ray cluster.

The per-clip work is a plain function of (stage spec, clip media) — `run_stage_batch` — so a
Ray worker can do it: it rebuilds the stage from its `StageSpec`, loads the model once per
task, runs its clips and returns the outputs. Only the driver touches the database.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from typing import Protocol

from egobutler.ingest.errors import ExtraMissing
from egobutler.ingest.media import ClipMedia
from egobutler.ingest.stages import Stage, StageOutput, StageSpec

log = logging.getLogger(__name__)

Result = StageOutput | BaseException
Started = Callable[[ClipMedia], None]


class Runner(Protocol):
    def run(self, stage: Stage, medias: list[ClipMedia], stop: threading.Event,
            started: Started) -> Iterator[tuple[ClipMedia, Result]]: ...


def _run_one(stage: Stage, media: ClipMedia) -> Result:
    try:
        return stage.run(media)
    except Exception as exc:  # one clip's failure is recorded in the ledger; the batch goes on
        return exc


class LocalRunner:
    """Load the stage's model, run the clips one by one, close it. Stops between clips."""

    def run(self, stage: Stage, medias: list[ClipMedia], stop: threading.Event,
            started: Started) -> Iterator[tuple[ClipMedia, Result]]:
        try:
            stage.load()
        except Exception as exc:  # a backend that cannot load fails its clips, not the inbox
            for media in medias:
                started(media)
                yield media, exc
            return
        try:
            for media in medias:
                if stop.is_set():
                    return
                started(media)
                yield media, _run_one(stage, media)
        finally:
            stage.close()


def run_stage_batch(spec: StageSpec, medias: list[ClipMedia]) -> list[Result]:
    """Build the stage from ``spec``, load it, run every clip, close it (a Ray task's body)."""
    stage = spec.build()
    try:
        stage.load()
    except Exception as exc:
        return [exc for _ in medias]
    try:
        return [_run_one(stage, media) for media in medias]
    finally:
        stage.close()


class RayRunner:
    """Runs each batch of a stage as Ray tasks of ``chunk_clips`` clips on the cluster at ``address``."""

    def __init__(self, address: str, *, chunk_clips: int = 5, num_cpus: float = 1.0):
        try:
            import ray
        except ImportError:
            raise ExtraMissing("--ray needs the ray package: pip install 'ray>=2.9' (or drop --ray to ingest "
                               "on this machine)") from None
        self._ray = ray
        if not ray.is_initialized():
            kwargs = {"address": None if address in ("local", "") else address,
                      "ignore_reinit_error": True, "log_to_driver": False, "include_dashboard": False}
            ray.init(**kwargs)
        self._task = ray.remote(num_cpus=num_cpus)(run_stage_batch)
        self.chunk_clips = chunk_clips

    def run(self, stage: Stage, medias: list[ClipMedia], stop: threading.Event,
            started: Started) -> Iterator[tuple[ClipMedia, Result]]:
        if stage.spec is None:
            raise ExtraMissing(f"stage {stage.name!r} was not built from a StageSpec; it cannot run on Ray")
        chunks = [medias[i : i + self.chunk_clips] for i in range(0, len(medias), self.chunk_clips)]
        for media in medias:
            started(media)
        futures = [self._task.remote(stage.spec, chunk) for chunk in chunks]
        for chunk, future in zip(chunks, futures):
            try:
                results = self._ray.get(future)
            except Exception as exc:  # a lost worker fails its chunk; the ledger retries it later
                results = [exc for _ in chunk]
            yield from zip(chunk, results)

    def shutdown(self) -> None:
        self._ray.shutdown()
