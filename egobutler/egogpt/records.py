"""What perception produces. Times are seconds from the start of the audio/clip given.

`ingest/` maps these onto wall-clock memory rows; perception never sees the database.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Word:
    start_s: float
    end_s: float
    text: str
    probability: float | None = None


@dataclass(frozen=True)
class Utterance:
    """A stretch of transcribed speech.

    ``speaker`` is a diarization label (e.g. ``SPEAKER_00``) or None before diarization.
    ``flags`` mark doubtful text that is kept, not dropped: ``repetition``,
    ``low_confidence``, ``no_speech``.
    """

    start_s: float
    end_s: float
    text: str
    model_id: str
    words: tuple[Word, ...] = ()
    confidence: float | None = None
    speaker: str | None = None
    flags: tuple[str, ...] = ()


@dataclass(frozen=True)
class SpeakerTurn:
    """A stretch where one voice speaks; ``embedding`` is that voice (for matching profiles)."""

    start_s: float
    end_s: float
    speaker: str
    embedding: tuple[float, ...] = ()


@dataclass(frozen=True)
class Caption:
    """A first-person description of a clip (``start_s``/``end_s`` within the clip)."""

    start_s: float
    end_s: float
    text: str
    model_id: str
    frames_used: int


@dataclass(frozen=True)
class SceneText:
    """Text visible in the frames (a sign, a label, a screen), deduplicated across frames."""

    start_s: float
    end_s: float
    text: str
    model_id: str
    confidence: float
    frames_seen: int = 1
