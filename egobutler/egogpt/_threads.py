"""Run small torch models on few threads.

The VAD and voice-encoder models are tiny; on a busy CPU torch's default (one OpenMP
thread per core, spinning) makes them 10-50x slower than a single thread does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def torch_threads(n: int | None) -> Iterator[None]:
    """Limit torch's intra-op threads to ``n`` inside the block (None: leave as is), then restore."""
    if not n:
        yield
        return
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(n)
    try:
        yield
    finally:
        torch.set_num_threads(before)
