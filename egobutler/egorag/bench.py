"""EgoLifeQA benchmark runner: resumable, honest, with accuracy, recall@k and latency.

Inference sees `BenchQuestion`s only (question, choices, query time). Each result is
appended to ``DIR/results.jsonl`` as soon as it is known, so an interrupted run resumes
where it stopped; the scorer then joins results with the gold labels and writes
``DIR/report.json`` and ``DIR/report.md``.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from egobutler.egorag import choices as mc
from egobutler.egorag.egolifeqa import (
    QUESTION_TYPES, BenchQuestion, DayClock, GoldLabel, hit, load_gold, load_questions,
)
from egobutler.egorag.errors import EgoRagError
from egobutler.egorag.records import Evidence, Question
from egobutler.egorag.retrieval import Query
from egobutler.memory_db.text import tokenize

log = logging.getLogger(__name__)

RECALL_AT = (1, 5, 10, 20)
RESULTS_FILE = "results.jsonl"


@dataclass(frozen=True)
class Prediction:
    """One question's output: the letter (None in retrieval-only runs), the evidence, best first,
    and each option-scoring signal's raw per-option scores (for `signal_report`)."""

    pred: str | None
    evidence: tuple[Evidence, ...]
    signals: tuple[tuple[str, tuple[float, ...]], ...] = ()


Answerer = Callable[[BenchQuestion, bool], Prediction]  # (question, retrieval_only) -> Prediction


def engine_answerer(engine, wearer_id: str | None = None, k: int = 20) -> Answerer:
    """The default answerer, through the engine's public API: ``ask`` (or ``search`` for recall only)."""
    def answer(q: BenchQuestion, retrieval_only: bool) -> Prediction:
        if retrieval_only:
            evidence = engine.search(q.question, query_time=q.query_time, wearer_id=wearer_id, k=k,
                                     choices=q.choices)
            return Prediction(None, tuple(evidence))
        reply = engine.ask(Question(q.question, q.query_time, choices=q.choices, wearer_id=wearer_id))
        return Prediction(reply.choice, reply.evidence, reply.signals)
    return answer


def keyword_answerer(engine, wearer_id: str | None = None, k: int = 20, top: int = 5) -> Answerer:
    """Baseline: BM25 over 30 s clips (question + choices), the option whose words score highest in the top 5.

    BM25 runs in the database with statistics from before the query time (`MemoryStore.keyword_search`).
    """
    def answer(q: BenchQuestion, retrieval_only: bool) -> Prediction:
        retriever = engine.retriever()
        tokens = tokenize(" ".join([q.question, *q.choices]))
        weights = {t: 1.0 for t in tokens}
        found = engine.store.keyword_search(weights, q.query_time, wearer_id=wearer_id).scores
        best = sorted(found, key=lambda c: (-found[c], c))[:k]
        clips = {c.id: c for c in engine.store.clips(ids=best)} if best else {}
        query = Query(" ".join(tokens), weights, q.query_time)
        evidence = tuple(retriever.evidence([clips[c] for c in best], [found[c] for c in best], query))
        if retrieval_only:
            return Prediction(None, evidence)
        option_terms = [tokenize(choice) for choice in q.choices]
        mass, _ = retriever.corpus.option_mass(best[:top], option_terms, q.query_time, wearer_id=wearer_id)
        option_scores = mass.sum(axis=0) if len(best) else np.zeros(len(q.choices))
        return Prediction(mc.LETTERS[mc.pick(np.asarray(option_scores))], evidence)
    return answer


