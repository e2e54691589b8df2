"""Import EgoLife caption exports (captions + transcripts) into the memory.

Two layouts are read:

* the per-clip JSON files (one file per recorded hour, ``{ID}_DAYd_HH000000.json``, each a
  list of ``{"video_file": "DAYd_{ID}_HHMMSSFF.mp4", "data": [{"start": HHMMSS, "end":
  HHMMSS, "text": ..., "type": "caption"|"transcript"}]}``), as published with WorldMM;
* EgoLife's own hourly SRT layout under an ``EgoLifeCap`` folder:
  ``Transcript/{ID}/DAYd/{ID}_DAYd_HH000000.srt`` and ``DenseCaption/{ID}/DAYd/*.srt``.
  SRT cue times are read as offsets from the file's hour (``HH000000``); cues already
  written as wall-clock times of that hour are accepted too.

EgoLife numbers days (``DAY1``..``DAY7``) and writes times as ``HHMMSSFF`` (FF = frame at
20 fps, parsed leniently). They map to wall-clock through ``day1`` (the calendar date of
DAY1) in ``timezone`` (EgoLife was recorded in Beijing: pass ``Asia/Shanghai`` to get
true instants; the default is the settings' timezone). Transcript lines are
``Speaker: text``; speakers become `Person` rows, the wearer's own name (``Jake`` for
``A1_JAKE``) the ``me`` person. Re-importing the same files adds nothing.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from egobutler.ingest.errors import IngestError

log = logging.getLogger(__name__)

CLIP_S = 30.0
FPS = 20.0  # EgoLife's frame rate in HHMMSSFF stamps
MAX_DAY = 3660  # EgoLife days count from DAY1; ten years of them is already beyond any recording
MAX_FILE_BYTES = 256 << 20  # one hour's export is a few MB; larger is not an EgoLife file
CAPTION_MODEL = "egolife-densecaption"
TRANSCRIPT_MODEL = "egolife-transcript"

_JSON_NAME = re.compile(r"^(?P<wearer>[A-Za-z0-9]+_[A-Za-z0-9]+)_DAY(?P<day>\d+)_(?P<hour>\d{8})\.json$", re.I)
_SRT_NAME = re.compile(r"^(?P<wearer>[A-Za-z0-9]+_[A-Za-z0-9]+)_DAY(?P<day>\d+)_(?P<hour>\d{8})\.srt$", re.I)
_VIDEO_NAME = re.compile(r"DAY(?P<day>\d+)_(?P<wearer>.+?)_(?P<time>\d{8})", re.I)
_SPEAKER = re.compile(r"^\s*(?P<name>[A-Z][\w .'-]{0,30}?)\s*[:：]\s*(?P<text>.+)$", re.S)
_SRT_TIME = re.compile(r"(\d+):(\d{2}):(\d{2})[,.](\d{1,3})\s*-->\s*(\d+):(\d{2}):(\d{2})[,.](\d{1,3})")


class EgoLifeFormatError(IngestError):
    """An EgoLife file does not have the expected layout."""


@dataclass(frozen=True)
class EgoLifeClock:
    """Maps EgoLife's DAYd + HHMMSSFF stamps to tz-aware wall-clock datetimes."""

    day1: date
    timezone: str = "UTC"

    def __post_init__(self) -> None:
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise IngestError(f"unknown timezone {self.timezone!r}; use an IANA name like Asia/Shanghai") from None

    def at(self, day: int, seconds_of_day: float) -> datetime:
        """Wall-clock time of ``seconds_of_day`` on EgoLife day ``day`` (1-based)."""
        if not 1 <= day <= MAX_DAY:
            raise ValueError(f"DAY{day} is outside DAY1..DAY{MAX_DAY}")
        midnight = datetime.combine(self.day1 + timedelta(days=day - 1), datetime.min.time(), ZoneInfo(self.timezone))
        return midnight + timedelta(seconds=seconds_of_day)

    def stamp(self, day: int, hhmmssff: str | int) -> datetime:
        """``stamp(1, "11094208")`` -> DAY1 11:09:42.40."""
        return self.at(day, hhmmssff_seconds(hhmmssff))

    def day_of(self, when: datetime) -> int:
        """EgoLife day number (1-based) of a datetime."""
        local = when.astimezone(ZoneInfo(self.timezone)).date()
        return (local - self.day1).days + 1


