"""Recognise a synced recording and say what it holds: an Aria-style folder, a plain video
file, or an Aria VRS file (converted to an Aria-style folder by `egobutler.ingest.vrs`).

A recording is identified by a fast content hash (size + first and last MiB of each of its
files; names and mtimes do not count), so the same recording synced twice or renamed is
recognised and ingested once.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import re
from dataclasses import dataclass
from datetime import datetime, timezone as dt_timezone
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from egobutler.ingest.errors import SourceError

log = logging.getLogger(__name__)

VIDEO_SUFFIXES = (".mp4", ".mov", ".mkv", ".avi", ".webm", ".m4v")
_MIB = 1 << 20
MAX_RECORDING_S = 48 * 3600.0  # longer than two days: a corrupt duration, not a recording
_WEARER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}")  # a wearer id is a folder name in the media dir


@dataclass(frozen=True)
class VideoInfo:
    """What the container says: duration, streams and creation time (if recorded)."""

    duration_s: float
    has_video: bool
    has_audio: bool
    creation_time: datetime | None = None


@dataclass(frozen=True)
class RecordingSource:
    """One recording ready to be split into clips. Offsets are seconds from ``start``."""

    path: Path
    kind: str  # aria-folder | video | vrs
    recording_id: str
    wearer_id: str
    start: datetime
    timezone: str
    duration_s: float
    video_path: Path | None
    imu_path: Path | None = None
    has_video: bool = True
    has_audio: bool = True
    problems: tuple[str, ...] = ()

    @property
    def end(self) -> datetime:
        from datetime import timedelta

        return self.start + timedelta(seconds=self.duration_s)


def content_hash(files: list[Path]) -> str:
    """Hash of each file's size and first/last MiB, in a name-independent order."""
    digests = []
    for path in files:
        h = hashlib.sha1()
        size = path.stat().st_size
        h.update(str(size).encode())
        with path.open("rb") as handle:
            h.update(handle.read(_MIB))
            if size > _MIB:
                handle.seek(max(size - _MIB, _MIB))
                h.update(handle.read(_MIB))
        digests.append(h.hexdigest())
    return "rec-" + hashlib.sha1("".join(sorted(digests)).encode()).hexdigest()[:16]


def probe_video(path: Path) -> VideoInfo:
    """Open ``path`` with PyAV and read its streams; raises `SourceError` if it cannot be opened."""
    import av

    try:
        with av.open(str(path)) as container:
            has_video = bool(container.streams.video)
            has_audio = bool(container.streams.audio)
            duration_s = _container_duration(container)
            created = _creation_time(container.metadata.get("creation_time"))
    except (av.error.FFmpegError, OSError) as exc:
        raise SourceError(f"{path}: cannot open the video ({exc}); the file may be truncated or still "
                          "syncing - re-sync it or remove it from the inbox") from None
    if duration_s <= 0:
        raise SourceError(f"{path}: the video has no decodable duration; re-sync it")
    return VideoInfo(duration_s, has_video, has_audio, created)


def _container_duration(container) -> float:
    if container.duration:
        return container.duration / 1_000_000  # av.time_base is microseconds
    spans = [float(s.duration * s.time_base) for s in container.streams if s.duration and s.time_base]
    return max(spans, default=0.0)


def _creation_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        stamp = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if stamp.year < 1971:  # cameras with no clock write 1970/1904
        return None
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt_timezone.utc)


def parse_start(text: str, tz_name: str = "UTC", *, where: str = "--start") -> datetime:
    """An ISO-8601 time; without an offset it is read in ``tz_name``."""
    try:
        stamp = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise SourceError(f"{where}: {text!r} is not an ISO-8601 time such as 2025-01-01T10:00:00+01:00") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=_zone(tz_name))
    if not 1971 <= stamp.year <= 2200:
        raise SourceError(f"{where}: {text!r} is not a plausible recording time (years 1971-2200)")
    return stamp.astimezone(dt_timezone.utc)


