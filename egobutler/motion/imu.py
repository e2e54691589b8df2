"""Read head-mounted IMU recordings into one `ImuSeries`, whatever the file layout.

Formats are detected by the CSV header:

* **Aria-style** (egobutler's own export): ``timestamp_ns,accel_x_mps2,accel_y_mps2,accel_z_mps2,
  gyro_x_radps,gyro_y_radps,gyro_z_radps`` with ns since the video start; an optional
  ``pressure_pa`` column (barometer) gives elevation.
* **EuRoC**: ``#timestamp [ns],w_RS_S_x [rad s^-1],w_RS_S_y ...,a_RS_S_x [m s^-2],...``.
* **Ego4D** (``v2/imu/<video_uid>.csv``): ``component_idx,component_timestamp_ms,
  canonical_timestamp_ms,gyro_x,gyro_y,gyro_z,accl_x,accl_y,accl_z``. Time is
  ``canonical_timestamp_ms`` (ms into the canonical video; rows where it is NULL are dropped).
  The Ego4D docs do not state units: we assume rad/s and m/s² (GoPro GPMF) and fall back to
  the magnitude checks below.
* **Generic**: a time column (``t_s``, ``timestamp_s``, ``timestamp_ms``, ``timestamp_ns``) and
  ``accel_[xyz]`` / ``gyro_[xyz]`` with an optional unit suffix (``_mps2``, ``_g``, ``_radps``,
  ``_dps``, ``_degps``).

Units are taken from the header where it names them. Columns without a unit, and columns
whose values contradict their unit (a still device reads |a| = 9.81 m/s² = 1 g), are
decided by magnitude and logged.

Timestamps that are an absolute clock (EuRoC's device ns, epoch times: first sample beyond
1e6 s) are rebased to start at 0. Samples are sorted by time and duplicates dropped (both logged). Gaps stay gaps: `resample`
fills them with NaN rather than inventing motion. Clipped (saturated) samples are flagged.
An Aria MPS ``closed_loop_trajectory.csv`` next to the IMU file (or given explicitly) adds
the wearer's height over time, which tells stairs from level walking.
"""

from __future__ import annotations

import csv
import logging
import math
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from egobutler.motion.errors import ImuFormatError

log = logging.getLogger(__name__)

GRAVITY_MPS2 = 9.80665
_DEG = math.pi / 180.0
_ABSOLUTE_CLOCK_S = 1e6  # first timestamp beyond ~11 days: a device/epoch clock, not video time
MAX_SPAN_S = 48 * 3600.0  # one recording spanning more than two days is a corrupt timestamp, not a recording
MAX_ABS_READING = 1e6  # beyond any IMU's range in any unit (and pressure in Pa): a corrupt value
_MISSING = {"", "null", "nan", "none", "na"}

# header name (lower-case) -> (quantity, unit scale to SI or None when the unit is unknown)
_TIME_COLUMNS = {
    "timestamp_ns": 1e-9, "#timestamp [ns]": 1e-9, "#timestamp": 1e-9, "canonical_timestamp_ms": 1e-3,
    "timestamp_ms": 1e-3, "timestamp_s": 1.0, "t_s": 1.0, "time_s": 1.0,
}
_UNIT_SUFFIXES = {"accel": {"mps2": 1.0, "g": GRAVITY_MPS2, "": None},
                  "gyro": {"radps": 1.0, "dps": _DEG, "degps": _DEG, "": None}}


@dataclass(frozen=True, eq=False)
class ImuSeries:
    """IMU samples of one recording.

    ``t_s`` (N,) seconds from the video start, strictly increasing; ``accel`` (N, 3) specific
    force in m/s² in the sensor frame (a device at rest reads ~9.81 m/s² pointing *up*);
    ``gyro`` (N, 3) angular velocity in rad/s in the sensor frame; ``height_m`` (N,) the
    wearer's height relative to the first sample (from a trajectory or barometer) or None;
    ``saturated`` (N,) True where a sensor was clipped, or None."""

    t_s: np.ndarray
    accel: np.ndarray
    gyro: np.ndarray
    height_m: np.ndarray | None = None
    saturated: np.ndarray | None = None
    source: str = ""

    def __post_init__(self) -> None:
        n = len(self.t_s)
        if self.accel.shape != (n, 3) or self.gyro.shape != (n, 3):
            raise ValueError(f"accel/gyro must be ({n}, 3), got {self.accel.shape} and {self.gyro.shape}")
        for name in ("height_m", "saturated"):
            value = getattr(self, name)
            if value is not None and value.shape != (n,):
                raise ValueError(f"{name} must be ({n},), got {value.shape}")

    def __len__(self) -> int:
        return len(self.t_s)

    @property
    def duration_s(self) -> float:
        return float(self.t_s[-1] - self.t_s[0]) if len(self.t_s) > 1 else 0.0

    @property
    def rate_hz(self) -> float:
        """Median sampling rate (Hz)."""
        if len(self.t_s) < 2:
            return 0.0
        return float(1.0 / np.median(np.diff(self.t_s)))

    def span(self, start_s: float, end_s: float) -> ImuSeries:
        """The samples with ``start_s <= t < end_s``."""
        keep = (self.t_s >= start_s) & (self.t_s < end_s)
        return ImuSeries(
            t_s=self.t_s[keep], accel=self.accel[keep], gyro=self.gyro[keep],
            height_m=None if self.height_m is None else self.height_m[keep],
            saturated=None if self.saturated is None else self.saturated[keep],
            source=self.source,
        )


