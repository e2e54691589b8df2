"""`memory import`: read a JSONL export, validate ALL of it, then write it in one transaction.

A bad line anywhere (not JSON, a missing field, a naive time, an unknown wearer, person or
clip, a media path outside the media dir) fails the import with ``line N: ...`` before
anything is written. Then every row goes in one SQL transaction (all or nothing); the
vectors follow (a failure there leaves the rows marked dirty, and the next start embeds
them). Records already present are kept as they are (re-importing adds nothing).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, get_args
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select, update

from egobutler.memory_db import schema as s
from egobutler.memory_db.errors import MemoryError_
from egobutler.memory_db.export import FORMAT_VERSION
from egobutler.memory_db.keyword_search import refresh_clip_docs, refresh_summary_docs
from egobutler.memory_db.records import MEMORY_KINDS, Clip, MemoryLine, Person, PersonKind, Summary
from egobutler.memory_db.rows import clip_values, line_values, summary_values

if TYPE_CHECKING:
    from egobutler.memory_db.store import MemoryStore

MAX_LINE_CHARS = 16 << 20  # one record; a longer line is not an egobutler export


@dataclass
class ImportPlan:
    """Validated rows, grouped by table, in the order they are written."""

    wearers: dict[str, dict] = field(default_factory=dict)
    people: dict[str, dict] = field(default_factory=dict)
    voices: dict[str, dict] = field(default_factory=dict)
    recordings: dict[str, dict] = field(default_factory=dict)
    clips: dict[str, Clip] = field(default_factory=dict)
    lines: dict[str, MemoryLine] = field(default_factory=dict)
    summaries: dict[str, Summary] = field(default_factory=dict)
    records: int = 0


class _Bad(ValueError):
    """A record that is not valid; the message says why."""


def _text(record: dict, key: str, *, optional: bool = False) -> str | None:
    value = record.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or (not optional and not value):
        raise _Bad(f"{key} must be a {'' if optional else 'non-empty '}string, not {value!r}"[:200])
    return value


def _time(record: dict, key: str, *, optional: bool = False) -> datetime | None:
    value = _text(record, key, optional=optional)
    if value is None:
        return None
    stamp = datetime.fromisoformat(value)
    if stamp.tzinfo is None:
        raise _Bad(f"{key} {value!r} has no UTC offset")
    return stamp


def _number(record: dict, key: str, default: float | None) -> float | None:
    value = record.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise _Bad(f"{key} must be a finite number, not {value!r}"[:200])
    return float(value)


class _Reader:
    """Turns records into an `ImportPlan`, checking references against the file and the store."""

    def __init__(self, store: MemoryStore):
        self.store = store
        self.plan = ImportPlan()
        self.media_root = Path(store.media.root).resolve()
        self.stored_clips: set[str] = set()  # clip ids already looked up in the store

    def wearer_known(self, wearer_id: str) -> None:
        if wearer_id not in self.plan.wearers and self.store.get_wearer(wearer_id) is None:
            raise _Bad(f"unknown wearer {wearer_id!r} (not in the file before this line, nor in the memory)")

    def media(self, record: dict, key: str) -> str | None:
        path = _text(record, key, optional=True)
        if path is None:
            return None
        target = (self.media_root / path).resolve()
        if Path(path).is_absolute() or not target.is_relative_to(self.media_root):
            raise _Bad(f"{key} {path!r} lies outside the media dir")
        return path

    def read(self, record: dict) -> None:
        kind = _text(record, "type")
        handler = getattr(self, f"_{kind}", None) if kind in _HANDLED else None
        if handler is None:
            raise _Bad(f"unknown record type {kind!r}")
        handler(record)
        self.plan.records += 1

    def _egobutler_export(self, record: dict) -> None:
        version = record.get("version", 1)
        if not isinstance(version, int) or version > FORMAT_VERSION:
            raise _Bad(f"export format {version!r} is newer than this egobutler reads ({FORMAT_VERSION})")

    def _wearer(self, record: dict) -> None:
        zone = _text(record, "timezone", optional=True) or "UTC"
        try:
            ZoneInfo(zone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise _Bad(f"unknown time zone {zone!r}") from None
        wearer_id = _text(record, "id")
        self.plan.wearers[wearer_id] = {"id": wearer_id, "name": _text(record, "name"), "timezone": zone}

    def _person(self, record: dict) -> None:
        wearer_id = _text(record, "wearer_id", optional=True)
        if wearer_id is not None:
            self.wearer_known(wearer_id)
        if (record.get("kind") or "person") not in get_args(PersonKind):
            raise _Bad(f"kind must be one of {', '.join(get_args(PersonKind))}, not {record.get('kind')!r}"[:200])
        person = Person(_text(record, "id"), _text(record, "name", optional=True),
                        _text(record, "kind", optional=True) or "person", wearer_id)
        self.plan.people[person.id] = {"id": person.id, "name": person.name, "kind": person.kind,
                                       "wearer_id": person.wearer_id}

    def _voice_profile(self, record: dict) -> None:
        person_id = _text(record, "person_id")
        if person_id not in self.plan.people and self.store.get_person(person_id) is None:
            raise _Bad(f"voice profile of unknown person {person_id!r}")
        vector = record.get("vector")
        if not isinstance(vector, list) or not vector or not all(
                isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) for x in vector):
            raise _Bad("vector must be a non-empty list of finite numbers")
        voice_id = _text(record, "id")
        self.plan.voices[voice_id] = {"id": voice_id, "person_id": person_id, "model_id": _text(record, "model_id"),
                                      "vector": [float(x) for x in vector]}

    def _recording(self, record: dict) -> None:
        wearer_id = _text(record, "wearer_id")
        self.wearer_known(wearer_id)
        rec_id = _text(record, "id")
        self.plan.recordings[rec_id] = {
            "id": rec_id, "wearer_id": wearer_id, "source": _text(record, "source"), "kind": _text(record, "kind"),
            "start": _time(record, "start", optional=True), "end": _time(record, "end", optional=True),
            "status": _text(record, "status", optional=True) or "done", "error": _text(record, "error", optional=True)}

    def _clip(self, record: dict) -> None:
        wearer_id = _text(record, "wearer_id")
        self.wearer_known(wearer_id)
        clip = Clip(wearer_id, _time(record, "start"), _time(record, "end"), _text(record, "recording_id", optional=True),
                    self.media(record, "video_path"), _number(record, "video_offset_s", 0.0),
                    self.media(record, "thumbnail_path"), _text(record, "id"))
        if clip.end < clip.start:
            raise _Bad("the clip ends before it starts")
        self.plan.clips[clip.id] = clip

    def _line(self, record: dict) -> None:
        clip_id = _text(record, "clip_id")
        if clip_id not in self.plan.clips and clip_id not in self.stored_clips:
            if self.store.get_clip(clip_id) is None:
                raise _Bad(f"line of unknown clip {clip_id!r}")
            self.stored_clips.add(clip_id)
        flags, stats = record.get("flags") or [], record.get("stats") or {}
        if not isinstance(flags, list) or not all(isinstance(f, str) for f in flags) or not isinstance(stats, dict):
            raise _Bad("flags must be a list of strings and stats an object")
        line = MemoryLine(record["type"], clip_id, _time(record, "start"), _time(record, "end"), _text(record, "text"),
                          _text(record, "model_id"), _text(record, "speaker_id", optional=True),
                          _text(record, "label", optional=True), _number(record, "confidence", None),
                          tuple(flags), dict(stats), _text(record, "id"))
        self.plan.lines[line.id] = line

    def _summary(self, record: dict) -> None:
        wearer_id = _text(record, "wearer_id")
        self.wearer_known(wearer_id)
        summary = Summary(wearer_id, _text(record, "level"), _time(record, "start"), _time(record, "end"),
                          _text(record, "text"), _text(record, "model_id"), _text(record, "id"))
        self.plan.summaries[summary.id] = summary


_HANDLED = ("egobutler_export", "wearer", "person", "voice_profile", "recording", "clip", "summary")
for _kind in MEMORY_KINDS:
    setattr(_Reader, f"_{_kind}", _Reader._line)
_HANDLED += MEMORY_KINDS


def read_plan(store: MemoryStore, fp: IO[str]) -> ImportPlan:
    """Validate every line of ``fp``; `MemoryError_` naming the first bad line (nothing written)."""
    reader = _Reader(store)
    number = 0
    try:
        for number, raw in enumerate(fp, start=1):
            if len(raw) > MAX_LINE_CHARS:
                raise _Bad("the line is too long for an egobutler record")
            if not raw.strip():
                continue
            record = json.loads(raw)
            if not isinstance(record, dict):
                raise _Bad(f"a record is a JSON object, not {type(record).__name__}")
            reader.read(record)
    except (KeyError, TypeError, ValueError, OverflowError, RecursionError) as exc:  # _Bad is a ValueError
        detail = str(exc)[:300] if isinstance(exc, _Bad) else f"{type(exc).__name__}: {str(exc)[:300]}"
        raise MemoryError_(f"line {number} of the import is not a valid egobutler record: {detail}; "
                           "nothing was imported") from None
    return reader.plan


def write_plan(store: MemoryStore, plan: ImportPlan) -> None:
    """Write the plan in one transaction: all of it, or (on any error) nothing. Rows already in
    the memory are kept as they are: an import adds, it never changes what is stored."""
    with store.engine.begin() as conn:
        for table, rows in ((s.wearers, plan.wearers), (s.people, plan.people), (s.recordings, plan.recordings)):
            _insert_missing(conn, table, list(rows.values()))
        _insert_missing(conn, s.voice_profiles, list(plan.voices.values()))
        _insert_missing(conn, s.clips, [clip_values(c) for c in plan.clips.values()])
        touched = set(plan.clips)
        for kind, table in s.LINE_TABLES.items():
            new = _insert_missing(conn, table, [line_values(x) for x in plan.lines.values() if x.kind == kind])
            touched.update(row["clip_id"] for row in new)
        ids = sorted(touched)
        for start in range(0, len(ids), 500):
            conn.execute(update(s.clips).where(s.clips.c.id.in_(ids[start:start + 500])).values(dirty=True))
        refresh_clip_docs(conn, ids)
        _insert_missing(conn, s.summaries, [summary_values(x) for x in plan.summaries.values()])
        refresh_summary_docs(conn, list(plan.summaries))
        store._bump(conn)


def _existing(conn, table, ids: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(ids), 500):
        found.update(r[0] for r in conn.execute(select(table.c.id).where(table.c.id.in_(ids[start:start + 500]))))
    return found


def _insert_missing(conn, table, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    present = _existing(conn, table, [r["id"] for r in rows])
    new = [r for r in rows if r["id"] not in present]
    if new:
        conn.execute(table.insert(), new)
    return new


def import_jsonl(store: MemoryStore, fp: IO[str]) -> int:
    """Validate, then write in one transaction, then embed. Returns the records read."""
    plan = read_plan(store, fp)
    write_plan(store, plan)
    store.sync_index()
    return plan.records
