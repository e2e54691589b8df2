"""Typed records of answering: questions, evidence, answers and streaming events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


def _require_aware(*stamps: datetime | None) -> None:
    for stamp in stamps:
        if stamp is not None and stamp.tzinfo is None:
            raise ValueError(f"naive datetime {stamp!r}: question times must be tz-aware")


@dataclass(frozen=True)
class EvidenceLine:
    """One memory line quoted as evidence (speaker is a display name; "me" for the wearer)."""

    start: datetime
    kind: str
    text: str
    speaker: str | None = None


@dataclass(frozen=True)
class Evidence:
    """A clip that supports an answer, with the lines that matched (all before the query time)."""

    clip_id: str
    wearer_id: str
    start: datetime
    end: datetime
    score: float
    lines: tuple[EvidenceLine, ...]
    thumbnail_path: str | None = None
    video_path: str | None = None
    video_offset_s: float = 0.0


@dataclass(frozen=True)
class SearchTrace:
    """How evidence was found: the queries, the time window searched, and how long it took."""

    queries: tuple[str, ...]
    window: tuple[datetime | None, datetime]
    elapsed_s: float
    candidates: int
    description: str


@dataclass(frozen=True)
class Question:
    """A question asked at ``query_time`` (now, for a user); nothing after it is retrieved.

    ``start``/``end`` narrow the window explicitly (else it is parsed from the text);
    ``history`` holds earlier (role, text) turns for follow-ups.
    """

    text: str
    query_time: datetime
    choices: tuple[str, ...] = ()
    wearer_id: str | None = None
    people: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    history: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        _require_aware(self.query_time, self.start, self.end)


@dataclass(frozen=True)
class Answer:
    """The reply, the evidence it rests on (best first), and ``choice`` ("A".."D") for multiple choice."""

    text: str
    evidence: tuple[Evidence, ...]
    trace: SearchTrace
    model_id: str
    choice: str | None = None
    #: Multiple choice: each signal's raw score per option, e.g. ("reader", (-1.2, -0.4, ...)).
    signals: tuple[tuple[str, tuple[float, ...]], ...] = ()


@dataclass(frozen=True)
class Searching:
    """Streaming event: retrieval finished."""

    trace: SearchTrace
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Token:
    """Streaming event: a piece of the answer text."""

    text: str


@dataclass(frozen=True)
class Done:
    """Streaming event: the final answer."""

    answer: Answer
