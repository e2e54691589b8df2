"""Model input: gravity-aligned motion features, so the narrator does not depend on how the
IMU is mounted. Channels: vertical and horizontal linear acceleration (/5 m/s²), yaw rate
about up (/2 rad/s), height change since the window start (/2 m; 0 when unknown)."""

from __future__ import annotations

import numpy as np

from egobutler.motion.activity import features
from egobutler.motion.egolm.config import Config
from egobutler.motion.imu import ImuSeries


def motion_window(series: ImuSeries, cfg: Config) -> np.ndarray:
    """(cfg.frames, cfg.channels) float32 from the start of ``series``; cropped to
    ``cfg.window_s`` or zero-padded (zeros read as "still")."""
    out = np.zeros((cfg.frames, cfg.channels), dtype=np.float32)
    if len(series) < 2:
        return out
    f = features(series)
    grid = f.t_s[0] + np.arange(cfg.frames) / cfg.rate_hz
    grid = grid[grid <= f.t_s[-1]]
    height = f.height_m - f.height_m[0] if f.height_m is not None else np.zeros_like(f.t_s)
    for k, (signal, scale) in enumerate(((f.vertical, 5.0), (f.horizontal, 5.0), (f.yaw_rate, 2.0), (height, 2.0))):
        if k >= cfg.channels:
            break
        clean = np.where(f.valid, signal, 0.0)
        out[: len(grid), k] = np.interp(grid, f.t_s, clean) / scale
    return out
