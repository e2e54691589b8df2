"""Quality of free-form answers: does the reply state the key fact? (benchmarks/questions/freeform.json)

    .venv/bin/python benchmarks/answers.py --sample-home DIR --week-home DIR
        [--models evidence-only qwen2.5-coder-0.5b qwen2.5-coder-1.5b] [--split all|tune|heldout]
        [--out benchmarks/results/answers.json]

``--sample-home`` is a data dir where ``egobutler ingest samples/aria_sample`` ran;
``--week-home`` one where ``egobutler import egolife …/A1_JAKE/sync --timezone Asia/Shanghai
--day1 2025-01-01`` ran. Each question is asked through the engine (retrieval + reader) at
its own time; a reply is right when it mentions every ``must_mention`` group (any spelling
in a group), its "Sources:" footer left out. ``evidence-only`` is the baseline without a
language model (the best evidence lines quoted). Results are appended per model to
``<out>.d/<model>.jsonl`` as they come, so an interrupted run resumes; the report splits
``tune`` (questions looked at while writing prompts) from ``heldout`` (never looked at).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QUESTIONS = ROOT / "benchmarks" / "questions" / "freeform.json"


def is_right(answer: str, must_mention: list[list[str]]) -> bool:
    words = answer.split("\n\nSources:", 1)[0].lower().replace("’", "'")
    return all(any(alt.lower() in words for alt in group) for group in must_mention)


def engines(model: str, homes: dict[str, Path], models_dir: Path):
    """One engine per memory, sharing one loaded reader."""
    from egobutler.app.answering import build_engine
    from egobutler.app.services import open_store
    from egobutler.app.settings import Settings
    from egobutler.egorag.llm import load_llm

    llm = None if model == "evidence-only" else load_llm("llama-cpp", model=model, models_dir=models_dir)
    out, stores = {}, []
    for memory, home in homes.items():
        settings = Settings(home=home, llm="llama-cpp" if llm else "none", llm_model=model)
        store = open_store(settings)
        stores.append(store)
        out[memory] = build_engine(settings, store, llm=llm)
    return out, stores


def run_model(model: str, questions: list[dict], homes: dict[str, Path], models_dir: Path, log_path: Path,
              ask: bool = True) -> list[dict]:
    from egobutler.egorag.records import Question

    done = {}
    if log_path.is_file():
        done = {r["id"]: r for r in map(json.loads, log_path.read_text().splitlines()) if r}
    todo = [q for q in questions if q["id"] not in done]
    if todo and ask:
        by_memory, stores = engines(model, homes, models_dir)
        try:
            with log_path.open("a") as fp:
                for q in todo:
                    began = time.perf_counter()
                    answer = by_memory[q["memory"]].ask(Question(q["question"], datetime.fromisoformat(q["asked_at"])))
                    row = {"id": q["id"], "split": q["split"], "answer": answer.text,
                           "right": is_right(answer.text, q["must_mention"]), "wall_s": time.perf_counter() - began}
                    fp.write(json.dumps(row) + "\n")
                    fp.flush()
                    done[q["id"]] = row
                    print(f"{model} {q['id']} {'ok ' if row['right'] else 'NO '} {row['wall_s']:.1f}s "
                          f"{answer.text.splitlines()[0][:100] if answer.text else ''}", file=sys.stderr)
        finally:
            for store in stores:
                store.close()
    return [done[q["id"]] for q in questions if q["id"] in done]


def summary(rows: list[dict]) -> dict:
    def acc(split: str | None) -> dict:
        chosen = [r for r in rows if split is None or r["split"] == split]
        return {"n": len(chosen), "accuracy": sum(r["right"] for r in chosen) / len(chosen) if chosen else None}
    walls = [r["wall_s"] for r in rows]
    return {"tune": acc("tune"), "heldout": acc("heldout"), "all": acc(None),
            "ask_wall_p50_s": round(statistics.median(walls), 2) if walls else None}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sample-home", type=Path, default=None)
    parser.add_argument("--week-home", type=Path, default=None)
    parser.add_argument("--models", nargs="+", default=["evidence-only", "qwen2.5-coder-0.5b", "qwen2.5-coder-1.5b"])
    parser.add_argument("--split", choices=("all", "tune", "heldout"), default="all")
    parser.add_argument("--limit", type=int, default=None, help="only the first N questions of the split")
    parser.add_argument("--memory", choices=("both", "sample", "week"), default="both", help="only these questions")
    parser.add_argument("--models-dir", type=Path, default=Path.home() / ".cache" / "egobutler" / "models")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "answers.json")
    parser.add_argument("--report-only", action="store_true",
                        help="ask nothing: report the answers already in <out>.d (runs cut short report what they did)")
    args = parser.parse_args()

    questions = json.loads(QUESTIONS.read_text())["questions"]
    questions = [q for q in questions if (args.split == "all" or q["split"] == args.split)
                 and args.memory in ("both", q["memory"])][: args.limit]
    homes = {m: h for m, h in (("sample", args.sample_home), ("week", args.week_home)) if args.memory in ("both", m)}
    log_dir = args.out.with_suffix(".d")
    log_dir.mkdir(parents=True, exist_ok=True)
    report = json.loads(args.out.read_text()) if args.out.is_file() else {"models": {}}
    for model in args.models:
        rows = run_model(model, questions, homes, args.models_dir, log_dir / f"{model}.jsonl", not args.report_only)
        report["models"][model] = {**summary(rows), "answers": rows}
    report["load_avg_1min_at_end"] = round(os.getloadavg()[0], 2)
    print(f"{'model':<22} {'tune':>10} {'heldout':>10} {'all':>10} {'ask p50 s':>10}")
    for model, r in report["models"].items():
        cells = [f"{r[s]['accuracy']:.2f} ({r[s]['n']})" if r[s]["accuracy"] is not None else "-"
                 for s in ("tune", "heldout", "all")]
        print(f"{model:<22} {cells[0]:>10} {cells[1]:>10} {cells[2]:>10} {r['ask_wall_p50_s']!s:>10}")
    args.out.write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