def hhmmssff_seconds(value: str | int) -> float:
    """Seconds of day of ``HHMMSSFF`` (7-8 digits) or ``HHMMSS`` (up to 6 digits).

    Leading zeros may be missing (``93000`` is 09:30:00); frame values above 19 (seen in
    a few EgoLifeQA records) are clamped to the last frame of the second.
    """
    text = str(value).strip()
    if not text.isdigit() or len(text) > 8:
        raise ValueError(f"not an HHMMSS or HHMMSSFF time: {value!r}")
    text = text.zfill(8) if len(text) > 6 else text.zfill(6) + "00"
    hours, minutes, seconds, frames = int(text[0:2]), int(text[2:4]), int(text[4:6]), int(text[6:8])
    return hours * 3600 + minutes * 60 + seconds + min(frames, FPS - 1) / FPS


@dataclass(frozen=True)
class ParsedLine:
    kind: str  # caption | utterance
    start: datetime
    end: datetime
    text: str
    speaker: str | None = None


@dataclass
class ParsedClip:
    start: datetime
    end: datetime
    source: str
    video_file: str | None = None
    lines: list[ParsedLine] = field(default_factory=list)


def split_speaker(text: str) -> tuple[str | None, str]:
    """``"Jake: Okay."`` -> ``("Jake", "Okay.")``; lines without a speaker prefix keep None."""
    match = _SPEAKER.match(text)
    if not match:
        return None, text.strip()
    return match.group("name").strip(), match.group("text").strip()


def wearer_name(wearer_id: str) -> str:
    """``A1_JAKE`` -> ``Jake``: EgoLife ids end with the wearer's first name."""
    return wearer_id.split("_")[-1].capitalize()


# --- per-clip JSON layout -------------------------------------------------------------


def read_json_file(path: Path, clock: EgoLifeClock) -> list[ParsedClip]:
    """Parse one hourly per-clip JSON file into clips with their lines."""
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise EgoLifeFormatError(f"{path}: {path.stat().st_size} bytes is too large for an EgoLife hour file")
        records = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # ValueError: bad JSON or not UTF-8
        raise EgoLifeFormatError(f"{path}: cannot read it as UTF-8 JSON ({type(exc).__name__}: "
                                 f"{str(exc)[:200]})") from None
    match = _JSON_NAME.match(path.name)
    default_day = int(match.group("day")) if match else None
    if not isinstance(records, list):
        raise EgoLifeFormatError(f"{path}: expected a list of clips, got {type(records).__name__}")
    clips = []
    for index, record in enumerate(records):
        try:
            clips.append(_json_clip(record, clock, default_day, str(path)))
        except (KeyError, TypeError, ValueError, OverflowError) as exc:
            raise EgoLifeFormatError(f"{path}: clip #{index} is malformed ({str(exc)[:200]})") from None
    return clips


def _json_clip(record: dict, clock: EgoLifeClock, default_day: int | None, source: str) -> ParsedClip:
    if not isinstance(record, dict):
        raise TypeError(f"expected an object with video_file and data, got {type(record).__name__}")
    video = record.get("video_file") or ""
    if not isinstance(video, str):
        raise TypeError(f"video_file must be a string, got {type(video).__name__}")
    items = record.get("data") or []
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise TypeError("data must be a list of objects with start, end, text and type")
    match = _VIDEO_NAME.search(video)
    if not match:
        raise ValueError(f"video_file {video!r} is not DAYd_ID_HHMMSSFF.mp4")
    day = int(match.group("day")) if match else default_day
    start = clock.stamp(day, match.group("time"))
    clip = ParsedClip(start=start, end=start + timedelta(seconds=CLIP_S), source=source, video_file=video)
    for item in items:
        text = str(item.get("text") or "").strip()
        if not text:
            continue
        line_start = _near(clock.stamp(day, int(item["start"])), start)
        line_end = max(_near(clock.stamp(day, int(item.get("end", item["start"]))), start), line_start)
        kind = "utterance" if item.get("type") == "transcript" else "caption"
        speaker = None
        if kind == "utterance":
            speaker, text = split_speaker(text)
        clip.lines.append(ParsedLine(kind, line_start, line_end, text, speaker))
    return clip


