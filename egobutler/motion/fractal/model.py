"""The fractal text-to-motion network: one small transformer shared by all levels.

Level ``i`` sees the text, the level number, and ``2**i + 1`` tokens at their frame
positions: the coarser level's frames (known) and, between them, their midpoints; it
predicts all the level's frames (a residual on its input), so each level conditions on
every coarser one, q(Θ_i | Θ_<i, text).  Level 0 starts from blank tokens.  Generation runs
the levels in order and may stop at any of them.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import torch
import torch.nn.functional as F
from torch import nn

from egobutler.motion.fractal.mixing import interp_matrix, intra_group_mix, key_weight, known_mask, num_levels, upsample


@dataclass
class Config:
    num_frames: int = 33  # window length, 2**L + 1 frames
    fps: float = 20.0  # frames per second of the window (33 frames = 1.6 s)
    feature_dim: int = 81  # see features.py
    text_dim: int = 384  # MiniLM sentence embedding
    d_model: int = 96
    n_layers: int = 3
    n_heads: int = 4
    dropout: float = 0.0  # tiny data, but dropout cost a third of the CPU time
    mix_prob: float = 0.5  # share of training inputs built by intra-group mixing
    mix_group: int = 3  # tokens per mixing group
    key_weight_start: float = 0.2  # λ at the coarsest level (L_key vs L_seq)
    key_weight_end: float = 0.8  # λ at the finest level

    @property
    def levels(self) -> int:
        return num_levels(self.num_frames)

    def to_dict(self) -> dict:
        return asdict(self)


class FractalMotion(nn.Module):
    def __init__(self, config: Config):
        super().__init__()
        self.config = c = config
        self.in_proj = nn.Linear(c.feature_dim + 1, c.d_model)  # +1: the "known" flag
        self.text_proj = nn.Linear(c.text_dim, c.d_model)
        self.pos_emb = nn.Embedding(c.num_frames, c.d_model)
        self.level_emb = nn.Embedding(c.levels, c.d_model)
        layer = nn.TransformerEncoderLayer(c.d_model, c.n_heads, 2 * c.d_model, c.dropout, batch_first=True, norm_first=True)
        self.blocks = nn.TransformerEncoder(layer, c.n_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(c.d_model)
        self.head = nn.Linear(c.d_model, c.feature_dim)
        nn.init.zeros_(self.head.weight)  # start as "copy the input"
        nn.init.zeros_(self.head.bias)
        for level in range(c.levels):
            self.register_buffer(f"interp_{level}", interp_matrix(level, c.num_frames), persistent=False)

    def forward(self, tokens: torch.Tensor, level: int, text: torch.Tensor) -> torch.Tensor:
        """(B, 2**level+1, D) input tokens, (B, text_dim) text → (B, 2**level+1, D) frames."""
        c = self.config
        batch, n, _ = tokens.shape
        flag = known_mask(level).to(tokens)[None, :, None].expand(batch, n, 1)
        positions = torch.arange(0, c.num_frames, (c.num_frames - 1) // 2**level, device=tokens.device)
        h = self.in_proj(torch.cat([tokens, flag], -1)) + self.pos_emb(positions) + self.level_emb.weight[level]
        h = torch.cat([self.text_proj(text)[:, None], h], 1)
        h = self.norm(self.blocks(h))[:, 1:]
        return tokens + self.head(h)

    def level_input(self, coarse: torch.Tensor | None, level: int, batch: int) -> torch.Tensor:
        """Inference input of ``level``: blank for level 0, else the coarser frames upsampled."""
        if level == 0 or coarse is None:
            return torch.zeros(batch, 2, self.config.feature_dim, device=self.head.weight.device)
        return upsample(coarse)

    def loss(self, frames: torch.Tensor, text: torch.Tensor, generator: torch.Generator | None = None,
             levels: list[int] | None = None) -> tuple[torch.Tensor, list[float]]:
        """Training loss on (B, F, D) normalised windows: mean over ``levels`` (default all)
        of λ_i·L_key + (1−λ_i)·L_seq.

        L_key compares a level's predicted frames with the true ones; L_seq compares the
        whole window interpolated from them.  Each level's known tokens are the true
        coarser frames (teacher forcing); with probability ``mix_prob`` a sample's input is
        instead its true level frames shuffled within groups (intra-group mixing).
        """
        c = self.config
        total, per_level = frames.new_zeros(()), []
        stride_all = c.num_frames - 1
        levels = list(range(c.levels)) if levels is None else levels
        for level in levels:
            truth = frames[:, :: stride_all // 2**level]
            if level == 0:
                inp = torch.zeros_like(truth)
            else:
                inp = upsample(truth[:, ::2])
                mixed = intra_group_mix(truth, c.mix_group, generator)
                pick = torch.rand(frames.shape[0], 1, 1, generator=generator) < c.mix_prob
                inp = torch.where(pick.to(frames.device), mixed, inp)
            pred = self(inp, level, text)
            key = F.mse_loss(pred, truth)
            seq = F.mse_loss(getattr(self, f"interp_{level}") @ pred, frames)
            lam = key_weight(level, c.levels, c.key_weight_start, c.key_weight_end)
            level_loss = lam * key + (1 - lam) * seq
            per_level.append(float(level_loss.detach()))
            total = total + level_loss
        return total / len(levels), per_level

    @torch.no_grad()
    def generate(self, text: torch.Tensor, stop_level: int | None = None) -> list[torch.Tensor]:
        """Tokens of every level up to ``stop_level`` (default: the finest), coarse first."""
        stop = self.config.levels - 1 if stop_level is None else stop_level
        out, coarse = [], None
        for level in range(stop + 1):
            coarse = self(self.level_input(coarse, level, text.shape[0]), level, text)
            out.append(coarse)
        return out
