"""Conversions between records and SQL row values."""

from __future__ import annotations

from typing import Any

from egobutler.memory_db.records import Clip, MemoryLine, Person, Recording, Summary


def clip_values(clip: Clip) -> dict[str, Any]:
    return {
        "id": clip.id, "recording_id": clip.recording_id, "wearer_id": clip.wearer_id,
        "start": clip.start, "end": clip.end, "video_path": clip.video_path,
        "video_offset_s": clip.video_offset_s, "thumbnail_path": clip.thumbnail_path, "dirty": True,
    }


def clip_from_row(row) -> Clip:
    return Clip(
        wearer_id=row.wearer_id, start=row.start, end=row.end, recording_id=row.recording_id,
        video_path=row.video_path, video_offset_s=row.video_offset_s or 0.0,
        thumbnail_path=row.thumbnail_path, id=row.id,
    )


def line_values(line: MemoryLine) -> dict[str, Any]:
    values: dict[str, Any] = {
        "id": line.id, "clip_id": line.clip_id, "start": line.start, "end": line.end,
        "text": line.text, "model_id": line.model_id, "confidence": line.confidence,
        "flags": list(line.flags), "stats": dict(line.stats),
    }
    if line.kind == "utterance":
        values["speaker_id"] = line.speaker_id
    if line.kind == "motion":
        values["label"] = line.label
    return values


def line_from_row(kind: str, row) -> MemoryLine:
    mapping = row._mapping
    return MemoryLine(
        kind=kind, clip_id=row.clip_id, start=row.start, end=row.end, text=row.text,
        model_id=row.model_id, speaker_id=mapping.get("speaker_id"), label=mapping.get("label"),
        confidence=row.confidence, flags=tuple(row.flags or ()), stats=dict(row.stats or {}), id=row.id,
    )


def summary_values(summary: Summary) -> dict[str, Any]:
    return {
        "id": summary.id, "wearer_id": summary.wearer_id, "level": summary.level, "start": summary.start,
        "end": summary.end, "text": summary.text, "model_id": summary.model_id, "dirty": True,
    }


def summary_from_row(row) -> Summary:
    return Summary(row.wearer_id, row.level, row.start, row.end, row.text, row.model_id, row.id)


def person_from_row(row) -> Person:
    return Person(id=row.id, name=row.name, kind=row.kind, wearer_id=row.wearer_id)


def recording_from_row(row) -> Recording:
    return Recording(
        id=row.id, wearer_id=row.wearer_id, source=row.source, kind=row.kind,
        start=row.start, end=row.end, status=row.status, error=row.error,
    )
