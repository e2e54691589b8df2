"""Audio in: any channel count and rate, clipping, broken files, long files streamed."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest
import soundfile as sf

from egobutler.egogpt.audio import SAMPLE_RATE, read_audio, stream_audio, to_mono_16k
from egobutler.egogpt.errors import AudioDecodeError, InvalidAudio, PerceptionError


def tone(rate: int, seconds: float, freq: float = 440.0, amp: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amp * np.sin(2 * np.pi * freq * t)).astype(np.float32)


@pytest.mark.parametrize("rate", [8000, 11025, 16000, 22050, 44100, 48000])
@pytest.mark.parametrize("channels", [1, 2, 7])
def test_any_rate_and_channel_count_becomes_16k_mono(rate, channels):
    mono = tone(rate, 1.5)
    samples = mono if channels == 1 else np.repeat(mono[:, None], channels, axis=1)
    out = to_mono_16k(samples, rate)
    assert out.dtype == np.float32 and out.ndim == 1
    assert abs(len(out) - int(1.5 * SAMPLE_RATE)) <= 1
    # the 440 Hz tone survives resampling at its level (RMS of a 0.5 sine = 0.354)
    assert np.sqrt(np.mean(out[1000:-1000] ** 2)) == pytest.approx(0.354, abs=0.02)


def test_channels_first_layout_matches_frames_first():
    samples = np.stack([tone(16000, 1.0), tone(16000, 1.0, 300)], axis=1)
    assert np.allclose(to_mono_16k(samples.T, 16000, channels_first=True), to_mono_16k(samples, 16000))


def test_clipped_and_overdriven_input_stays_in_range():
    loud = tone(48000, 1.0, amp=4.0)  # float audio way past full scale on 7 mics
    out = to_mono_16k(np.repeat(loud[:, None], 7, axis=1), 48000)
    assert np.abs(out).max() <= 1.0
    full = np.full((1000, 2), 32767, dtype=np.int16)  # int16 at full scale: the channel sum must not wrap
    assert to_mono_16k(full, 16000).min() > 0.99


def test_bad_arrays_raise_perception_errors():
    with pytest.raises(InvalidAudio, match="NaN"):
        to_mono_16k(np.array([0.1, np.nan, 0.2], np.float32), 16000)
    with pytest.raises(InvalidAudio, match="sample rate"):
        to_mono_16k(np.zeros(100, np.float32), 1000)
    with pytest.raises(InvalidAudio, match="shape"):
        to_mono_16k(np.zeros((2, 2, 2), np.float32), 16000)
    assert to_mono_16k(np.zeros(0, np.float32), 44100).shape == (0,)


@pytest.mark.parametrize("rate,channels", [(48000, 7), (8000, 1), (44100, 2)])
def test_read_audio_decodes_multichannel_files(tmp_path, rate, channels):
    mono = tone(rate, 2.0)
    path = tmp_path / "in.wav"
    sf.write(path, np.repeat(mono[:, None], channels, axis=1), rate, subtype="PCM_16")
    out = read_audio(path)
    assert abs(len(out) - 2 * SAMPLE_RATE) <= 32
    # equal-weight average of identical channels keeps the tone's level
    assert np.sqrt(np.mean(out[2000:-2000] ** 2)) == pytest.approx(0.354, abs=0.02)


def test_fixture_flac_round_trips(audio_dir):
    out = read_audio(audio_dir / "bob_1.flac")
    ref, rate = sf.read(audio_dir / "bob_1.flac", dtype="float32")
    assert rate == SAMPLE_RATE and np.allclose(out, ref, atol=1e-4)


def test_unreadable_files_raise_a_clear_error(tmp_path):
    empty = tmp_path / "empty.wav"
    empty.write_bytes(b"")
    with pytest.raises(AudioDecodeError, match="empty.wav"):
        read_audio(empty)
    junk = tmp_path / "notes.m4a"
    junk.write_text("this is not audio at all " * 100)
    with pytest.raises(PerceptionError):
        read_audio(junk)
    with pytest.raises(AudioDecodeError):
        read_audio(tmp_path / "missing.flac")


def test_read_audio_refuses_to_load_a_file_longer_than_asked(tmp_path):
    path = tmp_path / "long.wav"
    sf.write(path, np.zeros(16000 * 5, np.float32), 16000)
    with pytest.raises(InvalidAudio, match="stream_audio"):
        read_audio(path, max_s=2.0)


def test_stream_chunks_cover_the_file_in_order(audio_dir):
    chunks = list(stream_audio(audio_dir / "conversation.flac", chunk_s=4.0))
    whole = read_audio(audio_dir / "conversation.flac")
    assert [c.start_s for c in chunks] == [4.0 * i for i in range(len(chunks))]
    assert all(len(c.samples) == 4 * SAMPLE_RATE for c in chunks[:-1])
    assert np.array_equal(np.concatenate([c.samples for c in chunks]), whole)


@pytest.mark.slow
def test_two_hour_file_streams_with_bounded_memory(tmp_path):
    """A 2-hour 8 kHz recording decodes chunk by chunk; peak memory stays far below the whole file."""
    path = tmp_path / "day.flac"
    rate, block = 8000, 8000 * 600  # write in 10-minute blocks to keep the test itself small
    with sf.SoundFile(path, "w", samplerate=rate, channels=1, format="FLAC") as out:
        for i in range(12):
            audio = np.zeros(block, np.float32)
            audio[: rate] = tone(rate, 1.0)  # a beep at the start of every 10 minutes
            out.write(audio)
    tracemalloc.start()
    total, beeps = 0, 0
    for chunk in stream_audio(path, chunk_s=60.0):
        total += len(chunk.samples)
        beeps += int(np.abs(chunk.samples).max() > 0.3)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert total == 7200 * SAMPLE_RATE
    assert beeps == 12
    whole_file_bytes = 7200 * SAMPLE_RATE * 4  # 460 MB as float32
    assert peak < whole_file_bytes / 20