def _zone(name: str):
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise SourceError(f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin") from None


def open_source(
    path: str | Path, *, wearer: str | None = None, start: str | datetime | None = None,
    default_wearer: str = "me", timezone: str = "UTC", work_dir: Path | None = None,
) -> RecordingSource:
    """Recognise the recording at ``path`` and read its metadata (nothing is decoded yet).

    ``wearer``/``start`` override what the recording says; ``work_dir`` is where a VRS file
    is converted. Raises `SourceError` with what is wrong and how to fix it."""
    try:
        path = Path(path).expanduser().resolve(strict=True)
    except FileNotFoundError:
        raise SourceError(f"{Path(path).expanduser().absolute()}: no such file or folder") from None
    except (OSError, RuntimeError) as exc:  # a symlink loop, a permission problem
        raise SourceError(f"{path}: cannot be opened ({exc})") from None
    if wearer is not None:
        check_wearer_id(wearer, where="--wearer")
    if path.is_dir():
        return open_aria_folder(path, wearer=wearer, start=start, default_wearer=default_wearer, timezone=timezone)
    if path.suffix.lower() == ".vrs":
        from egobutler.ingest.vrs import open_vrs

        return open_vrs(path, wearer=wearer, start=start, default_wearer=default_wearer, timezone=timezone,
                        work_dir=work_dir or path.parent / ".egobutler-vrs")
    if path.suffix.lower() in VIDEO_SUFFIXES:
        return open_video_file(path, wearer=wearer, start=start, default_wearer=default_wearer, timezone=timezone)
    raise SourceError(f"{path}: not a recording egobutler knows (an Aria-style folder with meta.json, "
                      f"a video file {', '.join(VIDEO_SUFFIXES)}, or a .vrs file)")


def check_wearer_id(value: object, *, where: str) -> str:
    """A wearer id names a folder of the media dir: letters, digits and ``_.@+-``, at most 64."""
    if not isinstance(value, str) or not _WEARER_ID.fullmatch(value) or ".." in value:
        raise SourceError(f"{where}: wearer {value!r} is not a valid id; use letters, digits and _ . @ + - "
                          "(at most 64, starting with a letter or digit)")
    return value


def check_duration(path: Path, duration_s: float) -> float:
    """A recording's duration must be a number of seconds between 0 and two days."""
    if not math.isfinite(duration_s) or duration_s < 0 or duration_s > MAX_RECORDING_S:
        raise SourceError(f"{path}: implausible duration {duration_s:.6g} s (at most {MAX_RECORDING_S / 3600:.0f} h); "
                          "the file's timestamps are corrupt - re-sync it")
    return duration_s


def open_video_file(path: Path, *, wearer: str | None, start: str | datetime | None,
                    default_wearer: str, timezone: str) -> RecordingSource:
    """A phone / action-camera video: start from ``start`` or the container's creation time."""
    info = probe_video(path)
    check_duration(path, info.duration_s)
    begin = _given_start(start, timezone)
    if begin is None:
        begin = info.creation_time
    if begin is None:
        raise SourceError(f"{path}: the video does not record when it was made; "
                          "pass --start 2025-01-01T10:00:00+01:00")
    return RecordingSource(
        path=path, kind="video", recording_id=content_hash([path]), wearer_id=wearer or default_wearer,
        start=begin.astimezone(dt_timezone.utc), timezone=timezone, duration_s=info.duration_s, video_path=path,
        has_video=info.has_video, has_audio=info.has_audio, problems=_stream_problems(path, info),
    )


def open_aria_folder(path: Path, *, wearer: str | None, start: str | datetime | None,
                     default_wearer: str, timezone: str, kind: str = "aria-folder",
                     recording_id: str | None = None) -> RecordingSource:
    """An Aria-style folder: ``meta.json``, ``video.mp4`` and an optional ``imu.csv``."""
    meta_path = path / "meta.json"
    meta = read_meta(meta_path)
    tz_name = meta.get("timezone") or timezone
    if not isinstance(tz_name, str):
        raise SourceError(f"{meta_path}: timezone must be a string such as \"Europe/Berlin\", not {tz_name!r}")
    _zone(tz_name)
    begin = _given_start(start, tz_name)
    if begin is None:
        if not meta.get("start_utc"):
            raise SourceError(f"{meta_path}: no start_utc; add it (ISO-8601) or pass --start")
        if not isinstance(meta["start_utc"], str):
            raise SourceError(f"{meta_path}: start_utc must be an ISO-8601 string, not {meta['start_utc']!r}")
        begin = parse_start(meta["start_utc"], "UTC", where=f"{meta_path}: start_utc")
    owner = wearer or check_wearer_id(meta.get("wearer") or default_wearer, where=f"{meta_path}: wearer")
    video = path / "video.mp4"
    imu = path / "imu.csv"
    files = [f for f in (path / "meta.json", video, imu) if f.is_file()]
    problems: list[str] = []
    if video.is_file():
        info = probe_video(video)
        duration, has_video, has_audio = info.duration_s, info.has_video, info.has_audio
        problems += _stream_problems(video, info)
    elif imu.is_file():
        duration, has_video, has_audio = _imu_duration(imu), False, False
        problems.append(f"{video}: missing; only the IMU is ingested")
    else:
        raise SourceError(f"{path}: neither video.mp4 nor imu.csv; is the sync complete?")
    return RecordingSource(
        path=path, kind=kind, recording_id=recording_id or content_hash(files),
        wearer_id=owner, start=begin, timezone=tz_name, duration_s=check_duration(path, duration), video_path=video if video.is_file() else None,
        imu_path=imu if imu.is_file() else None, has_video=has_video, has_audio=has_audio,
        problems=tuple(problems),
    )


def read_meta(path: Path) -> dict:
    """``meta.json`` as a dict; a clear error when it is missing or malformed."""
    if not path.is_file():
        raise SourceError(f"{path.parent}: no meta.json, so this folder is not an Aria-style recording "
                          "(expected meta.json, video.mp4, imu.csv)")
    try:
        if path.stat().st_size > _MIB:
            raise SourceError(f"{path}: {path.stat().st_size} bytes is too large for a meta.json (at most 1 MiB)")
        meta = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError
        raise SourceError(f"{path}: not valid UTF-8 JSON ({type(exc).__name__}: {str(exc)[:200]})") from None
    if not isinstance(meta, dict):
        raise SourceError(f"{path}: expected a JSON object with wearer, device, start_utc")
    return meta


def _given_start(start: str | datetime | None, tz_name: str) -> datetime | None:
    if start is None:
        return None
    if isinstance(start, datetime):
        return start if start.tzinfo else start.replace(tzinfo=_zone(tz_name))
    return parse_start(start, tz_name)


def _stream_problems(path: Path, info: VideoInfo) -> list[str]:
    problems = []
    if not info.has_audio:
        problems.append(f"{path}: no audio track; speech is not transcribed")
    if not info.has_video:
        problems.append(f"{path}: no video stream; nothing is captioned")
    return problems


def _imu_duration(path: Path) -> float:
    from egobutler.motion.errors import MotionError
    from egobutler.motion.imu import read_imu

    try:
        series = read_imu(path)
    except MotionError as exc:
        raise SourceError(f"no video and the IMU cannot be read: {exc}") from None
    return float(series.t_s[-1]) if len(series) else 0.0
