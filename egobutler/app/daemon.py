"""`egobutler daemon`: watch an inbox folder and ingest each recording once it is synced.

Filesystem events (watchdog) wake the loop at once; a slow poll catches anything an event
missed (network drives). SIGTERM/SIGINT set a stop flag: the pipeline finishes the clip
it is on, the recording stays where it is (its ledger resumes it next time), and the
daemon exits 0 after SIGTERM (a service manager's normal stop) or 130 after Ctrl-C.
With ``--once`` it exits like `egobutler ingest`: 0 all ingested, 1 all failed, 3 some failed.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
from pathlib import Path

from egobutler.app.settings import Settings

log = logging.getLogger(__name__)

POLL_S = 2.0


def _watch(inbox: Path, wake: threading.Event):
    """Start a watchdog observer that sets ``wake`` on any change in ``inbox`` (None if unavailable)."""
    try:
        from watchdog.events import FileSystemEventHandler
        from watchdog.observers import Observer
    except ImportError:
        log.warning("watchdog is not installed; polling %s every %.0f s", inbox, POLL_S)
        return None

    class Wake(FileSystemEventHandler):
        def on_any_event(self, event) -> None:
            wake.set()

    observer = Observer()
    observer.schedule(Wake(), str(inbox), recursive=True)
    observer.daemon = True
    observer.start()
    return observer


def run_daemon(settings: Settings, inbox: Path, *, settle_s: float = 5.0, once: bool = False,
               stop: threading.Event | None = None) -> int:
    """Ingest recordings from ``inbox`` until stopped; returns the exit code (0 on a clean stop)."""
    from egobutler.app.ingest_wiring import build_pipeline, source_options
    from egobutler.app.services import open_store
    from egobutler.app.summaries_wiring import refresh_after_ingest
    from egobutler.ingest.inbox import SyncWatch, file_away, find_recordings, ingest_path

    inbox = inbox.expanduser().resolve()
    inbox.mkdir(parents=True, exist_ok=True)
    stop = stop or threading.Event()
    wake = threading.Event()
    signals: list[int] = []
    _install_signals(stop, wake, signals)
    reports: list = []
    store = open_store(settings)
    pipeline = build_pipeline(settings, store, stop=stop)
    options = source_options(settings)
    watch = SyncWatch(settle_s=settle_s)
    observer = _watch(inbox, wake)
    print(f"watching {inbox}", file=sys.stderr, flush=True)
    try:
        while not stop.is_set():
            pending = False
            for path in find_recordings(inbox):
                if stop.is_set():
                    break
                if not watch.ready(path):
                    pending = True
                    continue
                report = ingest_path(pipeline, path, **options)
                reports.append(report)
                if report.status == "interrupted":
                    break
                where = file_away(inbox, path, report)
                watch.forget(path)
                print(f"{report.status}: {path.name} ({report.clips} clips) -> {where.parent.name}/",
                      file=sys.stderr, flush=True)
                if report.clips:
                    problem = refresh_after_ingest(settings, store)
                    if problem:
                        print(problem, file=sys.stderr, flush=True)
            if once and not pending:
                break
            wake.wait(min(POLL_S, settle_s) if pending else POLL_S * 5)
            wake.clear()
    finally:
        if observer is not None:
            observer.stop()
        store.close()
    print("stopped", file=sys.stderr, flush=True)
    return _exit_code(signals, reports, once)


def _exit_code(signals: list[int], reports: list, once: bool) -> int:
    from egobutler.app.cli_ingest import ingest_exit_code
    from egobutler.app.errors_display import EXIT_INTERRUPTED, EXIT_OK

    if signal.SIGINT in signals:
        return EXIT_INTERRUPTED
    if signals or not once or not reports:
        return EXIT_OK
    return ingest_exit_code(reports)


def _install_signals(stop: threading.Event, wake: threading.Event, seen: list[int]) -> None:
    if threading.current_thread() is not threading.main_thread():
        return  # signals can only be handled on the main thread (tests drive the loop from others)

    def handle(signum, _frame) -> None:
        log.info("signal %s: finishing the current clip, then stopping", signum)
        seen.append(signum)
        stop.set()
        wake.set()

    signal.signal(signal.SIGTERM, handle)
    signal.signal(signal.SIGINT, handle)
