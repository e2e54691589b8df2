"""Aria VRS recordings, read with ``projectaria-tools`` (an optional extra).

A VRS file is converted once into an Aria-style folder (``video.mp4`` with the RGB camera
and the first microphone channel, ``imu.csv``, ``meta.json``) in a work dir keyed by its
content hash; the pipeline then treats it like any Aria-style folder. VRS time is device
time, not wall-clock time, so the start comes from ``--start`` or a ``meta.json`` /
``NAME.json`` next to the VRS file.

Install the extra with ``pip install --no-deps projectaria-tools vrs`` (their declared
dependencies break Python 3.11's ``typing``; the readers need only numpy).
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from fractions import Fraction
from pathlib import Path

import numpy as np

from egobutler.ingest.errors import ExtraMissing, SourceError
from egobutler.ingest.sources import RecordingSource, content_hash, open_aria_folder, parse_start, read_meta

log = logging.getLogger(__name__)

RGB_LABEL = "camera-rgb"
MIC_LABEL = "mic"
IMU_LABELS = ("imu-right", "imu-left")
_INT32 = float(2**31)
_RATES = (8000, 16000, 22050, 24000, 32000, 44100, 48000)


def create_provider(path: Path):
    """The projectaria-tools data provider for ``path`` (clear error when the extra is missing)."""
    try:
        from projectaria_tools.core import data_provider
    except ImportError:
        raise ExtraMissing(f"{path}: reading Aria VRS files needs projectaria-tools: "
                           "pip install --no-deps projectaria-tools vrs") from None
    provider = data_provider.create_vrs_data_provider(str(path))
    if provider is None:
        raise SourceError(f"{path}: projectaria-tools cannot open this VRS file (corrupt or not an Aria recording)")
    return provider


def open_vrs(path: Path, *, wearer: str | None, start: str | datetime | None, default_wearer: str,
             timezone: str, work_dir: Path, provider=None) -> RecordingSource:
    """Convert ``path`` (once) and open the result as an Aria-style folder."""
    rec_id = content_hash([path])
    out = Path(work_dir) / rec_id
    if not (out / "meta.json").is_file():
        begin = _start_for(path, start, timezone)
        export_vrs(provider or create_provider(path), out, begin, wearer=wearer or _side_meta(path).get("wearer"))
    return open_aria_folder(out, wearer=wearer, start=start, default_wearer=default_wearer, timezone=timezone,
                            kind="vrs", recording_id=rec_id)


def _side_meta(path: Path) -> dict:
    for candidate in (path.with_suffix(".json"), path.parent / "meta.json"):
        if candidate.is_file():
            return read_meta(candidate)
    return {}


def _start_for(path: Path, start: str | datetime | None, timezone: str) -> datetime:
    if isinstance(start, datetime):
        return start
    if start:
        return parse_start(start, timezone)
    meta = _side_meta(path)
    if meta.get("start_utc"):
        return parse_start(str(meta["start_utc"]), "UTC", where=f"{path.with_suffix('.json')}: start_utc")
    raise SourceError(f"{path}: VRS files carry device time, not the time of day; pass --start "
                      f"2025-01-01T10:00:00+01:00 or put a {path.with_suffix('.json').name} with start_utc beside it")


def export_vrs(provider, out: Path, start: datetime, *, wearer: str | None = None) -> Path:
    """Write ``video.mp4`` (RGB + audio), ``imu.csv`` and ``meta.json`` from a VRS provider.

    Times are made relative to the first RGB frame (the video start)."""
    out.mkdir(parents=True, exist_ok=True)
    rgb = provider.get_stream_id_from_label(RGB_LABEL)
    if rgb is None:
        raise SourceError(f"no {RGB_LABEL} stream in the VRS file; only Aria RGB recordings are supported")
    t0_ns = provider.get_image_data_by_index(rgb, 0)[1].capture_timestamp_ns
    audio, rate = _audio(provider, t0_ns)
    _write_video(provider, rgb, t0_ns, audio, rate, out / "video.tmp.mp4")
    (out / "video.tmp.mp4").replace(out / "video.mp4")
    _write_imu(provider, t0_ns, out / "imu.csv")
    meta = {"wearer": wearer, "device": "aria (vrs)", "start_utc": start.isoformat()}
    (out / "meta.json").write_text(json.dumps({k: v for k, v in meta.items() if v}, indent=2), encoding="utf-8")
    return out


def _audio(provider, t0_ns: int) -> tuple[np.ndarray | None, int]:
    """The first microphone channel as float32, starting at the video start, and its rate."""
    mic = provider.get_stream_id_from_label(MIC_LABEL)
    if mic is None or provider.get_num_data(mic) == 0:
        return None, 0
    blocks, stamps = [], []
    for i in range(provider.get_num_data(mic)):
        data, record = provider.get_audio_data_by_index(mic, i)
        times = list(record.capture_timestamps_ns)
        values = np.asarray(data.data, dtype=np.float64)
        channels = max(1, len(values) // max(len(times), 1))
        blocks.append(values[: len(times) * channels].reshape(len(times), channels)[:, 0])
        stamps.extend(times)
    samples = np.concatenate(blocks) / _INT32  # Aria audio is int32 PCM
    stamps_arr = np.asarray(stamps, dtype=np.int64)
    measured = 1e9 / float(np.median(np.diff(stamps_arr))) if len(stamps_arr) > 1 else 48000.0
    rate = min(_RATES, key=lambda r: abs(r - measured))  # timestamps jitter; encoders want a standard rate
    keep = stamps_arr >= t0_ns
    return samples[keep].astype(np.float32), rate


def _write_video(provider, rgb, t0_ns: int, audio: np.ndarray | None, rate: int, path: Path) -> None:
    import av

    first = provider.get_image_data_by_index(rgb, 0)[0].to_numpy_array()
    height, width = first.shape[:2]
    with av.open(str(path), "w") as container:
        video = container.add_stream("libx264", rate=30, options={"crf": "23", "g": "30"})
        video.width, video.height, video.pix_fmt = width - width % 2, height - height % 2, "yuv420p"
        video.codec_context.time_base = Fraction(1, 1000)
        # Every stream must exist before the first packet is written (the header goes out then).
        sound = container.add_stream("aac", rate=rate, layout="mono") if audio is not None and len(audio) else None
        last_ms = -1
        for i in range(provider.get_num_data(rgb)):
            image, record = provider.get_image_data_by_index(rgb, i)
            ms = int(round((record.capture_timestamp_ns - t0_ns) / 1e6))
            if ms <= last_ms:
                continue  # duplicated timestamps would break the stream
            pixels = np.ascontiguousarray(_rgb(image.to_numpy_array())[: video.height, : video.width])
            frame = av.VideoFrame.from_ndarray(pixels, format="rgb24")
            frame.pts, frame.time_base, last_ms = ms, Fraction(1, 1000), ms
            container.mux(video.encode(frame))
        container.mux(video.encode())
        if sound is not None:
            _mux_audio(container, sound, audio, rate)


def _rgb(pixels: np.ndarray) -> np.ndarray:
    if pixels.ndim == 2:
        return np.repeat(pixels[:, :, None], 3, axis=2).astype(np.uint8)
    return pixels[:, :, :3].astype(np.uint8)


def _mux_audio(container, stream, audio: np.ndarray, rate: int) -> None:
    import av

    chunk = 1024
    for i in range(0, len(audio), chunk):
        frame = av.AudioFrame.from_ndarray(np.clip(audio[None, i:i + chunk], -1, 1), format="flt", layout="mono")
        frame.sample_rate, frame.pts, frame.time_base = rate, i, Fraction(1, rate)
        container.mux(stream.encode(frame))
    container.mux(stream.encode())


def _write_imu(provider, t0_ns: int, path: Path) -> None:
    sid = next((s for s in (provider.get_stream_id_from_label(label) for label in IMU_LABELS) if s is not None), None)
    if sid is None or provider.get_num_data(sid) == 0:
        return
    rows = []
    for i in range(provider.get_num_data(sid)):
        d = provider.get_imu_data_by_index(sid, i)
        if d.capture_timestamp_ns >= t0_ns:
            rows.append([d.capture_timestamp_ns - t0_ns, *d.accel_msec2, *d.gyro_radsec])
    header = "timestamp_ns,accel_x_mps2,accel_y_mps2,accel_z_mps2,gyro_x_radps,gyro_y_radps,gyro_z_radps"
    np.savetxt(path, np.asarray(rows), delimiter=",", header=header, comments="", fmt=["%d"] + ["%.6f"] * 6)
