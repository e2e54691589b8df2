"""Benchmark the avatar's text-to-motion: speed per level, and generator vs retrieval.

    .venv/bin/python benchmarks/motion_gen.py [--out benchmarks/results/motion_gen.json] [--model CKPT]

Speed: wall time to generate one second of 30 fps motion, stopping at each keyframe level
(text encoding measured apart).  Quality, on the HELD-OUT phrasings of fractal/labels.py
(never trained on; the motions themselves are the bundled DeepMimic clips, one per label,
so this measures generalisation over wording, not over motions):

* label acc.: share of prompts whose 1.6 s window is nearest (MPJPE) to a real window of
  the prompt's own clip;
* MPJPE: mean joint position error (metres) to the nearest real window of that clip;
* FMD: Fréchet distance between 10 motion descriptors (heights, displacement, turning,
  joint speeds) of the produced windows and of all real windows — lower is more lifelike.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np


def descriptors(pos: np.ndarray, fps: float) -> np.ndarray:
    """10 numbers that summarise a (T, J, 3) window: where things are and how fast they move."""
    from egobutler.motion.skeleton import joint_index

    head, lw, rw, lt, rt = (joint_index(n) for n in ("head", "left_wrist", "right_wrist", "left_toe", "right_toe"))
    speed = np.linalg.norm(np.diff(pos, axis=0), axis=-1) * fps  # (T-1, J) m/s
    root = pos[:, 0]
    return np.array([
        root[:, 2].mean(), pos[:, head, 2].mean(), pos[:, head, 2].std(),
        root[-1, 0] - root[0, 0], abs(root[-1, 1] - root[0, 1]),
        pos[:, [lw, rw], 2].mean(), pos[:, [lt, rt], 2].max(),
        speed.mean(), speed[:, [lw, rw]].mean(), speed[:, [lt, rt]].mean(),
    ])


def frechet(a: np.ndarray, b: np.ndarray) -> float:
    from scipy import linalg

    mu_a, mu_b = a.mean(0), b.mean(0)
    cov_a = np.cov(a, rowvar=False) + 1e-6 * np.eye(a.shape[1])
    cov_b = np.cov(b, rowvar=False) + 1e-6 * np.eye(b.shape[1])
    root = linalg.sqrtm(cov_a @ cov_b).real
    return float(((mu_a - mu_b) ** 2).sum() + np.trace(cov_a + cov_b - 2 * root))


def real_windows(model_cfg) -> tuple[list[str], dict[str, np.ndarray]]:
    from egobutler.motion.deepmimic import list_clips, load_clip
    from egobutler.motion.fractal.features import decode, windows

    pools = {}
    for name in list_clips():
        feats = windows(load_clip(name), model_cfg.fps, model_cfg.num_frames, stride=2)
        pools[name] = np.stack([decode(f, model_cfg.fps).world()[0] for f in feats])
    return list(pools), pools


def time_levels(gen, prompts: list[str], seconds: float = 3.0) -> list[dict]:
    rows = []
    for level in range(gen.levels):
        gen.generate(prompts[0], seconds, level=level)  # warm-up
        start = time.perf_counter()
        for p in prompts:
            gen.generate(p, seconds, level=level)
        took = (time.perf_counter() - start) / len(prompts)
        rows.append({"level": level, "keyframes_per_window": 2**level + 1, "ms_per_motion_second": 1000 * took / seconds})
    return rows


def evaluate(make_window, names, pools, fps) -> dict:
    from egobutler.motion.fractal.labels import HELD_OUT

    real_desc = np.stack([descriptors(w, fps) for pool in pools.values() for w in pool])
    hits, errors, desc = [], [], []
    for clip, phrases in HELD_OUT.items():
        for phrase in phrases:
            pos = make_window(phrase)
            per_clip = {n: np.linalg.norm(pools[n] - pos[None], axis=-1).mean(axis=(1, 2)).min() for n in names}
            hits.append(min(per_clip, key=per_clip.get) == clip)
            errors.append(per_clip[clip])
            desc.append(descriptors(pos, fps))
    return {"prompts": len(hits), "label_acc": float(np.mean(hits)), "mpjpe_m": float(np.mean(errors)),
            "fmd": frechet(np.stack(desc), real_desc)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/motion_gen.json")
    parser.add_argument("--model", default=None, help="fractal checkpoint (default: the bundled one)")
    args = parser.parse_args()

    import torch

    from egobutler.motion.avatar import bundled_checkpoint
    from egobutler.motion.clip_ops import canonical
    from egobutler.motion.fractal.features import at_speed
    from egobutler.motion.fractal.generator import FractalGenerator
    from egobutler.motion.fractal.text import default_encoder
    from egobutler.motion.retrieval_motion import RetrievalGenerator

    torch.set_num_threads(1)
    encoder = default_encoder().load()
    start = time.perf_counter()
    encoder.encode(["warm up"])
    fractal = FractalGenerator(args.model or bundled_checkpoint(), encoder=encoder)
    retrieval = RetrievalGenerator(encoder=encoder)
    cfg = fractal.model.config
    prompts = ["wave hello", "let's go", "that's great news", "I'm thinking about it"]
    start = time.perf_counter()
    encoder.encode(prompts)
    encode_ms = 1000 * (time.perf_counter() - start) / len(prompts)
    speed = time_levels(fractal, prompts)
    names, pools = real_windows(cfg)

    def fractal_window(phrase: str) -> np.ndarray:
        return fractal.generate_window(phrase).world()[0]

    def retrieval_window(phrase: str) -> np.ndarray:
        clip = at_speed(retrieval.clip(retrieval.nearest(phrase)[0]), cfg.fps)
        pos = canonical(clip).world()[0][: cfg.num_frames]
        return np.concatenate([pos, np.repeat(pos[-1:], cfg.num_frames - len(pos), 0)])

    quality = {"fractal": evaluate(fractal_window, names, pools, cfg.fps),
               "retrieval": evaluate(retrieval_window, names, pools, cfg.fps)}
    result = {"device": "cpu, 1 torch thread", "text_encode_ms": encode_ms, "speed": speed, "quality": quality,
              "checkpoint": str(args.model or bundled_checkpoint()), "checkpoint_meta": fractal.meta}
    print(f"text encoding: {encode_ms:.1f} ms/prompt")
    print(f"{'level':>5} {'keyframes/window':>16} {'ms per s of motion':>19}")
    for row in speed:
        print(f"{row['level']:>5} {row['keyframes_per_window']:>16} {row['ms_per_motion_second']:>19.1f}")
    print(f"\n{'model':<10} {'prompts':>7} {'label acc':>9} {'MPJPE m':>8} {'FMD':>8}")
    for name, q in quality.items():
        print(f"{name:<10} {q['prompts']:>7} {q['label_acc']:>9.2f} {q['mpjpe_m']:>8.3f} {q['fmd']:>8.3f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
