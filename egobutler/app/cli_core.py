"""`egobutler status | doctor | models list | models pull NAME`."""

from __future__ import annotations

import platform
from pathlib import Path

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from egobutler import __version__
from egobutler.app import models_catalog
from egobutler.app.cli_common import HomeOption, JsonOption, print_json, settings_from
from egobutler.app.doctor import run_checks
from egobutler.app.services import open_store
from egobutler.app.terminal import printable
from egobutler.ingest.progress import ingest_status
from egobutler.memory_db.migrations import LATEST

models_app = typer.Typer(help="List the models each stage can use, or download one.", no_args_is_help=True)


def status(home: Path | None = HomeOption, as_json: bool = JsonOption) -> None:
    """Show the data dir, what the memory holds, and the ingestion backlog."""
    settings = settings_from(home)
    store = open_store(settings, with_index=False)
    try:
        counts = store.counts()
        ingest = ingest_status(store, settings.inbox)
    finally:
        store.close()
    report = {
        "version": __version__,
        "home": str(settings.home),
        "database": _redact(settings.db_url),
        "vector_index": settings.chroma_url or str(settings.chroma_path),
        "schema_version": LATEST,
        "counts": counts,
        "ingest": {"backlog": ingest.backlog, "in_progress": ingest.in_progress, "done": ingest.done,
                   "recordings": ingest.recordings},
        "failures": [{"recording": f.recording, "clip_id": f.clip_id, "stage": f.stage, "error": f.error}
                     for f in ingest.failed],
        "replaced": [{"recording": f.recording, "by": f.error} for f in ingest.replaced],
    }
    if as_json:
        print_json(report)
        return
    console = Console()
    console.print(f"[bold]egobutler {__version__}[/bold]  data dir: {settings.home}")
    console.print(f"memory: {report['database']}   vectors: {report['vector_index']}")
    table = Table("what", "count", title="memory")
    for key, value in counts.items():
        table.add_row(key, str(value))
    console.print(table)
    console.print(f"ingestion: {ingest.backlog} waiting, {ingest.in_progress} in progress, {ingest.done} done, "
                  f"{len(ingest.failed)} failed")
    for failure in ingest.failed:
        where = f" clip {failure.clip_id} stage {failure.stage}" if failure.clip_id else ""
        console.print(f"[red]failed[/red] {escape(printable(failure.recording + where))}: "
                      f"{escape(printable(failure.error))}", highlight=False)
    for old in ingest.replaced:
        console.print(f"[dim]replaced[/dim] {escape(printable(old.recording))}: {escape(printable(old.error))}",
                      highlight=False)


def doctor(home: Path | None = HomeOption, as_json: bool = JsonOption) -> None:
    """Check the configuration: data dir, memory, and every configured backend's model."""
    settings = settings_from(home)
    checks = run_checks(settings)
    if as_json:
        print_json([c.__dict__ for c in checks])
    else:
        table = Table("check", "state", "detail", "how to fix", title=f"egobutler doctor ({settings.home})")
        for c in checks:
            state = {"ok": "[green]ok[/green]", "missing": "[red]missing[/red]", "off": "[dim]off[/dim]",
                     "warn": "[yellow]warn[/yellow]"}[c.state]
            table.add_row(c.name, state, c.detail, c.fix)
        Console().print(table)
        Console(stderr=True).print(f"python {platform.python_version()}, egobutler {__version__}")
    if any(c.state == "missing" for c in checks):
        raise typer.Exit(1)


@models_app.command("list")
def models_list(as_json: bool = JsonOption) -> None:
    """Every model a stage can use and where it resolves from on this machine."""
    rows = [models_catalog.resolve(e) for e in models_catalog.CATALOG]
    if as_json:
        print_json([{"name": r.entry.name, "stage": r.entry.stage, "backend": r.entry.backend,
                     "description": r.entry.description, "found": r.found, "where": r.where,
                     "how_to_get": r.how_to_get} for r in rows])
        return
    table = Table("stage", "model", "backend", "found", "where / how to get it", title="models")
    for r in rows:
        table.add_row(r.entry.stage, r.entry.name, r.entry.backend, "yes" if r.found else "[red]no[/red]",
                      r.where if r.found else r.how_to_get)
    Console().print(table)


@models_app.command("pull")
def models_pull(name: str = typer.Argument(..., help="A model name from `egobutler models list`, or a Hugging Face repo id.")) -> None:
    """Download a model into the Hugging Face cache (needs the network)."""
    entry = models_catalog.find(name)
    found = models_catalog.resolve(entry)
    if found.found:
        print(f"{entry.name} is already here: {found.where}")
        return
    Console(stderr=True).print(f"downloading {entry.hf_repo} …")
    print(models_catalog.pull(entry))


def _redact(url: str) -> str:
    """Hide a password in a database URL."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - show nothing rather than a secret
        return "(unparseable URL)"


def register(app: typer.Typer) -> None:
    app.command("status")(status)
    app.command("doctor")(doctor)
    app.add_typer(models_app, name="models")
