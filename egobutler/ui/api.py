"""Named API endpoints (``ask``, ``search``, ``timeline``, ``people``) for scripts and MCP clients.

They are plain typed functions registered with ``gr.api``: the Gradio client calls them by
name, and ``egobutler serve --mcp`` exposes the same four as MCP tools. They return JSON
(times as ISO-8601 with offset).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

import gradio as gr

from egobutler.egorag.errors import EgoRagError
from egobutler.egorag.records import Evidence
from egobutler.memory_db.errors import MemoryError_
from egobutler.ui.cards import media_file
from egobutler.ui.chat import ENGINE_CONCURRENCY, Filters, build_question
from egobutler.ui.services import UiServices
from egobutler.ui.timefmt import TimeInputError
from egobutler.ui.timeline import day_overview, hour_view, list_days

F = TypeVar("F", bound=Callable[..., Any])


def user_errors(fn: F) -> F:
    """Errors the caller can fix reach them as a message (Gradio hides other errors' text)."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (TimeInputError, EgoRagError, MemoryError_) as exc:
            raise gr.Error(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def evidence_json(services: UiServices, item: Evidence) -> dict[str, Any]:
    video = media_file(services.media_dir, item.video_path)
    return {
        "clip_id": item.clip_id,
        "wearer_id": item.wearer_id,
        "start": item.start.isoformat(),
        "end": item.end.isoformat(),
        "score": round(float(item.score), 4),
        "lines": [{"start": ln.start.isoformat(), "kind": ln.kind, "speaker": ln.speaker, "text": ln.text}
                  for ln in item.lines],
        "has_thumbnail": media_file(services.media_dir, item.thumbnail_path) is not None,
        "has_video": video is not None,
        "video_offset_s": item.video_offset_s,
    }


def register_api(services: UiServices) -> None:
    """Add the four named endpoints to the Blocks being built."""

    def ask(question: str, start: str = "", end: str = "", people: list[str] | None = None,
            wearer: str = "", as_of: str = "") -> dict:
        """Ask a question about the life log; returns the answer, its evidence and how it was searched.

        Args:
            question: the question, e.g. "Who used the screwdriver first?"
            start: only memories from this time on (YYYY-MM-DD [HH:MM], or DAYn [HH:MM])
            end: only memories before this time (a bare date includes that whole day)
            people: only moments with these people (names)
            wearer: only this wearer's memories (wearer id)
            as_of: the moment the question is asked (default: now); nothing later is used
        """
        filters = Filters(start, end, tuple(people or ()), wearer, as_of)
        answer = services.engine.ask(build_question(services, question, filters))
        return {
            "answer": answer.text,
            "choice": answer.choice,
            "model_id": answer.model_id,
            "evidence": [evidence_json(services, e) for e in answer.evidence],
            "trace": {"queries": list(answer.trace.queries), "description": answer.trace.description,
                      "candidates": answer.trace.candidates, "elapsed_s": answer.trace.elapsed_s},
        }

    def search(query: str, start: str = "", end: str = "", people: list[str] | None = None,
               wearer: str = "", as_of: str = "", k: int = 10) -> list[dict]:
        """Search the life log for moments matching a query (no answer, just evidence, best first).

        Args:
            query: what to look for, e.g. "screwdriver"
            start: only memories from this time on (YYYY-MM-DD [HH:MM], or DAYn [HH:MM])
            end: only memories before this time (a bare date includes that whole day)
            people: only moments with these people (names)
            wearer: only this wearer's memories (wearer id)
            as_of: the moment of the search (default: now); nothing later is returned
            k: how many moments at most
        """
        q = build_question(services, query, Filters(start, end, tuple(people or ()), wearer, as_of))
        found = services.engine.search(q.text, query_time=q.query_time, wearer_id=q.wearer_id,
                                       people=q.people, start=q.start, end=q.end, k=max(1, min(int(k), 50)))
        return [evidence_json(services, e) for e in found]

    def timeline(day: str = "", hour: int = -1, wearer: str = "") -> dict:
        """Browse the life log: with no day, the days recorded; with a day, its summary and hours;
        with a day and an hour, that hour's clips and what is remembered of each.

        Args:
            day: a date, YYYY-MM-DD (empty: list the days)
            hour: an hour of that day, 0-23 (-1: list the hours)
            wearer: only this wearer (wearer id; empty: everyone)
        """
        wearer_id = wearer or None
        if not day:
            return {"days": [{"day": e.day.isoformat(), "label": e.label, "clips": e.clips}
                             for e in list_days(services, wearer_id)]}
        the_day = date.fromisoformat(day)
        if hour < 0:
            summary, hours = day_overview(services, the_day, wearer_id)
            return {"day": day, "summary": summary, "hours": [{"hour": h, "clips": n} for h, n in hours]}
        view = hour_view(services, the_day, int(hour), wearer_id)
        texts = services.store.clip_texts([c.id for c in view.clips]) if view.clips else {}
        return {"day": day, "hour": hour, "summary": view.summary,
                "clips": [{"clip_id": c.id, "wearer_id": c.wearer_id, "start": c.start.isoformat(),
                           "end": c.end.isoformat(), "text": texts.get(c.id, "")} for c in view.clips]}

    def people() -> list[dict]:
        """The people and voice clusters in the memory (id, name, kind, wearer)."""
        return [{"id": p.id, "name": p.name, "kind": p.kind, "wearer_id": p.wearer_id, "display_name": p.display_name}
                for p in services.store.people()]

    engine_limits = {"concurrency_id": ENGINE_CONCURRENCY, "concurrency_limit": 1}
    gr.api(user_errors(ask), api_name="ask", **engine_limits)
    gr.api(user_errors(search), api_name="search", **engine_limits)
    gr.api(user_errors(timeline), api_name="timeline")
    gr.api(user_errors(people), api_name="people")