def _near(stamp: datetime, anchor: datetime) -> datetime:
    """Move a time-of-day stamp by whole days so it lies within 12 h of its clip (midnight)."""
    while stamp - anchor > timedelta(hours=12):
        stamp -= timedelta(days=1)
    while anchor - stamp > timedelta(hours=12):
        stamp += timedelta(days=1)
    return stamp


# --- EgoLife SRT layout ---------------------------------------------------------------


def parse_srt(text: str) -> Iterator[tuple[float, float, str]]:
    """Cues of an SRT document as (start_s, end_s, text)."""
    for block in re.split(r"\r?\n\s*\r?\n", text.strip()):
        lines = [ln.strip() for ln in block.strip().splitlines() if ln.strip()]
        for i, line in enumerate(lines):
            match = _SRT_TIME.search(line)
            if match:
                g = [int(x) for x in match.groups()]
                start = g[0] * 3600 + g[1] * 60 + g[2] + g[3] / 10 ** len(match.group(4))
                end = g[4] * 3600 + g[5] * 60 + g[6] + g[7] / 10 ** len(match.group(8))
                body = " ".join(lines[i + 1:]).strip()
                if body:
                    yield start, end, body
                break


def read_srt_file(path: Path, clock: EgoLifeClock, kind: str) -> list[ParsedLine]:
    """Lines of one hourly EgoLife SRT file (``kind`` caption or utterance)."""
    match = _SRT_NAME.match(path.name)
    if not match:
        raise EgoLifeFormatError(f"{path}: name is not ID_DAYd_HH000000.srt")
    day, hour_s = int(match.group("day")), hhmmssff_seconds(match.group("hour"))
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            raise EgoLifeFormatError(f"{path}: {path.stat().st_size} bytes is too large for an EgoLife hour file")
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise EgoLifeFormatError(f"{path}: cannot read it as UTF-8 text ({type(exc).__name__})") from None
    out = []
    for start_s, end_s, body in parse_srt(text):
        if not (0 <= start_s < 48 * 3600 and 0 <= end_s < 48 * 3600):
            raise EgoLifeFormatError(f"{path}: cue time {start_s:.0f} s is not within the file's day")
        # Cues are offsets from the file's hour unless they already are times of that hour.
        base = 0.0 if hour_s > 0 and hour_s <= start_s < hour_s + 2 * 3600 else hour_s
        speaker = None
        if kind == "utterance":
            speaker, body = split_speaker(body)
        try:
            out.append(ParsedLine(kind, clock.at(day, base + start_s), clock.at(day, base + max(end_s, start_s)),
                                  body, speaker))
        except (ValueError, OverflowError) as exc:
            raise EgoLifeFormatError(f"{path}: {exc}") from None
    if not out and text.strip():
        raise EgoLifeFormatError(f"{path}: no SRT cues with text (expected blocks of 'HH:MM:SS,mmm --> "
                                 "HH:MM:SS,mmm' followed by the text)")
    return out


def group_lines(lines: Iterable[ParsedLine], source: str, clip_s: float = CLIP_S) -> list[ParsedClip]:
    """Group lines into fixed wall-clock clips of ``clip_s`` seconds (aligned to the epoch)."""
    clips: dict[float, ParsedClip] = {}
    for line in sorted(lines, key=lambda ln: ln.start):
        t0 = line.start.timestamp() // clip_s * clip_s
        if t0 not in clips:
            start = datetime.fromtimestamp(t0, line.start.tzinfo)
            clips[t0] = ParsedClip(start=start, end=start + timedelta(seconds=clip_s), source=source)
        clips[t0].lines.append(line)
    return [clips[k] for k in sorted(clips)]


