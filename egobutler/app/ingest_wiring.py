"""From `Settings` to the ingestion pipeline: which stages, with which backends and options."""

from __future__ import annotations

import threading
from pathlib import Path

from egobutler.app.settings import Settings
from egobutler.ingest.pipeline import IngestOptions, Pipeline, Progress
from egobutler.ingest.stages import StageSpec, stage_spec


def stage_specs(settings: Settings) -> list[StageSpec]:
    """The configured stages in order (asr first: the caption prompt quotes the transcript)."""
    specs = []
    for name in settings.stages:
        specs.append(stage_spec(name, **_options(name, settings)))
    return specs


def _options(name: str, settings: Settings) -> dict:
    if name == "asr":
        return {"backend": settings.asr, "model": settings.asr_model, "diarizer": settings.diarizer,
                "diarizer_model": settings.diarizer_model, "models_dir": str(settings.models_dir),
                "hf_token": settings.hf_token}
    if name == "caption":
        return {"backend": settings.captioner, "model": settings.captioner_model,
                "base_url": settings.captioner_base_url, "api_key": settings.captioner_api_key}
    if name == "ocr":
        return {"backend": settings.ocr}
    if name == "motion":
        return {"backend": settings.motion_narrator, "model": settings.motion_narrator_model}
    return {}


def ingest_options(settings: Settings) -> IngestOptions:
    return IngestOptions(clip_s=settings.clip_s, frames_per_s=settings.frames_per_s)


def source_options(settings: Settings, *, wearer: str | None = None, start: str | None = None) -> dict:
    """Keyword arguments for `egobutler.ingest.sources.open_source`."""
    return {"wearer": wearer, "start": start, "default_wearer": settings.default_wearer,
            "timezone": settings.timezone, "work_dir": Path(settings.home) / "vrs"}


def build_pipeline(settings: Settings, store, *, ray_address: str | None = None, progress: Progress | None = None,
                   stop: threading.Event | None = None) -> Pipeline:
    """The pipeline over ``store`` with the configured stages; on Ray when an address is given."""
    runner = None
    address = ray_address or settings.ray_address
    if address:
        from egobutler.ingest.runner import RayRunner

        runner = RayRunner(address)
    return Pipeline(store, stage_specs(settings), ingest_options(settings), runner=runner,
                    progress=progress, stop=stop)
