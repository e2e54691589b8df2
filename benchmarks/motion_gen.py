"""Benchmark the avatar's text-to-motion generators on held-out wordings, and reply speed.

    nice -n 10 .venv/bin/python benchmarks/motion_gen.py [--model CKPT ...] [--out benchmarks/results/motion_gen.json]

Every generator (retrieval, the bundled fractal checkpoint with and without text snapping, and
any ``--model`` checkpoints)
makes a 3 s motion for each HELD-OUT phrasing of ``fractal/labels.py`` and
``gesture_clips.py`` (never trained on, never a retrieval label). Measures:

* label acc. — the evaluator (``motion_eval.py``, trained here on the training phrases and
  real clips) puts the motion nearest to the prompt's own clip;
* R@1 / R@3 — R-precision: the prompt ranks first / in the top 3 of 32 held-out prompts
  (its own and 31 of other clips) by the evaluator's text–motion similarity;
* MPJPE — mean joint position error (m) to the prompt's clip played as the avatar plays it
  (for looping clips, the best of its phases);
* FMD — Fréchet distance between 10 motion descriptors of the generated motions and of
  real ones (lower is more lifelike);
* diversity — mean distance between evaluator embeddings of different prompts' motions
  (real motions: see ``real``); foot skate — toe speed (m/s) while touching the ground.

Speed: wall time for a 2-sentence reply's speech (hibari-tts) plus motion, per generator, after
the warm-up that ``egobutler serve`` runs at start (models loaded, gesture prompts embedded).
Figures are from a shared 2-core CPU: upper bounds.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

SECONDS = 3.0
REPLIES = [
    ("Did I leave the screwdriver in the kitchen?", "Yes, you left it in the kitchen drawer. Alice put it there on Tuesday afternoon."),
    ("Did we buy milk?", "No, nobody bought milk. Shure said he would get some tomorrow."),
    ("Where is my passport?", "I don't know. It does not appear in any of your recordings."),
    ("hi", "Hello! Ask me anything about your week."),
]


def held_out_prompts(library: dict) -> list[tuple[str, str]]:
    from egobutler.motion.fractal.labels import all_held_out

    return [(clip, p) for clip, phrases in all_held_out().items() if clip in library for p in phrases]


class RealMotion:
    """The prompt's own clip, a real sample (not the MPJPE reference): the evaluator's ceiling."""

    model_id = "real clips (ceiling)"

    def __init__(self, prompts: list[tuple[str, str]], samples: dict[str, list[np.ndarray]]):
        self.clip_of = dict((p, c) for c, p in prompts)
        self.samples = samples

    def generate(self, text: str, seconds: float):
        pos = self.samples[self.clip_of[text]][-1]
        return type("Positions", (), {"world": lambda _self: (pos, None)})()


def reference_mpjpe(pos: np.ndarray, refs: list[np.ndarray]) -> float:
    n = min([len(pos)] + [len(r) for r in refs])  # a time-warp may round one frame shorter
    return float(min(np.linalg.norm(r[:n] - pos[:n], axis=-1).mean() for r in refs))


def score(name: str, gen, prompts, ev, refs, real_desc) -> dict:
    """All quality measures of one generator."""
    from motion_eval import descriptors, embed_motions, embed_texts, foot_skate

    model, mean, std, encoder, centroids, clip_names = ev
    started = time.perf_counter()
    positions = [gen.generate(p, SECONDS).world()[0] for _, p in prompts]
    ms_per_motion = 1000 * (time.perf_counter() - started) / len(prompts)
    zm = embed_motions(model, mean, std, positions)
    zt = embed_texts(model, encoder, [p for _, p in prompts])
    rng = np.random.default_rng(0)
    clips = np.array([c for c, _ in prompts])
    label_hits, r1, r3 = [], [], []
    for i, (clip, _) in enumerate(prompts):
        label_hits.append(clip_names[int(np.argmax(centroids @ zm[i]))] == clip)
        others = np.flatnonzero(clips != clip)
        pool = np.concatenate([[i], rng.choice(others, size=min(31, len(others)), replace=False)])
        rank = int((zt[pool] @ zm[i] > zt[i] @ zm[i]).sum())
        r1.append(rank == 0)
        r3.append(rank < 3)
    desc = np.stack([descriptors(p, 30.0) for p in positions])
    from motion_eval import frechet

    pair = np.linalg.norm(zm[:, None] - zm[None], axis=-1)
    return {"prompts": len(prompts), "label_acc": float(np.mean(label_hits)), "r_precision_top1": float(np.mean(r1)),
            "r_precision_top3": float(np.mean(r3)),
            "mpjpe_m": float(np.mean([reference_mpjpe(p, refs[c]) for p, (c, _) in zip(positions, prompts)])),
            "fmd": frechet(desc, real_desc), "diversity": float(pair[np.triu_indices(len(zm), 1)].mean()),
            "foot_skate_m_s": float(np.mean([foot_skate(p, 30.0) for p in positions])),
            "ms_per_3s_motion": ms_per_motion, "model_id": getattr(gen, "model_id", name)}


def reply_speed(generators: dict, voice) -> dict:
    """Seconds until a 2-sentence reply's speech and motion are both ready (after warm-up)."""
    from egobutler.motion.performance import perform_reply, warm_up

    out = {}
    for name, gen in generators.items():
        warm_up(gen, voice)  # as `egobutler serve` does in the background at start
        times = []
        for question, answer in REPLIES[:3]:
            started = time.perf_counter()
            perf = perform_reply(answer, question, generator=gen, voice=voice)
            times.append(time.perf_counter() - started)
        out[name] = {"mean_s": float(np.mean(times)), "max_s": float(np.max(times)), "speech_s": perf.speech.duration_s}
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="benchmarks/results/motion_gen.json")
    parser.add_argument("--model", action="append", default=[], help="extra fractal checkpoint(s) to score")
    args = parser.parse_args()

    import torch

    from motion_eval import descriptors, real_samples, train_evaluator, embed_motions, embed_texts

    from egobutler.motion.avatar import bundled_checkpoint, load_generator
    from egobutler.motion.fractal.labels import all_labels
    from egobutler.motion.fractal.text import default_encoder
    from egobutler.motion.motion_library import load_library
    from egobutler.motion.speech import HibariVoice

    torch.set_num_threads(1)
    encoder = default_encoder().load()
    library = load_library()
    labels = all_labels()
    rng = np.random.default_rng(0)
    started = time.perf_counter()
    train_real = real_samples(library, SECONDS, rng, noise_m=0.01)
    model, mean, std = train_evaluator(train_real, labels, encoder)
    test_real = real_samples(library, SECONDS, np.random.default_rng(1), per_clip=8)
    clip_names = [n for n in library if labels.get(n)]
    centroids = np.stack([embed_texts(model, encoder, labels[n]).mean(0) for n in clip_names])
    centroids /= np.linalg.norm(centroids, axis=1, keepdims=True)
    ev = (model, mean, std, encoder, centroids, clip_names)
    eval_s = time.perf_counter() - started
    prompts = held_out_prompts(library)
    refs = {n: test_real[n] for n in library}
    real_desc = np.stack([descriptors(p, 30.0) for ps in test_real.values() for p in ps])
    real_z = embed_motions(model, mean, std, [ps[0] for ps in test_real.values()])
    real_pair = np.linalg.norm(real_z[:, None] - real_z[None], axis=-1)

    generators = {"retrieval": load_generator("retrieval", encoder=encoder),
                  "fractal": load_generator("fractal", bundled_checkpoint(), encoder=encoder),
                  "fractal, raw text (no snapping)": load_generator("fractal", bundled_checkpoint(), encoder=encoder,
                                                                    snap_text=False)}
    for path in args.model:
        generators[f"fractal:{Path(path).parent.name}/{Path(path).name}"] = load_generator("fractal", path, encoder=encoder)
    quality = {name: score(name, gen, prompts, ev, refs, real_desc) for name, gen in generators.items()}
    ceiling = real_samples(library, SECONDS, np.random.default_rng(2), per_clip=1)
    quality["real clips (ceiling)"] = score("real", RealMotion(prompts, ceiling), prompts, ev, refs, real_desc)
    speed = reply_speed(generators, HibariVoice().load())
    result = {"device": "cpu (shared 2 cores), 1 torch thread", "seconds_per_motion": SECONDS, "evaluator_train_s": eval_s,
              "held_out_prompts": len(prompts), "real_diversity": float(real_pair[np.triu_indices(len(real_z), 1)].mean()),
              "quality": quality, "reply_speed": speed}
    print(f"{len(prompts)} held-out prompts; evaluator trained in {eval_s:.0f} s; real-motion diversity "
          f"{result['real_diversity']:.3f}")
    print(f"{'generator':<34} {'label':>6} {'R@1':>5} {'R@3':>5} {'MPJPE':>6} {'FMD':>7} {'div':>5} {'skate':>6} {'ms':>6}")
    for name, q in quality.items():
        print(f"{name:<34} {q['label_acc']:>6.2f} {q['r_precision_top1']:>5.2f} {q['r_precision_top3']:>5.2f} "
              f"{q['mpjpe_m']:>6.3f} {q['fmd']:>7.3f} {q['diversity']:>5.2f} {q['foot_skate_m_s']:>6.3f} "
              f"{q['ms_per_3s_motion']:>6.0f}")
    print(f"\n{'generator':<34} {'reply ready, mean s':>20} {'max s':>7}")
    for name, s in speed.items():
        print(f"{name:<34} {s['mean_s']:>20.2f} {s['max_s']:>7.2f}")
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(result, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