# ----------------------------------------------------------------------------- reading


def read_imu(path: str | Path, *, trajectory: str | Path | None = None) -> ImuSeries:
    """Read an IMU CSV (Aria-style, EuRoC, Ego4D or generic; see the module doc).

    ``trajectory``: an Aria MPS ``closed_loop_trajectory.csv``; by default one lying next to
    the IMU file is used. Raises `ImuFormatError` naming the file, line and column."""
    path = Path(path)
    if not path.is_file():
        raise ImuFormatError(path, "no such IMU file")
    with path.open(newline="", encoding="utf-8") as handle:
        rows = csv.reader(handle)
        header = next(rows, None)
        if not header:
            raise ImuFormatError(path, "empty file; expected a CSV header such as "
                                 "timestamp_ns,accel_x_mps2,...,gyro_z_radps", line=1)
        layout = _layout(path, [h.strip() for h in header])
        table = _fast_parse(path, layout)
        if table is None:
            table = _parse_rows(path, rows, layout)
    series = _to_series(path, table, layout)
    traj = Path(trajectory) if trajectory else path.parent / "closed_loop_trajectory.csv"
    if traj.is_file():
        series = with_height(series, read_trajectory_height(traj, series.t_s))
    return series


@dataclass(frozen=True)
class _Layout:
    time_col: int
    time_scale: float
    accel_cols: tuple[int, int, int]
    accel_scale: float | None
    gyro_cols: tuple[int, int, int]
    gyro_scale: float | None
    pressure_col: int | None
    fmt: str


def _layout(path: Path, header: list[str]) -> _Layout:
    lower = [h.lower() for h in header]
    time_col = next((i for i, h in enumerate(lower) if h in _TIME_COLUMNS), None)
    if time_col is None:
        raise ImuFormatError(path, f"no time column (one of {sorted(_TIME_COLUMNS)}) in header {header}", line=1)
    if "w_rs_s_x [rad s^-1]" in lower:  # EuRoC
        gyro = _find(path, lower, [f"w_rs_s_{a} [rad s^-1]" for a in "xyz"])
        accel = _find(path, lower, [f"a_rs_s_{a} [m s^-2]" for a in "xyz"])
        return _Layout(time_col, 1e-9, accel, 1.0, gyro, 1.0, None, "euroc")
    if "accl_x" in lower:  # Ego4D
        accel = _find(path, lower, [f"accl_{a}" for a in "xyz"])
        gyro = _find(path, lower, [f"gyro_{a}" for a in "xyz"])
        return _Layout(time_col, _TIME_COLUMNS[lower[time_col]], accel, None, gyro, None, None, "ego4d")
    accel, accel_scale = _find_with_unit(path, lower, "accel")
    gyro, gyro_scale = _find_with_unit(path, lower, "gyro")
    pressure = lower.index("pressure_pa") if "pressure_pa" in lower else None
    fmt = "aria" if lower[time_col] == "timestamp_ns" and accel_scale == 1.0 else "generic"
    return _Layout(time_col, _TIME_COLUMNS[lower[time_col]], accel, accel_scale, gyro, gyro_scale, pressure, fmt)


def _find(path: Path, lower: list[str], names: list[str]) -> tuple[int, int, int]:
    missing = [n for n in names if n not in lower]
    if missing:
        raise ImuFormatError(path, f"missing column(s) {missing}", line=1, column=missing[0])
    return tuple(lower.index(n) for n in names)  # type: ignore[return-value]


