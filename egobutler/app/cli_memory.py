"""`egobutler memory search | memory import`, `forget`, `export`, `reindex`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import Progress

from egobutler.app.cli_common import HomeOption, JsonOption, parse_time, print_json, settings_from
from egobutler.app.errors import AppError
from egobutler.app.errors_display import EXIT_PARTIAL
from egobutler.app.services import open_store
from egobutler.app.terminal import printable

memory_app = typer.Typer(help="Search the memory, or import an export.", no_args_is_help=True)


@memory_app.command("search")
def search(
    text: str = typer.Argument(..., help="What to look for."),
    k: int = typer.Option(10, "--k", "-k", help="How many results."),
    mode: str = typer.Option("hybrid", "--mode", help="hybrid | vector | keyword."),
    after: str = typer.Option(None, "--after", help="Only memories from this time on (ISO-8601)."),
    before: str = typer.Option(None, "--before", help="Only memories before this time (ISO-8601)."),
    wearer: str = typer.Option(None, "--wearer", help="Only this wearer's memories."),
    person: str = typer.Option(None, "--person", help="Only clips where this person speaks (name or id)."),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Find the clips and summaries that match TEXT."""
    settings = settings_from(home)
    store = open_store(settings, with_index=mode != "keyword")
    try:
        speakers = None
        if person:
            found = store.find_person(person)
            if found is None:
                raise AppError(f"no person called {person!r}; see `egobutler people list`")
            speakers = [found.id]
        hits = store.search(
            text, k, mode=mode, wearer_id=wearer, speaker_ids=speakers,
            start=parse_time(after, settings.timezone) if after else None,
            end=parse_time(before, settings.timezone) if before else None,
        )
    finally:
        store.close()
    if as_json:
        print_json([{"kind": h.kind, "id": h.id, "score": h.score, "start": h.start.isoformat(),
                     "end": h.end.isoformat(), "wearer": h.wearer_id, "text": h.text} for h in hits])
        return
    console = Console()
    if not hits:
        console.print("nothing found")
    for h in hits:
        console.print(f"[bold]{h.start.isoformat(timespec='seconds')}[/bold] {h.kind} {printable(h.wearer_id)} "
                      f"(score {h.score:.3f})", highlight=False)
        console.print(printable(h.text), markup=False, highlight=False)
        console.print()


@memory_app.command("import")
def import_export(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="A JSONL file written by `egobutler export`."),
    home: Path | None = HomeOption,
) -> None:
    """Load an export back into the memory (records already present are skipped).

    Every line is checked first; one bad line imports nothing. Then all rows are written in
    one transaction."""
    store = open_store(settings_from(home))
    try:
        with file.open(encoding="utf-8") as fp:
            count = store.import_jsonl(fp)
    finally:
        store.close()
    Console(stderr=True).print(f"imported {count} records from {file}")


def forget(
    after: str = typer.Option(None, "--from", help="Forget from this time (ISO-8601)."),
    before: str = typer.Option(None, "--to", help="Forget up to this time (ISO-8601)."),
    recording: str = typer.Option(None, "--recording", help="Forget one recording (its id, see `status --json`)."),
    person: str = typer.Option(None, "--person", help="Forget a person and everything they said (name or id)."),
    wearer: str = typer.Option(None, "--wearer", help="Forget a wearer's whole memory."),
    yes: bool = typer.Option(False, "--yes", "-y", help="Do not ask for confirmation."),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Remove memories for good: SQL rows, vectors and media files together."""
    settings = settings_from(home)
    if not any([after, before, recording, person, wearer]):
        raise AppError("say what to forget: --from/--to, --recording, --person or --wearer")
    store = open_store(settings)
    try:
        person_id = None
        if person:
            found = store.find_person(person)
            if found is None:
                raise AppError(f"no person called {person!r}; see `egobutler people list`")
            person_id = found.id
        if not yes and sys.stdin.isatty() and not typer.confirm("This cannot be undone. Forget?"):
            raise typer.Exit(1)
        report = store.forget(
            start=parse_time(after, settings.timezone) if after else None,
            end=parse_time(before, settings.timezone) if before else None,
            recording_id=recording, person_id=person_id, wearer_id=wearer,
        )
    finally:
        store.close()
    counts = {k: v for k, v in report.__dict__.items() if k != "problems"}
    if as_json:
        print_json(report.__dict__)
    else:
        print(", ".join(f"{v} {k}" for k, v in counts.items()) + " forgotten")
    for problem in report.problems:
        print(f"warning: {problem}", file=sys.stderr)
    if report.problems:
        raise typer.Exit(EXIT_PARTIAL)


def export(
    out: Path = typer.Option(None, "--out", "-o", help="Write here instead of standard output."),
    home: Path | None = HomeOption,
) -> None:
    """Write the whole memory as JSONL (one record per line)."""
    store = open_store(settings_from(home), with_index=False)
    try:
        if out is None:
            count = store.export_jsonl(sys.stdout)
        else:
            with out.open("w", encoding="utf-8") as fp:
                count = store.export_jsonl(fp)
    finally:
        store.close()
    Console(stderr=True).print(f"exported {count} records" + (f" to {out}" if out else ""))


def reindex(home: Path | None = HomeOption) -> None:
    """Rebuild the vector index from SQL with the configured embedder."""
    store = open_store(settings_from(home))
    try:
        with Progress(console=Console(stderr=True), transient=True) as progress:
            task = progress.add_task("embedding", total=None)
            count = store.reindex(lambda done, total: progress.update(task, completed=done, total=total))
    finally:
        store.close()
    print(f"reindexed {count} documents")


def register(app: typer.Typer) -> None:
    app.add_typer(memory_app, name="memory")
    app.command("forget")(forget)
    app.command("export")(export)
    app.command("reindex")(reindex)
