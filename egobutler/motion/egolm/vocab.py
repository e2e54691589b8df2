"""A word-level vocabulary built from the training narrations (no downloaded tokenizer)."""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

SPECIALS = ("<pad>", "<unk>", "<text>", "<eos>")
PAD, UNK, TEXT, EOS = range(4)
_WORD = re.compile(r"[a-z0-9]+|[^\sa-z0-9]")


def words(text: str) -> list[str]:
    """Lower-cased words and punctuation marks."""
    return _WORD.findall(text.lower())


class Vocab:
    """Words <-> ids; ids 0-3 are the special tokens."""

    def __init__(self, tokens: list[str]):
        self.tokens = list(tokens)
        self.index = {t: i for i, t in enumerate(self.tokens)}

    @classmethod
    def build(cls, texts: list[str], min_count: int = 1) -> Vocab:
        counts = Counter(w for text in texts for w in words(text))
        kept = sorted(w for w, c in counts.items() if c >= min_count)
        return cls(list(SPECIALS) + kept)

    def __len__(self) -> int:
        return len(self.tokens)

    def encode(self, text: str) -> list[int]:
        return [self.index.get(w, UNK) for w in words(text)]

    def decode(self, ids: list[int]) -> str:
        out = ""
        for i in ids:
            if i == EOS:
                break
            if i < len(SPECIALS):
                continue
            word = self.tokens[i]
            out += word if (not out or not word[0].isalnum() and word not in "(") else " " + word
        return out[:1].upper() + out[1:]

    def save(self, path: Path) -> None:
        path.write_text(json.dumps(self.tokens))

    @classmethod
    def load(cls, path: Path) -> Vocab:
        return cls(json.loads(path.read_text()))
