"""A paired training set for the EgoLM narrator, built offline from motion capture.

Random days are put together from the *tuning* split of `egobutler.motion.scenarios` only
(its DeepMimic clips, gait speeds, sensor rates, noise, mountings and lever arms; held-out
parameters are never drawn): procedural heads that talk, nod, glance, walk at many cadences,
run, climb stairs (with a barometer) and sit down and stand up, and DeepMimic sessions of
walking, running and other clips between conversations. Each recording is cut into 30 s
windows, and each window's narration is written from the planted labels (`timed.write`),
never from the rules narrator.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from egobutler.motion.egolm import timed
from egobutler.motion.egolm.config import Config
from egobutler.motion.egolm.data import Example
from egobutler.motion.egolm.features import motion_window
from egobutler.motion.scenarios import TUNING, Scenario, Split, _build, _gait, _talk

log = logging.getLogger(__name__)

WINDOW_S = 30.0


def _random_plan(split: Split, rng: np.random.Generator, duration_s: float, stairs: bool) -> list:
    """Posture-consistent random actions filling ``duration_s``."""
    plan: list = []
    left, sitting = duration_s, False
    while left > 3.0:
        if sitting:
            action = str(rng.choice(["talking", "still", "nodding", "turn_head", "stand_up", "stand_up"]))
        else:
            options = ["talking", "still", "nodding", "walking", "walking", "slow", "running", "turn_head", "sit_down"]
            action = str(rng.choice(options + (["stairs_up", "stairs_down"] if stairs else [])))
        item = _action(split, rng, action)
        if item[1] > left:
            item = (item[0], left, *item[2:]) if item[0] in ("still", "talking") else ("still", left)
        sitting = {"sit_down": True, "stand_up": False}.get(item[0], sitting)
        plan.append(item)
        left -= item[1]
    if left > 0:
        plan.append(("still", left))
    return plan


def _action(split: Split, rng: np.random.Generator, action: str) -> tuple:
    if action in ("sit_down", "stand_up"):
        return (action, float(rng.uniform(1.2, 2.5)))
    if action == "turn_head":
        return (action, float(rng.uniform(0.6, 1.5)), float(rng.choice([-1, 1]) * rng.uniform(30, 120)))
    if action in ("talking", "nodding"):
        return (action, float(rng.uniform(5, 30)), _talk(split, rng))
    if action == "still":
        return (action, float(rng.uniform(2, 20)))
    if action in ("stairs_up", "stairs_down"):
        return (action, float(rng.uniform(6, 15)), {"cadence_spm": float(rng.uniform(80, 105)), "bob_m": 0.02,
                                                     "speed_mps": 0.5})
    if action == "running":
        return (action, float(rng.uniform(5, 25)), {"cadence_spm": float(rng.uniform(150, 180)),
                                                    "bob_m": float(rng.uniform(0.04, 0.06)), "speed_mps": 3.0})
    return ("walking", float(rng.uniform(4, 30)), _gait(split, rng, slow=action == "slow"))


def _random_clips(split: Split, rng: np.random.Generator, duration_s: float) -> list:
    parts: list = []
    left = duration_s
    while left > 3.0:
        kind = str(rng.choice(["talking", "still", "walk", "walk", "run", "other"]))
        if kind == "talking":
            part = ("talking", float(rng.uniform(5, 25)), int(rng.integers(1 << 30)))
        elif kind == "still":
            part = ("still", float(rng.uniform(2, 15)))
        elif kind in ("walk", "run"):
            speeds = split.walk_speeds if kind == "walk" else split.run_speeds
            part = (kind, float(rng.uniform(4, 30)), float(rng.choice(speeds)))
        else:
            part = (str(rng.choice(split.other_clips)), float(rng.uniform(2, 6)))
        part = (part[0], min(part[1], left), *part[2:])
        parts.append(part)
        left -= part[1] + 0.4
    return parts


def build_recordings(count: int, *, seed: int = 0, duration_s: float = 150.0, split: Split = TUNING) -> list[Scenario]:
    """``count`` random recordings: two procedural for each DeepMimic one."""
    out = []
    for i in range(count):
        rng = np.random.default_rng(seed * 100_003 + i)
        if i % 3 == 2:
            out.append(_build(split, f"clips-{i}", lambda s, r: _random_clips(s, r, duration_s), False, rng))
        else:
            stairs = bool(i % 2)
            out.append(_build(split, f"plan-{i}", lambda s, r: _random_plan(s, r, duration_s, stairs), True, rng))
    return out


def windows_of(recording: Scenario, cfg: Config, hop_s: float = WINDOW_S) -> list[Example]:
    """30 s windows (or the model's window, if shorter) of one recording with their timed narrations."""
    series = recording.series
    length = min(WINDOW_S, cfg.window_s)
    out = []
    start = float(series.t_s[0])
    while start + length <= float(series.t_s[-1]) + 1e-6:
        span = series.span(start, start + length)
        text = timed.write(recording.activities, recording.events, start, length)
        if len(span) > 1 and text:
            out.append(Example(motion_window(span, cfg), text))
        start += min(hop_s, length)
    return out


def build_examples(count: int, cfg: Config, *, seed: int = 0, cache: Path | None = None) -> list[Example]:
    """Examples from ``count`` random recordings, windows every 15 s (overlapping by half).
    ``cache``: an .npz to reuse (written when absent)."""
    if cache is not None and Path(cache).is_file():
        data = np.load(cache, allow_pickle=False)
        return [Example(m, str(t)) for m, t in zip(data["motion"], data["text"])]
    examples: list[Example] = []
    for recording in build_recordings(count, seed=seed):
        examples += windows_of(recording, cfg, hop_s=WINDOW_S / 2)
    log.info("%d training windows from %d recordings", len(examples), count)
    if cache is not None:
        Path(cache).parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(cache, motion=np.stack([e.motion for e in examples]),
                            text=np.array([e.text for e in examples]))
    return examples
