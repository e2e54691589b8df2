"""Find recordings in a synced folder, tell when one is fully synced, and ingest one safely.

A recording in an inbox is an Aria-style folder (with ``meta.json``), a video file, or a
``.vrs`` file. It is *ready* when a ``.done`` marker exists (``NAME.done`` beside it, or
``.done`` inside a folder) or when its total size and newest mtime have not changed for
``settle_s`` seconds. Ingested recordings move to ``INBOX/done/`` (failed ones to
``INBOX/failed/`` with a ``.error.txt`` note), so the inbox shows what is left.
"""

from __future__ import annotations

import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from egobutler.ingest.errors import IngestError
from egobutler.ingest.pipeline import Pipeline, RecordingReport
from egobutler.ingest.sources import VIDEO_SUFFIXES, content_hash, open_source
from egobutler.memory_db.records import Recording

log = logging.getLogger(__name__)

DONE_DIR = "done"
FAILED_DIR = "failed"
MARKER = ".done"


def find_recordings(inbox: Path) -> list[Path]:
    """Candidate recordings directly in ``inbox`` (not in done/ or failed/, not hidden)."""
    found = []
    for path in sorted(Path(inbox).iterdir()):
        if path.name.startswith(".") or path.name in (DONE_DIR, FAILED_DIR):
            continue
        if path.is_dir() and ((path / "meta.json").exists() or (path / "video.mp4").exists()):
            found.append(path)
        elif path.is_file() and path.suffix.lower() in (*VIDEO_SUFFIXES, ".vrs"):
            found.append(path)
    return found


def _signature(path: Path) -> tuple[int, float]:
    files = [p for p in path.rglob("*") if p.is_file()] if path.is_dir() else [path]
    sizes = [(p.stat().st_size, p.stat().st_mtime) for p in files if p.exists()]
    return sum(s for s, _ in sizes), max((m for _, m in sizes), default=0.0)


def has_marker(path: Path) -> bool:
    return (path / MARKER).exists() if path.is_dir() else path.with_name(path.name + MARKER).exists()


@dataclass
class SyncWatch:
    """Remembers each candidate's size signature to tell when it stopped changing."""

    settle_s: float = 5.0
    _seen: dict[Path, tuple[tuple[int, float], float]] = field(default_factory=dict)

    def ready(self, path: Path, now: float | None = None) -> bool:
        """True once ``path`` has a marker or an unchanged signature for ``settle_s`` seconds."""
        if has_marker(path):
            return True
        now = time.monotonic() if now is None else now
        sig = _signature(path)
        previous = self._seen.get(path)
        if previous is None or previous[0] != sig:
            self._seen[path] = (sig, now)
            return False
        return now - previous[1] >= self.settle_s

    def forget(self, path: Path) -> None:
        self._seen.pop(path, None)


def ingest_path(pipeline: Pipeline, path: Path, **source_options) -> RecordingReport:
    """Open and ingest one recording; an unreadable recording is recorded as failed, never raised."""
    try:
        source = open_source(path, **source_options)
    except (IngestError, OSError) as exc:  # OSError: a file unreadable while it is hashed
        report = RecordingReport(str(path), status="failed", problems=[str(exc)])
        _record_failure(pipeline, path, str(exc), source_options, report)
        return report
    return pipeline.ingest(source)


def _record_failure(pipeline: Pipeline, path: Path, error: str, options: dict, report: RecordingReport) -> None:
    """Keep a failed recording in the memory's recordings table so `status` lists it."""
    try:
        files = [p for p in (path.rglob("*") if path.is_dir() else [path]) if p.is_file()]
        rec_id = content_hash(files) if files else None
    except (OSError, RuntimeError):  # unreadable, or a symlink loop
        return
    if rec_id is None:
        return
    report.recording_id = rec_id
    wearer = options.get("wearer") or options.get("default_wearer") or "me"
    pipeline.store.upsert_recording(Recording(id=rec_id, wearer_id=wearer, source=str(path), kind="unknown",
                                              status="failed", error=error))


def file_away(inbox: Path, path: Path, report: RecordingReport) -> Path:
    """Move an ingested recording to done/ (failed: failed/ with a note); returns where it went."""
    folder = Path(inbox) / (FAILED_DIR if report.status == "failed" else DONE_DIR)
    folder.mkdir(exist_ok=True)
    target = folder / path.name
    n = 1
    while target.exists():
        target = folder / f"{path.stem}.{n}{path.suffix}"
        n += 1
    shutil.move(str(path), str(target))
    marker = path.with_name(path.name + MARKER)
    if marker.exists():
        marker.unlink()
    if report.status == "failed":
        target.with_name(target.name + ".error.txt").write_text("\n".join(report.problems) + "\n", encoding="utf-8")
    return target
