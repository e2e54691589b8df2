"""Reading IMU files: formats detected by header, units, and bad input refused or repaired."""

from __future__ import annotations

import math

import numpy as np
import pytest

from egobutler.motion.errors import ImuFormatError, MotionError
from egobutler.motion.imu import GRAVITY_MPS2, ImuSeries, read_imu, resample, write_imu_csv
from egobutler.motion.synth_imu import QUIET, synth_plan

ARIA_HEADER = "timestamp_ns,accel_x_mps2,accel_y_mps2,accel_z_mps2,gyro_x_radps,gyro_y_radps,gyro_z_radps\n"


def _still_rows(n: int, rate_hz: float = 100.0, start: int = 0) -> list[str]:
    return [f"{int((start + i) * 1e9 / rate_hz)},0.1,0.0,9.8,0.0,0.01,0.0" for i in range(n)]


@pytest.mark.parametrize("name", ["euroc_imu.csv", "ego4d_imu.csv", "aria_imu_g_dps.csv"])
def test_each_layout_reads_to_si_units_from_time_zero(motion_data, name):
    series = read_imu(motion_data / name)
    # A worn sensor averages 1 g whatever the file's unit; the gyro stays within a head's range.
    assert np.median(np.linalg.norm(series.accel, axis=1)) == pytest.approx(GRAVITY_MPS2, rel=0.05)
    assert np.abs(series.gyro).max() < 10.0
    assert series.t_s[0] < 0.1 and series.duration_s == pytest.approx(4.0, abs=0.1)
    assert series.rate_hz == pytest.approx(200.0, rel=0.01)


def test_ego4d_rows_without_canonical_time_are_dropped(motion_data):
    series = read_imu(motion_data / "ego4d_imu.csv")
    lines = (motion_data / "ego4d_imu.csv").read_text().splitlines()
    assert len(series) == len(lines) - 1 - 5  # header and the five NULL rows


def test_aria_roundtrip_keeps_samples(tmp_path):
    series, _ = synth_plan([("still", 1.0), ("walking", 2.0)], noise=QUIET)
    back = read_imu(write_imu_csv(series, tmp_path / "imu.csv"))
    assert len(back) == len(series)
    np.testing.assert_allclose(back.accel, series.accel, atol=1e-5)
    np.testing.assert_allclose(back.t_s, series.t_s, atol=1e-9)


def test_missing_gyro_columns_name_the_file_and_column(write_csv):
    path = write_csv("timestamp_ns,accel_x_mps2,accel_y_mps2,accel_z_mps2\n0,0,0,9.8\n")
    with pytest.raises(ImuFormatError) as err:
        read_imu(path)
    message = str(err.value)
    assert str(path) in message and "gyro" in message and "line 1" in message


def test_a_non_number_names_its_line_and_column(write_csv):
    rows = _still_rows(5)
    rows[3] = rows[3].replace("9.8", "abc")
    path = write_csv(ARIA_HEADER + "\n".join(rows) + "\n")
    with pytest.raises(ImuFormatError, match=r"line 5, column '#4'.*'abc'"):
        read_imu(path)


@pytest.mark.parametrize("text", ["", "foo,bar\n1,2\n", ARIA_HEADER])
def test_empty_or_unknown_files_are_refused(write_csv, text):
    with pytest.raises(MotionError):
        read_imu(write_csv(text))


def test_out_of_order_and_duplicated_timestamps_are_sorted_and_dropped(write_csv):
    rows = _still_rows(200)
    shuffled = rows[100:] + rows[:100] + rows[50:60]  # swapped halves plus 10 duplicates
    series = read_imu(write_csv(ARIA_HEADER + "\n".join(shuffled) + "\n"))
    assert len(series) == 200
    assert np.all(np.diff(series.t_s) > 0)


def test_gaps_are_not_filled_with_motion(write_csv):
    rows = _still_rows(300) + _still_rows(300, start=800)  # 3 s, a 5 s gap, 3 s
    series = read_imu(write_csv(ARIA_HEADER + "\n".join(rows) + "\n"))
    uniform = resample(series, 50.0)
    in_gap = (uniform.t_s > 3.2) & (uniform.t_s < 7.8)
    assert np.isnan(uniform.accel[in_gap]).all()
    from egobutler.motion.activity import segment

    segments = segment(series)
    assert segments and all(s.label == "still" for s in segments)
    assert not any(s.start_s < 5.0 < s.end_s for s in segments)  # none spans the gap


def test_g_and_deg_per_s_without_unit_in_header_are_detected_by_magnitude(write_csv):
    header = "t_s,accel_x,accel_y,accel_z,gyro_x,gyro_y,gyro_z\n"
    rows = [f"{i / 100:.2f},0.0,0.02,1.0,{30 * math.sin(i / 10):.3f},0.0,0.0" for i in range(300)]
    series = read_imu(write_csv(header + "\n".join(rows) + "\n"))
    assert np.median(series.accel[:, 2]) == pytest.approx(GRAVITY_MPS2, rel=1e-3)
    assert np.abs(series.gyro[:, 0]).max() == pytest.approx(math.radians(30), rel=0.01)


def test_header_in_mps2_with_values_in_g_is_converted(write_csv):
    rows = [f"{i * 10_000_000},0.0,0.0,1.0,0.0,0.0,0.0" for i in range(100)]
    series = read_imu(write_csv(ARIA_HEADER + "\n".join(rows) + "\n"))
    assert series.accel[0, 2] == pytest.approx(GRAVITY_MPS2)


def test_clipped_accelerometer_is_flagged(write_csv):
    rows = _still_rows(400)
    for i in range(100, 130):  # a fall that pins the z axis at the +-16 g range
        rows[i] = f"{int(i * 1e7)},0.1,0.0,156.9064,0.0,0.0,0.0"
    series = read_imu(write_csv(ARIA_HEADER + "\n".join(rows) + "\n"))
    assert series.saturated is not None
    assert series.saturated[100:130].all() and not series.saturated[:100].any()


def test_barometer_and_trajectory_give_height(write_csv, tmp_path):
    rows = [f"{i * 10_000_000},0,0,9.8,0,0,0,{101325 - 12.0 * i / 100:.3f}" for i in range(500)]
    series = read_imu(write_csv(ARIA_HEADER.strip() + ",pressure_pa\n" + "\n".join(rows) + "\n"))
    assert series.height_m[-1] == pytest.approx(5.0, abs=0.3)  # 12 Pa/s for 5 s ~ 5 m up
    traj = tmp_path / "closed_loop_trajectory.csv"
    traj.write_text("graph_uid,tracking_timestamp_us,utc_timestamp_ns,tx_world_device,ty_world_device,tz_world_device\n"
                    + "\n".join(f"g,{1_000_000 + i * 100_000},0,0,0,{0.3 * i / 10:.3f}" for i in range(60)) + "\n")
    plain = write_csv(ARIA_HEADER + "\n".join(_still_rows(500)) + "\n", name="imu.csv")
    with_traj = read_imu(plain)  # picks the trajectory next to it; same clock from 1 s on
    assert with_traj.height_m is not None
    assert with_traj.height_m[-1] == pytest.approx(0.3 * 4.0, abs=0.05)  # 0.3 m/s from 1 s to 5 s


def test_series_rejects_mismatched_shapes():
    with pytest.raises(ValueError):
        ImuSeries(np.arange(3.0), np.zeros((3, 3)), np.zeros((2, 3)))
