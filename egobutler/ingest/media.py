"""Decode one clip of a recording with PyAV: frames at ``frames_per_s``, 16 kHz mono audio,
a JPEG thumbnail and a short clip file (stream copy, no re-encode) for the UI.

A decoding error does not lose the clip: what decoded before it is kept and the problem is
reported with the file and the time offset where it happened.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from egobutler.memory_db.records import Clip

log = logging.getLogger(__name__)

AUDIO_RATE = 16000
THUMB_MAX_SIDE = 320


@dataclass(frozen=True, eq=False)
class ClipMedia:
    """What the stages of one clip work on. Times are seconds from the clip start.

    ``imu`` is the clip's slice of the recording's `ImuSeries` (times from the recording
    start), or None; ``transcript`` is filled in for stages that want the clip's speech."""

    clip: Clip
    offset_s: float
    frames: tuple[tuple[float, np.ndarray], ...] = ()
    audio: np.ndarray | None = None
    imu: Any = None
    transcript: str = ""
    problems: tuple[str, ...] = field(default=())

    @property
    def duration_s(self) -> float:
        return self.clip.duration_s


def decode_frames(video: Path, offset_s: float, duration_s: float, frames_per_s: float,
                  problems: list[str]) -> list[tuple[float, np.ndarray]]:
    """RGB frames (``(seconds from clip start, HxWx3 uint8)``) at ``frames_per_s``."""
    import av

    targets = [k / frames_per_s for k in range(max(1, math.ceil(duration_s * frames_per_s - 1e-6)))]
    out: list[tuple[float, np.ndarray]] = []
    t = offset_s
    try:
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            container.seek(int(offset_s / stream.time_base), stream=stream, backward=True)
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                t = frame.time
                rel = t - offset_s
                if rel >= duration_s:
                    break
                # Take the first frame at or after each target time (1 ms slack for rounding).
                while len(out) < len(targets) and rel + 1e-3 >= targets[len(out)]:
                    out.append((round(max(rel, 0.0), 3), frame.to_ndarray(format="rgb24")))
    except (av.error.FFmpegError, OSError) as exc:
        problems.append(f"{video}: video decoding failed at {t:.1f} s ({exc}); frames after it are missing")
    return out


def decode_audio(video: Path, offset_s: float, duration_s: float, problems: list[str]) -> np.ndarray | None:
    """The clip's audio as float32 mono at 16 kHz (None when the file has no audio track)."""
    import av

    pieces: list[np.ndarray] = []
    first_t: float | None = None
    t = offset_s
    try:
        with av.open(str(video)) as container:
            if not container.streams.audio:
                return None
            stream = container.streams.audio[0]
            resampler = av.AudioResampler(format="flt", layout="mono", rate=AUDIO_RATE)
            container.seek(int(offset_s / stream.time_base), stream=stream, backward=True)
            for frame in container.decode(stream):
                if frame.time is None:
                    continue
                t = frame.time
                if t >= offset_s + duration_s:
                    break
                if first_t is None:
                    first_t = t
                for out in resampler.resample(frame):
                    pieces.append(out.to_ndarray().reshape(-1))
            for out in resampler.resample(None):
                pieces.append(out.to_ndarray().reshape(-1))
    except (av.error.FFmpegError, OSError) as exc:
        problems.append(f"{video}: audio decoding failed at {t:.1f} s ({exc}); audio after it is missing")
    if first_t is None:
        return np.zeros(0, dtype=np.float32)
    audio = np.concatenate(pieces).astype(np.float32) if pieces else np.zeros(0, dtype=np.float32)
    skip = max(0, int(round((offset_s - first_t) * AUDIO_RATE)))
    return audio[skip: skip + int(round(duration_s * AUDIO_RATE))]


def write_thumbnail(frames: list[tuple[float, np.ndarray]], media_dir: Path, relative: str) -> str | None:
    """The middle frame as a JPEG (longest side ``THUMB_MAX_SIDE``); returns its relative path."""
    if not frames:
        return None
    from PIL import Image

    image = Image.fromarray(frames[len(frames) // 2][1])
    image.thumbnail((THUMB_MAX_SIDE, THUMB_MAX_SIDE))
    target = media_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_suffix(".tmp.jpg")
    image.save(tmp, "JPEG", quality=80)
    tmp.replace(target)  # atomic: a crash never leaves half a thumbnail
    return relative


def write_clip_file(video: Path, offset_s: float, duration_s: float, media_dir: Path,
                    relative: str) -> tuple[str, float] | None:
    """Copy the clip's packets (from the keyframe before it) into a short file, no re-encode.

    Returns ``(relative path, offset of the clip start inside that file in seconds)``, or
    None when the stream cannot be copied (the UI then shows the thumbnail only)."""
    import av

    target = media_dir / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(target.stem + ".part" + target.suffix)
    try:
        base = _remux(video, offset_s, duration_s, tmp)
    except (av.error.FFmpegError, OSError, ValueError) as exc:
        log.warning("%s: cannot cut a clip file at %.1f s (%s); keeping the thumbnail only", video, offset_s, exc)
        tmp.unlink(missing_ok=True)
        return None
    if base is None:
        tmp.unlink(missing_ok=True)
        return None
    tmp.replace(target)
    return relative, round(max(offset_s - base, 0.0), 3)


def _remux(video: Path, offset_s: float, duration_s: float, out_path: Path) -> float | None:
    import av

    with av.open(str(video)) as src:
        if not src.streams.video:
            return None
        vin = src.streams.video[0]
        streams = [vin] + list(src.streams.audio[:1])
        with av.open(str(out_path), "w", format="mp4") as dst:
            outs = {s.index: dst.add_stream_from_template(s) for s in streams}
            src.seek(int(offset_s / vin.time_base), stream=vin, backward=True)
            base: float | None = None
            end = offset_s + duration_s
            for packet in src.demux(*streams):
                if packet.pts is None or packet.dts is None:
                    continue
                t = float(packet.pts * packet.time_base)
                if packet.stream.index == vin.index:
                    if base is None:
                        if not packet.is_keyframe:
                            continue
                        base = t
                    if t >= end:
                        break
                if base is None or t < base or t >= end:
                    continue
                shift = int(round(base / packet.time_base))
                packet.pts -= shift
                packet.dts -= shift
                packet.stream = outs[packet.stream.index]
                dst.mux(packet)
    return base