def _find_with_unit(path: Path, lower: list[str], quantity: str) -> tuple[tuple[int, int, int], float | None]:
    for suffix, scale in _UNIT_SUFFIXES[quantity].items():
        names = [f"{quantity}_{a}" + (f"_{suffix}" if suffix else "") for a in "xyz"]
        if all(n in lower for n in names):
            return tuple(lower.index(n) for n in names), scale  # type: ignore[return-value]
    wanted = f"{quantity}_x_{'mps2' if quantity == 'accel' else 'radps'}"
    present = [h for h in lower if h.startswith(quantity)]
    column = next((f"{quantity}_{a}" for a in "xyz" if not any(h.startswith(f"{quantity}_{a}") for h in lower)), wanted)
    raise ImuFormatError(path, f"missing {quantity} columns (expected {wanted}, _y_, _z_; found {present or 'none'})",
                         line=1, column=column)


def _columns(layout: _Layout) -> list[int]:
    cols = [layout.time_col, *layout.accel_cols, *layout.gyro_cols]
    if layout.pressure_col is not None:
        cols.append(layout.pressure_col)
    return cols


def _fast_parse(path: Path, layout: _Layout) -> np.ndarray | None:
    """numpy's C parser for clean files (hours at 1 kHz); None sends the file to the
    row-by-row reader, which repairs missing values and names the line of a bad one."""
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # an empty file warns; let the slow path explain it
            table = np.loadtxt(path, delimiter=",", skiprows=1, usecols=_columns(layout), ndmin=2,
                               dtype=np.float64, comments=None)
    except (ValueError, UserWarning, IndexError):
        return None
    if not len(table) or not np.isfinite(table).all():
        return None
    lines = np.arange(2, len(table) + 2, dtype=np.float64)[:, None]  # no blank rows, else loadtxt failed
    return np.hstack([table, lines])


def _parse_rows(path: Path, rows, layout: _Layout) -> np.ndarray:
    cols = _columns(layout)
    out: list[list[float]] = []
    dropped = 0
    for line_no, row in enumerate(rows, start=2):
        if not row or (len(row) == 1 and not row[0].strip()):
            continue
        if len(row) <= max(cols):
            raise ImuFormatError(path, f"{len(row)} values, expected at least {max(cols) + 1}", line=line_no)
        values = []
        for c in cols:
            text = row[c].strip()
            if text.lower() in _MISSING:
                values = None
                break
            try:
                value = float(text)
            except ValueError:
                raise ImuFormatError(path, f"not a number: {text!r}", line=line_no, column=f"#{c + 1}") from None
            if not math.isfinite(value):
                raise ImuFormatError(path, f"not a finite number: {text!r}", line=line_no, column=f"#{c + 1}")
            values.append(value)
        if values is None:
            dropped += 1
            continue
        out.append([*values, float(line_no)])
    if dropped:
        log.info("%s: dropped %d rows with missing values", path, dropped)
    if not out:
        raise ImuFormatError(path, "no IMU samples after the header")
    return np.asarray(out, dtype=np.float64)


def _to_series(path: Path, table: np.ndarray, layout: _Layout) -> ImuSeries:
    t_s = table[:, 0] * layout.time_scale
    _check_span(path, t_s, table[:, -1])
    _check_readings(path, table[:, 1:-1], table[:, -1])
    if t_s.min() > _ABSOLUTE_CLOCK_S:
        # An absolute device clock (EuRoC, epoch ns): count from the first sample instead.
        log.info("%s: absolute timestamps; t = 0 at the first sample", path)
        t_s = t_s - t_s.min()
    t_s, order = _clean_time(path, t_s)
    table = table[order]
    accel = _accel_units(path, table[:, 1:4], layout.accel_scale)
    gyro = _gyro_units(path, table[:, 4:7], layout.gyro_scale)
    height = None
    if layout.pressure_col is not None:
        height = pressure_to_height_m(table[:, 7])
    saturated = detect_saturation(accel, gyro)
    if saturated.any():
        log.warning("%s: %d samples look clipped (saturated sensor)", path, int(saturated.sum()))
    return ImuSeries(t_s=t_s, accel=accel, gyro=gyro, height_m=height, saturated=saturated, source=str(path))


