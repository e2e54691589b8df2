"""Retrieval latency on the real EgoLife week and on a synthetic 1,000,000-clip memory, plus import time.

    .venv/bin/python benchmarks/retrieval.py [--out FILE] [--data ../shared/data] [--embed] [--clips 1000000]

* import: the week's 76 per-clip JSON files into a fresh SQLite memory (``--embed`` also
  embeds every clip with the bundled MiniLM; without it the import is SQL only), then the
  10-minute/hour/day summaries (embedded too with ``--embed``), as `egobutler import egolife` does;
* week: the 100 EgoLifeQA dev questions (question + choices) through the full retriever
  (BM25 + coarse levels + priors + evidence assembly), keyword-only memory;
* 1M: a synthetic corpus built directly in the retriever's structures (a sparse BM25
  matrix with Zipf-distributed words, 30 s clips back to back, 10-minute/hour levels);
  it times scoring + top-20 selection (no SQL, no evidence text).
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from datetime import date, datetime, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TZ = "Asia/Shanghai"


def percentiles(samples: list[float]) -> dict[str, float]:
    return {"p50_ms": float(np.percentile(samples, 50) * 1000), "p95_ms": float(np.percentile(samples, 95) * 1000),
            "n": len(samples)}


def bench_week(data: Path, embed: bool) -> dict:
    from egobutler.egorag.egolifeqa import DayClock, load_questions
    from egobutler.egorag.engine import Engine
    from egobutler.egorag.summaries import build_summaries
    from egobutler.ingest.egolife import import_egolife
    from egobutler.memory_db.store import MemoryStore

    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp)
        embedder = None
        if embed:
            from egobutler.memory_db.embedder import load_embedder
            embedder = load_embedder()
        store = MemoryStore.open(f"sqlite:///{home / 'memory.db'}", home / "media",
                                 chroma_path=home / "chroma" if embed else None, embedder=embedder)
        began = time.perf_counter()
        report = import_egolife(store, data / "egolife" / "A1_JAKE" / "sync", day1=date(2025, 1, 1), timezone=TZ,
                                index=embed)
        import_s = time.perf_counter() - began
        began = time.perf_counter()
        summaries = build_summaries(store, timezone=TZ, index=embed)  # what `egobutler import egolife` does next
        summaries_s = time.perf_counter() - began
        began = time.perf_counter()
        engine = Engine(store, None, timezone=TZ, day1=date(2025, 1, 1))
        engine.retriever()
        corpus_s = time.perf_counter() - began
        questions = load_questions(data / "egolifeqa" / "dev.json", DayClock(date(2025, 1, 1), TZ))
        samples = []
        for q in questions:
            t0 = time.perf_counter()
            engine.search(" ".join([q.question, *q.choices]), query_time=q.query_time, k=20)
            samples.append(time.perf_counter() - t0)
        store.close()
    return {"clips": report.clips, "lines": report.lines, "import_s": import_s, "import_embedded": embed,
            "summaries": summaries, "summaries_s": summaries_s, "import_total_s": import_s + summaries_s,
            "corpus_build_s": corpus_s, "search": percentiles(samples)}


def synthetic_retriever(n_clips: int, seed: int = 0):
    """A `Retriever` over ``n_clips`` synthetic 30 s clips, built straight into its arrays."""
    from egobutler.memory_db.bm25 import BM25Index
    from egobutler.egorag.corpus import Corpus
    from egobutler.egorag.retrieval import RetrievalConfig, Retriever, _Level

    rng = np.random.default_rng(seed)
    vocab_size, per_doc = 50_000, 24  # distinct words per clip (a week's clips average ~25)
    rows = np.repeat(np.arange(n_clips), per_doc)
    cols = np.minimum(rng.zipf(1.3, n_clips * per_doc) - 1, vocab_size - 1)
    tfs = rng.integers(1, 4, len(rows)).astype(np.float32)
    lengths = np.bincount(rows, weights=tfs, minlength=n_clips).astype(np.float32)
    vocab = {f"w{i}": i for i in range(vocab_size)}
    corpus = Corpus.__new__(Corpus)
    corpus.docs, corpus.tokens, corpus.wearer_names = [], [], {}
    t0 = datetime(2025, 1, 1, tzinfo=timezone.utc).timestamp()
    corpus.starts = t0 + 30.0 * np.arange(n_clips)
    corpus.ends = corpus.starts + 30.0
    corpus.wearer_codes, corpus.wearer_of, corpus.index_of = {"w": 0}, np.zeros(n_clips, np.int32), {}
    corpus.bm25 = BM25Index.from_coo(rows, cols, tfs, lengths, vocab)
    config = RetrievalConfig(dense_weight=0.0)
    retriever = Retriever.__new__(Retriever)
    retriever.corpus, retriever.store, retriever.config, retriever.levels = corpus, None, config, []
    for window_s, boost in config.level_boosts:
        level = _Level.__new__(_Level)
        per = int(window_s // 30)
        level.group_of = np.arange(n_clips) // per
        n_groups = int(level.group_of[-1]) + 1
        level.group_start = t0 + window_s * np.arange(n_groups)
        level.index = BM25Index.from_coo(rows // per, cols, tfs, np.bincount(level.group_of, weights=lengths).astype(np.float32), vocab)
        retriever.levels.append((level, boost))
    return retriever, vocab_size


def bench_synthetic(n_clips: int, n_queries: int = 50) -> dict:
    from egobutler.egorag.retrieval import Query, top_k
    from egobutler.egorag.timeparse import TimeWindow

    began = time.perf_counter()
    retriever, vocab_size = synthetic_retriever(n_clips)
    build_s = time.perf_counter() - began
    rng = np.random.default_rng(1)
    span = retriever.corpus.starts
    samples = []
    for i in range(n_queries):
        words = {f"w{int(w)}": 1.0 for w in rng.integers(20, 5000, 12)}  # mid-frequency topic words
        now = datetime.fromtimestamp(float(rng.uniform(span[len(span) // 2], span[-1])), timezone.utc)
        window = TimeWindow(None, now, "last time", recent=True) if i % 2 else None
        t0 = time.perf_counter()
        top_k(retriever.scores(Query("synthetic", words, now, window)), 20)
        samples.append(time.perf_counter() - t0)
    return {"clips": n_clips, "build_s": build_s, "nnz": int(retriever.corpus.bm25.matrix.nnz),
            "search": percentiles(samples)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "retrieval.json")
    parser.add_argument("--data", type=Path, default=ROOT.parent / "shared" / "data")
    parser.add_argument("--embed", action="store_true", help="Embed the week during import (slow on 2 cores).")
    parser.add_argument("--clips", type=int, default=1_000_000, help="Size of the synthetic memory.")
    args = parser.parse_args()
    results: dict = {}
    if (args.data / "egolife").is_dir():
        results["week"] = bench_week(args.data, args.embed)
    else:
        print(f"skipping the real week: {args.data / 'egolife'} is absent")
    results["synthetic"] = bench_synthetic(args.clips)
    print(f"{'case':<26}{'clips':>10}{'build s':>10}{'p50 ms':>10}{'p95 ms':>10}")
    if "week" in results:
        w = results["week"]
        print(f"{'import (SQL' + (' + embed' if w['import_embedded'] else '') + ')':<26}{w['clips']:>10}{w['import_s']:>10.1f}{'':>10}{'':>10}")
        print(f"{'  + summaries':<26}{w['summaries']:>10}{w['summaries_s']:>10.1f}{'':>10}{'':>10}")
        print(f"{'  = import total':<26}{w['clips']:>10}{w['import_total_s']:>10.1f}{'':>10}{'':>10}")
        print(f"{'week: 100 dev questions':<26}{w['clips']:>10}{w['corpus_build_s']:>10.1f}"
              f"{w['search']['p50_ms']:>10.1f}{w['search']['p95_ms']:>10.1f}")
    s = results["synthetic"]
    print(f"{'synthetic':<26}{s['clips']:>10}{s['build_s']:>10.1f}{s['search']['p50_ms']:>10.1f}{s['search']['p95_ms']:>10.1f}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
