"""The per-clip stage interface the pipeline runs, and the registry of built-in stages.

A stage turns one clip's media into memory-line drafts of one kind. The pipeline loads one
stage's model at a time, runs it over every pending clip of a batch, then closes it. A
stage is described by a picklable `StageSpec` (name, "module:Class", options) so the same
per-clip work can run in another process or on a Ray worker.

Built-in stages (adapters over `egobutler.egogpt` and `egobutler.motion`):

==========  ==========  ==================================================
name        kind        adapter
==========  ==========  ==================================================
asr         utterance   `egobutler.ingest.stage_audio:AsrStage`
caption     caption     `egobutler.ingest.stage_vision:CaptionStage`
ocr         scene_text  `egobutler.ingest.stage_vision:OcrStage`
motion      motion      `egobutler.ingest.stage_motion:MotionStage`
==========  ==========  ==================================================

Any other stage is named by its ``"module:Class"`` (a `Stage` subclass).
"""

from __future__ import annotations

import importlib
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from typing import Any

from egobutler.ingest.errors import StageConfigError
from egobutler.ingest.media import ClipMedia

BUILTIN_STAGES: dict[str, str] = {
    "asr": "egobutler.ingest.stage_audio:AsrStage",
    "caption": "egobutler.ingest.stage_vision:CaptionStage",
    "ocr": "egobutler.ingest.stage_vision:OcrStage",
    "motion": "egobutler.ingest.stage_motion:MotionStage",
}


@dataclass(frozen=True)
class Draft:
    """One memory line before it has a clip id and wall-clock times (seconds from clip start).

    ``speaker`` is the stage's local voice label (mapped to a `Person` by the pipeline)."""

    start_s: float
    end_s: float
    text: str
    speaker: str | None = None
    label: str | None = None
    confidence: float | None = None
    flags: tuple[str, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class StageOutput:
    """What a stage made of one clip. ``voices`` maps a speaker label to its voice embedding
    (made by ``voice_model_id``) so the pipeline can recognise the voice across recordings."""

    drafts: tuple[Draft, ...] = ()
    model_id: str = ""
    voices: dict[str, tuple[float, ...]] = field(default_factory=dict, compare=False, hash=False)
    voice_model_id: str | None = None


class Stage(ABC):
    """One per-clip perception step. ``model_id`` must be known without loading the model
    (the ledger compares it to decide whether a clip needs re-running)."""

    name: str = ""
    kind: str = ""  # the MemoryLine kind it writes
    wants_transcript: bool = False  # the pipeline fills ClipMedia.transcript first
    spec: StageSpec | None = None  # set by StageSpec.build

    @property
    @abstractmethod
    def model_id(self) -> str:
        """The model (and settings that change output) this stage runs with."""

    @property
    def configured(self) -> bool:
        """False when no backend is configured: every clip is recorded as ``skipped``."""
        return True

    def load(self) -> None:
        """Load the model. Default: nothing to load."""

    def close(self) -> None:
        """Free the model. Default: nothing to free."""

    @abstractmethod
    def run(self, media: ClipMedia) -> StageOutput:
        """The clip's drafts; raise `StageInputMissing` when the clip has nothing for it."""


@dataclass(frozen=True)
class StageSpec:
    """A stage as plain data: ``name`` (ledger key), ``target`` "module:Class", constructor options."""

    name: str
    target: str
    options: dict[str, Any] = field(default_factory=dict, hash=False)

    def build(self) -> Stage:
        """Import and construct the stage (no model is loaded yet)."""
        module_name, _, class_name = self.target.partition(":")
        try:
            cls = getattr(importlib.import_module(module_name), class_name)
        except (ImportError, AttributeError) as exc:
            raise StageConfigError(f"stage {self.name!r}: cannot import {self.target!r} ({exc}); "
                                   f"built-in stages are {', '.join(BUILTIN_STAGES)}") from None
        stage = cls(**self.options)
        if not isinstance(stage, Stage):
            raise StageConfigError(f"stage {self.name!r}: {self.target} is not an egobutler.ingest.stages.Stage")
        stage.name = self.name
        stage.spec = self  # so a worker process can rebuild it
        return stage


def stage_spec(name: str, **options: Any) -> StageSpec:
    """A built-in stage by name, or a custom one given as ``"module:Class"``."""
    if name in BUILTIN_STAGES:
        return StageSpec(name, BUILTIN_STAGES[name], options)
    if ":" in name:
        return StageSpec(name.rpartition(":")[2].lower(), name, options)
    raise StageConfigError(f"unknown stage {name!r}; use one of {', '.join(BUILTIN_STAGES)} or 'module:Class'")
