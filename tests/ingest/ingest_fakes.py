"""Fake stages for the ingestion tests: they implement OUR interfaces (`Stage`, egogpt's
`Captioner`), never a library's. Imported by the tests and, through PYTHONPATH, by the
`egobutler` subprocesses of the crash/daemon tests (as "ingest_fakes:SlowNote")."""

from __future__ import annotations

import os
import time
from collections import Counter

from egobutler.egogpt.captioner import Captioner
from egobutler.ingest.stages import Draft, Stage, StageOutput

CALLS: Counter = Counter()  # (class, model) -> clips processed in this process


class FakeCaptioner(Captioner):
    """Describes a clip by its frame count; counts every clip it is asked to caption."""

    name = "fake"

    def __init__(self, model: str = "v1"):
        self.model = model

    @property
    def model_id(self) -> str:
        return f"fake-captioner:{self.model}"

    def _describe(self, clips):
        CALLS[("caption", self.model)] += len(clips)
        return [f"I look around the room ({len(c.frames)} frames, model {self.model})." for c in clips]


class SlowNote(Stage):
    """A deterministic 'caption' per clip that takes EGOBUTLER_TEST_SLOW_S seconds (default 1)."""

    kind = "caption"

    def __init__(self, model: str = "v1"):
        self.model = model

    @property
    def model_id(self) -> str:
        return f"slow-note:{self.model}"

    def run(self, media) -> StageOutput:
        time.sleep(float(os.environ.get("EGOBUTLER_TEST_SLOW_S", "1")))
        CALLS[("slownote", self.model)] += 1
        text = f"note for the clip {media.offset_s:.0f} s into the recording, {len(media.frames)} frames"
        return StageOutput((Draft(0.0, media.duration_s, text),), self.model_id)


class Exploding(Stage):
    """Fails on every clip (a backend bug): the ledger must say failed, with the error."""

    kind = "scene_text"

    @property
    def model_id(self) -> str:
        return "exploding:v1"

    def run(self, media) -> StageOutput:
        raise RuntimeError("backend crashed on purpose")