def run_bench(questions: Sequence[BenchQuestion], answerer: Answerer, out_dir: Path, *, retrieval_only: bool = False,
              progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """Answer every question not already in ``out_dir/results.jsonl``; return all results in file order."""
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / RESULTS_FILE
    done = {r["ID"]: r for r in read_results(path)}
    with path.open("a", encoding="utf-8") as fp:
        for n, q in enumerate(questions, 1):
            if q.id not in done:
                began = time.perf_counter()
                prediction = answerer(q, retrieval_only)
                row = {"ID": q.id, "type": q.type, "pred": prediction.pred, "latency_s": time.perf_counter() - began,
                       "evidence": [_evidence_json(e) for e in prediction.evidence],
                       "signals": {name: list(values) for name, values in prediction.signals}}
                fp.write(json.dumps(row) + "\n")
                fp.flush()
                done[q.id] = row
            if progress:
                progress(n, len(questions))
    return [done[q.id] for q in questions if q.id in done]


def read_results(path: Path) -> list[dict]:
    """Rows of a results file; a torn last line (a crash mid-write) is ignored."""
    if not path.is_file():
        return []
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            log.warning("%s: skipping a torn line", path)
    return rows


def _evidence_json(e: Evidence) -> dict:
    return {"clip_id": e.clip_id, "start": e.start.isoformat(), "end": e.end.isoformat(), "score": round(e.score, 6)}


def score(results: Sequence[dict], gold: dict[str, GoldLabel], *, answerer: str, retrieval_only: bool) -> dict:
    """The report: accuracy (micro, macro over the five types, per type), recall@k, latency."""
    from datetime import datetime

    missing = [r["ID"] for r in results if r["ID"] not in gold]
    if missing:
        raise EgoRagError(f"results for questions not in the question file: {missing[:5]}; use a fresh --out folder")
    per_type: dict[str, list[int]] = {}
    recall = {k: 0 for k in RECALL_AT}
    for r in results:
        g = gold[r["ID"]]
        per_type.setdefault(g.type, []).append(int(r.get("pred") == g.answer))
        spans = [(datetime.fromisoformat(e["start"]), datetime.fromisoformat(e["end"])) for e in r["evidence"]]
        for k in RECALL_AT:
            recall[k] += any(hit(g.targets, s, e) for s, e in spans[:k])
    n = len(results)
    latencies = [r["latency_s"] for r in results]
    typed = {t: {"n": len(v), "accuracy": None if retrieval_only else float(np.mean(v))} for t, v in sorted(per_type.items())}
    five = [typed[t]["accuracy"] for t in QUESTION_TYPES if t in typed]
    return {
        "n": n,
        "accuracy": None if retrieval_only or not n else float(np.mean([x for v in per_type.values() for x in v])),
        "macro_accuracy": None if retrieval_only or not five else float(np.mean(five)),
        "per_type": typed,
        "retrieval": {"recall_at": {str(k): (recall[k] / n if n else 0.0) for k in RECALL_AT}},
        "latency_s": {"p50": float(np.percentile(latencies, 50)) if n else 0.0,
                      "p95": float(np.percentile(latencies, 95)) if n else 0.0},
        "answerer": answerer,
        "retrieval_only": retrieval_only,
        "signals": signal_report(results, gold) if not retrieval_only else {"n": 0},
        "questions": [{"ID": r["ID"], "type": r["type"], "pred": r["pred"], "evidence": r["evidence"]} for r in results],
    }


def write_report(report: dict, out_dir: Path) -> None:
    """``report.json`` and a short ``report.md``."""
    (out_dir / "report.json").write_text(json.dumps(report, indent=1), encoding="utf-8")
    (out_dir / "report.md").write_text(markdown(report), encoding="utf-8")


def markdown(report: dict) -> str:
    def pct(x):
        return "n/a" if x is None else f"{100 * x:.1f} %"
    rec = report["retrieval"]["recall_at"]
    rows = [f"# EgoLifeQA — answerer `{report['answerer']}`", "",
            f"- questions: {report['n']}", f"- accuracy (micro): {pct(report['accuracy'])}",
            f"- accuracy (macro over types): {pct(report['macro_accuracy'])}",
            "- recall@k: " + ", ".join(f"@{k} {pct(v)}" for k, v in rec.items()),
            f"- latency: p50 {report['latency_s']['p50']:.2f} s, p95 {report['latency_s']['p95']:.2f} s", "",
            "| type | n | accuracy |", "|---|---|---|"]
    rows += [f"| {t} | {v['n']} | {pct(v['accuracy'])} |" for t, v in report["per_type"].items()]
    sig = report.get("signals", {})
    if sig.get("n"):
        rows += ["", f"Option scoring on the {sig['n']} questions the reader scored: evidence only "
                 f"{pct(sig['evidence_only'])}, reader only {pct(sig['reader_only'])}, combined "
                 f"{pct(sig['combined_cv'])} with the reader's weight chosen by {sig['cv_folds']}-fold cross-validation "
                 f"({pct(sig['combined_in_sample'])} in-sample at weight {sig['in_sample_best_weight']})."]
    return "\n".join(rows) + "\n"


def load_bench(path: Path, clock: DayClock) -> tuple[list[BenchQuestion], dict[str, GoldLabel]]:
    """Questions for inference and labels for scoring, read separately from one file."""
    return load_questions(path, clock), load_gold(path, clock)


READER_WEIGHTS = (0.0, 0.25, 0.5, 1.0, 2.0, 4.0, 8.0)


def _accuracy(rows: Sequence[dict], gold: dict[str, GoldLabel], weight: float | None) -> float:
    """Accuracy when options are ranked by evidence + ``weight`` x reader (None: the reader alone)."""
    right = 0
    for r in rows:
        signals = {k: np.asarray(v) for k, v in r["signals"].items()}
        if weight is None:
            parts = [(signals["reader"], 1.0)]
        else:
            parts = [(v, mc.SIGNAL_WEIGHTS[k]) for k, v in signals.items() if k != "reader"]
            parts += [(signals["reader"], weight)] if weight else []
        right += mc.LETTERS[mc.pick(mc.combine(parts))] == gold[r["ID"]].answer
    return right / len(rows) if rows else 0.0


def signal_report(results: Sequence[dict], gold: dict[str, GoldLabel], *, weights: Sequence[float] = READER_WEIGHTS,
                  folds: int = 5, seed: int = 0) -> dict:
    """Evidence-only, reader-only and combined accuracy on the same questions, the reader's weight by k-fold CV.

    In-sample: the best weight on all questions (optimistic). Cross-validated: for each fold
    the weight is chosen on the other folds (ties: the smaller weight) and scored on the fold.
    """
    rows = [r for r in results if "reader" in r.get("signals", {})]
    if not rows:
        return {"n": 0}
    order = np.random.default_rng(seed).permutation(len(rows))
    parts = [[rows[i] for i in order[f::folds]] for f in range(folds)]
    cv_right, chosen = 0.0, []
    for f, held in enumerate(parts):
        train = [r for g, p in enumerate(parts) if g != f for r in p]
        best = max(weights, key=lambda w: (_accuracy(train, gold, w), -w))
        chosen.append(best)
        cv_right += _accuracy(held, gold, best) * len(held)
    by_weight = {str(w): _accuracy(rows, gold, w) for w in weights}
    best_all = max(weights, key=lambda w: (by_weight[str(w)], -w))
    return {"n": len(rows), "evidence_only": by_weight["0.0"], "reader_only": _accuracy(rows, gold, None),
            "combined_by_weight": by_weight, "in_sample_best_weight": best_all,
            "combined_in_sample": by_weight[str(best_all)], "combined_cv": cv_right / len(rows),
            "cv_folds": folds, "cv_chosen_weights": chosen}
