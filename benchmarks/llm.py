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


class Timer:
    """Wall and process-CPU seconds of a block (CPU time shows the work when other jobs share the cores)."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc: object) -> None:
        self.wall_s = time.perf_counter() - self.wall
        self.cpu_s = time.process_time() - self.cpu


def bench(model: str, gen_tokens: int, prompt_tokens: int, repeats: int) -> dict:
    with Timer() as load:
        llm = load_llm("transformers", model=model)

    llm.generate([ChatMessage.user("Hi")], max_tokens=4)  # warm-up: first call allocates
    with Timer() as gen:
        reply = llm.generate(STORY, max_tokens=gen_tokens)
    reply_tokens = llm.count_tokens(reply)

    started = time.perf_counter()
    stream = llm.stream(STORY, max_tokens=gen_tokens)
    next(stream)
    first_piece_s = time.perf_counter() - started
    for _ in stream:
        pass

    messages = evidence_prompt(llm, prompt_tokens)
    actual_prompt_tokens = llm.count_tokens(messages[0].content + messages[1].content)
    timers = []
    for _ in range(repeats):
        with Timer() as score:
            scores = llm.score_options(messages, OPTIONS)
        timers.append(score)
    llm.close()
    score_times = [t.wall_s for t in timers]
    return {
        "model": model,
        "load_s": round(load.wall_s, 2),
        "load_cpu_s": round(load.cpu_s, 2),
        "gen_tokens": reply_tokens,
        "gen_s": round(gen.wall_s, 2),
        "gen_cpu_s": round(gen.cpu_s, 2),
        "tokens_per_s": round(reply_tokens / gen.wall_s, 1),
        "first_piece_s": round(first_piece_s, 2),
        "score_prompt_tokens": actual_prompt_tokens,
        "score_options": len(OPTIONS),
        "score_s_median": round(statistics.median(score_times), 2),
        "score_s_all": [round(t, 2) for t in score_times],
        "score_cpu_s_median": round(statistics.median(t.cpu_s for t in timers), 2),
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

    load_avg = round(os.getloadavg()[0], 1) if hasattr(os, "getloadavg") else None
    row = bench(args.model, args.gen_tokens, args.prompt_tokens, args.repeats)
    import torch

    result = {
        "machine": {"platform": platform.platform(), "cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
                    "load_avg_1min_at_start": load_avg},
        "args": {"gen_tokens": args.gen_tokens, "prompt_tokens": args.prompt_tokens, "repeats": args.repeats},
        "rows": [row],
    }
    header = (f"{'model':<14} {'load s (cpu)':>14} {'tok/s':>6} {'1st piece s':>11} "
              f"{'score 4 opts s (cpu)':>21} {'prompt tok':>10} {'load avg':>8}")
    print(header)
    print("-" * len(header))
    load_cell = f"{row['load_s']} ({row['load_cpu_s']})"
    score_cell = f"{row['score_s_median']} ({row['score_cpu_s_median']})"
    print(f"{row['model']:<14} {load_cell:>14} {row['tokens_per_s']:>6} {row['first_piece_s']:>11} "
          f"{score_cell:>21} {row['score_prompt_tokens']:>10} {load_avg!s:>8}")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
