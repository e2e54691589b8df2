"""Synthetic head-IMU recordings with known truth, in two splits kept apart.

``tuning``: the only recordings the narrator's thresholds may be chosen on.
``heldout``: what the benchmark reports. The splits share scenario shapes (what a day holds)
but nothing else:

==============  ==========================================  ==========================================
what            tuning                                      heldout
==============  ==========================================  ==========================================
other clips     jump, kick, dance_a, punch, crawl, roll      dance_b, spin, spinkick, cartwheel,
(DeepMimic)     backflip                                     getup_faceup, getup_facedown
walk/run clip   walk at 0.9, 1.0, 1.1x speed; run 0.95,1.05x walk at 0.72, 0.8, 1.2x; run 0.85, 1.15x
proc. cadence   walking 95-105 or 115-125 spm; slow 84-90    walking 70-80, 105-115 or 125-135 spm
head bob        2.0-3.0 cm                                   1.2-2.0 or 3.0-4.0 cm
sensor rate     100 or 200 Hz                                60 or 800 Hz
noise           0.5-1x `NoiseModel()`                        2-3x `NoiseModel()`
mounting        tilted up to 25 deg from the head frame      any orientation
lever arm       8-10 cm forward, 7-9 cm up                   10-13 cm forward, 9-13 cm up, +-3 cm side
talking         intensity 0.8-1.0                            intensity 1.0-1.4
barometer       height noise 5 cm                            height noise 15 cm
seeds           0-99                                         1000-1099
==============  ==========================================  ==========================================

DeepMimic ships one walk and one run clip, so the gait clips themselves cannot be split:
the held-out walks are that clip at speeds never tuned on, through other sensors.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from egobutler.motion.imu import ImuSeries, with_height
from egobutler.motion.synth_imu import NoiseModel, PlannedSegment, session_from_clips, synth_plan

GAIT_LABELS = ("walking", "running", "stairs_up", "stairs_down")
CLIP_LABELS = {"still": "still", "walk": "walking", "run": "running"}
STEPS_PER_LOOP = {"walk": 2, "run": 2}  # each DeepMimic walk / run loop is one stride


@dataclass(frozen=True)
class Split:
    """The parameter ranges of one split (see the module table)."""

    name: str
    other_clips: tuple[str, ...]
    walk_speeds: tuple[float, ...]
    run_speeds: tuple[float, ...]
    cadence_bins: tuple[tuple[float, float], ...]
    slow_cadence: tuple[float, float]
    bob_bins: tuple[tuple[float, float], ...]
    rates_hz: tuple[float, ...]
    noise_scale: tuple[float, float]
    mount_max_deg: float
    lever_lo: tuple[float, float, float]
    lever_hi: tuple[float, float, float]
    talk_intensity: tuple[float, float]
    baro_noise_m: float
    seed_base: int


TUNING = Split("tuning", ("jump", "kick", "dance_a", "punch", "crawl", "roll", "backflip"),
               (0.9, 1.0, 1.1), (0.95, 1.05), ((95, 105), (115, 125)), (84, 90), ((0.02, 0.03),),
               (100.0, 200.0), (0.5, 1.0), 25.0, (0.08, 0.0, 0.07), (0.10, 0.0, 0.09), (0.8, 1.0), 0.05, 0)
HELDOUT = Split("heldout", ("dance_b", "spin", "spinkick", "cartwheel", "getup_faceup", "getup_facedown"),
                (0.72, 0.8, 1.2), (0.85, 1.15), ((70, 80), (105, 115), (125, 135)), (70, 80),
                ((0.012, 0.02), (0.03, 0.04)), (60.0, 800.0), (2.0, 3.0), 180.0,
                (0.10, -0.03, 0.09), (0.13, 0.03, 0.13), (1.0, 1.4), 0.15, 1000)
SPLITS = {"tuning": TUNING, "heldout": HELDOUT}


@dataclass(frozen=True)
class Scenario:
    """One synthetic recording and its truth: ``activities`` tile the recording with labels of
    `egobutler.motion.records.ACTIVITY_LABELS` (``steps`` set on gaits); ``events`` are the
    sit-downs and stand-ups. ``blends`` are the short joins between clips, which have no truth."""

    name: str
    split: str
    series: ImuSeries
    activities: tuple[PlannedSegment, ...]
    events: tuple[PlannedSegment, ...]
    has_height: bool


def _pick(rng: np.random.Generator, bins) -> float:
    lo, hi = bins[int(rng.integers(len(bins)))]
    return float(rng.uniform(lo, hi))


def _sensor(split: Split, rng: np.random.Generator) -> dict:
    """Rate, noise, mounting and lever arm for one recording."""
    from scipy.spatial.transform import Rotation

    scale = float(rng.uniform(*split.noise_scale))
    base = NoiseModel()
    noise = NoiseModel(base.accel_std_mps2 * scale, base.gyro_std_radps * scale,
                       base.accel_bias_mps2 * scale, base.gyro_bias_radps * scale)
    axis = rng.normal(size=3)
    angle = math.radians(float(rng.uniform(0.0, split.mount_max_deg)))
    mount = Rotation.from_rotvec(axis / np.linalg.norm(axis) * angle).as_matrix()
    lever = rng.uniform(split.lever_lo, split.lever_hi)
    return {"rate_hz": float(rng.choice(split.rates_hz)), "noise": noise, "mount": mount, "lever_m": lever}


def _gait(split: Split, rng: np.random.Generator, slow: bool = False) -> dict:
    cadence = float(rng.uniform(*split.slow_cadence)) if slow else _pick(rng, split.cadence_bins)
    return {"cadence_spm": cadence, "bob_m": _pick(rng, split.bob_bins), "speed_mps": 0.5 + cadence / 120.0}


def _talk(split: Split, rng: np.random.Generator) -> dict:
    return {"seed": int(rng.integers(1 << 30)), "intensity": float(rng.uniform(*split.talk_intensity))}


# ----------------------------------------------------------------------------- scenario shapes


def _plan_day_out(split: Split, rng: np.random.Generator) -> list:
    """Talk, walk, up a flight of stairs, walk, down, pause, run, talk (with a barometer)."""
    stairs = {"cadence_spm": float(rng.uniform(80, 105)), "bob_m": _pick(rng, split.bob_bins), "speed_mps": 0.5}
    run = {"cadence_spm": float(rng.uniform(150, 180)), "bob_m": float(rng.uniform(0.04, 0.06)), "speed_mps": 3.0}
    return [("talking", 20, _talk(split, rng)), ("walking", 30, _gait(split, rng)), ("stairs_up", 12, stairs),
            ("walking", 15, _gait(split, rng)), ("stairs_down", 12, stairs), ("still", 10),
            ("running", 20, run), ("talking", 20, _talk(split, rng))]


def _plan_office(split: Split, rng: np.random.Generator) -> list:
    """Talk standing, sit down, talk and nod seated, stand up, walk slowly, sit, stand."""
    sit = float(rng.uniform(1.2, 2.5))
    return [("talking", 25, _talk(split, rng)), ("sit_down", sit), ("talking", 40, _talk(split, rng)),
            ("nodding", 15, _talk(split, rng)), ("stand_up", sit), ("still", 3),
            ("walking", 25, _gait(split, rng, slow=True)), ("turn_head", 1.0, float(rng.uniform(-90, 90))),
            ("still", 3), ("sit_down", float(rng.uniform(1.2, 2.5))), ("still", 20),
            ("stand_up", float(rng.uniform(1.2, 2.5))), ("talking", 15, _talk(split, rng))]


def _clips_talk_walk_talk(split: Split, rng: np.random.Generator) -> list:
    """The new user's test: a minute of talking, a minute of walking, a minute of talking."""
    return [("talking", 60, int(rng.integers(1 << 30))), ("walk", 60, float(rng.choice(split.walk_speeds))),
            ("talking", 60, int(rng.integers(1 << 30)))]


