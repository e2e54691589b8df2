"""Audio in, 16 kHz mono float32 out — the only form the speech stages accept.

Files are decoded with PyAV (no system ffmpeg); long files stream in chunks so a
2-hour recording never sits in memory whole. Multi-channel audio (stereo, Aria's
7 microphones) is averaged with equal weights, then clipped to [-1, 1].
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from math import gcd
from pathlib import Path

import numpy as np

from .errors import AudioDecodeError, InvalidAudio

log = logging.getLogger(__name__)

SAMPLE_RATE = 16000  # Hz; whisper, silero, pyannote and resemblyzer all take this
MIN_RATE = 4000  # Hz; below this there is no speech band left to hear
MAX_RATE = 384000
MAX_CHANNELS = 64


@dataclass(frozen=True)
class AudioChunk:
    """``samples`` (16 kHz mono float32) starting ``start_s`` seconds into the file."""

    start_s: float
    samples: np.ndarray

    @property
    def duration_s(self) -> float:
        return len(self.samples) / SAMPLE_RATE


def _as_float(samples: np.ndarray) -> np.ndarray:
    """Integer PCM scaled to [-1, 1); floats as float64 so that channel sums cannot overflow."""
    if samples.dtype.kind == "f":
        return samples.astype(np.float64, copy=False)
    if samples.dtype.kind == "i":
        return samples.astype(np.float64) / float(2 ** (8 * samples.dtype.itemsize - 1))
    if samples.dtype.kind == "u":
        half = float(2 ** (8 * samples.dtype.itemsize - 1))
        return (samples.astype(np.float64) - half) / half
    raise InvalidAudio(f"audio samples of dtype {samples.dtype} are not PCM; pass int16/int32/float arrays")


def to_mono_16k(samples: np.ndarray, rate: int, *, channels_first: bool = False) -> np.ndarray:
    """Any PCM array as 16 kHz mono float32 in [-1, 1].

    ``samples`` is 1-D (mono) or 2-D ``(frames, channels)`` — or ``(channels, frames)``
    with ``channels_first=True`` (PyAV's planar layout). Channels are averaged with equal
    weights (all microphones count the same), integer PCM is scaled, and the result is
    clipped so a clipped or over-driven recording never leaves the [-1, 1] range.
    """
    samples = np.asarray(samples)
    if samples.ndim == 2:
        if channels_first:
            samples = samples.T
        if not 1 <= samples.shape[1] <= MAX_CHANNELS:
            raise InvalidAudio(
                f"audio of shape {samples.shape} has {samples.shape[1]} channels; pass (frames, channels) "
                "or set channels_first=True for (channels, frames)")
    elif samples.ndim != 1:
        raise InvalidAudio(f"audio must be 1-D or 2-D (frames, channels), got shape {samples.shape}")
    rate = int(rate)
    if not MIN_RATE <= rate <= MAX_RATE:
        raise InvalidAudio(f"sample rate {rate} Hz is outside {MIN_RATE}-{MAX_RATE} Hz; pass the file's real rate")
    audio = _as_float(samples)
    if audio.ndim == 2:
        audio = audio.mean(axis=1)
    if audio.size and not np.isfinite(audio).all():
        raise InvalidAudio("audio contains NaN or infinite samples; the decoder or the capture is broken")
    if rate != SAMPLE_RATE and audio.size:
        audio = _resample(audio, rate)
    return np.clip(audio, -1.0, 1.0).astype(np.float32)


def _resample(audio: np.ndarray, rate: int) -> np.ndarray:
    from scipy.signal import resample_poly

    g = gcd(SAMPLE_RATE, rate)
    return resample_poly(audio, SAMPLE_RATE // g, rate // g)


def stream_audio(path: str | Path, *, chunk_s: float = 30.0) -> Iterator[AudioChunk]:
    """Decode an audio (or video) file's first audio stream as 16 kHz mono chunks.

    Each chunk holds ``chunk_s`` seconds (the last one less); memory stays bounded by one
    chunk plus one decoded frame however long the file is.
    """
    import av

    if chunk_s <= 0:
        raise InvalidAudio(f"chunk_s must be positive, got {chunk_s}")
    chunk_len = int(round(chunk_s * SAMPLE_RATE))
    path = Path(path)
    try:
        container = av.open(str(path))
    except (av.error.FFmpegError, OSError) as exc:
        raise AudioDecodeError(f"{path}: cannot open as audio ({exc}); is it a complete audio/video file?") from exc
    with container:
        if not container.streams.audio:
            raise AudioDecodeError(f"{path}: the file has no audio stream")
        stream = container.streams.audio[0]
        # Keep the channel layout: we average the channels ourselves (equal weights), since
        # ffmpeg's downmix of an unnamed 7-channel layout is not an average.
        resampler = av.AudioResampler(format="fltp", rate=SAMPLE_RATE)
        pending: list[np.ndarray] = []
        have, emitted = 0, 0
        try:
            for frame in _frames(container, stream, resampler):
                mono = np.clip(frame.mean(axis=0), -1.0, 1.0).astype(np.float32)
                pending.append(mono)
                have += len(mono)
                while have >= chunk_len:
                    joined = np.concatenate(pending)
                    yield AudioChunk(emitted / SAMPLE_RATE, joined[:chunk_len])
                    emitted += chunk_len
                    rest = joined[chunk_len:]
                    pending, have = ([rest] if len(rest) else []), len(rest)
        except av.error.FFmpegError as exc:
            raise AudioDecodeError(f"{path}: decoding failed after {emitted / SAMPLE_RATE:.1f} s ({exc})") from exc
        if have:
            yield AudioChunk(emitted / SAMPLE_RATE, np.concatenate(pending))


def _frames(container, stream, resampler) -> Iterator[np.ndarray]:
    """Resampled planar float frames ``(channels, n)``, flushing the resampler at the end."""
    for frame in container.decode(stream):
        frame.pts = None  # the resampler re-times frames itself; odd pts only upset it
        for out in resampler.resample(frame):
            yield out.to_ndarray()
    for out in resampler.resample(None):
        yield out.to_ndarray()


def read_audio(path: str | Path, *, max_s: float | None = 3600.0) -> np.ndarray:
    """A whole file as one 16 kHz mono float32 array (use `stream_audio` for long files).

    Raises `InvalidAudio` when the file is longer than ``max_s`` seconds, so a day-long
    recording is not decoded into memory by accident.
    """
    parts: list[np.ndarray] = []
    total_s = 0.0
    for chunk in stream_audio(path, chunk_s=30.0):
        total_s += chunk.duration_s
        if max_s is not None and total_s > max_s:
            raise InvalidAudio(f"{path} is longer than {max_s:.0f} s; stream it with stream_audio(path, chunk_s=...)")
        parts.append(chunk.samples)
    return np.concatenate(parts) if parts else np.zeros(0, np.float32)


def rms_dbfs(audio: np.ndarray) -> float:
    """Loudness of ``audio`` in dB relative to full scale (-inf for digital silence)."""
    if audio.size == 0:
        return float("-inf")
    rms = float(np.sqrt(np.mean(np.square(audio, dtype=np.float64))))
    return 20.0 * np.log10(rms) if rms > 0 else float("-inf")
