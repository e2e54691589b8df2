"""Keyframe levels and intra-group input mixing (FracMoGen's training noise).

A window of ``F = 2**L + 1`` frames is generated in levels ``i = 0 … L``: level ``i`` holds
the ``2**i + 1`` frames at stride ``(F - 1) / 2**i``, so level 0 is the first and last
keyframe and level ``L`` is every frame.  Each level contains all coarser ones (its even
tokens) and adds the frames halfway between them (its odd tokens).

Instead of Gaussian noise, training corrupts a level's ground truth by shuffling frames
within small groups of consecutive tokens: the input holds the right poses in the wrong
order, and the model learns to put motion back in order while filling it in.
"""

from __future__ import annotations

import math

import numpy as np
import torch


def num_levels(num_frames: int) -> int:
    """Number of levels (``L + 1``) for a window of ``num_frames = 2**L + 1`` frames."""
    top = int(round(math.log2(num_frames - 1)))
    if num_frames < 3 or 2**top + 1 != num_frames:
        raise ValueError(f"a fractal window has 2**L + 1 frames (3, 5, 9, 17, 33, 65...), not {num_frames}")
    return top + 1


def level_indices(num_frames: int, level: int) -> np.ndarray:
    """Frame indices (into the window) of the tokens of ``level``: ``2**level + 1`` of them."""
    top = num_levels(num_frames) - 1
    if not 0 <= level <= top:
        raise ValueError(f"level must be in 0..{top}, not {level}")
    return np.arange(0, num_frames, (num_frames - 1) // 2**level)


def known_mask(level: int) -> torch.Tensor:
    """(2**level + 1,) bool: which tokens of ``level`` come from the coarser level."""
    mask = torch.zeros(2**level + 1, dtype=torch.bool)
    if level > 0:
        mask[::2] = True
    return mask


def upsample(coarse: torch.Tensor) -> torch.Tensor:
    """(B, n, D) level tokens → (B, 2n - 1, D): coarse tokens kept, midpoints in between."""
    batch, n, dim = coarse.shape
    out = coarse.new_empty(batch, 2 * n - 1, dim)
    out[:, ::2] = coarse
    out[:, 1::2] = 0.5 * (coarse[:, :-1] + coarse[:, 1:])
    return out


def intra_group_mix(x: torch.Tensor, group_size: int, generator: torch.Generator | None = None) -> torch.Tensor:
    """Shuffle the tokens of (B, N, D) ``x`` within consecutive groups of ``group_size``.

    Every sample and group gets its own random order; the multiset of frames in each group
    is unchanged (only their order), which is what makes it "mixing" rather than noise.
    """
    batch, n, _ = x.shape
    group = torch.arange(n) // max(1, group_size)
    # Sorting random keys offset by the group number permutes only inside each group.
    keys = torch.rand(batch, n, generator=generator) + group.to(torch.float32) * 2.0
    order = keys.argsort(dim=1)
    return torch.gather(x, 1, order[..., None].expand_as(x))


def interp_matrix(level: int, num_frames: int) -> torch.Tensor:
    """(num_frames, 2**level + 1) weights that linearly interpolate level tokens to every frame."""
    idx = level_indices(num_frames, level)
    weights = np.zeros((num_frames, len(idx)), dtype=np.float32)
    for f in range(num_frames):
        k = min(np.searchsorted(idx, f, side="right") - 1, len(idx) - 2)
        frac = (f - idx[k]) / (idx[k + 1] - idx[k])
        weights[f, k], weights[f, k + 1] = 1 - frac, frac
    return torch.from_numpy(weights)


def key_weight(level: int, levels: int, start: float = 0.2, end: float = 0.8) -> float:
    """λ of level ``level``: rises linearly from ``start`` (coarsest) to ``end`` (finest)."""
    return start if levels <= 1 else start + (end - start) * level / (levels - 1)
