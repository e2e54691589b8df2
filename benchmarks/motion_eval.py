"""The text–motion evaluator and motion measures that ``motion_gen.py`` scores generators with.

The evaluator is a small contrastive model trained here, on the training phrases only: a motion
encoder (an MLP over 16 sampled poses of a 3 s motion) and a text head on frozen MiniLM
embeddings, pulled together by a symmetric InfoNCE loss. Its real motions are the library clips
played the way the avatar plays them, at random speeds (0.8–1.25x) and, for looping clips,
random phases, with a little pose noise.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

SAMPLED_POSES = 16
EMBED_DIM = 64


def motion_features(pos: np.ndarray) -> np.ndarray:
    """(T, J, 3) world positions → a flat vector: 16 poses relative to the root's ground point,
    plus the root's travel from the first frame (metres)."""
    idx = np.linspace(0, len(pos) - 1, SAMPLED_POSES).round().astype(int)
    sampled = pos[idx]
    root_xy = sampled[:, :1, :2]
    rel = sampled.copy()
    rel[..., :2] -= root_xy
    travel = sampled[:, 0, :2] - sampled[:1, 0, :2]
    return np.concatenate([rel.reshape(SAMPLED_POSES, -1), travel], axis=1).reshape(-1).astype(np.float32)


class Evaluator(nn.Module):
    def __init__(self, motion_dim: int, text_dim: int = 384):
        super().__init__()
        self.motion = nn.Sequential(nn.Linear(motion_dim, 256), nn.GELU(), nn.Linear(256, EMBED_DIM))
        self.text = nn.Sequential(nn.Linear(text_dim, 128), nn.GELU(), nn.Linear(128, EMBED_DIM))
        self.log_temp = nn.Parameter(torch.tensor(np.log(1 / 0.07), dtype=torch.float32))

    def embed_motion(self, feats: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(self.motion(feats), dim=-1)

    def embed_text(self, emb: torch.Tensor) -> torch.Tensor:
        return nn.functional.normalize(self.text(emb), dim=-1)


def real_samples(library: dict, seconds: float, rng: np.random.Generator, per_clip: int = 24,
                 noise_m: float = 0.0) -> dict[str, list[np.ndarray]]:
    """Per clip, ``per_clip`` world-position arrays of real motion lasting ``seconds`` at 30 fps
    (with Gaussian joint noise of ``noise_m`` metres: augmentation for training)."""
    from dataclasses import replace

    from egobutler.motion.clip_ops import canonical, resample, then_idle, time_warp, trim

    out: dict[str, list[np.ndarray]] = {}
    for name, clip in library.items():
        samples = []
        for _ in range(per_clip):
            speed = rng.uniform(0.8, 1.25)
            c = resample(clip, max(2, int(clip.num_frames / speed)), fps=clip.fps)
            if clip.loop:  # a random phase of the repeated cycle
                long = time_warp(c, seconds + c.duration_s)
                s0 = int(rng.integers(0, long.num_frames - int(seconds * 30) - 1))
                c = trim(canonical(replace(long, root_pos=long.root_pos[s0:], root_rot=long.root_rot[s0:],
                                           local_rot=long.local_rot[s0:])), seconds)
            else:
                c = then_idle(c, library["idle"], seconds)
            pos = c.world()[0]
            samples.append(pos + rng.normal(scale=noise_m, size=pos.shape) if noise_m else pos)
        out[name] = samples
    return out


def train_evaluator(samples: dict[str, list[np.ndarray]], labels: dict[str, list[str]], encoder, steps: int = 800,
                    seed: int = 0) -> tuple[Evaluator, np.ndarray, np.ndarray]:
    """Train on (real motion, training phrase) pairs; returns the model and feature mean/std."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    names = [n for n in samples if labels.get(n)]
    feats = {n: np.stack([motion_features(p) for p in samples[n]]) for n in names}
    allf = np.concatenate(list(feats.values()))
    mean, std = allf.mean(0), allf.std(0) + 1e-3
    text = {n: encoder.encode(labels[n]) for n in names}
    model = Evaluator(allf.shape[1])
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=1e-3)
    batch = min(len(names), 24)
    for _ in range(steps):
        chosen = rng.choice(len(names), size=batch, replace=False)
        m = np.stack([feats[names[k]][rng.integers(len(feats[names[k]]))] for k in chosen])
        t = np.stack([text[names[k]][rng.integers(len(text[names[k]]))] for k in chosen])
        zm = model.embed_motion(torch.from_numpy((m - mean) / std))
        zt = model.embed_text(torch.from_numpy(t))
        logits = model.log_temp.exp() * zm @ zt.T
        target = torch.arange(batch)
        loss = (nn.functional.cross_entropy(logits, target) + nn.functional.cross_entropy(logits.T, target)) / 2
        opt.zero_grad()
        loss.backward()
        opt.step()
    model.eval()
    return model, mean, std


def embed_motions(model: Evaluator, mean: np.ndarray, std: np.ndarray, positions: list[np.ndarray]) -> np.ndarray:
    feats = np.stack([motion_features(p) for p in positions])
    with torch.no_grad():
        return model.embed_motion(torch.from_numpy((feats - mean) / std)).numpy()


def embed_texts(model: Evaluator, encoder, texts: list[str]) -> np.ndarray:
    with torch.no_grad():
        return model.embed_text(torch.from_numpy(encoder.encode(texts))).numpy()


def foot_skate(pos: np.ndarray, fps: float, contact_m: float = 0.03) -> float:
    """Mean horizontal speed (m/s) of the toes while they touch the ground (height < ``contact_m``)."""
    from egobutler.motion.skeleton import joint_index

    toes = [joint_index("left_toe"), joint_index("right_toe")]
    speed = np.linalg.norm(np.diff(pos[:, toes, :2], axis=0), axis=-1) * fps
    contact = (pos[1:, toes, 2] < contact_m) & (pos[:-1, toes, 2] < contact_m)
    return float(speed[contact].mean()) if contact.any() else 0.0


def descriptors(pos: np.ndarray, fps: float) -> np.ndarray:
    """10 numbers that summarise a (T, J, 3) motion: where things are and how fast they move."""
    from egobutler.motion.skeleton import joint_index

    head, lw, rw, lt, rt = (joint_index(n) for n in ("head", "left_wrist", "right_wrist", "left_toe", "right_toe"))
    speed = np.linalg.norm(np.diff(pos, axis=0), axis=-1) * fps
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
