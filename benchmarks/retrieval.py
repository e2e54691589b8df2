"""Retrieval quality on EgoLifeQA dev questions: recall@1/5/10/20, with constants chosen by 5-fold CV.

    .venv/bin/python benchmarks/retrieval.py --home HOME [--questions dev.json] [--grid] [--out FILE]

``HOME`` is a data dir where the EgoLife week was imported (`egobutler import egolife`).
Each question (question, options, query time — never the answer or target) is retrieved
through `Engine._retrieve` (k=20), the path of the chat and of `bench egolifeqa`; a
question counts as found at k when one of the first k clips overlaps its target time.

``--grid`` scores every configuration of a small grid of retrieval constants, then
5-fold cross-validation picks, on four folds, the configuration with the best recall@10
and scores it on the fifth: the cross-validated figure is printed beside the in-sample
best. Keyword and vector look-ups are cached across configurations (they do not depend on
the fusion constants), which is what makes the grid affordable.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from dataclasses import asdict, replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RECALL_AT = (1, 5, 10, 20)


class CachingStore:
    """The store, with keyword and vector look-ups memoised (identical calls across configurations)."""

    def __init__(self, store):
        self._store = store
        self._cache: dict = {}

    def __getattr__(self, name):
        return getattr(self._store, name)

    def _memo(self, key, make):
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]

    def keyword_search(self, weights, before=None, **kw):
        key = ("kw", tuple(sorted(weights.items())), before, tuple(sorted(kw.items())))
        return self._memo(key, lambda: self._store.keyword_search(weights, before, **kw))

    def clip_spans(self, ids):
        return self._memo(("spans", tuple(ids)), lambda: self._store.clip_spans(ids))

    def touching_spans(self, spans, **kw):
        return self._memo(("touch", tuple(spans), tuple(sorted(kw.items()))),
                          lambda: self._store.touching_spans(spans, **kw))

    def vector_scores(self, queries, k, **kw):
        extra = kw.get("extra_docs") or {}
        key = ("vec", tuple(queries), k, tuple(sorted((a, b) for a, b in kw.items() if a != "extra_docs")),
               tuple(sorted(extra.items())))
        return self._memo(key, lambda: self._store.vector_scores(queries, k, **kw))


def first_hits(engine, questions, gold, *, ranking_only: bool = False) -> list[int | None]:
    """Per question, the rank (0-based) of the first evidence clip on a target, or None within 20.

    ``ranking_only`` ranks without assembling the evidence texts (same order, cheaper: the grid).
    """
    from egobutler.egorag.egolifeqa import hit
    from egobutler.egorag.records import Question
    from egobutler.egorag.retrieval import top_k

    ranks = []
    for q in questions:
        question = Question(q.question, q.query_time, choices=q.choices)
        if ranking_only:
            cand, scores = engine.retriever().scores(engine.query(question, engine.window(question)))
            order = [int(i) for i in top_k(scores, 20) if scores[i] > 0]
            spans = [(_utc(cand.starts[i]), _utc(cand.ends[i])) for i in order]
        else:
            evidence, _ = engine._retrieve(question, 20)
            spans = [(e.start, e.end) for e in evidence]
        targets = gold[q.id].targets
        ranks.append(next((i for i, (start, end) in enumerate(spans) if hit(targets, start, end)), None))
    return ranks


def _utc(ts: float):
    from datetime import datetime, timezone

    return datetime.fromtimestamp(float(ts), timezone.utc)


def recall(ranks: list[int | None]) -> dict[str, float]:
    n = max(len(ranks), 1)
    return {str(k): sum(r is not None and r < k for r in ranks) / n for k in RECALL_AT}


def grid(base):
    """The configurations tried: the constants most likely to matter, a few values each."""
    out = []
    for expand, dense, levels, summaries in itertools.product(
        (0, 40), (0.5, 1.0), (1.0, 0.5), ((), (("hour", 0.5), ("day", 0.5))),
    ):
        level_boosts = tuple((w, b * levels) for w, b in base.level_boosts)
        out.append(replace(base, expand_neighbours=expand, dense_weight=dense, level_boosts=level_boosts,
                           summary_boosts=summaries))
    return out


def cross_validate(per_config: list[list[int | None]], folds: int = 5) -> dict:
    """Pick the best-recall@10 configuration on k-1 folds, score it on the held-out fold."""
    n = len(per_config[0])
    fold_of = np.arange(n) % folds
    held_out: list[int | None] = [None] * n
    chosen = []
    for f in range(folds):
        train = [i for i in range(n) if fold_of[i] != f]
        best = max(range(len(per_config)),
                   key=lambda c: (sum(per_config[c][i] is not None and per_config[c][i] < 10 for i in train), -c))
        chosen.append(best)
        for i in range(n):
            if fold_of[i] == f:
                held_out[i] = per_config[best][i]
    return {"recall_at": recall(held_out), "chosen_per_fold": chosen}


def main() -> None:
    from egobutler.app.answering import build_engine
    from egobutler.app.cli_common import settings_from
    from egobutler.app.services import open_store
    from egobutler.egorag import bench
    from egobutler.egorag.egolifeqa import DayClock
    from egobutler.app.answering import day1_of

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="Data dir with the imported EgoLife week.")
    parser.add_argument("--questions", type=Path, default=ROOT.parent / "shared" / "data" / "egolifeqa" / "dev.json")
    parser.add_argument("--grid", action="store_true", help="Tune the retrieval constants by 5-fold CV.")
    parser.add_argument("--label", default="after", help="Name of this run in the JSON (e.g. before/after).")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "retrieval.json")
    args = parser.parse_args()
    settings = settings_from(args.home)
    store = open_store(settings)
    engine = build_engine(settings, store, llm=None)
    questions, gold = bench.load_bench(args.questions, DayClock(day1_of(settings), engine.timezone))
    began = time.perf_counter()
    default_ranks = first_hits(engine, questions, gold)
    result: dict = {"n": len(questions), "default": {"recall_at": recall(default_ranks),
                                                      "s_per_question": (time.perf_counter() - began) / len(questions),
                                                      "config": asdict(engine.config)}}
    print(f"default: recall@k {result['default']['recall_at']}  ({result['default']['s_per_question']:.2f} s/question)")
    if args.grid:
        cached = CachingStore(store)
        configs = grid(engine.config)
        per_config = []
        for i, config in enumerate(configs):
            tuned = type(engine)(cached, None, timezone=engine.timezone, day1=engine.day1, config=config)
            per_config.append(first_hits(tuned, questions, gold, ranking_only=True))
            print(f"config {i}: recall@k {recall(per_config[-1])}", flush=True)
        best = max(range(len(configs)), key=lambda c: (recall(per_config[c])["10"], -c))
        result["grid"] = {"configs": [asdict(c) for c in configs], "recall_at": [recall(r) for r in per_config],
                          "in_sample_best": {"index": best, "recall_at": recall(per_config[best])},
                          "cross_validated": cross_validate(per_config)}
        print(f"in-sample best (config {best}): {recall(per_config[best])}")
        print(f"5-fold cross-validated: {result['grid']['cross_validated']['recall_at']}")
    store.close()
    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    previous = previous if "runs" in previous else {"runs": {}}
    previous["runs"][args.label] = result
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(previous, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
