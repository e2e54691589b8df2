"""Fixtures for the avatar's text-to-motion tests: a fake text encoder and a tiny model."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from egobutler.motion.fractal.text import TextEncoder


class HashEncoder(TextEncoder):
    """Our TextEncoder interface, without a model: each distinct text gets a fixed random unit
    vector; texts sharing words get similar vectors (word vectors are summed)."""

    model_id = "test:hash"
    dim = 384

    def encode(self, texts):
        out = []
        for text in texts:
            vec = np.zeros(self.dim)
            for word in text.lower().split():
                seed = int.from_bytes(hashlib.sha256(word.encode()).digest()[:4], "little")
                vec += np.random.default_rng(seed).normal(size=self.dim)
            out.append(vec / max(np.linalg.norm(vec), 1e-9))
        return np.asarray(out, dtype=np.float32)


@pytest.fixture
def hash_encoder() -> HashEncoder:
    return HashEncoder()


@pytest.fixture(scope="session")
def tiny_config():
    from egobutler.motion.fractal.model import Config

    return Config(num_frames=9, fps=10.0, d_model=32, n_layers=1, n_heads=2)


@pytest.fixture(scope="session")
def tiny_checkpoint(tmp_path_factory, tiny_config):
    """A tiny fractal model trained briefly on three clips, saved to disk."""
    import torch

    from egobutler.motion.deepmimic import load_clip
    from egobutler.motion.fractal.model import FractalMotion
    from egobutler.motion.fractal.train import build_dataset, save_checkpoint, train

    torch.set_num_threads(1)
    clips = [load_clip(n) for n in ("walk", "jump", "punch")]
    labels = {"walk": ["walk forward"], "jump": ["jump up"], "punch": ["punch forward"]}
    data = build_dataset(clips, labels, HashEncoder(), tiny_config)
    model, mean, std, _ = train(data, tiny_config, steps=200, batch_size=16, lr=3e-3)
    path = save_checkpoint(tmp_path_factory.mktemp("fractal") / "tiny.pt", model, mean, std, {"text_model": "test:hash"})
    torch.manual_seed(0)  # train() starts from this same initialisation
    untrained = FractalMotion(tiny_config).eval()
    frames = torch.from_numpy((data.windows - mean) / std)
    text = torch.from_numpy(data.phrase_emb[data.window_clip])  # one phrase per clip here
    with torch.no_grad():
        before = float(untrained.loss(frames, text, torch.Generator().manual_seed(1))[0])
        after = float(model.loss(frames, text, torch.Generator().manual_seed(1))[0])
    return path, before, after
