"""Training data, the training loop and checkpoints of the fractal generator.

Reproduce the bundled checkpoint (a few minutes on 2 CPU cores)::

    egobutler motion train-generator library --steps 3000 --fps 12 --out egobutler/motion/weights
"""

from __future__ import annotations

import json
import pickle
import logging
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from egobutler.motion.deepmimic import MocapClip, list_clips, load_clip
from egobutler.motion.errors import MotionError
from egobutler.motion.fractal.features import FEATURE_DIM, windows
from egobutler.motion.fractal.labels import CLIP_LABELS, all_labels
from egobutler.motion.motion_library import load_library
from egobutler.motion.fractal.model import Config, FractalMotion
from egobutler.motion.fractal.text import TextEncoder

log = logging.getLogger(__name__)

CHECKPOINT_NAME = "fractal_deepmimic.pt"
SPEEDS = (0.8, 1.0, 1.25)  # time-scale augmentation of the training clips
MAX_WINDOWS = 4  # windows per clip and speed, starting 0, 0.1, 0.2, 0.3 s in: a prompt means the
# clip from its start (a deterministic model averages over phases, which blurs flips and kicks)


class CheckpointError(MotionError):
    """A generator checkpoint that is missing or unreadable."""


@dataclass(frozen=True)
class TrainingData:
    """Normalisable windows with their clip and the embedded phrases that describe each clip."""

    windows: np.ndarray  # (N, F, FEATURE_DIM) float32
    window_clip: np.ndarray  # (N,) int, index into clip_names
    clip_names: tuple[str, ...]
    phrases: tuple[str, ...]
    phrase_emb: np.ndarray  # (P, text_dim) float32
    phrase_clip: np.ndarray  # (P,) int


def load_labelled_clips(data: str | Path) -> tuple[list[MocapClip], dict[str, list[str]]]:
    """Clips and their phrases from ``data``: "library" (the DeepMimic clips in pybullet and our
    authored gestures, :mod:`egobutler.motion.motion_library`), "deepmimic" (those clips only) or
    a folder of DeepMimic ``humanoid3d_<name>.txt`` files with an optional ``labels.json``
    (``{"name": ["phrase", ...]}``; clips without one are described by their name)."""
    labels = all_labels()
    if str(data) in ("library", "deepmimic", "bundled"):
        clips = load_library(deepmimic=True)
        if str(data) == "deepmimic":
            clips = {n: c for n, c in clips.items() if n in CLIP_LABELS}
        return list(clips.values()), {n: labels.get(n) or [n.replace("_", " ")] for n in clips}
    folder = Path(data)
    if not folder.is_dir():
        raise MotionError(f"training data {data!r}: give 'library', 'deepmimic' or a folder of DeepMimic humanoid3d_*.txt clips")
    names = list_clips(folder)
    if not names:
        raise MotionError(f"no humanoid3d_*.txt clips in {folder}")
    if (folder / "labels.json").is_file():
        labels.update(json.loads((folder / "labels.json").read_text()))
    clips = [load_clip(n, folder) for n in names]
    return clips, {n: labels.get(n) or [n.replace("_", " ")] for n in names}


def build_dataset(clips: list[MocapClip], labels: dict[str, list[str]], encoder: TextEncoder, config: Config) -> TrainingData:
    """Cut every clip into canonical windows (at several speeds) and embed every phrase."""
    all_windows, window_clip, phrases, phrase_clip = [], [], [], []
    for k, clip in enumerate(clips):
        for speed in SPEEDS:
            w = windows(clip, config.fps, config.num_frames, stride=2, speed=speed)[:MAX_WINDOWS]
            all_windows.append(w)
            window_clip += [k] * len(w)
        for phrase in labels[clip.name]:
            phrases.append(phrase)
            phrase_clip.append(k)
    return TrainingData(
        windows=np.concatenate(all_windows).astype(np.float32),
        window_clip=np.asarray(window_clip),
        clip_names=tuple(c.name for c in clips),
        phrases=tuple(phrases),
        phrase_emb=encoder.encode(phrases),
        phrase_clip=np.asarray(phrase_clip),
    )


