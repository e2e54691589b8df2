"""The EgoLM narrator: motion VQ-VAE tokenizer + a small GPT over [motion tokens, words].

Shapes: motion (B, frames, channels) -> codes (B, motion_tokens) -> GPT over
``codes + text_vocab_size`` followed by ``<text> words... <eos>``; the loss counts the words.
"""

from __future__ import annotations

import math

import torch
from torch import nn
from torch.nn import functional as F

from egobutler.motion.egolm.config import Config
from egobutler.motion.egolm.vocab import EOS, PAD, TEXT

# ----------------------------------------------------------------------------- tokenizer


class MotionVQVAE(nn.Module):
    """1-D conv encoder (stride 2 per level) -> nearest codebook vector -> conv decoder."""

    def __init__(self, cfg: Config):
        super().__init__()
        levels = int(math.log2(cfg.downsample))
        if 2**levels != cfg.downsample:
            raise ValueError(f"downsample must be a power of two, got {cfg.downsample}")
        h = cfg.vq_hidden
        enc: list[nn.Module] = [nn.Conv1d(cfg.channels, h, 3, padding=1), nn.GELU()]
        for _ in range(levels):
            enc += [nn.Conv1d(h, h, 4, stride=2, padding=1), nn.GELU()]
        enc += [nn.Conv1d(h, cfg.code_dim, 1)]
        dec: list[nn.Module] = [nn.Conv1d(cfg.code_dim, h, 3, padding=1), nn.GELU()]
        for _ in range(levels):
            dec += [nn.ConvTranspose1d(h, h, 4, stride=2, padding=1), nn.GELU()]
        dec += [nn.Conv1d(h, cfg.channels, 3, padding=1)]
        self.encoder, self.decoder = nn.Sequential(*enc), nn.Sequential(*dec)
        self.codebook = nn.Embedding(cfg.codebook_size, cfg.code_dim)
        self.codebook.weight.data.uniform_(-1.0 / cfg.codebook_size, 1.0 / cfg.codebook_size)
        self.commitment = cfg.commitment

    def encode(self, motion: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(B, T, C) -> latents (B, T', D) and code ids (B, T')."""
        z = self.encoder(motion.transpose(1, 2)).transpose(1, 2)
        dist = (z.pow(2).sum(-1, keepdim=True) - 2 * z @ self.codebook.weight.T
                + self.codebook.weight.pow(2).sum(-1))
        return z, dist.argmin(-1)

    def forward(self, motion: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Returns (reconstruction, codes, loss = reconstruction + codebook + commitment)."""
        z, codes = self.encode(motion)
        q = self.codebook(codes)
        vq_loss = F.mse_loss(q, z.detach()) + self.commitment * F.mse_loss(z, q.detach())
        q = z + (q - z).detach()  # straight-through gradient to the encoder
        recon = self.decoder(q.transpose(1, 2)).transpose(1, 2)
        return recon, codes, F.mse_loss(recon, motion) + vq_loss


# ----------------------------------------------------------------------------- GPT


class Block(nn.Module):
    def __init__(self, cfg: Config):
        super().__init__()
        self.ln1, self.ln2 = nn.LayerNorm(cfg.n_embd), nn.LayerNorm(cfg.n_embd)
        self.attn = nn.MultiheadAttention(cfg.n_embd, cfg.n_head, dropout=cfg.dropout, batch_first=True)
        self.mlp = nn.Sequential(nn.Linear(cfg.n_embd, 4 * cfg.n_embd), nn.GELU(),
                                 nn.Linear(4 * cfg.n_embd, cfg.n_embd), nn.Dropout(cfg.dropout))

    def forward(self, x: torch.Tensor, causal: torch.Tensor) -> torch.Tensor:
        h = self.ln1(x)
        x = x + self.attn(h, h, h, attn_mask=causal, need_weights=False)[0]
        return x + self.mlp(self.ln2(x))


class NarratorGPT(nn.Module):
    """Decoder-only transformer over one vocabulary: words first, then motion codes."""

    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        vocab = cfg.text_vocab_size + cfg.codebook_size
        self.tok = nn.Embedding(vocab, cfg.n_embd)
        self.pos = nn.Embedding(cfg.block_size, cfg.n_embd)
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.ln = nn.LayerNorm(cfg.n_embd)
        self.head = nn.Linear(cfg.n_embd, cfg.text_vocab_size, bias=False)  # only words are generated

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        """(B, L) token ids -> (B, L, text_vocab_size) next-word logits."""
        length = ids.shape[1]
        causal = torch.triu(torch.ones(length, length, dtype=torch.bool, device=ids.device), 1)
        x = self.drop(self.tok(ids) + self.pos(torch.arange(length, device=ids.device)))
        for block in self.blocks:
            x = block(x, causal)
        return self.head(self.ln(x))


class EgoLM(nn.Module):
    """Tokenizer and narrator trained together (the GPT sees the codes, not their gradients)."""

    def __init__(self, cfg: Config):
        super().__init__()
        self.cfg = cfg
        self.vqvae = MotionVQVAE(cfg)
        self.gpt = NarratorGPT(cfg)

    def prefix(self, codes: torch.Tensor) -> torch.Tensor:
        """Motion codes as GPT ids (after the words), then <text>."""
        start = torch.full((codes.shape[0], 1), TEXT, dtype=torch.long, device=codes.device)
        return torch.cat([codes + self.cfg.text_vocab_size, start], dim=1)

    def forward(self, motion: torch.Tensor, text: torch.Tensor) -> tuple[torch.Tensor, dict[str, float]]:
        """motion (B, T, C), text (B, max_text_tokens + 1) word ids ending in <eos>, padded with
        <pad>. Returns the total loss and its parts."""
        _, codes, vq_loss = self.vqvae(motion)
        ids = torch.cat([self.prefix(codes.detach()), text[:, :-1]], dim=1)
        logits = self.gpt(ids)[:, codes.shape[1]:]  # predictions after <text> and each word
        lm_loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), text.reshape(-1), ignore_index=PAD)
        return vq_loss + lm_loss, {"vq": vq_loss.item(), "lm": lm_loss.item()}

    @torch.no_grad()
    def generate(self, motion: torch.Tensor, max_words: int | None = None) -> list[list[int]]:
        """Greedy narration word ids for each motion window in the batch (stops at <eos>)."""
        return self.generate_with_probs(motion, max_words)[0]

    @torch.no_grad()
    def generate_with_probs(self, motion: torch.Tensor, max_words: int | None = None,
                            ) -> tuple[list[list[int]], list[list[float]]]:
        """Greedy word ids and the model's probability of each chosen word."""
        _, codes = self.vqvae.encode(motion)
        ids = self.prefix(codes)
        out: list[list[int]] = [[] for _ in range(len(ids))]
        probs: list[list[float]] = [[] for _ in range(len(ids))]
        done = torch.zeros(len(ids), dtype=torch.bool, device=ids.device)
        for _ in range(max_words or self.cfg.max_text_tokens):
            logits = self.gpt(ids)[:, -1]
            logits[:, PAD] = float("-inf")
            p = torch.softmax(logits, -1)
            best, nxt = p.max(-1)
            for b, (token, prob) in enumerate(zip(nxt.tolist(), best.tolist())):
                if not done[b]:
                    out[b].append(token)
                    probs[b].append(prob)
            done |= nxt == EOS
            if bool(done.all()):
                break
            ids = torch.cat([ids, nxt[:, None]], dim=1)
        return out, probs
