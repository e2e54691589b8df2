"""The ingest screen: upload or take the inbox, live progress, backlog, failures, retry.

Progress, backlog and failures are read from the memory's recordings and ledger (so they
are right even when another process ingests); the actions go through callables the app
wires in, because the UI may not import the ingestion package.
"""

from __future__ import annotations

import html
import json
import logging
from collections import Counter
from pathlib import Path

import gradio as gr

from egobutler.ui.services import Loader, UiServices

log = logging.getLogger(__name__)

REFRESH_S = 3.0
MAX_ROWS = 200
RECORDING_HEADERS = ["source", "kind", "status", "start", "error"]
FAILURE_HEADERS = ["clip", "stage", "attempts", "error"]


def recording_rows(services: UiServices) -> list[list[str]]:
    """Recordings, unfinished first, then newest."""
    order = {"running": 0, "pending": 1, "failed": 2, "partial": 3, "done": 4}
    recordings = sorted(services.store.recordings(),
                        key=lambda r: (order.get(r.status, 5), -(r.start.timestamp() if r.start else 0)))
    return [[r.source, r.kind, r.status, r.start.isoformat(timespec="seconds") if r.start else "", r.error or ""]
            for r in recordings[:MAX_ROWS]]


def failure_rows(services: UiServices) -> list[list[str | int]]:
    entries = services.store.ledger_entries(status="failed")
    return [[e.clip_id, e.stage, e.attempts, e.error or ""] for e in entries[:MAX_ROWS]]


def progress_markdown(services: UiServices) -> str:
    """One paragraph: what the worker is doing, the backlog by stage, and totals."""
    stages = Counter((e.stage, e.status) for e in services.store.ledger_entries())
    recordings = Counter(r.status for r in services.store.recordings())
    backlog = {stage: n for (stage, status), n in stages.items() if status in ("pending", "running")}
    done = sum(n for (_, status), n in stages.items() if status in ("done", "skipped"))
    total = sum(stages.values())
    parts = [f"**Recordings** {_counts(recordings)}",
             f"**Clip stages** {done}/{total} done" + (f" · backlog {_counts(backlog)}" if backlog else " · no backlog")]
    if services.ingest_status is not None:
        try:
            live = dict(services.ingest_status())
        except Exception as exc:  # noqa: BLE001 — a status probe must not break the page
            live = {"error": str(exc)}
        parts.append("**Worker** " + html.escape(json.dumps(live, default=str), quote=False))
    if services.inbox is not None:
        parts.append(f"**Inbox** `{html.escape(str(services.inbox), quote=False)}`")
    counts = services.store.counts()
    parts.append("**Memory** " + _counts(counts))
    return "  \n".join(parts)


def _counts(counter) -> str:
    return ", ".join(f"{k} {v}" for k, v in sorted(dict(counter).items())) or "none"


def build_ingest(services: UiServices) -> tuple[Loader, gr.Timer]:
    """Lay out the ingest tab; its timer refreshes the status every `REFRESH_S` seconds while active
    (the app activates it only while this tab is shown)."""
    can_ingest = services.ingest_paths is not None
    progress = gr.Markdown(elem_id="eb-ingest-progress")
    with gr.Row(visible=can_ingest or services.retry_failed is not None):
        upload = gr.File(label="Upload recordings (mp4, Aria folders as zip, EgoLife exports)",
                         file_count="multiple", type="filepath", visible=can_ingest, scale=3, height=150)
        with gr.Column(scale=1):
            send = gr.Button("Ingest uploaded files", variant="primary", visible=can_ingest)
            inbox = gr.Button("Ingest the inbox", visible=can_ingest and services.inbox is not None)
            retry = gr.Button("Retry failed", visible=services.retry_failed is not None)
    message = gr.Markdown(elem_id="eb-ingest-message")
    failures = gr.Dataframe(headers=FAILURE_HEADERS, label="Failures", interactive=False, wrap=True)
    recordings = gr.Dataframe(headers=RECORDING_HEADERS, label="Recordings", interactive=False, wrap=True)
    timer = gr.Timer(REFRESH_S, active=False)

    def status():
        return progress_markdown(services), failure_rows(services), recording_rows(services)

    def run(action, *args) -> str:
        try:
            return html.escape(str(action(*args)), quote=False)
        except Exception as exc:  # noqa: BLE001 — shown to the user; the worker logs the details
            log.warning("ingest action failed: %s", exc)
            return f"**Not done:** {html.escape(str(exc), quote=False)}"

    def send_files(files: list[str] | None) -> str:
        if not files:
            return "Choose files to upload first."
        return run(services.ingest_paths, [Path(f) for f in files])

    private = {"api_visibility": "private"}
    timer.tick(status, None, [progress, failures, recordings], **private)
    send.click(send_files, [upload], [message], **private)
    inbox.click(lambda: run(services.ingest_paths, [services.inbox]), None, [message], **private)
    retry.click(lambda: run(services.retry_failed), None, [message], **private)
    return Loader(status, [], [progress, failures, recordings]), timer
