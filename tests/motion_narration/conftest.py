"""Fixtures for the motion-narration tests: synthesized head IMU with planted activities."""

from __future__ import annotations

from pathlib import Path

import pytest

MOTION_DATA = Path(__file__).resolve().parent.parent / "data" / "motion"

# still 3 s, walk 8 s, still, look left, still, sit down, rest, run 6 s, still, look right,
# still, stand up, still: 36.5 s with every kind of activity and event the narrator knows.
DAY_PLAN = [
    ("still", 3), ("walking", 8), ("still", 2), ("turn_head", 1.5, 90), ("still", 2),
    ("sit_down", 1.5), ("still", 3), ("running", 6), ("still", 2), ("turn_head", 1.0, -60),
    ("still", 2), ("stand_up", 1.5), ("still", 3),
]


@pytest.fixture(scope="session")
def day():
    """(ImuSeries, truth) for DAY_PLAN at 200 Hz with sensor noise and bias."""
    from egobutler.motion.synth_imu import synth_plan

    return synth_plan(DAY_PLAN, rate_hz=200.0, seed=3)


@pytest.fixture(scope="session")
def day_segments(day):
    from egobutler.motion.activity import segment

    return segment(day[0])


@pytest.fixture
def motion_data() -> Path:
    return MOTION_DATA


@pytest.fixture
def write_csv(tmp_path: Path):
    """write_csv(text, name="imu.csv") -> Path of a CSV file with that content."""

    def write(text: str, name: str = "imu.csv") -> Path:
        path = tmp_path / name
        path.write_text(text)
        return path

    return write
