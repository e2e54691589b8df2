"""`egobutler ingest PATH...` and `egobutler daemon --inbox DIR`."""

from __future__ import annotations

import signal
import threading
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from egobutler.app.cli_common import HomeOption, JsonOption, print_json, settings_from
from egobutler.app.errors_display import EXIT_ERROR, EXIT_INTERRUPTED, EXIT_OK, EXIT_PARTIAL
from egobutler.ingest.pipeline import RecordingReport


class RichProgress:
    """Progress bars on stderr: recordings, the current recording's clips, the current stage."""

    def __init__(self, total_recordings: int, console: Console):
        self.bars = Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                             TimeElapsedColumn(), console=console, transient=False)
        self.recordings = self.bars.add_task("recordings", total=total_recordings)
        self.clips = self.bars.add_task("clips", total=0)
        self.stage_task = self.bars.add_task("stage", total=0)
        self._seen: set[str] = set()

    def __enter__(self) -> RichProgress:
        self.bars.start()
        return self

    def __exit__(self, *exc) -> None:
        self.bars.stop()

    def recording(self, source, clips: int) -> None:
        self.bars.update(self.clips, description=f"clips of {source.path.name}"[:28], total=clips, completed=0)
        self._seen.clear()

    def stage(self, name: str, clips: int) -> None:
        self.bars.update(self.stage_task, description=f"stage {name}", total=clips, completed=0)

    def step(self, name: str, clip_id: str, status: str) -> None:
        self.bars.advance(self.stage_task)
        if clip_id not in self._seen:
            self._seen.add(clip_id)
            self.bars.advance(self.clips)

    def recording_done(self) -> None:
        self.bars.advance(self.recordings)


def ingest(
    paths: list[Path] = typer.Argument(..., help="Recordings: Aria-style folders, video files or .vrs files."),
    wearer: str = typer.Option(None, "--wearer", help="Whose recording this is (default: meta.json, else default_wearer)."),
    start: str = typer.Option(None, "--start", help="Wall-clock start (ISO-8601) for videos that do not record it."),
    ray: str = typer.Option(None, "--ray", help="Ray cluster address (or 'local') to run the stages on."),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Turn recordings into memory: 30 s clips, captions, transcripts, scene text, motion.

    Re-running is a no-op; an interrupted run resumes where it stopped; a changed model
    re-runs only its stage. Exit code: 0 all ingested, 1 none could be, 3 some recordings or
    stages failed, 130 interrupted by Ctrl-C (finishes the current clip; press again to stop at once)."""
    from egobutler.app.ingest_wiring import build_pipeline, source_options
    from egobutler.app.services import open_store
    from egobutler.app.summaries_wiring import refresh_after_ingest
    from egobutler.ingest.inbox import ingest_path

    settings = settings_from(home)
    console = Console(stderr=True)
    store = open_store(settings)
    reports: list[RecordingReport] = []
    stop = threading.Event()
    summaries_problem = None
    try:
        with RichProgress(len(paths), console) as progress, stop_on_ctrl_c(stop, console):
            pipeline = build_pipeline(settings, store, ray_address=ray, progress=progress, stop=stop)
            options = source_options(settings, wearer=wearer, start=start)
            for path in paths:
                if stop.is_set():
                    break
                reports.append(ingest_path(pipeline, path, **options))
                progress.recording_done()
        if any(r.clips for r in reports) and not stop.is_set():
            summaries_problem = refresh_after_ingest(settings, store)
    finally:
        store.close()
    if summaries_problem:
        console.print(f"[yellow]{summaries_problem}[/yellow]")
    if as_json:
        print_json([_report_dict(r) for r in reports])
    else:
        _print_summary(reports, pipeline_stages=[s for s in settings.stages])
    raise typer.Exit(EXIT_INTERRUPTED if stop.is_set() else ingest_exit_code(reports))


def ingest_exit_code(reports: list[RecordingReport]) -> int:
    """0 when every recording is ingested, 1 when none is, 3 (partial) otherwise."""
    if any(r.status == "interrupted" for r in reports):
        return EXIT_INTERRUPTED
    if all(r.ok for r in reports):
        return EXIT_OK
    if all(r.status == "failed" for r in reports):
        return EXIT_ERROR
    return EXIT_PARTIAL


@contextmanager
def stop_on_ctrl_c(stop: threading.Event, console: Console):
    """First Ctrl-C: finish the current clip, mark the rest pending, stop. Second: stop at once."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handle(_signum, _frame) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        console.print("[yellow]stopping after the current clip (Ctrl-C again to stop now)[/yellow]")

    previous = signal.signal(signal.SIGINT, handle)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


def _report_dict(report: RecordingReport) -> dict:
    return {"path": report.path, "recording_id": report.recording_id, "status": report.status,
            "clips": report.clips, "stages": {k: dict(v) for k, v in report.stages.items()},
            "problems": report.problems, "notes": report.notes}


def _print_summary(reports: list[RecordingReport], pipeline_stages: list[str]) -> None:
    console = Console()
    names = [s.rpartition(":")[2].lower() for s in pipeline_stages]  # ledger names (see stage_spec)
    table = Table("recording", "status", "clips", *names, title="ingested")
    for r in reports:
        cells = []
        for name in names:
            counts = r.stages.get(name, {})
            cells.append(", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "-")
        colour = "green" if r.ok else ("yellow" if r.status in ("partial", "interrupted") else "red")
        table.add_row(Path(r.path).name, f"[{colour}]{r.status}[/{colour}]", str(r.clips), *cells)
    console.print(table)
    for r in reports:
        for problem in r.problems:
            console.print(f"[yellow]{Path(r.path).name}[/yellow]: {problem}")
        for note in r.notes:
            console.print(f"{Path(r.path).name}: {note}")


def daemon(
    inbox: Path = typer.Option(None, "--inbox", help="Folder to watch (default: the inbox setting)."),
    settle_s: float = typer.Option(5.0, "--settle-s", help="Seconds a recording's size must stay unchanged."),
    once: bool = typer.Option(False, "--once", help="Ingest what is ready now and exit."),
    home: Path | None = HomeOption,
) -> None:
    """Watch a folder and ingest each recording once it is fully synced.

    A recording is ready when NAME.done exists or its size has not changed for --settle-s
    seconds; it then moves to INBOX/done/ (or INBOX/failed/). SIGTERM finishes the current
    clip and exits 0; the rest resumes on the next start."""
    from egobutler.app.daemon import run_daemon
    from egobutler.app.errors import AppError

    settings = settings_from(home)
    folder = inbox or settings.inbox
    if folder is None:
        raise AppError("no inbox: pass --inbox DIR or set inbox in egobutler.toml / EGOBUTLER_INBOX")
    raise typer.Exit(run_daemon(settings, Path(folder), settle_s=settle_s, once=once))


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest)
    app.command("daemon")(daemon)