# --- discovery ------------------------------------------------------------------------


@dataclass(frozen=True)
class EgoLifeSource:
    """What was found under an import path: the layout, the wearer and the files."""

    layout: str  # "json" | "srt"
    wearer_id: str
    files: tuple[Path, ...]


def discover(path: Path, wearer_id: str | None = None) -> EgoLifeSource:
    """Find the EgoLife files under ``path`` (per-clip JSON folder or an EgoLifeCap folder)."""
    path = Path(path)
    if not path.exists():
        raise IngestError(f"{path}: no such file or folder; pass the folder of EgoLife per-clip JSON files or EgoLifeCap")
    files = [path] if path.is_file() else sorted(path.rglob("*.json"))
    json_files = [f for f in files if _JSON_NAME.match(f.name)]
    if json_files:
        wearers = sorted({_JSON_NAME.match(f.name).group("wearer").upper() for f in json_files})
        return _pick(path, "json", wearers, wearer_id, json_files, _JSON_NAME)
    srt_files = [f for f in sorted(path.rglob("*.srt")) if _SRT_NAME.match(f.name)] if path.is_dir() else []
    if srt_files:
        wearers = sorted({_SRT_NAME.match(f.name).group("wearer").upper() for f in srt_files})
        return _pick(path, "srt", wearers, wearer_id, srt_files, _SRT_NAME)
    raise IngestError(
        f"{path}: found no EgoLife files (ID_DAYd_HH000000.json, or Transcript/ and DenseCaption/ SRT files)"
    )


def _pick(path: Path, layout: str, wearers: list[str], wearer_id: str | None,
          files: list[Path], pattern: re.Pattern) -> EgoLifeSource:
    if wearer_id is None:
        if len(wearers) > 1:
            raise IngestError(f"{path}: files of several wearers ({', '.join(wearers)}); choose one with --wearer")
        wearer_id = wearers[0]
    chosen = tuple(f for f in files if pattern.match(f.name).group("wearer").upper() == wearer_id.upper())
    if not chosen:
        raise IngestError(f"{path}: no files of wearer {wearer_id!r} (found: {', '.join(wearers)})")
    return EgoLifeSource(layout, wearer_id.upper(), chosen)


def read_clips(source: EgoLifeSource, clock: EgoLifeClock) -> Iterator[tuple[str, list[ParsedClip]]]:
    """Per import unit (a JSON file, or an hour of SRT files): its name and the clips read from it."""
    for name, files in _units(source):
        yield name, _read_unit(source, files, clock)


# --- writing into the memory ----------------------------------------------------------


@dataclass(frozen=True)
class ImportReport:
    wearer_id: str
    layout: str
    files: int
    files_skipped: int
    clips: int
    lines: int
    people: int
    embedded: int
    elapsed_s: float
    failures: tuple[str, ...] = ()  # one line per file that could not be read (nothing of it imported)


Progress = Callable[[str, int, int], None]  # (phase, done, total)


