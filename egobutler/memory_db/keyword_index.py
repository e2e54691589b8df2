"""BM25 keyword search over documents, held in memory as a sparse matrix.

Built from SQL on first use and rebuilt when the memory's `data_version` moves, so
it works the same on SQLite and PostgreSQL and needs no extension.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

_WORD = re.compile(r"[a-z0-9]+")
STOPWORDS = frozenset(
    """a an and are as at be been but by did do does for from had has have he her him his how i if in
    into is it its me my no not of on or our she so that the their them then there these they this to
    too was we were what when where which who whom why will with would you your yours am can could
    just did doing done than also about up out over very""".split()
)


def stem(word: str) -> str:
    """A light suffix stripper: enough to match 'screws'/'screw', 'cooking'/'cook'."""
    for suffix, keep in (("ies", "y"), ("ing", ""), ("ed", ""), ("es", ""), ("s", "")):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + keep
    return word


def tokenize(text: str) -> list[str]:
    return [stem(w) for w in _WORD.findall(text.lower()) if w not in STOPWORDS]


class BM25Index:
    """Okapi BM25 (k1, b) over a fixed list of documents."""

    def __init__(self, ids: Sequence[str], texts: Sequence[str], *, k1: float = 1.2, b: float = 0.75):
        from scipy.sparse import csr_matrix

        self.ids = list(ids)
        vocab: dict[str, int] = {}
        rows, cols, vals = [], [], []
        lengths = np.zeros(len(texts), dtype=np.float32)
        for row, text in enumerate(texts):
            counts: dict[int, int] = {}
            tokens = tokenize(text)
            lengths[row] = len(tokens)
            for token in tokens:
                col = vocab.setdefault(token, len(vocab))
                counts[col] = counts.get(col, 0) + 1
            rows.extend([row] * len(counts))
            cols.extend(counts.keys())
            vals.extend(counts.values())
        self.vocab = vocab
        n_docs = max(len(texts), 1)
        tf = csr_matrix((np.asarray(vals, dtype=np.float32), (rows, cols)), shape=(len(texts), max(len(vocab), 1)))
        df = np.bincount(np.asarray(cols, dtype=np.int64), minlength=max(len(vocab), 1)).astype(np.float32)
        self.idf = np.log(1.0 + (n_docs - df + 0.5) / (df + 0.5)).astype(np.float32)
        avg = float(lengths.mean()) if len(texts) else 1.0
        # Precompute the BM25 term weight of every (doc, term) so a query is a column sum.
        norm = k1 * (1.0 - b + b * lengths / max(avg, 1e-6))
        tf = tf.tocoo()
        weights = tf.data * (k1 + 1.0) / (tf.data + norm[tf.row])
        self._weights = csr_matrix((weights, (tf.row, tf.col)), shape=tf.shape).tocsc()

    def __len__(self) -> int:
        return len(self.ids)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query`` (zeros where nothing matches)."""
        cols = sorted({self.vocab[t] for t in tokenize(query) if t in self.vocab})
        if not cols or not self.ids:
            return np.zeros(len(self.ids), dtype=np.float32)
        sub = self._weights[:, cols].multiply(self.idf[cols]).tocsr()
        return np.asarray(sub.sum(axis=1)).ravel().astype(np.float32)

    def top(self, query: str, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """The ``k`` best (id, score) with a positive score, optionally within a boolean mask."""
        scores = self.scores(query)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        if k < len(scores):
            candidates = np.argpartition(-scores, k)[:k]
        else:
            candidates = np.arange(len(scores))
        order = candidates[np.argsort(-scores[candidates], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in order if scores[i] > 0]
