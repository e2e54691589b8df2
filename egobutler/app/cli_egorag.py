"""`egobutler import egolife`, `ask`, `bench egolifeqa`, `summarize`."""

from __future__ import annotations

import sys
import time
from datetime import date, datetime, timezone as dt_timezone
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from egobutler.app.cli_common import HomeOption, JsonOption, parse_time, print_json, settings_from
from egobutler.app.errors import AppError
from egobutler.app.errors_display import EXIT_ERROR, EXIT_PARTIAL
from egobutler.app.services import open_store
from egobutler.app.settings import Settings
from egobutler.app.terminal import printable

import_app = typer.Typer(help="Import memories made elsewhere.", no_args_is_help=True)
bench_app = typer.Typer(help="Score answering on benchmarks.", no_args_is_help=True)
_err = Console(stderr=True)


_PHASES = {"import": "importing files", "embed": "embedding clips", "summaries": "summarising"}


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=_err, transient=False)


@import_app.command("egolife")
def import_egolife_cmd(
    path: Path = typer.Argument(..., help="Folder of EgoLife per-clip JSON files, or an EgoLifeCap folder (SRT)."),
    wearer: str = typer.Option(None, "--wearer", help="Wearer id such as A1_JAKE (default: the only one found)."),
    day1: str = typer.Option(None, "--day1", help="Calendar date of DAY1, YYYY-MM-DD (default: settings day1)."),
    tz: str = typer.Option(None, "--timezone", help="IANA timezone of the recording (EgoLife: Asia/Shanghai; default: settings timezone)."),
    no_embed: bool = typer.Option(False, "--no-embed", help="Skip embedding (keyword search only until `memory reindex`)."),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Import a week of EgoLife captions and transcripts (idempotent: re-running adds nothing)."""
    from egobutler.app.summaries_wiring import refresh_summaries
    from egobutler.ingest.egolife import import_egolife

    settings = settings_from(home)
    first_day = _date(day1 or settings.day1)
    store = open_store(settings, with_index=not no_embed)
    try:
        with _progress() as bar:
            tasks: dict[str, int] = {}

            def progress(phase: str, done: int, total: int) -> None:
                if phase not in tasks:
                    tasks[phase] = bar.add_task(_PHASES.get(phase, phase), total=total)
                bar.update(tasks[phase], completed=done, total=total)

            report = import_egolife(store, path, wearer_id=wearer, day1=first_day, timezone=tz or settings.timezone,
                                    index=not no_embed, progress=progress)
            began = time.perf_counter()
            summaries = refresh_summaries(settings, store, wearer_id=report.wearer_id, index=not no_embed,
                                          progress=lambda d, t: progress("summaries", d, t))
            elapsed_s = report.elapsed_s + time.perf_counter() - began
    finally:
        store.close()
    data = {**{k: getattr(report, k) for k in report.__dataclass_fields__}, "summaries": summaries,
            "elapsed_s": elapsed_s}
    if as_json:
        print_json(data)
    else:
        Console().print(f"imported {report.clips} clips, {report.lines} lines, {report.people} people of "
                        f"{report.wearer_id} ({report.files} files, {report.files_skipped} already imported, "
                        f"{report.embedded} embedded, {summaries} summaries written) in {elapsed_s:.1f} s")
    for failure in report.failures:
        print(f"error: {failure}", file=sys.stderr)
    if report.failures:
        raise typer.Exit(EXIT_PARTIAL if report.files or report.files_skipped else EXIT_ERROR)


def _date(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise AppError(f"day1 {text!r} is not a date; use YYYY-MM-DD") from None


def ask(
    question: str = typer.Argument(..., help="Your question, e.g. 'what did Alice suggest yesterday afternoon?'."),
    at: str = typer.Option(None, "--at", help="Ask as of this time (ISO-8601; default: now). Nothing later is used."),
    choice: list[str] = typer.Option(None, "--choice", help="An answer option (repeat for multiple choice)."),
    wearer: str = typer.Option(None, "--wearer", help="Only this wearer's memories."),
    k: int = typer.Option(5, "--k", help="How many evidence clips to show."),
    no_llm: bool = typer.Option(False, "--no-llm", help="Answer from the evidence alone (no language model)."),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Answer a question about your memories, with the moments it came from."""
    from egobutler.app.answering import build_engine
    from egobutler.egorag.records import Question

    settings = settings_from(home)
    store = open_store(settings)
    try:
        engine = build_engine(settings, store, wearer_id=wearer, **({"llm": None} if no_llm else {}))
        when = parse_time(at, engine.timezone) if at else datetime.now(dt_timezone.utc)
        answer = engine.ask(Question(question, when, choices=tuple(choice or ()), wearer_id=wearer))
    finally:
        store.close()
    evidence = answer.evidence[:k]
    if as_json:
        print_json({"answer": answer.text, "choice": answer.choice, "model": answer.model_id,
                    "window": [t.isoformat() if t else None for t in answer.trace.window],
                    "evidence": [{"clip_id": e.clip_id, "start": e.start.isoformat(), "end": e.end.isoformat(),
                                  "score": e.score, "video_path": e.video_path, "video_offset_s": e.video_offset_s,
                                  "lines": [{"start": ln.start.isoformat(), "kind": ln.kind, "speaker": ln.speaker,
                                             "text": ln.text} for ln in e.lines]} for e in evidence]})
        return
    out = Console()
    out.print(printable(answer.text), markup=False, highlight=False)
    out.print(f"\n[dim]{answer.trace.description}; {answer.trace.elapsed_s:.2f} s[/dim]")
    for e in evidence:
        out.print(f"[bold]{engine.local(e.start)}[/bold] clip {e.clip_id[:8]} (score {e.score:.2f})")
        for ln in e.lines[:4]:
            out.print(printable(f"   {ln.speaker + ': ' if ln.speaker else ''}{ln.text}"), markup=False, highlight=False)


@bench_app.command("egolifeqa")
def bench_egolifeqa(
    questions: Path = typer.Option(..., "--questions", help="EgoLifeQA JSON file (a list of records)."),
    out: Path = typer.Option(..., "--out", help="Folder for results.jsonl, report.json and report.md (resumable)."),
    limit: int = typer.Option(None, "--limit", help="Only the first N questions."),
    retrieval_only: bool = typer.Option(False, "--retrieval-only", help="Measure recall only (no answers)."),
    answerer: str = typer.Option("default", "--answerer", help="default (engine + configured LLM) | keyword (BM25 baseline)."),
    wearer: str = typer.Option(None, "--wearer", help="Wearer id of the questions (default: the only wearer)."),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Run EgoLifeQA on the imported memory; interrupted runs resume from DIR/results.jsonl."""
    from egobutler.app.answering import build_engine, day1_of, tiny_llm
    from egobutler.egorag import bench
    from egobutler.egorag.egolifeqa import DayClock

    settings = settings_from(home)
    if answerer not in ("default", "keyword"):
        raise AppError(f"unknown answerer {answerer!r}; use default or keyword")
    store = open_store(settings)
    try:
        if not store.counts().get("clips"):
            raise AppError("the memory is empty; import the week first with `egobutler import egolife PATH`")
        # Multiple choice with a tiny LLM rests on evidence scoring alone (see build_engine): skip loading it.
        use_llm = answerer == "default" and not retrieval_only and not tiny_llm(settings)
        engine = build_engine(settings, store, wearer_id=wearer, **({} if use_llm else {"llm": None}))
        qs, gold = bench.load_bench(questions, DayClock(day1_of(settings), engine.timezone))
        qs = qs[:limit] if limit else qs
        run = bench.engine_answerer(engine, wearer) if answerer == "default" else bench.keyword_answerer(engine, wearer)
        with _progress() as bar:
            task = bar.add_task(f"EgoLifeQA ({answerer})", total=len(qs))
            results = bench.run_bench(qs, run, out, retrieval_only=retrieval_only,
                                      progress=lambda d, t: bar.update(task, completed=d))
        name = answerer if answerer == "keyword" else _answerer_name(settings, use_llm)
        report = bench.score(results, gold, answerer=name, retrieval_only=retrieval_only)
        bench.write_report(report, out)
    finally:
        store.close()
    if as_json:
        print_json({k: v for k, v in report.items() if k != "questions"})
    else:
        Console().print(bench.markdown(report), markup=False, highlight=False)


def _answerer_name(settings: Settings, use_llm: bool) -> str:
    """How the report names the default answerer: with or without the reader's option likelihood."""
    if not use_llm or settings.llm == "none":
        return "default (evidence option scoring, no reader)"
    return f"default ({settings.llm}:{settings.llm_model}; evidence + reader option likelihood)"


def summarize(
    wearer: str = typer.Option(None, "--wearer", help="Only this wearer."),
    level: list[str] = typer.Option(None, "--level", help="10min | hour | day (repeatable; default all)."),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Build or refresh 10-minute, hour and day summaries (only windows whose memories changed)."""
    from egobutler.app.summaries_wiring import refresh_summaries, summary_llm
    from egobutler.egorag.summaries import LEVELS

    settings = settings_from(home)
    levels = tuple(level or LEVELS)
    bad = [x for x in levels if x not in LEVELS]
    if bad:
        raise AppError(f"unknown summary level {bad[0]!r}; use 10min, hour or day")
    store = open_store(settings)
    try:
        llm = summary_llm(settings)
        with _progress() as bar:
            task = bar.add_task("summarising", total=None)
            n = refresh_summaries(settings, store, wearer_id=wearer, levels=levels, llm=llm,
                                  progress=lambda d, t: bar.update(task, completed=d, total=t))
    finally:
        store.close()
    if as_json:
        print_json({"summaries_written": n, "builder": llm.model_id if llm else "extractive"})
    else:
        Console().print(f"wrote {n} summaries ({llm.model_id if llm else 'extractive'})")


def register(app: typer.Typer) -> None:
    app.add_typer(import_app, name="import")
    app.command("ask")(ask)
    app.add_typer(bench_app, name="bench")
    app.command("summarize")(summarize)