def _check_readings(path: Path, readings: np.ndarray, lines: np.ndarray) -> None:
    """Refuse a reading no sensor produces (it would overflow the unit checks and the narration)."""
    worst = np.unravel_index(int(np.argmax(np.abs(readings))), readings.shape) if readings.size else None
    if worst is not None and abs(readings[worst]) > MAX_ABS_READING:
        raise ImuFormatError(path, f"reading {readings[worst]:.6g} is beyond any sensor's range; the sample is "
                             "corrupt - fix or delete that line", line=int(lines[worst[0]]))


def _check_span(path: Path, t_s: np.ndarray, lines: np.ndarray) -> None:
    """Refuse timestamps that no recording has: one corrupt sample would otherwise stretch the
    recording to ages (and the work over it without end). Names the line of the outlier."""
    if float(t_s.max() - t_s.min()) <= MAX_SPAN_S:
        return
    far = np.abs(t_s - np.median(t_s))
    worst = int(np.argmax(far))
    raise ImuFormatError(path, f"timestamp {t_s[worst]:.6g} s lies {far[worst]:.3g} s from the other samples, "
                         f"but a recording spans at most {MAX_SPAN_S / 3600:.0f} h; the sample is corrupt "
                         "- fix or delete that line", line=int(lines[worst]))


