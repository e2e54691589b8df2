"""Planted activities come back as segments with the right labels, times and numbers."""

from __future__ import annotations

import numpy as np
import pytest

from egobutler.motion.activity import segment
from egobutler.motion.errors import NarratorUnavailable, NoMotionData
from egobutler.motion.imu import ImuSeries
from egobutler.motion.narrate import describe, load_narrator, narrate
from egobutler.motion.synth_imu import plan_head_pose, imu_from_head_pose, session_from_clips, synth_plan

TOLERANCE_S = 1.0


def _match(segments, label, start_s, end_s):
    """The segment with ``label`` that overlaps [start_s, end_s] most, or None."""
    best = max((s for s in segments if s.label == label), default=None,
               key=lambda s: min(s.end_s, end_s) - max(s.start_s, start_s))
    if best is None or min(best.end_s, end_s) <= max(best.start_s, start_s):
        return None
    return best


def _activity_at(segments, t):
    for s in segments:
        if not s.is_event and s.start_s <= t < s.end_s:
            return s.label
    return None


def test_walking_and_running_are_found_with_their_times_and_steps(day, day_segments):
    _, truth = day
    for planted in (t for t in truth if t.label in ("walking", "running")):
        found = _match(day_segments, planted.label, planted.start_s, planted.end_s)
        assert found is not None, f"{planted.label} at {planted.start_s} s not found"
        assert found.start_s == pytest.approx(planted.start_s, abs=TOLERANCE_S)
        assert found.end_s == pytest.approx(planted.end_s, abs=TOLERANCE_S)
        assert found.stats["steps"] == pytest.approx(planted.steps, rel=0.2)


def test_activities_tile_the_recording_and_agree_with_the_plan(day, day_segments):
    series, truth = day
    activities = [s for s in day_segments if not s.is_event]
    assert activities[0].start_s == pytest.approx(0.0) and activities[-1].end_s == pytest.approx(series.t_s[-1])
    assert all(a.end_s == pytest.approx(b.start_s) for a, b in zip(activities, activities[1:]))
    expected = {"still": "still", "head_turn": "still", "walking": "walking", "running": "running",
                "sit_down": "other", "stand_up": "other"}
    times = np.arange(0.0, series.t_s[-1], 0.1)
    truth_at = [next(expected[t.label] for t in truth if t.start_s <= x < t.end_s) for x in times]
    agree = np.mean([_activity_at(day_segments, x) == want for x, want in zip(times, truth_at)])
    assert agree >= 0.9


def test_head_turns_have_direction_and_angle(day, day_segments):
    turns = [s for s in day_segments if s.label == "head_turn"]
    assert [t.stats["direction"] for t in turns] == ["left", "right"]
    assert turns[0].stats["turn_deg"] == pytest.approx(90, abs=15)
    assert turns[1].stats["turn_deg"] == pytest.approx(60, abs=15)
    assert turns[0].start_s == pytest.approx(13.0, abs=TOLERANCE_S)


def test_sit_down_and_stand_up_are_found_and_set_the_posture(day, day_segments):
    events = [(s.label, s.start_s) for s in day_segments if s.label in ("sit_down", "stand_up")]
    assert [e[0] for e in events] == ["sit_down", "stand_up"]
    assert events[0][1] == pytest.approx(16.5, abs=TOLERANCE_S)
    assert events[1][1] == pytest.approx(32.0, abs=TOLERANCE_S)
    still_after_sit = next(s for s in day_segments if s.label == "still" and 18.0 <= s.start_s < 19.5)
    assert still_after_sit.stats["posture"] == "sitting"


def test_stairs_need_height_and_are_found_with_it():
    plan = [("still", 3), ("walking", 6), ("stairs_up", 8), ("still", 3)]
    t, pos, rot, _ = plan_head_pose(plan)
    with_height = imu_from_head_pose(t, pos, rot, height_m=True, seed=1)
    stairs = [s for s in segment(with_height) if s.label == "stairs_up"]
    assert len(stairs) == 1 and stairs[0].start_s == pytest.approx(9.0, abs=TOLERANCE_S)
    assert stairs[0].stats["elevation_m"] > 1.5
    without = imu_from_head_pose(t, pos, rot, seed=1)
    assert "stairs_up" not in {s.label for s in segment(without)}  # no height: just walking


def test_narration_reads_like_the_plan():
    series, _ = synth_plan([("still", 4), ("walking", 12), ("still", 2), ("turn_head", 1.2, 80), ("still", 3)], seed=5)
    result = narrate(series, 0.0, 30.0)
    assert result.text.startswith("I stayed still, then walked about")
    assert result.text.endswith("then stood still and turned my head left.")
    steps = next(s.stats["steps"] for s in result.segments if s.label == "walking")
    assert 17 <= steps <= 24  # 110 steps/min for ~11 s
    assert result.model_id == "rules-v2" and result.start_s == 0.0 and result.end_s == 30.0


