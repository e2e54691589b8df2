"""Narration that holds on movement it was not tuned on: talking is still, slow walks and
sit-downs are found with their times, confidences are stored and worded, steps are honest."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from egobutler.motion.activity import segment
from egobutler.motion.narrate import describe
from egobutler.motion.synth_imu import NoiseModel, random_mount, session_from_clips, synth_plan

GAITS = ("walking", "running", "stairs_up", "stairs_down")
# Glasses sit in front of and above the point the head turns about: a nod moves the sensor.
LEVER = np.array([0.11, 0.01, 0.10])
NOISY = NoiseModel(0.06, 0.008, 0.1, 0.008)


def _activities(segments):
    return [s for s in segments if not s.is_event]


@pytest.mark.parametrize("seed", [11, 12])
def test_talking_with_gestures_nods_and_glances_is_still(seed):
    rng = np.random.default_rng(seed)
    plan = [("still", 2), ("talking", 40, {"seed": seed, "intensity": 1.3}), ("nodding", 15, {"seed": seed + 1}),
            ("still", 2)]
    series, _ = synth_plan(plan, rate_hz=400.0, noise=NOISY, seed=seed, mount=random_mount(rng), lever_m=LEVER)
    acts = _activities(segment(series))
    walked = sum(s.duration_s for s in acts if s.label in GAITS)
    still = sum(s.duration_s for s in acts if s.label == "still")
    assert walked == 0.0, [(round(s.start_s, 1), s.label) for s in acts]
    assert still >= 0.9 * series.duration_s
    assert "walk" not in describe(segment(series))


def test_a_sit_down_and_stand_up_are_found_within_a_second_without_a_barometer():
    plan = [("talking", 12, {"seed": 5}), ("sit_down", 2.2), ("talking", 15, {"seed": 6}), ("stand_up", 1.8),
            ("still", 4)]
    series, truth = synth_plan(plan, rate_hz=200.0, noise=NOISY, seed=5, mount=random_mount(np.random.default_rng(5)),
                               lever_m=LEVER)
    events = [s for s in segment(series) if s.is_event]
    for label in ("sit_down", "stand_up"):
        true_start = next(p.start_s for p in truth if p.label == label)
        found = [e for e in events if e.label == label]
        assert found and min(abs(e.start_s - true_start) for e in found) <= 1.0, (label, true_start, found)
    seated = [s for s in _activities(segment(series)) if s.start_s <= 20.0 < s.end_s]
    assert seated[0].label == "still" and seated[0].stats.get("posture") == "sitting"


@pytest.mark.slow
def test_a_slow_motion_capture_walk_between_conversations_is_found_with_its_time_and_steps():
    """The DeepMimic walk played at 0.75x (about 70 steps a minute), never tuned on."""
    from egobutler.motion.deepmimic import load_clip

    parts = [("talking", 20, 3), ("walk", 30, 0.75), ("talking", 20, 4)]
    series, truth = session_from_clips(parts, rate_hz=100.0, noise=NOISY, seed=2, lever_m=LEVER,
                                       mount=random_mount(np.random.default_rng(2)))
    walk = truth[1]
    walks = [s for s in _activities(segment(series)) if s.label == "walking"]
    assert len(walks) == 1
    assert abs(walks[0].start_s - walk.start_s) <= 1.5 and abs(walks[0].end_s - walk.end_s) <= 1.5
    true_steps = 2 * 30 * 0.75 / load_clip("walk").duration_s
    assert abs(walks[0].stats["steps"] - true_steps) <= 0.1 * true_steps


def test_every_segment_has_a_confidence_and_unsure_ones_are_hedged(day_segments):
    assert all(0.0 <= s.stats["confidence"] <= 1.0 for s in day_segments)
    walk = next(s for s in day_segments if s.label == "walking")
    assert walk.stats["confidence"] >= 0.8 and "probably" not in describe([walk])
    unsure = type(walk)(walk.start_s, walk.end_s, "walking", {**walk.stats, "confidence": 0.6})
    assert describe([unsure]).startswith("I probably walked about ")
    doubtful = type(walk)(walk.start_s, walk.end_s, "walking", {**walk.stats, "confidence": 0.3})
    assert describe([doubtful]).startswith("I possibly walked ")


def test_steps_are_not_counted_when_the_imu_samples_too_slowly():
    series, _ = synth_plan([("still", 3), ("running", 12), ("still", 3)], rate_hz=8.0, seed=1)
    runs = [s for s in _activities(segment(series)) if s.label in GAITS]
    assert runs and all(s.stats["steps"] is None and "Hz" in s.stats["steps_unknown"] for s in runs)


def test_walk_with_unknown_steps_says_so():
    from egobutler.motion.records import MotionSegment

    seg = MotionSegment(0.0, 30.0, "walking", {"steps": None, "steps_unknown": "too irregular", "confidence": 0.9})
    assert describe([seg]) == "I walked for about 30 seconds (the IMU could not count the steps)."


def test_the_memory_line_carries_the_confidence():
    from egobutler.ingest.media import ClipMedia
    from egobutler.ingest.stage_motion import MotionStage
    from egobutler.memory_db.records import Clip

    series, _ = synth_plan([("still", 5), ("walking", 20), ("still", 5)], seed=4)
    start = datetime(2026, 1, 5, 9, 15, tzinfo=timezone.utc)
    media = ClipMedia(Clip("me", start, start + timedelta(seconds=30)), offset_s=0.0, imu=series)
    stage = MotionStage("rules")
    stage.load()
    draft = stage.run(media).drafts[0]
    assert draft.label == "walking" and draft.confidence is not None and draft.confidence >= 0.8
    assert all("confidence" in seg for seg in draft.stats["segments"])


def test_the_two_splits_share_no_clip_rate_or_seed():
    from egobutler.motion.scenarios import HELDOUT, TUNING

    assert not set(HELDOUT.other_clips) & set(TUNING.other_clips)
    assert not set(HELDOUT.walk_speeds) & set(TUNING.walk_speeds)
    assert not set(HELDOUT.rates_hz) & set(TUNING.rates_hz)
    assert HELDOUT.noise_scale[0] > TUNING.noise_scale[1] and HELDOUT.seed_base != TUNING.seed_base


def test_timed_narrations_round_trip_to_segments():
    from egobutler.motion.egolm import timed
    from egobutler.motion.synth_imu import PlannedSegment

    acts = [PlannedSegment(0.0, 6.2, "still"), PlannedSegment(6.2, 30.0, "walking", 40)]
    events = [PlannedSegment(2.0, 3.5, "sit_down")]
    text = timed.write(acts, events, 0.0, 30.0)
    assert text == "0 6 still ; 2 4 sitdown ; 6 30 walking 40 steps"
    segs = timed.read(text, 100.0, 30.0, "egolm", [0.9, 0.8, 0.7])
    labels = [(s.start_s, s.end_s, s.label) for s in segs]
    assert labels == [(100.0, 106.0, "still"), (106.0, 130.0, "walking"), (102.0, 104.0, "sit_down")]
    assert segs[1].stats == {"confidence": 0.7, "steps": 40}


@pytest.mark.slow
def test_egolm_trains_on_synthetic_timed_narrations_and_narrates_segments(tmp_path, egobutler_home):
    """The production path: synthesize from mocap labels, train (tiny), narrate through the CLI."""
    import json

    from typer.testing import CliRunner

    from egobutler.app.cli import app
    from egobutler.motion.imu import write_imu_csv

    out = tmp_path / "egolm"
    trained = CliRunner().invoke(app, ["motion", "train-narrator", "--synthetic", "2", "--tiny", "--steps", "5",
                                       "--out", str(out), "--json"])
    assert trained.exit_code == 0, trained.output
    assert json.loads((out / "meta.json").read_text())["text_format"] == "timed"
    series, _ = synth_plan([("still", 4), ("walking", 10), ("still", 4)], seed=1)
    csv_path = write_imu_csv(series, tmp_path / "imu.csv")
    result = CliRunner().invoke(app, ["motion", "narrate", str(csv_path), "--narrator", "egolm", "--model", str(out),
                                      "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    acts = [s for s in payload["segments"] if s["label"] not in ("head_turn", "sit_down", "stand_up")]
    assert acts and acts[0]["start_s"] == pytest.approx(0.0, abs=0.01)
    assert acts[-1]["end_s"] == pytest.approx(series.t_s[-1], abs=0.05)
    assert all("confidence" in s["stats"] for s in acts) and payload["model_id"].startswith("egolm:")
