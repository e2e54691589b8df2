"""Typed records that go into and come out of the memory.

Times are tz-aware datetimes (stored as UTC, returned in UTC; show them in the
wearer's `timezone`). Ids are strings; derived rows get a content-hash id so that
adding the same thing twice is a no-op.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

MemoryKind = Literal["caption", "utterance", "motion", "scene_text"]
MEMORY_KINDS: tuple[str, ...] = ("caption", "utterance", "motion", "scene_text")
SummaryLevel = Literal["10min", "hour", "day"]
SUMMARY_LEVELS: tuple[str, ...] = ("10min", "hour", "day")
PersonKind = Literal["person", "me", "not_person"]
RecordingStatus = Literal["pending", "running", "done", "partial", "failed", "replaced"]
StageStatus = Literal["pending", "running", "done", "skipped", "failed"]


def content_id(*parts: object) -> str:
    """A stable id from the parts that make a row what it is (sha1, 20 hex chars)."""
    h = hashlib.sha1()
    for part in parts:
        h.update(repr(part).encode("utf-8"))
        h.update(b"\x1f")
    return h.hexdigest()[:20]


def _require_aware(*stamps: datetime | None) -> None:
    for stamp in stamps:
        if stamp is not None and stamp.tzinfo is None:
            raise ValueError(f"naive datetime {stamp!r}: memory times must be tz-aware")


@dataclass(frozen=True)
class Wearer:
    id: str
    name: str
    timezone: str = "UTC"


@dataclass(frozen=True)
class Person:
    """Someone heard or named. ``kind='me'`` is the wearer; ``not_person`` a TV, a radio.

    ``name`` is None for an anonymous voice cluster; ``id`` then stays the same across
    recordings so exports can refer to it.
    """

    id: str
    name: str | None = None
    kind: PersonKind = "person"
    wearer_id: str | None = None

    @property
    def display_name(self) -> str:
        if self.kind == "me":
            return "me"
        return self.name or self.id


@dataclass(frozen=True)
class VoiceProfile:
    """A voice embedding for a person (several per person are allowed)."""

    person_id: str
    vector: tuple[float, ...]
    model_id: str
    id: str = ""

    def __post_init__(self) -> None:
        if not self.id:
            object.__setattr__(self, "id", content_id("voice", self.person_id, self.model_id, self.vector[:8]))


@dataclass(frozen=True)
class Recording:
    """One synced recording. ``id`` is its content hash."""

    id: str
    wearer_id: str
    source: str
    kind: str
    start: datetime | None = None
    end: datetime | None = None
    status: RecordingStatus = "pending"
    error: str | None = None

    def __post_init__(self) -> None:
        _require_aware(self.start, self.end)


@dataclass(frozen=True)
class Clip:
    """A span of a wearer's day (30 s by default).

    Media paths are relative to the media dir; ``video_offset_s`` is where this clip
    starts inside ``video_path`` so the UI can seek there.
    """

    wearer_id: str
    start: datetime
    end: datetime
    recording_id: str | None = None
    video_path: str | None = None
    video_offset_s: float = 0.0
    thumbnail_path: str | None = None
    id: str = ""

    def __post_init__(self) -> None:
        _require_aware(self.start, self.end)
        if not self.id:
            object.__setattr__(self, "id", clip_id(self.wearer_id, self.start))

    @property
    def duration_s(self) -> float:
        return (self.end - self.start).total_seconds()


def clip_id(wearer_id: str, start: datetime) -> str:
    """Clips are identified by wearer and wall-clock start, so re-ingesting finds the same clip."""
    return content_id("clip", wearer_id, start.timestamp())


@dataclass(frozen=True)
class MemoryLine:
    """One line of memory about a clip: a caption, an utterance, a motion segment, scene text.

    ``speaker_id`` is a `Person.id` (utterances). ``label`` is the activity
    (motion: walking, running, still, ...). ``stats`` holds kind-specific numbers
    (steps, cadence, OCR boxes). ``flags`` marks doubtful lines (e.g. ``repetition``,
    ``low_confidence``) that are kept but can be filtered.
    """

    kind: MemoryKind
    clip_id: str
    start: datetime
    end: datetime
    text: str
    model_id: str
    speaker_id: str | None = None
    label: str | None = None
    confidence: float | None = None
    flags: tuple[str, ...] = ()
    stats: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    id: str = ""

    def __post_init__(self) -> None:
        _require_aware(self.start, self.end)
        if self.kind not in MEMORY_KINDS:
            raise ValueError(f"unknown memory kind {self.kind!r}; expected one of {MEMORY_KINDS}")
        if not self.id:
            object.__setattr__(
                self,
                "id",
                content_id(self.kind, self.clip_id, self.model_id, self.start.timestamp(),
                           self.end.timestamp(), self.text, self.speaker_id, self.label),
            )


@dataclass(frozen=True)
class Summary:
    """A summary of a wearer's window of time at one level (10min, hour, day)."""

    wearer_id: str
    level: SummaryLevel
    start: datetime
    end: datetime
    text: str
    model_id: str
    id: str = ""

    def __post_init__(self) -> None:
        _require_aware(self.start, self.end)
        if self.level not in SUMMARY_LEVELS:
            raise ValueError(f"unknown summary level {self.level!r}; expected one of {SUMMARY_LEVELS}")
        if not self.id:
            # One summary per (wearer, level, window): rebuilding replaces it.
            object.__setattr__(self, "id", content_id("summary", self.wearer_id, self.level, self.start.timestamp()))


@dataclass(frozen=True)
class LedgerEntry:
    """Where one stage of one clip stands."""

    clip_id: str
    stage: str
    status: StageStatus
    model_id: str | None = None
    attempts: int = 0
    error: str | None = None
    updated_at: datetime | None = None
    recording_id: str | None = None  # content hash of the recording the step ran on


@dataclass(frozen=True)
class Hit:
    """A search result: a clip (with its matching text) or a summary, with a score (higher is better)."""

    kind: Literal["clip", "summary"]
    id: str
    score: float
    text: str
    start: datetime
    end: datetime
    wearer_id: str
    clip: Clip | None = None
    summary: Summary | None = None


@dataclass(frozen=True)
class ForgetReport:
    """What `forget` removed."""

    clips: int = 0
    lines: int = 0
    summaries: int = 0
    media_files: int = 0
    vectors: int = 0
    recordings: int = 0
    people: int = 0
    problems: tuple[str, ...] = ()  # what could not be removed right away (SQL rows are always gone)