def train(
    data: TrainingData,
    config: Config,
    steps: int = 3000,
    batch_size: int = 32,
    lr: float = 1e-3,
    seed: int = 0,
    on_step: Callable[[int, float], None] | None = None,
) -> tuple[FractalMotion, np.ndarray, np.ndarray, list[float]]:
    """Train a model; returns it, the feature mean and std it normalises with, and the losses.

    Each step trains one level (in turn); each batch draws clips uniformly (so short clips count as much as long ones), one window
    and one of the clip's phrases per sample.
    """
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    gen = torch.Generator().manual_seed(seed)
    mean = data.windows.reshape(-1, FEATURE_DIM).mean(0)
    std = np.maximum(data.windows.reshape(-1, FEATURE_DIM).std(0), 0.05)  # 0.05: floor for near-constant rotation codes
    frames = torch.from_numpy((data.windows - mean) / std)
    emb = torch.from_numpy(data.phrase_emb)
    by_clip = [np.flatnonzero(data.window_clip == k) for k in range(len(data.clip_names))]
    phrases_of = [np.flatnonzero(data.phrase_clip == k) for k in range(len(data.clip_names))]
    model = FractalMotion(config)
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.01)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=lr, total_steps=max(steps, 1), pct_start=0.1)
    losses = []
    model.train()
    for step in range(steps):
        clip_ids = rng.integers(0, len(by_clip), batch_size)
        win = np.array([rng.choice(by_clip[k]) for k in clip_ids])
        phr = np.array([rng.choice(phrases_of[k]) for k in clip_ids])
        text = emb[phr] + 0.02 * torch.randn(batch_size, emb.shape[1], generator=gen)  # small jitter: nearby prompts, nearby motion
        # One level per step, round robin: each "stage" trains as often, at a sixth of the cost.
        loss, _ = model.loss(frames[win], text, gen, levels=[step % config.levels])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if on_step is not None:
            on_step(step, losses[-1])
    model.eval()
    return model, mean, std, losses


def save_checkpoint(path: str | Path, model: FractalMotion, mean: np.ndarray, std: np.ndarray, meta: dict | None = None) -> Path:
    """Write a small (fp16 weights) checkpoint that :func:`load_checkpoint` reads."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().to(torch.float16) for k, v in model.state_dict().items()}
    torch.save({"config": model.config.to_dict(), "state_dict": state, "mean": torch.from_numpy(np.asarray(mean, np.float32)),
                "std": torch.from_numpy(np.asarray(std, np.float32)), "meta": json.dumps(meta or {})}, path)
    return path


def load_checkpoint(path: str | Path) -> tuple[FractalMotion, np.ndarray, np.ndarray, dict]:
    """The model (eval mode, float32), feature mean, std and metadata saved at ``path``."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"no generator checkpoint at {path}; train one with `egobutler motion train-generator deepmimic --out DIR`")
    try:
        blob = torch.load(path, map_location="cpu", weights_only=True)
        model = FractalMotion(Config(**blob["config"]))
        model.load_state_dict({k: v.float() for k, v in blob["state_dict"].items()})
    except (RuntimeError, KeyError, TypeError, EOFError, pickle.UnpicklingError) as exc:
        raise CheckpointError(f"{path} is not a fractal generator checkpoint ({exc}); retrain it") from None
    model.eval()
    return model, blob["mean"].numpy(), blob["std"].numpy(), json.loads(blob["meta"])


def train_generator(data: str | Path, out: str | Path, encoder: TextEncoder, steps: int = 3000, config: Config | None = None,
                    seed: int = 0, on_step: Callable[[int, float], None] | None = None) -> Path:
    """Load clips, train, and write ``out/fractal_deepmimic.pt``; returns the checkpoint path."""
    config = config or Config()
    started = time.monotonic()
    clips, labels = load_labelled_clips(data)
    dataset = build_dataset(clips, labels, encoder, config)
    log.info("training on %d windows of %d clips, %d phrases", len(dataset.windows), len(clips), len(dataset.phrases))
    model, mean, std, losses = train(dataset, config, steps=steps, seed=seed, on_step=on_step)
    meta = {"text_model": encoder.model_id, "clips": list(dataset.clip_names), "steps": steps, "seed": seed,
            "final_loss": float(np.mean(losses[-50:])) if losses else None, "train_s": round(time.monotonic() - started, 1)}
    return save_checkpoint(Path(out) / CHECKPOINT_NAME, model, mean, std, meta)
