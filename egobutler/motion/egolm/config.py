"""Hyper-parameters of the EgoLM narrator, saved next to its weights."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass
class Config:
    # Motion input: gravity-aligned features (see features.py) at rate_hz over window_s.
    rate_hz: float = 20.0
    window_s: float = 32.0          # a 30 s clip fits; shorter spans are zero-padded (= still)
    channels: int = 4
    # VQ-VAE tokenizer: each motion token covers `downsample` frames (0.8 s at the defaults).
    downsample: int = 16            # a power of two: one stride-2 conv per halving
    codebook_size: int = 256
    code_dim: int = 64
    vq_hidden: int = 96
    commitment: float = 0.25
    # GPT narrator.
    n_layer: int = 4
    n_head: int = 4
    n_embd: int = 192
    dropout: float = 0.1
    max_text_tokens: int = 48
    text_vocab_size: int = 0        # set from the vocabulary built at training time
    # Training.
    batch_size: int = 16
    lr: float = 3e-4
    weight_decay: float = 0.01

    @property
    def frames(self) -> int:
        return int(round(self.rate_hz * self.window_s))

    @property
    def motion_tokens(self) -> int:
        return self.frames // self.downsample

    @property
    def block_size(self) -> int:
        # motion tokens, <text>, words..., <eos>
        return self.motion_tokens + 1 + self.max_text_tokens + 1

    @classmethod
    def small(cls) -> Config:
        """A CPU-sized model (~0.33 M parameters, ~0.7 s a step on one busy core): 10 Hz input,
        one motion token per 0.8 s, room for timed narrations of busy windows."""
        return cls(rate_hz=10.0, downsample=8, codebook_size=64, code_dim=32, vq_hidden=48, n_layer=2, n_head=4,
                   n_embd=96, max_text_tokens=64, batch_size=32, lr=1e-3)

    @classmethod
    def tiny(cls) -> Config:
        """A few-kB model for tests and smoke runs."""
        return cls(rate_hz=10.0, window_s=6.4, downsample=4, codebook_size=16, code_dim=16, vq_hidden=16,
                   n_layer=1, n_head=2, n_embd=32, dropout=0.0, max_text_tokens=24, batch_size=8, lr=3e-3)

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(asdict(self), indent=2))

    @classmethod
    def load(cls, path: Path) -> Config:
        return cls(**json.loads(path.read_text()))
