"""Speed of the local LLM on this machine: load, generation, option scoring.

    .venv/bin/python benchmarks/llm.py [--model smollm2-135m] [--out benchmarks/results/llm.json]

- load: ``load_llm("transformers", model=...)`` wall time (GGUF de-quantisation included).
- generation: greedy ``generate`` of up to ``--gen-tokens`` tokens after a short prompt;
  tokens/s counts the reply's tokens; time to first piece from ``stream``.
- scoring: ``score_options`` for 4 options after a ~``--prompt-tokens`` token prompt made
  of memory-like evidence lines (the shape EgoRAG sends); median of ``--repeats``.

Prints a table and writes JSON. Figures depend on how busy the CPU is: the JSON records
the load average at the start.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import time
from pathlib import Path

from egobutler.egorag.llm import ChatMessage, format_evidence_block, load_llm
from egobutler.egorag.llm.prompting import system_prompt

OPTIONS = ["On the kitchen table.", "In the car.", "By the front door.", "In the garden shed."]
STORY = [ChatMessage.user("Write a long, detailed story about a day at the lake with friends.")]


def evidence_prompt(llm, target_tokens: int) -> list[ChatMessage]:
    """A RAG-shaped prompt of about ``target_tokens`` tokens (system + evidence + question)."""
    lines: list[str] = []
    templates = [
        "{h:02d}:{m:02d}:00 caption The wearer walks through the kitchen and opens a drawer full of tools.",
        "{h:02d}:{m:02d}:30 utterance Alice: Did you see where the screwdriver went? I need it for the shelf.",
        "{h:02d}:{m:02d}:45 motion The wearer bends down, picks something up and walks to the hallway.",
    ]
    system = ChatMessage.system(system_prompt("You answer questions about the user's day from the evidence."))
    question = "Where did I leave the screwdriver?"
    while True:
        i = len(lines)
        lines.append(templates[i % 3].format(h=8 + i // 180, m=(i // 3) % 60))
        user = ChatMessage.user(f"{format_evidence_block(lines)}\n\nQuestion: {question}")
        if llm.count_tokens(system.content + user.content) >= target_tokens:
            return [system, user]


def bench(model: str, gen_tokens: int, prompt_tokens: int, repeats: int) -> dict:
    started = time.perf_counter()
    llm = load_llm("transformers", model=model)
    load_s = time.perf_counter() - started

    llm.generate([ChatMessage.user("Hi")], max_tokens=4)  # warm-up: first call allocates
    started = time.perf_counter()
    reply = llm.generate(STORY, max_tokens=gen_tokens)
    gen_s = time.perf_counter() - started
    reply_tokens = llm.count_tokens(reply)

    started = time.perf_counter()
    stream = llm.stream(STORY, max_tokens=gen_tokens)
    next(stream)
    first_piece_s = time.perf_counter() - started
    for _ in stream:
        pass

    messages = evidence_prompt(llm, prompt_tokens)
    actual_prompt_tokens = llm.count_tokens(messages[0].content + messages[1].content)
    score_times = []
    for _ in range(repeats):
        started = time.perf_counter()
        scores = llm.score_options(messages, OPTIONS)
        score_times.append(time.perf_counter() - started)
    llm.close()
    return {
        "model": model,
        "load_s": round(load_s, 2),
        "gen_tokens": reply_tokens,
        "gen_s": round(gen_s, 2),
        "tokens_per_s": round(reply_tokens / gen_s, 1),
        "first_piece_s": round(first_piece_s, 2),
        "score_prompt_tokens": actual_prompt_tokens,
        "score_options": len(OPTIONS),
        "score_s_median": round(statistics.median(score_times), 2),
        "score_s_all": [round(t, 2) for t in score_times],
        "best_option": OPTIONS[max(range(len(scores)), key=scores.__getitem__)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="smollm2-135m", help="catalog name, checkpoint folder, .gguf or HF id")
    parser.add_argument("--gen-tokens", type=int, default=64, help="max tokens to generate")
    parser.add_argument("--prompt-tokens", type=int, default=1500, help="prompt size for scoring, tokens")
    parser.add_argument("--repeats", type=int, default=3, help="score_options runs (median reported)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "llm.json")
    args = parser.parse_args()

    load_avg = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    row = bench(args.model, args.gen_tokens, args.prompt_tokens, args.repeats)
    import torch

    result = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                    "load_avg_1min_at_start": load_avg},
        "rows": [row],
    }
    header = f"{'model':<14} {'load s':>7} {'tok/s':>6} {'1st piece s':>11} {'score 4 opts s':>14} {'prompt tok':>10}"
    print(header)
    print("-" * len(header))
    print(f"{row['model']:<14} {row['load_s']:>7} {row['tokens_per_s']:>6} {row['first_piece_s']:>11} "
          f"{row['score_s_median']:>14} {row['score_prompt_tokens']:>10}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
