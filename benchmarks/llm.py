"""Speed of the local reader on this machine, for each bundled GGUF model through llama.cpp.

    .venv/bin/python benchmarks/llm.py [--models qwen2.5-coder-0.5b qwen2.5-coder-1.5b]
        [--evidence-tokens 1000] [--questions 8] [--home DATA_DIR] [--out benchmarks/results/llm.json]

Per model:
- load: ``load_llm("llama-cpp", ...)`` wall time (the one-off join of the GGUF parts is timed
  apart, as ``assemble_s``, the first time only);
- time to first token (p50/p95) and decode tokens/s: ``--questions`` answers, each over a
  different evidence block of about ``--evidence-tokens`` tokens (memory-like lines, so
  nothing but the system prompt is in the cache), streamed as the chat streams them;
- option scoring: ``score_options`` for 4 options over the same prompt;
- whole ask (with ``--home``, a data dir holding an imported memory): `Engine.ask` for a few
  free-form questions, retrieval + reader, with the engine's own evidence budget; and one
  cold ``egobutler ask`` process (start, load, answer), wall and CPU seconds.

Prints a table and writes JSON. The CPU is shared: the JSON records the load average at
the start of each model, and every figure is an upper bound for an idle machine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from egobutler.egorag.llm import ChatMessage, format_evidence_block, load_llm
from egobutler.egorag.llm.bundled import PARTED_MODELS, assemble, is_assembled
from egobutler.egorag.reader import ANSWER_TASK
from egobutler.egorag.llm.prompting import system_prompt

ROOT = Path(__file__).resolve().parents[1]
OPTIONS = ["On the kitchen table.", "In the car.", "By the front door.", "In the garden shed."]
PEOPLE = ["Alice", "Tasha", "Lucia", "Katrina", "Shure"]
THINGS = ["screwdriver", "power bank", "whisk", "flowers", "shelf", "projector", "cake", "keys", "tape", "box"]
PLACES = ["kitchen", "living room", "yard", "bedroom", "hallway", "second floor", "table", "sofa"]
ASK_QUESTIONS = ["Who helped me assemble the shelf on the first day?", "What did we eat for lunch on the second day?",
                 "Where did I put the power bank?", "What did Katrina buy at the supermarket?"]


def evidence_prompt(llm, question_no: int, target_tokens: int) -> list[ChatMessage]:
    """A RAG-shaped chat (system + ~``target_tokens`` of evidence + question), different per question."""
    rng = np.random.default_rng(question_no)
    lines: list[str] = []
    while llm.count_tokens("\n".join(lines)) < target_tokens:
        who, thing, place = rng.choice(PEOPLE), rng.choice(THINGS), rng.choice(PLACES)
        h, m = 8 + len(lines) // 6, int(rng.integers(0, 60))
        lines.append(f"(Day {question_no % 7 + 1} {h:02d}:{m:02d}) I pick up the {thing} in the {place}. "
                     f"{who}: Have you seen the {rng.choice(THINGS)}? It was by the {rng.choice(PLACES)}.")
    question = f"Where did I leave the {rng.choice(THINGS)}?"
    return [ChatMessage.system(system_prompt(ANSWER_TASK)),
            ChatMessage.user(f"{format_evidence_block(lines)}\nQuestion: {question}")]


def stream_timed(llm, messages, max_tokens: int) -> tuple[float, float, int]:
    """(time to first token s, decode tokens/s after it, tokens) of one streamed answer."""
    began = time.perf_counter()
    first = None
    pieces = []
    for piece in llm.stream(messages, max_tokens=max_tokens):
        if first is None:
            first = time.perf_counter()
        pieces.append(piece)
    end = time.perf_counter()
    tokens = llm.count_tokens("".join(pieces)) if pieces else 0
    ttft = (first or end) - began
    rate = (tokens - 1) / (end - first) if first and tokens > 1 and end > first else 0.0
    return ttft, rate, tokens


def bench_model(model: str, models_dir: Path, evidence_tokens: int, questions: int, max_tokens: int) -> dict:
    row: dict = {"model": model, "load_avg_1min_at_start": round(os.getloadavg()[0], 2)}
    parted = PARTED_MODELS.get(model)
    if parted is not None and not is_assembled(parted, models_dir):
        began = time.perf_counter()
        assemble(parted, models_dir)
        row["assemble_s"] = round(time.perf_counter() - began, 2)
    began = time.perf_counter()
    llm = load_llm("llama-cpp", model=model, models_dir=models_dir)
    row["load_s"] = round(time.perf_counter() - began, 2)
    llm.generate([ChatMessage.system(system_prompt(ANSWER_TASK)), ChatMessage.user("Hi")], max_tokens=2)  # warm-up
    ttfts, rates, prompt_tokens = [], [], []
    for q in range(questions):
        messages = evidence_prompt(llm, q, evidence_tokens)
        prompt_tokens.append(llm.count_tokens(llm.prompt_text(messages)))
        ttft, rate, _ = stream_timed(llm, messages, max_tokens)
        ttfts.append(ttft)
        rates.append(rate)
    messages = evidence_prompt(llm, questions, evidence_tokens)
    began = time.perf_counter()
    llm.score_options(messages, OPTIONS)
    row["score_4_options_s"] = round(time.perf_counter() - began, 2)
    llm.close()
    row.update({
        "prompt_tokens_mean": round(statistics.mean(prompt_tokens)),
        "ttft_p50_s": round(float(np.percentile(ttfts, 50)), 2),
        "ttft_p95_s": round(float(np.percentile(ttfts, 95)), 2),
        "decode_tokens_per_s": round(statistics.median(rates), 1),
        "prefill_tokens_per_s": round(statistics.mean(prompt_tokens) / float(np.percentile(ttfts, 50)), 1),
        "ttft_all_s": [round(t, 2) for t in ttfts],
    })
    return row


def bench_ask(model: str, home: Path) -> dict:
    """`Engine.ask` wall time on an imported memory, warm (engine and reader loaded once), and one cold CLI ask."""
    from egobutler.app.answering import build_engine
    from egobutler.app.services import open_store
    from egobutler.app.settings import Settings

    settings = Settings(home=home, llm="llama-cpp", llm_model=model)  # the GGUF is joined into HOME/models
    store = open_store(settings)
    try:
        from egobutler.egorag.records import Question

        engine = build_engine(settings, store)
        asked_at = _last_moment(store)
        walls = []
        for text in ASK_QUESTIONS:
            began = time.perf_counter()
            engine.ask(Question(text, asked_at))
            walls.append(time.perf_counter() - began)
    finally:
        store.close()
    env = {**os.environ, "EGOBUTLER_HOME": str(home), "EGOBUTLER_LLM": "llama-cpp", "EGOBUTLER_LLM_MODEL": model}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    began = time.perf_counter()
    subprocess.run([str(Path(sys.executable).parent / "egobutler"), "ask", ASK_QUESTIONS[0], "--at",
                    asked_at.isoformat()], env=env, check=True, capture_output=True)
    cold = time.perf_counter() - began
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return {"ask_warm_p50_s": round(statistics.median(walls), 2), "ask_warm_all_s": [round(w, 2) for w in walls],
            "ask_cli_cold_wall_s": round(cold, 2),
            "ask_cli_cold_cpu_s": round(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 2)}


def _last_moment(store) -> datetime:
    lines = store.lines()
    return max(ln.start for ln in lines) if lines else datetime.now(timezone.utc)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(PARTED_MODELS), help="catalog names or .gguf paths")
    parser.add_argument("--evidence-tokens", type=int, default=1000, help="evidence per prompt, tokens")
    parser.add_argument("--questions", type=int, default=8, help="answers timed per model")
    parser.add_argument("--max-tokens", type=int, default=64, help="tokens per answer at most")
    parser.add_argument("--models-dir", type=Path, default=Path.home() / ".cache" / "egobutler" / "models",
                        help="where the bundled GGUF parts are joined (the data dir's models folder in the app)")
    parser.add_argument("--home", type=Path, default=None, help="a data dir with an imported memory: also time `ask`")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "llm.json")
    args = parser.parse_args()

    rows = []
    for model in args.models:
        row = bench_model(model, args.models_dir, args.evidence_tokens, args.questions, args.max_tokens)
        if args.home is not None:
            row.update(bench_ask(model, args.home))
        rows.append(row)
        print(json.dumps(row), file=sys.stderr)
        result = {"machine": {"platform": platform.platform(), "cpus": os.cpu_count()},
                  "args": {k: str(v) for k, v in vars(args).items()}, "rows": rows}
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(result, indent=2) + "\n")  # after each model: a cut-short run keeps its rows
    header = (f"{'model':<20} {'load s':>6} {'TTFT p50':>8} {'p95':>6} {'decode tok/s':>12} {'prompt tok':>10} "
              f"{'4 opts s':>8} {'ask s':>6} {'cli ask s (cpu)':>16}")
    print(header)
    print("-" * len(header))
    for r in rows:
        cli = f"{r['ask_cli_cold_wall_s']} ({r['ask_cli_cold_cpu_s']})" if "ask_cli_cold_wall_s" in r else "-"
        print(f"{r['model']:<20} {r['load_s']:>6} {r['ttft_p50_s']:>8} {r['ttft_p95_s']:>6} "
              f"{r['decode_tokens_per_s']:>12} {r['prompt_tokens_mean']:>10} {r['score_4_options_s']:>8} "
              f"{r.get('ask_warm_p50_s', '-')!s:>6} {cli:>16}")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
