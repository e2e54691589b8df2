"""Where ingestion stands, from the ledger (what `egobutler status` and the UI show)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Failure:
    """One thing that did not work: a recording (``clip_id`` None) or a clip's stage."""

    recording: str
    clip_id: str | None
    stage: str | None
    error: str


@dataclass(frozen=True)
class IngestStatus:
    """``backlog``: clip/stage steps waiting (pending, or failed with retries left) plus inbox
    recordings not yet ingested; ``in_progress``: steps running now (or cut short by a crash;
    they resume on the next run); ``failed``: what failed and why; ``done``: finished steps
    (done or skipped)."""

    backlog: int
    in_progress: int
    failed: tuple[Failure, ...]
    done: int
    recordings: dict[str, int]
    replaced: tuple[Failure, ...] = ()  # earlier copies whose clips a different copy re-ingested


def ingest_status(store, inbox: Path | None = None) -> IngestStatus:
    """Summarise the ledger (and the inbox, if given)."""
    entries = store.ledger_entries()
    counts: dict[str, int] = {}
    for entry in entries:
        counts[entry.status] = counts.get(entry.status, 0) + 1
    recordings = store.recordings()
    by_status: dict[str, int] = {}
    for rec in recordings:
        by_status[rec.status] = by_status.get(rec.status, 0) + 1
    failures = [Failure(rec.source, None, None, rec.error or rec.status)
                for rec in recordings if rec.status in ("failed", "partial")]
    if counts.get("failed"):
        clip_rec = _clip_recordings(store, recordings)
        failures += [Failure(clip_rec.get(e.clip_id, "?"), e.clip_id, e.stage, e.error or "failed")
                     for e in entries if e.status == "failed"]
    inbox_waiting = 0
    if inbox is not None and Path(inbox).is_dir():
        from egobutler.ingest.inbox import find_recordings

        inbox_waiting = len(find_recordings(Path(inbox)))
    return IngestStatus(
        backlog=counts.get("pending", 0) + inbox_waiting,
        in_progress=counts.get("running", 0),
        failed=tuple(failures),
        done=counts.get("done", 0) + counts.get("skipped", 0),
        recordings=by_status,
        replaced=tuple(Failure(rec.source, None, None, rec.error or "replaced")
                       for rec in recordings if rec.status == "replaced"),
    )


def _clip_recordings(store, recordings) -> dict[str, str]:
    out: dict[str, str] = {}
    for rec in recordings:
        for clip in store.clips(recording_id=rec.id):
            out[clip.id] = rec.source
    return out
