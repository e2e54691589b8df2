"""Multiple choice from evidence: how well the retrieved memory supports each option.

General method (no per-question rules):

* words: each option's *distinctive* words (those not shared by every option) are scored
  with BM25 against the top evidence clips, each clip weighted by its rank — an option
  whose words occur in the best evidence is supported;
* time options ("About four hours ago", "Yesterday afternoon"): when options are times,
  each is parsed into a window relative to the query time and supported by the evidence
  that falls inside it;
* an LLM's option likelihood (mean log-probability of the option as the reply to the
  question over the quoted evidence) can be mixed in (`combine`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

import numpy as np

from egobutler.egorag.corpus import Corpus
from egobutler.egorag.records import Evidence
from egobutler.memory_db.text import tokenize
from egobutler.egorag.timeparse import TimeWindow, parse_window

LETTERS = "ABCDEFGH"
#: Weights of the evidence signals in `combine` (the reader's weight is the engine's ``llm_weight``).
SIGNAL_WEIGHTS = {"words": 1.0, "time": 2.0}


def option_tokens(choices: Sequence[str], wearer_name: str | None) -> list[list[str]]:
    """Each option's distinctive tokens ("Me" read as the wearer's name)."""
    toks = []
    for choice in choices:
        text = re.sub(r"\b(me|myself|i)\b", wearer_name, choice, flags=re.I) if wearer_name else choice
        toks.append(list(dict.fromkeys(tokenize(text))))
    shared = set(toks[0]).intersection(*map(set, toks[1:])) if toks else set()
    return [[t for t in ts if t not in shared] for ts in toks]


def word_support(corpus: Corpus, evidence: Sequence[Evidence], choices: Sequence[str], *,
                 wearer_name: str | None = None, depth: int = 20, query_time=None, smoothing: float = 1.0) -> np.ndarray:
    """Per option: how much more its distinctive words occur in the evidence than in the memory at large.

    The option's BM25 mass over the top ``depth`` clips, each weighted by its retrieval
    score relative to the best, is divided by its expected mass over as many clips drawn
    from all memory before the query time (a lift: words that are everywhere — "phone",
    "table" — earn little); ``smoothing`` keeps rare words sane. Term statistics and clip
    texts are those of the query time (`Corpus.option_mass`).
    """
    kept = list(evidence[:depth])
    out = np.zeros(len(choices))
    if not kept:
        return out
    weight = np.array([max(e.score, 0.0) for e in kept])
    weight = weight / weight.max() if weight.max() > 0 else np.ones(len(kept))
    before = query_time if query_time is not None else max(e.end for e in kept)
    options = option_tokens(choices, wearer_name)
    found, expected = corpus.option_mass([e.clip_id for e in kept], options, before)
    for j, toks in enumerate(options):
        if not toks:
            continue
        # Long options have more words to match: scale by sqrt(#words) (keeps some credit).
        out[j] = (float(weight @ found[:, j]) / np.sqrt(len(toks))) / (
            expected[j] * weight.sum() / np.sqrt(len(toks)) + smoothing)
    return out


def option_windows(choices: Sequence[str], query_time, *, timezone: str,
                   day1: date | None = None) -> list[TimeWindow | None] | None:
    """Each option's time window (None where an option names no time); None unless two or more do."""
    windows = [parse_window(c, query_time, timezone=timezone, day1=day1) for c in choices]
    windows = [w if w is not None and w.start is not None else None for w in windows]
    return windows if sum(w is not None for w in windows) >= 2 else None


def time_support(evidence: Sequence[Evidence], choices: Sequence[str], query_time, *, timezone: str,
                 day1: date | None = None, depth: int = 10) -> np.ndarray | None:
    """Per option: rank-weighted evidence inside the time the option names; None if options aren't times."""
    windows = option_windows(choices, query_time, timezone=timezone, day1=day1)
    if windows is None:
        return None
    out = np.zeros(len(choices))
    for rank, ev in enumerate(evidence[:depth]):
        for j, w in enumerate(windows):
            if w is not None and w.start <= ev.start < w.end + (ev.end - ev.start):
                out[j] += 1.0 / (1.0 + rank)
    return out


def standardise(values: np.ndarray) -> np.ndarray:
    """Scores -> z-scores across options (all-equal gives zeros)."""
    values = np.asarray(values, dtype=np.float64)
    spread = values.std()
    return (values - values.mean()) / spread if spread > 1e-9 else np.zeros_like(values)


def combine(parts: Sequence[tuple[np.ndarray, float]]) -> np.ndarray:
    """Weighted sum of standardised per-option scores."""
    total = None
    for values, weight in parts:
        z = weight * standardise(values)
        total = z if total is None else total + z
    return total if total is not None else np.zeros(0)


def pick(scores: np.ndarray) -> int:
    """Index of the best option (ties: the first)."""
    return int(np.argmax(scores)) if len(scores) else 0
