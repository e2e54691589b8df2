"""Train the EgoLM narrator on paired data and save / load checkpoints.

A checkpoint is a folder: ``config.json``, ``vocab.json``, ``model.pt`` (a state dict,
loaded with ``weights_only=True``) and ``meta.json`` (steps, examples, final losses).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np

from egobutler.motion.egolm.config import Config
from egobutler.motion.egolm.vocab import EOS, PAD, Vocab
from egobutler.motion.errors import NarratorUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TrainReport:
    out_dir: Path
    steps: int
    examples: int
    losses: list[float] = field(default_factory=list)


def encode_texts(vocab: Vocab, texts: list[str], cfg: Config) -> np.ndarray:
    """(N, max_text_tokens + 1) ids: words, <eos>, then <pad>; long narrations are cut."""
    out = np.full((len(texts), cfg.max_text_tokens + 1), PAD, dtype=np.int64)
    for i, text in enumerate(texts):
        ids = vocab.encode(text)[: cfg.max_text_tokens] + [EOS]
        out[i, : len(ids)] = ids
    return out


def train(
    data_dir: str | Path, out_dir: str | Path, *, steps: int = 2000, cfg: Config | None = None,
    seed: int = 0, device: str = "cpu", threads: int | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> TrainReport:
    """Train on ``data_dir`` (layout in `egobutler.motion.egolm.data`) and save to ``out_dir``.

    ``threads``: CPU threads for torch during training (on a busy machine 1 is often fastest);
    the previous setting is restored afterwards."""
    from egobutler.motion.egolm.data import load_examples

    cfg = cfg or Config()
    return train_examples(load_examples(data_dir, cfg), out_dir, steps=steps, cfg=cfg, seed=seed, device=device,
                          threads=threads, progress=progress)


def train_examples(
    examples: list, out_dir: str | Path, *, steps: int = 2000, cfg: Config | None = None, seed: int = 0,
    device: str = "cpu", threads: int | None = None, progress: Callable[[int, float], None] | None = None,
    time_budget_s: float | None = None, meta: dict | None = None,
) -> TrainReport:
    """Train on in-memory `Example`s; stop after ``steps`` or ``time_budget_s`` seconds,
    whichever comes first. ``meta`` is added to the checkpoint's meta.json."""
    import torch

    previous = torch.get_num_threads()
    if threads:
        torch.set_num_threads(threads)
    try:
        return _train(examples, out_dir, steps, cfg or Config(), seed, device, progress, time_budget_s, meta or {})
    finally:
        torch.set_num_threads(previous)


def _train(examples, out_dir, steps, cfg, seed, device, progress, time_budget_s, extra_meta) -> TrainReport:
    import time

    import torch

    from egobutler.motion.egolm.model import EgoLM

    vocab = Vocab.build([e.text for e in examples])
    cfg.text_vocab_size = len(vocab)
    motion = torch.tensor(np.stack([e.motion for e in examples]), device=device)
    text = torch.tensor(encode_texts(vocab, [e.text for e in examples], cfg), device=device)
    torch.manual_seed(seed)
    model = EgoLM(cfg).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    gen = torch.Generator(device="cpu").manual_seed(seed)
    losses = []
    model.train()
    started = time.monotonic()
    for step in range(steps):
        if time_budget_s is not None and time.monotonic() - started > time_budget_s:
            log.info("time budget of %.0f s reached after %d steps", time_budget_s, step)
            break
        batch = torch.randint(len(examples), (min(cfg.batch_size, len(examples)),), generator=gen).to(device)
        loss, parts = model(motion[batch], text[batch])
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        losses.append(loss.item())
        if progress:
            progress(step, losses[-1])
        if step % 100 == 0:
            log.info("step %d loss %.3f (vq %.3f, lm %.3f)", step, losses[-1], parts["vq"], parts["lm"])
    meta = {"steps": len(losses), "examples": len(examples), "final_loss": losses[-1] if losses else None,
            "train_seconds": round(time.monotonic() - started, 1), **extra_meta}
    save_checkpoint(out_dir, model, cfg, vocab, meta)
    return TrainReport(Path(out_dir), len(losses), len(examples), losses)


def save_checkpoint(out_dir: str | Path, model, cfg: Config, vocab: Vocab, meta: dict) -> Path:
    import torch

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cfg.save(out / "config.json")
    vocab.save(out / "vocab.json")
    torch.save(model.state_dict(), out / "model.pt")
    (out / "meta.json").write_text(json.dumps(meta, indent=2))
    return out


def load_checkpoint(path: str | Path, device: str = "cpu"):
    """(model in eval mode, Config, Vocab) from a checkpoint folder."""
    path = Path(path)
    missing = [n for n in ("config.json", "vocab.json", "model.pt") if not (path / n).is_file()]
    if missing:
        raise NarratorUnavailable(f"{path} is not an EgoLM narrator checkpoint (missing {', '.join(missing)}); "
                                  "train one with `egobutler motion train-narrator DATA --out DIR`")
    try:
        import torch
    except ImportError:
        raise NarratorUnavailable("the egolm narrator needs torch: pip install 'egobutler[full]'") from None
    from egobutler.motion.egolm.model import EgoLM

    cfg = Config.load(path / "config.json")
    vocab = Vocab.load(path / "vocab.json")
    model = EgoLM(cfg)
    model.load_state_dict(torch.load(path / "model.pt", map_location=device, weights_only=True))
    return model.to(device).eval(), cfg, vocab