def _clean_time(path: Path, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sort by time and keep the first of duplicated timestamps; return times and row order."""
    order = np.argsort(t_s, kind="stable")
    if np.any(np.diff(t_s) < 0):
        log.warning("%s: timestamps out of order; %d samples re-sorted", path, int(np.sum(np.diff(t_s) < 0)))
    sorted_t = t_s[order]
    keep = np.concatenate([[True], np.diff(sorted_t) > 0])
    if not keep.all():
        log.warning("%s: %d duplicated timestamps dropped", path, int((~keep).sum()))
    return sorted_t[keep], order[keep]


def _accel_units(path: Path, accel: np.ndarray, scale: float | None) -> np.ndarray:
    """Convert to m/s²; trust the header unless the magnitude says otherwise."""
    median = float(np.median(np.linalg.norm(accel, axis=1)))
    # A worn sensor averages 1 g; split g from m/s² at the geometric mean of 1 and 9.81.
    looks_g = median < math.sqrt(GRAVITY_MPS2)
    if scale is None:
        scale = GRAVITY_MPS2 if looks_g else 1.0
        log.info("%s: accelerometer unit not in header; median |a| = %.2f -> %s", path, median,
                 "g" if looks_g else "m/s²")
    elif scale == 1.0 and looks_g:
        log.warning("%s: header says m/s² but median |a| = %.2f looks like g; converting", path, median)
        scale = GRAVITY_MPS2
    elif scale == GRAVITY_MPS2 and not looks_g:
        log.warning("%s: header says g but median |a| = %.2f looks like m/s²; not converting", path, median)
        scale = 1.0
    return accel * scale


def _gyro_units(path: Path, gyro: np.ndarray, scale: float | None) -> np.ndarray:
    """Convert to rad/s. A head rarely turns faster than ~10 rad/s (570 deg/s); values far
    above that mean degrees."""
    p99 = float(np.percentile(np.abs(gyro), 99)) if len(gyro) else 0.0
    looks_deg = p99 > 20.0
    if scale is None:
        scale = _DEG if looks_deg else 1.0
    elif scale == 1.0 and looks_deg:
        log.warning("%s: header says rad/s but |gyro| p99 = %.1f looks like deg/s; converting", path, p99)
        scale = _DEG
    return gyro * scale


def detect_saturation(accel: np.ndarray, gyro: np.ndarray, *, min_run: int = 3) -> np.ndarray:
    """Flag samples where an axis sits at its extreme value for ``min_run`` samples or more
    (a clipped sensor plateaus at its range: e.g. ±16 g, ±2000 deg/s)."""
    flags = np.zeros(len(accel), dtype=bool)
    for data, floor in ((accel, 2.0 * GRAVITY_MPS2), (gyro, 4.0)):
        for axis in range(3):
            x = data[:, axis]
            peak = float(np.max(np.abs(x))) if len(x) else 0.0
            if peak < floor:
                continue  # a sensor's range is never this small: not clipping
            at_peak = np.abs(np.abs(x) - peak) <= 1e-6 * peak
            flags |= _runs_at_least(at_peak, min_run)
    return flags


def _runs_at_least(mask: np.ndarray, n: int) -> np.ndarray:
    out = np.zeros_like(mask)
    edges = np.diff(np.concatenate([[0], mask.astype(np.int8), [0]]))
    for start, end in zip(np.flatnonzero(edges == 1), np.flatnonzero(edges == -1)):
        if end - start >= n:
            out[start:end] = True
    return out


# ----------------------------------------------------------------------------- elevation


def pressure_to_height_m(pressure_pa: np.ndarray) -> np.ndarray:
    """Barometric height (m) relative to the first sample (international standard atmosphere)."""
    p = np.asarray(pressure_pa, dtype=np.float64)
    altitude = 44330.0 * (1.0 - (p / 101325.0) ** (1.0 / 5.255))
    return altitude - altitude[0]


def read_trajectory_height(path: str | Path, t_s: np.ndarray) -> np.ndarray:
    """The wearer's height (m, relative to the first pose) at times ``t_s``, from an Aria MPS
    ``closed_loop_trajectory.csv`` (``tracking_timestamp_us``, ``t[xyz]_world_device``, and
    ``gravity_[xyz]_world`` when present; else the world z axis is taken as up).

    Trajectory time is device time in µs; when it does not overlap ``t_s`` (the IMU file counts
    from the video start) it is shifted to start at ``t_s[0]``."""
    path = Path(path)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        fields = reader.fieldnames or []
        need = ["tracking_timestamp_us", "tx_world_device", "ty_world_device", "tz_world_device"]
        missing = [n for n in need if n not in fields]
        if missing:
            raise ImuFormatError(path, f"not an MPS trajectory: missing {missing}", line=1, column=missing[0])
        rows = []
        up = None
        for line_no, row in enumerate(reader, start=2):
            try:
                rows.append([float(row[n]) for n in need])
                if up is None and row.get("gravity_x_world"):
                    g = np.array([float(row[f"gravity_{a}_world"]) for a in "xyz"])  # MPS: ~(0, 0, -9.81)
                    up = -g / (np.linalg.norm(g) or 1.0)
            except (TypeError, ValueError):
                raise ImuFormatError(path, "malformed trajectory row", line=line_no) from None
        up = np.array([0.0, 0.0, 1.0]) if up is None else up
    if not rows:
        raise ImuFormatError(path, "trajectory has no poses")
    data = np.asarray(rows)
    traj_t = data[:, 0] * 1e-6
    if traj_t[-1] < t_s[0] or traj_t[0] > t_s[-1]:
        traj_t = traj_t - traj_t[0] + t_s[0]
    height = data[:, 1:4] @ up
    return np.interp(t_s, traj_t, height - height[0])


def with_height(series: ImuSeries, height_m: np.ndarray) -> ImuSeries:
    """The same series with ``height_m`` set."""
    return replace(series, height_m=np.asarray(height_m, dtype=np.float64))


# ----------------------------------------------------------------------------- writing / resampling


def write_imu_csv(series: ImuSeries, path: str | Path) -> Path:
    """Write the Aria-style CSV (ns since the video start, m/s², rad/s)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    table = np.column_stack([np.round(series.t_s * 1e9).astype(np.int64), series.accel, series.gyro])
    header = "timestamp_ns,accel_x_mps2,accel_y_mps2,accel_z_mps2,gyro_x_radps,gyro_y_radps,gyro_z_radps"
    np.savetxt(path, table, delimiter=",", header=header, comments="", fmt=["%d"] + ["%.6f"] * 6)
    return path


def resample(series: ImuSeries, rate_hz: float, *, max_gap_s: float = 0.2) -> ImuSeries:
    """Linear interpolation onto a uniform grid at ``rate_hz``. Grid points inside a gap
    longer than ``max_gap_s`` get NaN: a gap is never filled with invented motion."""
    if len(series) < 2:
        return series
    t0, t1 = float(series.t_s[0]), float(series.t_s[-1])
    grid = t0 + np.arange(int(math.floor((t1 - t0) * rate_hz)) + 1) / rate_hz

    def interp(values: np.ndarray) -> np.ndarray:
        return np.column_stack([np.interp(grid, series.t_s, values[:, k]) for k in range(values.shape[1])])

    accel, gyro = interp(series.accel), interp(series.gyro)
    idx = np.clip(np.searchsorted(series.t_s, grid), 1, len(series) - 1)
    in_gap = (series.t_s[idx] - series.t_s[idx - 1]) > max_gap_s
    accel[in_gap] = np.nan
    gyro[in_gap] = np.nan
    height = None if series.height_m is None else np.interp(grid, series.t_s, series.height_m)
    saturated = None
    if series.saturated is not None:
        saturated = np.interp(grid, series.t_s, series.saturated.astype(float)) > 0
    return ImuSeries(grid, accel, gyro, height, saturated, series.source)
