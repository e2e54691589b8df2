"""Keeps the hierarchical summaries current: after an import, after ingestion, on `summarize`.

Summaries are cheap with the extractive builder (the week of EgoLife: 424 windows in about
15 s), so they are refreshed whenever clips arrive; only windows whose lines changed are
rebuilt. The reader rewrites them only in `egobutler summarize` (when one is configured that is
not a tiny model): one window takes seconds on a CPU, too slow to hold up an import.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from egobutler.app.answering import engine_timezone, load_configured_llm
from egobutler.app.settings import Settings

log = logging.getLogger(__name__)


def summary_llm(settings: Settings):
    """The LLM that writes summaries, or None for the extractive builder (then nothing is loaded)."""
    from egobutler.egorag.summaries import use_llm

    return load_configured_llm(settings) if use_llm(settings.summarizer, settings.llm, settings.llm_model) else None


def refresh_summaries(settings: Settings, store, *, wearer_id: str | None = None, levels: Sequence[str] | None = None,
                      llm=..., index: bool = True, progress: Callable[[int, int], None] | None = None) -> int:
    """Build the summaries of every window whose lines changed; returns how many were written."""
    from egobutler.egorag.summaries import LEVELS, build_summaries

    llm = None if llm is ... else llm  # the reader writes only when asked (`summarize`); imports stay fast
    return build_summaries(store, timezone=engine_timezone(settings, store, wearer_id), wearer_id=wearer_id, llm=llm,
                           levels=tuple(levels or LEVELS), index=index, progress=progress)


def refresh_after_ingest(settings: Settings, store) -> str | None:
    """Refresh summaries after new clips; a failure is logged and returned, never raised (clips stay)."""
    try:
        n = refresh_summaries(settings, store)
    except Exception as exc:  # noqa: BLE001 - the clips are stored; summaries can be rebuilt with `summarize`
        log.exception("refreshing summaries failed")
        return f"summaries not refreshed ({exc}); run `egobutler summarize` to retry"
    log.info("refreshed %d summaries", n)
    return None