def test_a_span_without_samples_raises_no_motion_data(day):
    series, _ = day
    with pytest.raises(NoMotionData, match="no IMU samples between 100.0 s and 130.0 s"):
        narrate(series, 100.0, 130.0)
    empty = ImuSeries(np.zeros(0), np.zeros((0, 3)), np.zeros((0, 3)))
    with pytest.raises(NoMotionData):
        narrate(empty, 0.0, 30.0)


def test_narrating_part_of_a_recording_keeps_its_clock(day):
    series, _ = day
    result = narrate(series, 15.0, 30.0)
    assert all(15.0 <= s.start_s and s.end_s <= 30.0 + 1e-6 for s in result.segments)
    assert "ran about" in result.text and "sat down" in result.text


def test_registry_refuses_unknown_names_and_egolm_without_a_checkpoint():
    with pytest.raises(NarratorUnavailable, match="choose one of rules, egolm"):
        load_narrator("magic")
    with pytest.raises(NarratorUnavailable, match="train-narrator"):
        load_narrator("egolm", None)
    assert load_narrator("rules").model_id == "rules-v2"


def test_describe_summarises_busy_clips():
    from egobutler.motion.records import MotionSegment

    busy = [MotionSegment(i * 2.0, i * 2.0 + 2.0, "walking" if i % 2 else "still", {"steps": 3}) for i in range(10)]
    text = describe(busy)
    assert text.startswith("I ") and "about 15 steps in all" in text


def test_real_motion_capture_walk_and_run_are_recognised():
    """DeepMimic motion capture (pybullet), not our procedural head: walk and run clips."""
    series, truth = session_from_clips([("still", 3), ("walk", 8), ("still", 3), ("run", 6), ("still", 3)], seed=2)
    segments = segment(series)
    for planted, label in ((truth[1], "walking"), (truth[3], "running")):
        found = _match(segments, label, planted.start_s, planted.end_s)
        assert found is not None, f"{label} not found in {[(s.label, s.start_s) for s in segments]}"
        assert found.start_s == pytest.approx(planted.start_s, abs=TOLERANCE_S)
        assert found.end_s == pytest.approx(planted.end_s, abs=TOLERANCE_S)
    walk = _match(segments, "walking", truth[1].start_s, truth[1].end_s)
    assert walk.stats["cadence_spm"] == pytest.approx(94.5, rel=0.25)  # 2 steps per 1.27 s cycle


def test_clipped_samples_are_reported_on_their_segment(day):
    from dataclasses import replace

    series, _ = day
    clipped = np.zeros(len(series), dtype=bool)
    clipped[(series.t_s > 5.0) & (series.t_s < 6.0)] = True
    walking = next(s for s in segment(replace(series, saturated=clipped)) if s.label == "walking")
    assert walking.stats["saturated_s"] == pytest.approx(1.0, abs=0.1)


def test_a_short_low_rate_recording_with_a_bump_narrates():
    """10 Hz (a smartwatch rate) and a moving blip shorter than one step period."""
    t = np.arange(100) / 10.0
    accel = np.tile([0.0, 0.0, 9.81], (100, 1))
    accel[50:54, 0] += [3.0, -3.0, 3.0, -3.0]
    result = narrate(ImuSeries(t, accel, np.zeros((100, 3))), 0.0, 10.0)
    assert result.text.startswith("I ") and result.segments


def test_sample_recording_is_still_then_walking(tmp_path):
    from egobutler.motion.imu import read_imu
    from egobutler.motion.synth_imu import write_sample_recording

    path = write_sample_recording(tmp_path / "imu.csv", still_s=5.0, walk_s=8.0)
    labels = [s.label for s in segment(read_imu(path)) if not s.is_event]
    assert labels == ["still", "walking"]


def test_aria_rate_and_stairs_down_with_a_barometer_like_height():
    """1 kHz like Aria's right IMU; the height (as a barometer gives it) shows the stairs."""
    plan = [("still", 3), ("stairs_down", 8), ("still", 3)]
    t, pos, rot, _ = plan_head_pose(plan)
    series = imu_from_head_pose(t, pos, rot, rate_hz=1000.0, height_m=True, seed=4)
    activities = [s for s in segment(series) if not s.is_event]
    assert [s.label for s in activities] == ["still", "stairs_down", "still"]
    assert activities[1].stats["elevation_m"] < -1.5
    assert "took the stairs down" in describe(activities)


def test_labels_do_not_depend_on_how_the_imu_is_mounted():
    from egobutler.motion.synth_imu import random_mount

    plan = [("still", 3), ("walking", 6), ("still", 2), ("turn_head", 1.2, -90), ("still", 2), ("sit_down", 1.5), ("still", 3)]
    upright, _ = synth_plan(plan, seed=8)
    tilted, _ = synth_plan(plan, seed=8, mount=random_mount(np.random.default_rng(5)))
    assert np.abs(tilted.accel[:100].mean(axis=0)).max() < 9.0  # gravity no longer on one axis

    def summary(series):
        return [(s.label, round(s.start_s), s.stats.get("direction")) for s in segment(series)]

    assert summary(tilted) == summary(upright)
