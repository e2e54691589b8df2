"""Motion narrator benchmark: per-activity precision/recall and step-count error.

Sources:
  * deepmimic   — real human motion capture shipped with pybullet (DeepMimic clips), turned
                  into head-mounted IMU (egobutler.motion.synth_imu) with sensor noise and
                  bias and a random sensor orientation, joined with still periods. walk -> walking, run -> running, every
                  other clip (jump, dance, kick, crawl, ...) -> other. Scored every 0.1 s,
                  leaving out 0.5 s either side of each true boundary (the joins are made up).
  * basicmotions — sktime's BasicMotions: real smartwatch IMU at 10 Hz, 80 recordings of 10 s
                  (standing -> still, walking, running, badminton -> other). A wrist, not a
                  head, and its accelerometer has gravity removed (every axis averages ~0), so
                  1 g is added on the watch's z axis. Each recording is scored by its longest
                  activity. A check of how the head-tuned rules travel, not a target.
  * procedural  — random procedural head plans (synthetic, random sensor orientation): events (head turns, sit-down,
                  stand-up) scored as found when one of the same kind starts within 1 s.

    .venv/bin/python benchmarks/motion.py [--out FILE] [--seeds N]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from egobutler.motion.activity import segment  # noqa: E402
from egobutler.motion.imu import GRAVITY_MPS2, ImuSeries  # noqa: E402
from egobutler.motion.synth_imu import random_mount, random_plan, session_from_clips, synth_plan  # noqa: E402

LABELS = ("still", "walking", "running", "other")
SESSIONS = [
    [("still", 4), ("walk", 10), ("still", 4), ("run", 8), ("still", 4), ("jump", 4), ("still", 4), ("dance_a", 6), ("still", 4)],
    [("still", 3), ("walk", 15), ("still", 3), ("kick", 3), ("still", 3), ("run", 10), ("still", 3), ("spin", 4), ("still", 3),
     ("crawl", 5), ("still", 3)],
    [("still", 3), ("getup_faceup", 3.7), ("still", 3), ("walk", 8), ("still", 3), ("punch", 3), ("still", 3),
     ("dance_b", 6), ("still", 3), ("run", 6), ("still", 3)],
]
CYCLE_STEPS = {"walk": 2, "run": 2}  # each DeepMimic walk/run loop is one stride: two steps


def _clip_label(name: str) -> str:
    return {"still": "still", "walk": "walking", "run": "running"}.get(name, "other")


def _activity_at(segments, t: float) -> str | None:
    for s in segments:
        if not s.is_event and s.start_s <= t < s.end_s:
            return s.label if s.label in LABELS else "other"
    return None


def _prf(confusion: Counter, labels=LABELS) -> dict:
    out = {}
    for label in labels:
        tp = confusion[(label, label)]
        predicted = sum(v for (t, p), v in confusion.items() if p == label)
        actual = sum(v for (t, p), v in confusion.items() if t == label)
        out[label] = {"precision": tp / predicted if predicted else None,
                      "recall": tp / actual if actual else None, "support": actual}
    return out


def eval_deepmimic(seeds: int) -> dict:
    from egobutler.motion.deepmimic import load_clip

    confusion: Counter = Counter()
    strict: Counter = Counter()  # every frame, boundaries included
    step_errors: dict[str, list[float]] = {"walk": [], "run": []}
    for seed in range(seeds):
        for parts in SESSIONS:
            rng = np.random.default_rng(seed * 17 + len(parts))
            series, truth = session_from_clips(parts, seed=seed * 17 + len(parts), mount=random_mount(rng))
            segments = segment(series)
            bounds = [b for t in truth for b in (t.start_s, t.end_s)]
            for t in np.arange(0.0, series.t_s[-1], 0.1):
                part = next((p for p in truth if p.start_s <= t < p.end_s), None)
                if part is None:
                    continue  # a 0.4 s join between two pieces: no truth there
                key = (_clip_label(part.label), _activity_at(segments, t) or "none")
                strict[key] += 1
                if min(abs(t - b) for b in bounds) >= 0.5:
                    confusion[key] += 1
            for part in truth:
                if part.label in CYCLE_STEPS:
                    true_steps = CYCLE_STEPS[part.label] * (part.end_s - part.start_s) / load_clip(part.label).duration_s
                    step_errors[part.label].append(_steps_in(segments, part) / true_steps - 1.0)
    return {"per_label": _prf(confusion), "frames": sum(confusion.values()),
            "per_label_with_boundaries": _prf(strict),
            "confusion": {f"{t}->{p}": n for (t, p), n in sorted(confusion.items())},
            "step_count_error": {k: _err_summary(v) for k, v in step_errors.items()}}


def _steps_in(segments, part) -> float:
    """Steps the narrator counted inside a true gait span (overlapping segments pro rata)."""
    total = 0.0
    for s in segments:
        if "steps" in s.stats and s.duration_s > 0:
            overlap = max(0.0, min(s.end_s, part.end_s) - max(s.start_s, part.start_s))
            total += s.stats["steps"] * overlap / s.duration_s
    return total


def _err_summary(errors: list[float]) -> dict:
    if not errors:
        return {}
    e = np.asarray(errors)
    return {"mean_abs_pct": round(100 * float(np.mean(np.abs(e))), 1), "mean_signed_pct": round(100 * float(np.mean(e)), 1),
            "n": len(errors)}


def eval_basicmotions() -> dict:
    try:
        from sktime.datasets import load_basic_motions
    except ImportError:
        return {"skipped": "sktime is not installed (pip install sktime==1.2.0)"}
    x, y = load_basic_motions(return_type="numpy3D")
    mapping = {"standing": "still", "walking": "walking", "running": "running", "badminton": "other"}
    confusion: Counter = Counter()
    for case, name in zip(x, y):
        t = np.arange(case.shape[1]) / 10.0  # 10 Hz
        accel = case[0:3].T + np.array([0.0, 0.0, GRAVITY_MPS2])
        series = ImuSeries(t_s=t, accel=accel, gyro=case[3:6].T, source="basicmotions")
        durations: Counter = Counter()
        for s in segment(series):
            if not s.is_event:
                durations[s.label if s.label in LABELS else "other"] += s.duration_s
        predicted = durations.most_common(1)[0][0] if durations else "none"
        confusion[(mapping[str(name)], predicted)] += 1
    return {"per_label": _prf(confusion), "recordings": int(len(y)),
            "confusion": {f"{t}->{p}": n for (t, p), n in sorted(confusion.items())}}


def eval_procedural(plans: int) -> dict:
    rng = np.random.default_rng(123)
    found: Counter = Counter()
    totals: Counter = Counter()
    predicted: Counter = Counter()
    for i in range(plans):
        series, truth = synth_plan(random_plan(rng, 30.0), seed=i, mount=random_mount(rng))
        events = [s for s in segment(series) if s.is_event]
        for label in ("head_turn", "sit_down", "stand_up"):
            true_starts = [p.start_s for p in truth if p.label == label]
            guess = [e.start_s for e in events if e.label == label]
            totals[label] += len(true_starts)
            predicted[label] += len(guess)
            found[label] += sum(any(abs(g - t) <= 1.0 for g in guess) for t in true_starts)
            found[label + "_correct_pred"] += sum(any(abs(g - t) <= 1.0 for t in true_starts) for g in guess)
    return {label: {"precision": found[label + "_correct_pred"] / predicted[label] if predicted[label] else None,
                    "recall": found[label] / totals[label] if totals[label] else None, "support": totals[label]}
            for label in ("head_turn", "sit_down", "stand_up")}


def _fmt(v) -> str:
    return "  -  " if v is None else f"{v:5.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "motion.json")
    parser.add_argument("--seeds", type=int, default=2, help="noise seeds per DeepMimic session")
    parser.add_argument("--plans", type=int, default=30, help="random procedural plans for events")
    args = parser.parse_args()
    started = time.time()
    results = {"deepmimic": eval_deepmimic(args.seeds), "basicmotions": eval_basicmotions(),
               "procedural_events": eval_procedural(args.plans)}
    results["seconds"] = round(time.time() - started, 1)
    results["deepmimic_with_boundaries"] = {"per_label": results["deepmimic"]["per_label_with_boundaries"]}
    for source in ("deepmimic", "deepmimic_with_boundaries", "basicmotions"):
        block = results[source]
        if "skipped" in block:
            print(f"{source}: skipped ({block['skipped']})")
            continue
        print(f"\n{source}: activity   precision recall  support")
        for label, m in block["per_label"].items():
            print(f"  {label:<10} {_fmt(m['precision'])}     {_fmt(m['recall'])}  {m['support']:>6}")
    print("\ndeepmimic step-count error (counted / true - 1):")
    for gait, summary in results["deepmimic"]["step_count_error"].items():
        print(f"  {gait:<5} mean |err| {summary.get('mean_abs_pct')} %  mean {summary.get('mean_signed_pct')} %  n={summary.get('n')}")
    print("\nprocedural (synthetic) events: precision recall support")
    for label, m in results["procedural_events"].items():
        print(f"  {label:<10} {_fmt(m['precision'])}     {_fmt(m['recall'])}  {m['support']:>6}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(f"\nwrote {args.out} in {results['seconds']} s")


if __name__ == "__main__":
    main()
