"""The memory as the reader sees it at a query time: wearer names and causal term weights.

Nothing is loaded up front: statistics and clip documents are asked of the store's search
tables for one query time, so what happened after it never counts (see
`memory_db.keyword_search`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

import numpy as np


class Corpus:
    """A view of a `MemoryStore` for answering; cheap to make, nothing cached but the wearer names."""

    def __init__(self, store):
        self.store = store
        self.wearer_names = {w.id: w.name for w in store.wearers()}

    def wearer_name(self, wearer_id: str) -> str | None:
        return self.wearer_names.get(wearer_id)

    def option_mass(self, clip_ids: Sequence[str], option_terms: Sequence[Sequence[str]], before: datetime, *,
                    wearer_id: str | None = None) -> tuple[np.ndarray, np.ndarray]:
        """BM25 mass of each option's terms in each clip, and its expectation over any clip before ``before``.

        ``found[i, j]``: the summed BM25 weights of option ``j``'s terms in clip ``i`` (its
        lines before ``before``); ``expected[j]``: the same summed over every clip before
        ``before`` divided by their number, counting each clip that holds a term once at
        average length (so it is idf x document frequency / clips).
        """
        options = [[t.replace("'", "") for t in terms] for terms in option_terms]
        all_terms = sorted({t for terms in options for t in terms if t})
        stats = self.store.keyword_stats(all_terms, before, wearer_id=wearer_id)
        docs = self.store.clip_terms(list(clip_ids), before)
        found = np.zeros((len(clip_ids), len(options)))
        for i, clip_id in enumerate(clip_ids):
            terms = docs.get(clip_id, ())
            counts = Counter(terms)
            for j, option in enumerate(options):
                found[i, j] = sum(stats.weight(t, counts[t], len(terms)) for t in option)
        n = max(stats.n_docs, 1)
        expected = np.array([sum(stats.idf(t) * stats.df.get(t, 0) for t in option) / n for option in options])
        return found, expected
