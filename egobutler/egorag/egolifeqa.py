"""EgoLifeQA question files: parsing for inference (no answers) and for scoring (answers only).

Honesty by construction: `BenchQuestion` — the only thing inference sees — has no field
for ``answer``, ``keywords``, ``reason``, ``target_time`` or ``trigger``. The scorer reads
`GoldLabel` records, built separately from the same file.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from egobutler.egorag.errors import EgoRagError

CHOICE_KEYS = ("choice_a", "choice_b", "choice_c", "choice_d")
LETTERS = ("A", "B", "C", "D")
QUESTION_TYPES = ("EntityLog", "EventRecall", "HabitInsight", "RelationMap", "TaskMaster")
FPS = 20.0
MAX_DAY = 3660  # days count from DAY1; beyond ten years is a typo, not a question
MAX_FILE_BYTES = 64 << 20


class QuestionFileError(EgoRagError):
    """A question file cannot be used; the message names the file and the record."""


@dataclass(frozen=True)
class DayClock:
    """EgoLife's DAYd + HHMMSSFF -> wall-clock, from the date of DAY1 and a timezone."""

    day1: date
    timezone: str = "UTC"

    def stamp(self, day: int, hhmmssff: str) -> datetime:
        if not 1 <= day <= MAX_DAY:
            raise ValueError(f"DAY{day} is outside DAY1..DAY{MAX_DAY}")
        midnight = datetime.combine(self.day1 + timedelta(days=day - 1), datetime.min.time(), ZoneInfo(self.timezone))
        return midnight + timedelta(seconds=_seconds(hhmmssff))


def _seconds(text: str) -> float:
    text = str(text).strip()
    if not text.isdigit() or len(text) > 8:
        raise ValueError(f"not an HHMMSSFF time: {text!r}")
    text = text.zfill(8)
    frames = min(int(text[6:8]), int(FPS) - 1)  # a few records carry frames up to 99
    return int(text[0:2]) * 3600 + int(text[2:4]) * 60 + int(text[4:6]) + frames / FPS


def _day(text: str) -> int:
    match = re.fullmatch(r"\s*day\s*(\d+)\s*", str(text), re.I)
    if not match:
        raise ValueError(f"not a DAYd date: {text!r}")
    return int(match.group(1))


@dataclass(frozen=True)
class BenchQuestion:
    """What inference may see: the question, its choices and when it is asked."""

    id: str
    type: str
    question: str
    choices: tuple[str, ...]
    query_time: datetime


@dataclass(frozen=True)
class GoldLabel:
    """What only the scorer sees: the right letter and where the evidence is."""

    id: str
    type: str
    answer: str
    targets: tuple[tuple[datetime, datetime], ...]  # moments are zero-length spans


def _load(path: Path) -> list[dict]:
    """The records of a question file, each an object with a unique ID (else one clear error)."""
    try:
        if Path(path).stat().st_size > MAX_FILE_BYTES:
            raise QuestionFileError(f"{path}: too large for an EgoLifeQA question file (over 64 MiB)")
        records = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: bad JSON or not UTF-8
        raise QuestionFileError(f"{path}: cannot read the question file as UTF-8 JSON ({type(exc).__name__}: "
                                f"{str(exc)[:200]})") from None
    if not isinstance(records, list):
        raise QuestionFileError(f"{path}: expected a JSON list of EgoLifeQA records")
    first_seen: dict[str, int] = {}
    for index, record in enumerate(records):
        if not isinstance(record, dict):
            raise QuestionFileError(f"{path}: record #{index} is a {type(record).__name__}, not an object")
        ident = record.get("ID")
        if not isinstance(ident, (str, int)) or isinstance(ident, bool) or not str(ident).strip():
            raise QuestionFileError(f"{path}: record #{index} has no ID (a string or number)")
        if str(ident) in first_seen:
            raise QuestionFileError(f"{path}: records #{first_seen[str(ident)]} and #{index} share the ID {ident!r}; "
                                    "every question needs its own ID")
        first_seen[str(ident)] = index
    return records


def _text(record: dict, key: str) -> str:
    """A required, non-empty text field (``null``, numbers and lists are refused)."""
    value = record.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"{key} must be a non-empty string, got {value!r}"[:200])
    return value.strip()


def _where(path: Path, index: int, record: object) -> str:
    ident = record.get("ID") if isinstance(record, dict) else None
    return f"{path}: record #{index}" + (f" (ID {ident})" if ident is not None else "")


def load_questions(path: Path, clock: DayClock) -> list[BenchQuestion]:
    """Inference view of an EgoLifeQA file: only question, choices and query_time are read."""
    out = []
    for index, record in enumerate(_load(path)):
        try:
            qt = record["query_time"]
            if not isinstance(qt, dict):
                raise TypeError("query_time must be an object with date and time")
            out.append(BenchQuestion(
                id=str(record["ID"]),
                type=str(record.get("type", "unknown")),
                question=_text(record, "question"),
                choices=tuple(_text(record, k) for k in CHOICE_KEYS),
                query_time=clock.stamp(_day(qt["date"]), qt["time"]),
            ))
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise QuestionFileError(f"{_where(path, index, record)} is malformed: {str(exc)[:200]}") from None
    return out


def load_gold(path: Path, clock: DayClock) -> dict[str, GoldLabel]:
    """Scoring view: the answer letter and the target spans of every record."""
    out = {}
    for index, record in enumerate(_load(path)):
        try:
            answer = record.get("answer", "")
            if not isinstance(answer, str) or answer.strip().upper() not in ("", *LETTERS):
                raise ValueError(f"answer must be one of {', '.join(LETTERS)}, got {answer!r}"[:200])
            target = record.get("target_time") or {}
            if not isinstance(target, dict):
                raise TypeError("target_time must be an object with date and time")
            out[str(record["ID"])] = GoldLabel(
                id=str(record["ID"]), type=str(record.get("type", "unknown")),
                answer=answer.strip().upper(), targets=parse_target(target, clock),
            )
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise QuestionFileError(f"{_where(path, index, record)} has a malformed answer or target_time: "
                                    f"{str(exc)[:200]}") from None
    return out


def parse_target(target: dict, clock: DayClock) -> tuple[tuple[datetime, datetime], ...]:
    """All target forms: a moment, a ``T1DAYd_T2`` range, a ``…DAYd_T…DAYe_T`` list, a time_list."""
    if not target:
        return ()
    day = _day(target["date"])
    if target.get("time_list"):
        moments = [clock.stamp(day, t) for t in target["time_list"]]
        return tuple((m, m) for m in moments)
    parts = re.split(r"(DAY\d+)_", str(target["time"]), flags=re.I)
    stamps = [clock.stamp(day, parts[0])]
    for i in range(1, len(parts) - 1, 2):
        stamps.append(clock.stamp(_day(parts[i]), parts[i + 1]))
    if len(stamps) == 2:
        return ((min(stamps), max(stamps)),)
    return tuple((s, s) for s in stamps)


def hit(targets: tuple[tuple[datetime, datetime], ...], start: datetime, end: datetime) -> bool:
    """Whether a clip [start, end] contains a target moment or overlaps a target range."""
    return any(t0 <= end and t1 >= start for t0, t1 in targets)