def import_egolife(store, path: Path, *, wearer_id: str | None = None, day1: date = date(2025, 1, 1),
                   timezone: str = "UTC", index: bool = True, progress: Progress | None = None) -> ImportReport:
    """Import an EgoLife caption export into ``store`` (a `MemoryStore`); re-imports are no-ops.

    Every file becomes a `Recording` keyed by its content hash; a file already imported
    (status done) is skipped. Lines are added without embedding, then the index is synced
    once at the end (``index=False`` skips that, e.g. for keyword-only memories).
    """
    import time

    from egobutler.memory_db.records import Recording, Wearer

    began = time.perf_counter()
    source = discover(Path(path), wearer_id)
    clock = EgoLifeClock(day1, timezone)
    store.upsert_wearer(Wearer(source.wearer_id, wearer_name(source.wearer_id), timezone))
    people: dict[str, str] = {}
    done_files = skipped = n_clips = n_lines = 0
    failures: list[str] = []
    units = _units(source)
    for number, (name, files) in enumerate(units, 1):
        rec_id = _recording_id(source.wearer_id, files)
        known = store.get_recording(rec_id)
        if known is not None and known.status == "done":
            skipped += 1
        else:
            try:
                clips = _read_unit(source, files, clock)
            except EgoLifeFormatError as exc:  # one bad file never stops the others
                failures.append(str(exc))
                clips = None
            if clips:
                recording = Recording(rec_id, source.wearer_id, str(files[0]), "egolife-" + source.layout,
                                      clips[0].start, clips[-1].end, status="running")
                store.upsert_recording(recording)
                c, ln = _write_clips(store, source.wearer_id, rec_id, clips, people)
                n_clips, n_lines = n_clips + c, n_lines + ln
                store.set_recording_status(rec_id, "done")
            done_files += clips is not None
        if progress:
            progress("import", number, len(units))
    embedded = store.sync_index(lambda d, t: progress("embed", d, t) if progress else None) if index else 0
    return ImportReport(source.wearer_id, source.layout, done_files, skipped, n_clips, n_lines, len(people),
                        embedded, time.perf_counter() - began, tuple(failures))


def _units(source: EgoLifeSource) -> list[tuple[str, tuple[Path, ...]]]:
    """Import units: one JSON file, or the SRT files (transcript + caption) of one hour."""
    if source.layout == "json":
        return [(f.name, (f,)) for f in source.files]
    hours: dict[str, list[Path]] = {}
    for f in source.files:
        hours.setdefault(f.name, []).append(f)
    return [(name, tuple(sorted(files))) for name, files in sorted(hours.items())]


def _read_unit(source: EgoLifeSource, files: tuple[Path, ...], clock: EgoLifeClock) -> list[ParsedClip]:
    if source.layout == "json":
        return sorted(read_json_file(files[0], clock), key=lambda c: c.start)
    lines: list[ParsedLine] = []
    for f in files:
        kind = "utterance" if any(part.lower() == "transcript" for part in f.parts) else "caption"
        lines.extend(read_srt_file(f, clock, kind))
    return group_lines(lines, source=files[0].name)


def _recording_id(wearer_id: str, files: tuple[Path, ...]) -> str:
    import hashlib

    h = hashlib.sha1(wearer_id.encode())
    for f in files:
        h.update(f.name.encode())
        h.update(f.read_bytes())
    return "egolife-" + h.hexdigest()[:20]


def _write_clips(store, wearer_id: str, rec_id: str, parsed: list[ParsedClip], people: dict[str, str]) -> tuple[int, int]:
    from egobutler.memory_db.records import Clip, MemoryLine

    clips, lines = [], []
    for pc in parsed:
        clip = Clip(wearer_id, pc.start, pc.end, recording_id=rec_id)
        clips.append(clip)
        for ln in pc.lines:
            speaker_id = _person_id(store, wearer_id, ln.speaker, people) if ln.speaker else None
            model = TRANSCRIPT_MODEL if ln.kind == "utterance" else CAPTION_MODEL
            lines.append(MemoryLine(ln.kind, clip.id, ln.start, ln.end, ln.text, model, speaker_id=speaker_id))
    store.add_clips(clips)
    return len(clips), store.add_lines(lines, index=False)


def _person_id(store, wearer_id: str, name: str, people: dict[str, str]) -> str:
    """The `Person` id of a transcript speaker; the wearer's own name is the ``me`` person."""
    key = name.lower()
    if key not in people:
        from egobutler.memory_db.records import Person, content_id

        person_id = "p-" + content_id("egolife-person", wearer_id, key)[:12]
        existing = store.get_person(person_id)
        if existing is None:
            kind = "me" if key == wearer_name(wearer_id).lower() else "person"
            store.upsert_person(Person(person_id, name, kind=kind, wearer_id=wearer_id))
        people[key] = person_id
    return people[key]
