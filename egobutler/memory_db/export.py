"""Export the memory to JSONL and import it back losslessly.

One JSON object per line. Every record has ``type``; time-bound records have
``start``/``end`` as ISO-8601 with the wearer's UTC offset, and ``text``. Utterances
carry ``speaker`` (a name, ``me`` for the wearer, or the anonymous cluster id) and
``speaker_id``; motion segments carry ``label``. Wearers, people and voice profiles come
first so that an import can resolve references.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import IO, TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from egobutler.memory_db.records import MemoryLine

if TYPE_CHECKING:
    from egobutler.memory_db.store import MemoryStore

FORMAT_VERSION = 1


def _zone(name: str):
    try:
        return ZoneInfo(name)
    except Exception:  # noqa: BLE001 - an unknown zone name falls back to UTC
        return ZoneInfo("UTC")


def _iso(stamp: datetime | None, zone) -> str | None:
    return stamp.astimezone(zone).isoformat() if stamp is not None else None


def export_jsonl(store: MemoryStore, fp: IO[str]) -> int:
    """Write every record; returns how many lines were written."""
    zones = {w.id: _zone(w.timezone) for w in store.wearers()}
    utc = ZoneInfo("UTC")
    names = store.speaker_names()
    count = 0

    def put(record: dict[str, Any]) -> None:
        nonlocal count
        fp.write(json.dumps(record, ensure_ascii=False) + "\n")
        count += 1

    put({"type": "egobutler_export", "version": FORMAT_VERSION})
    for w in store.wearers():
        put({"type": "wearer", "id": w.id, "name": w.name, "timezone": w.timezone})
    for p in store.people():
        put({"type": "person", "id": p.id, "name": p.name, "kind": p.kind, "wearer_id": p.wearer_id})
    for v in store.voice_profiles():
        put({"type": "voice_profile", "id": v.id, "person_id": v.person_id, "model_id": v.model_id, "vector": list(v.vector)})
    for r in store.recordings():
        zone = zones.get(r.wearer_id, utc)
        put({"type": "recording", "id": r.id, "wearer_id": r.wearer_id, "source": r.source, "kind": r.kind,
             "start": _iso(r.start, zone), "end": _iso(r.end, zone), "status": r.status, "error": r.error})
    clips = store.clips()
    clip_zone = {}
    for c in clips:
        zone = clip_zone[c.id] = zones.get(c.wearer_id, utc)
        put({"type": "clip", "id": c.id, "wearer_id": c.wearer_id, "recording_id": c.recording_id,
             "start": _iso(c.start, zone), "end": _iso(c.end, zone), "text": "",
             "video_path": c.video_path, "video_offset_s": c.video_offset_s, "thumbnail_path": c.thumbnail_path})
    for start in range(0, len(clips), 500):
        for line in store.lines(clip_ids=[c.id for c in clips[start : start + 500]]):
            put(_line_record(line, clip_zone.get(line.clip_id, utc), names))
    for x in store.summaries():
        zone = zones.get(x.wearer_id, utc)
        put({"type": "summary", "id": x.id, "wearer_id": x.wearer_id, "level": x.level, "start": _iso(x.start, zone),
             "end": _iso(x.end, zone), "text": x.text, "model_id": x.model_id})
    return count


def _line_record(line: MemoryLine, zone, names: dict[str, str]) -> dict[str, Any]:
    record: dict[str, Any] = {
        "type": line.kind, "id": line.id, "clip_id": line.clip_id, "start": _iso(line.start, zone),
        "end": _iso(line.end, zone), "text": line.text, "model_id": line.model_id,
        "confidence": line.confidence, "flags": list(line.flags), "stats": line.stats,
    }
    if line.kind == "utterance":
        record["speaker_id"] = line.speaker_id
        record["speaker"] = names.get(line.speaker_id or "", line.speaker_id)
    if line.kind == "motion":
        record["label"] = line.label
    return record


def import_jsonl(store: MemoryStore, fp: IO[str]) -> int:
    """Read an export back: validated first, written in one transaction (see `import_jsonl.py`)."""
    from egobutler.memory_db.import_jsonl import import_jsonl as import_validated

    return import_validated(store, fp)