def _clips_exercise(split: Split, rng: np.random.Generator) -> list:
    """Run, walk, and a few other movements with pauses between."""
    parts: list[tuple] = [("still", 10), ("run", 30, float(rng.choice(split.run_speeds))), ("still", 10),
                          ("walk", 30, float(rng.choice(split.walk_speeds))), ("talking", 15, int(rng.integers(1 << 30)))]
    for name in rng.permutation(split.other_clips)[:4]:
        parts += [(str(name), float(rng.uniform(3.0, 6.0))), ("still", 6)]
    return parts


PLANS = {"day_out": _plan_day_out, "office": _plan_office}
CLIP_SESSIONS = {"talk_walk_talk": _clips_talk_walk_talk, "exercise": _clips_exercise}


def scenarios(split_name: str, variants: int = 2) -> list[Scenario]:
    """``variants`` recordings of each scenario shape in split ``split_name``."""
    split = SPLITS[split_name]
    out = []
    for v in range(variants):
        for k, (name, make) in enumerate({**PLANS, **CLIP_SESSIONS}.items()):
            rng = np.random.default_rng(split.seed_base + 10 * v + k)
            out.append(_build(split, f"{name}-{v}", make, name in PLANS, rng))
    return out


def _build(split: Split, name: str, make, procedural: bool, rng: np.random.Generator) -> Scenario:
    plan = make(split, rng)
    sensor = _sensor(split, rng)
    seed = int(rng.integers(1 << 30))
    if procedural:
        has_height = any(p[0].startswith("stairs") for p in plan)
        series, truth = synth_plan(plan, seed=seed, with_height=has_height, **sensor)
        if has_height:
            series = with_height(series, series.height_m + _baro_noise(rng, series.t_s, split.baro_noise_m))
        acts, events = _procedural_truth(truth)
    else:
        series, truth = session_from_clips(plan, seed=seed, **sensor)
        acts, events, has_height = _clip_truth(truth, plan), (), False
    return Scenario(name, split.name, series, tuple(acts), tuple(events), has_height)


def _baro_noise(rng: np.random.Generator, t_s: np.ndarray, std_m: float) -> np.ndarray:
    """Barometer height noise: white at 1 Hz, held between readings."""
    ticks = rng.normal(0.0, std_m, int(t_s[-1]) + 2)
    return ticks[np.floor(t_s - t_s[0]).astype(int)]


def _procedural_truth(truth: list[PlannedSegment]) -> tuple[list[PlannedSegment], list[PlannedSegment]]:
    acts, events = [], []
    for seg in truth:
        if seg.label in ("sit_down", "stand_up"):
            events.append(seg)
            acts.append(PlannedSegment(seg.start_s, seg.end_s, "other"))
        elif seg.label == "head_turn":
            acts.append(PlannedSegment(seg.start_s, seg.end_s, "still"))
        else:
            acts.append(seg)
    return acts, events


def _clip_truth(truth: list[PlannedSegment], plan: list) -> list[PlannedSegment]:
    from egobutler.motion.deepmimic import load_clip

    out = []
    for seg, part in zip(truth, plan):
        label = CLIP_LABELS.get(seg.label, "other")
        steps = 0
        if seg.label in STEPS_PER_LOOP:
            speed = float(part[2]) if len(part) > 2 else 1.0
            steps = int(round(STEPS_PER_LOOP[seg.label] * (seg.end_s - seg.start_s) * speed / load_clip(seg.label).duration_s))
        out.append(PlannedSegment(seg.start_s, seg.end_s, label, steps))
    return out
