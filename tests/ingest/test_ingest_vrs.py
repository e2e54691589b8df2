"""Aria VRS: the converter's plumbing, driven by a fake data provider that implements the
few projectaria-tools methods it calls (there is no sample VRS file to read)."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from egobutler.ingest.errors import ExtraMissing, SourceError
from egobutler.ingest.media import decode_audio, decode_frames
from egobutler.ingest.sources import open_source
from egobutler.ingest.vrs import create_provider, open_vrs

T0_NS = 5_000_000_000  # device time of the first RGB frame


class FakeProvider:
    """10 s of Aria: RGB at 10 fps, a 7-channel 48 kHz int32 mic in 4096-sample blocks, IMU at 800 Hz."""

    def __init__(self):
        self.rgb_t = [T0_NS + i * 100_000_000 for i in range(100)]
        t = np.arange(10 * 48000) / 48000
        self.tone = (0.3 * np.sin(2 * np.pi * 440 * t) * 2**31).astype(np.int64)
        self.imu_t = [T0_NS - 50_000_000 + i * 1_250_000 for i in range(8040)]

    def get_stream_id_from_label(self, label):
        return {"camera-rgb": "214-1", "mic": "231-1", "imu-right": "1202-1"}.get(label)

    def get_num_data(self, sid):
        return {"214-1": len(self.rgb_t), "231-1": len(self.tone) // 4096, "1202-1": len(self.imu_t)}[sid]

    def get_image_data_by_index(self, sid, i):
        pixels = np.full((240, 320, 3), (i * 2) % 255, dtype=np.uint8)
        return SimpleNamespace(to_numpy_array=lambda: pixels), SimpleNamespace(capture_timestamp_ns=self.rgb_t[i])

    def get_audio_data_by_index(self, sid, i):
        block = self.tone[i * 4096:(i + 1) * 4096]
        data = np.repeat(block[:, None], 7, axis=1).reshape(-1).tolist()  # interleaved channels
        stamps = [T0_NS + int((i * 4096 + k) * 1e9 / 48000) for k in range(len(block))]
        return SimpleNamespace(data=data), SimpleNamespace(capture_timestamps_ns=stamps)

    def get_imu_data_by_index(self, sid, i):
        return SimpleNamespace(capture_timestamp_ns=self.imu_t[i], accel_msec2=[0.0, 0.1, 9.8], gyro_radsec=[0.0, 0.0, 0.01])


def test_vrs_is_converted_to_an_aria_folder_with_video_audio_and_imu(tmp_path):
    vrs = tmp_path / "glasses.vrs"
    vrs.write_bytes(b"not really a vrs file, the fake provider reads it")
    source = open_vrs(vrs, wearer=None, start="2025-01-01T09:00:00+01:00", default_wearer="me", timezone="UTC",
                      work_dir=tmp_path / "work", provider=FakeProvider())
    assert source.kind == "vrs" and source.start.isoformat() == "2025-01-01T08:00:00+00:00"
    assert 9.5 <= source.duration_s <= 10.5 and source.has_audio and source.imu_path is not None
    problems: list[str] = []
    frames = decode_frames(source.video_path, 0.0, 10.0, 1.0, problems)
    audio = decode_audio(source.video_path, 0.0, 10.0, problems)
    assert len(frames) == 10 and frames[0][1].shape == (240, 320, 3) and not problems
    spectrum = np.abs(np.fft.rfft(audio[16000:32000]))
    assert abs(np.argmax(spectrum) * 16000 / 16000 - 440) < 5  # the mic's tone survived, 1 Hz bins
    from egobutler.motion.imu import read_imu

    imu = read_imu(source.imu_path)
    assert imu.t_s[0] >= 0.0 and abs(imu.rate_hz - 800) < 1  # samples before the video start dropped
    # Converted once: opening it again reuses the folder (same recording id).
    again = open_vrs(vrs, wearer=None, start="2025-01-01T09:00:00+01:00", default_wearer="me", timezone="UTC",
                     work_dir=tmp_path / "work", provider=None)
    assert again.recording_id == source.recording_id


def test_vrs_without_a_start_time_says_how_to_fix_it(tmp_path):
    vrs = tmp_path / "glasses.vrs"
    vrs.write_bytes(b"x")
    with pytest.raises(SourceError, match="--start"):
        open_source(vrs, work_dir=tmp_path / "work")


def test_missing_extra_is_a_clear_message(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_aria(name, *args, **kwargs):
        if name.startswith("projectaria_tools"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_aria)
    with pytest.raises(ExtraMissing, match="pip install --no-deps projectaria-tools"):
        create_provider(tmp_path / "x.vrs")
