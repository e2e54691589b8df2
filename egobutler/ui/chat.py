"""The chat screen: streaming answers, the search step as a collapsible message, evidence cards,
a player that seeks to the clicked moment, filters, and the avatar beside the answer."""

from __future__ import annotations

import html
import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

import gradio as gr

from egobutler.egorag.errors import EgoRagError
from egobutler.egorag.records import Done, Evidence, Question, Searching, SearchTrace, Token
from egobutler.memory_db.errors import MemoryError_
from egobutler.ui.avatar import build_avatar_panel, show_avatar
from egobutler.ui.cards import CARD_CLICK_JS, CARD_CSS, cards_html, evidence_card, media_file, player_html
from egobutler.ui.services import UiServices
from egobutler.ui.timefmt import Clock, TimeInputError

log = logging.getLogger(__name__)

SEARCH_TITLE = "Searched memory"
ENGINE_CONCURRENCY = "egobutler-engine"  # one answer at a time: the LLM is not re-entrant


@dataclass(frozen=True)
class Filters:
    """The filters beside the chat, as typed by the user."""

    start: str = ""
    end: str = ""
    people: tuple[str, ...] = ()
    wearer: str = ""
    as_of: str = ""


@dataclass
class ChatControls:
    """The chat's components other screens write into (timeline: "ask about this clip")."""

    textbox: gr.Textbox
    start: gr.Textbox
    end: gr.Textbox
    people: gr.Dropdown
    wearer: gr.Dropdown
    filters: gr.Accordion


def build_question(services: UiServices, text: str, filters: Filters,
                   history: Sequence[tuple[str, str]] = ()) -> Question:
    """A `Question` from the chat box and filters; raises `TimeInputError` on an unreadable date."""
    clock = services.clock
    query_time = clock.parse(filters.as_of) or services.now()
    return Question(
        text=text.strip(),
        query_time=query_time,
        wearer_id=filters.wearer or None,
        people=tuple(p for p in filters.people if p),
        start=clock.parse(filters.start),
        end=clock.parse(filters.end, end_of_day=True),
        history=tuple((role, content) for role, content in history),
    )


def trace_markdown(trace: SearchTrace, clock: Clock, evidence_count: int) -> str:
    """What was searched, in which window, how many candidates, for the collapsible message."""
    start, end = trace.window
    window = f"{clock.day_label(start)} {clock.hms(start)}" if start else "the beginning"
    window += f" → {clock.day_label(end)} {clock.hms(end)}"
    queries = "\n".join(f"- `{_plain(q).replace('`', '')}`" for q in trace.queries) or "- (none)"
    return (
        f"{_plain(trace.description)}\n\n**Queries**\n{queries}\n\n**Window** {window}  \n"
        f"**Candidates** {trace.candidates} · **kept** {evidence_count} · **took** {trace.elapsed_s:.2f} s"
    )


def _plain(text: str) -> str:
    """Memory text shown in the (markdown) chat as text: HTML-escaped, never rendered as HTML."""
    return html.escape(text, quote=False)


def stream_reply(services: UiServices, question: Question) -> Iterator[tuple[str, Any]]:
    """Engine events as ("search", (trace, evidence)) / ("text", partial) / ("done", Answer) steps."""
    partial = ""
    for event in services.engine.ask_stream(question):
        if isinstance(event, Searching):
            yield "search", (event.trace, event.evidence)
        elif isinstance(event, Token):
            partial += event.text
            yield "text", partial
        elif isinstance(event, Done):
            yield "done", event.answer


def _respond(services: UiServices, message: str, messages: list[dict], turns: list[list[str]],
             filters: Filters) -> Iterator[tuple]:
    """The chat turn as UI states: (messages, turns, evidence) after each engine event."""
    messages = list(messages) + [{"role": "user", "content": _plain(message)}]
    history = [(role, text) for role, text in turns]
    turns = list(turns) + [["user", message]]
    try:
        question = build_question(services, message, filters, history)
    except TimeInputError as exc:
        yield messages + [{"role": "assistant", "content": f"**Not done:** {_plain(str(exc))}"}], turns, []
        return
    yield messages + [_thought("searching…", "pending")], turns, []
    evidence: list[Evidence] = []
    try:
        for step, payload in stream_reply(services, question):
            if step == "search":
                trace, found = payload
                evidence = list(found)
                messages.append(_thought(trace_markdown(trace, services.clock, len(evidence)), "done",
                                         trace.elapsed_s))
                yield messages, turns, evidence
            elif step == "text":
                yield messages + [{"role": "assistant", "content": _plain(payload)}], turns, evidence
            else:
                evidence = list(payload.evidence) or evidence
                messages.append({"role": "assistant", "content": _plain(payload.text)})
                turns.append(["assistant", payload.text])
                yield messages, turns, evidence
    except (EgoRagError, MemoryError_) as exc:
        log.warning("answering failed: %s", exc)
        messages.append({"role": "assistant", "content": f"**Not done:** {_plain(str(exc))}"})
        yield messages, turns, evidence


def _thought(content: str, status: str, duration: float | None = None) -> dict:
    metadata: dict[str, Any] = {"title": SEARCH_TITLE if status == "done" else "Searching memory…",
                                "status": status}
    if duration is not None:
        metadata["duration"] = round(duration, 3)
    return {"role": "assistant", "content": content, "metadata": metadata}


def play_evidence(services: UiServices, evidence: Sequence[Evidence], index: int | None) -> str:
    """The player for the clicked card: the clip's video from its moment to its end."""
    if index is None or not 0 <= index < len(evidence):
        return player_html(None, 0, 0, "Click a card to play that moment")
    item = evidence[index]
    video = media_file(services.media_dir, item.video_path)
    span = services.clock.span(item.start, item.end)
    duration_s = (item.end - item.start).total_seconds()
    return player_html(video, item.video_offset_s, item.video_offset_s + duration_s, f"{item.wearer_id} · {span}")


def _render_cards(services: UiServices, evidence: Sequence[Evidence]) -> str:
    # Numbered as the answer cites them: [n] in a reply is the n-th card.
    cards = [replace(card, title=f"[{n}] {card.title}")
             for n, card in enumerate((evidence_card(item, services.clock, services.media_dir) for item in evidence), 1)]
    return cards_html(cards, empty="Evidence for the answer shows here: click a card to play the moment.")


def build_chat(services: UiServices) -> ChatControls:
    """Lay out the chat tab (call inside a ``gr.Tab``) and wire its events."""
    messages = gr.State([])
    turns = gr.State([])
    evidence = gr.State([])
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            chatbot = gr.Chatbot(label="egobutler", height=520, elem_id="eb-chatbot", buttons=["copy"],
                                 feedback_options=None, allow_tags=False, sanitize_html=True,
                                 placeholder="Ask about your day: *where did I leave the screwdriver?*")
            with gr.Row():
                textbox = gr.Textbox(placeholder="Ask about your life log…", show_label=False, scale=5,
                                     elem_id="eb-question", submit_btn=True)
                clear = gr.Button("New chat", scale=1, variant="secondary", elem_id="eb-clear")
            with gr.Accordion("Filters", open=False, elem_id="eb-filters") as filters_box:
                placeholder = "YYYY-MM-DD [HH:MM]" + (" or DAYn [HH:MM]" if services.clock.day1 else "")
                with gr.Row():
                    start = gr.Textbox(label="From", placeholder=placeholder, elem_id="eb-from")
                    end = gr.Textbox(label="To (a date includes that whole day)", placeholder=placeholder,
                                     elem_id="eb-to")
                    as_of = gr.Textbox(label="Ask as of (default: now)", placeholder=placeholder, elem_id="eb-asof")
                with gr.Row():
                    people = gr.Dropdown(label="People", multiselect=True, allow_custom_value=True, choices=[],
                                         elem_id="eb-people-filter")
                    wearer = gr.Dropdown(label="Wearer", choices=[("everyone", "")], value="", elem_id="eb-wearer")
        with gr.Column(scale=2):
            with gr.Row(equal_height=False):
                with gr.Column(visible=services.avatar is not None, min_width=200, scale=1):
                    avatar = build_avatar_panel(services)
                player = gr.HTML(player_html(None, 0, 0, "Click a card to play that moment"),
                                 css_template=CARD_CSS, js_on_load=None, elem_id="eb-player", min_width=240)
            cards = gr.HTML(_render_cards(services, []), js_on_load=CARD_CLICK_JS, css_template=CARD_CSS,
                            elem_id="eb-evidence", label="Evidence", max_height=560)

    def respond(message: str, msgs: list, trn: list, f_start: str, f_end: str, f_people: list | None,
                f_wearer: str | None, f_as_of: str):
        if not message or not message.strip():
            yield gr.skip(), msgs, trn, gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        filters = Filters(f_start or "", f_end or "", tuple(f_people or ()), f_wearer or "", f_as_of or "")
        for new_msgs, new_turns, found in _respond(services, message, msgs, trn, filters):
            yield new_msgs, new_msgs, new_turns, "", _render_cards(services, found), found, gr.skip()

    def on_card(found: list, evt: gr.EventData):
        return play_evidence(services, found, _event_index(evt))

    def reset():
        return [], [], [], _render_cards(services, []), player_html(None, 0, 0, "Click a card to play that moment")

    inputs = [textbox, messages, turns, start, end, people, wearer, as_of]
    outputs = [chatbot, messages, turns, textbox, cards, evidence, player]
    submitted = textbox.submit(respond, inputs, outputs, api_visibility="private",
                               concurrency_id=ENGINE_CONCURRENCY, concurrency_limit=1)
    if services.avatar is not None:
        submitted.then(lambda trn: show_avatar(services, trn), [turns], [avatar],
                       api_visibility="private")
    cards.click(on_card, [evidence], [player], api_visibility="private")
    clear.click(reset, None, [chatbot, messages, turns, cards, player], api_visibility="private")
    return ChatControls(textbox=textbox, start=start, end=end, people=people, wearer=wearer, filters=filters_box)


def _event_index(evt: gr.EventData) -> int | None:
    data = getattr(evt, "_data", None) or {}
    try:
        return int(data.get("index")) if isinstance(data, dict) and data.get("index") is not None else None
    except (TypeError, ValueError):
        return None


def filter_choices(services: UiServices) -> tuple[list[str], list[tuple[str, str]]]:
    """Choices for the people and wearer filters, read from the memory now."""
    people = sorted({p.display_name for p in services.store.people() if p.kind != "not_person"})
    wearers = [("everyone", "")] + [(f"{w.name} ({w.id})", w.id) for w in services.store.wearers()]
    return people, wearers


def refresh_filters(services: UiServices):
    people, wearers = filter_choices(services)
    return gr.update(choices=people), gr.update(choices=wearers)


def window_prefill(services: UiServices, start: datetime, end: datetime) -> tuple[str, str, str]:
    """Chat box text and From/To filters for asking about one window of time."""
    clock = services.clock
    fmt = "%Y-%m-%d %H:%M:%S"
    question = f"What happened between {clock.hms(start)} and {clock.hms(end)} on {clock.day_label(start)}?"
    return question, clock.local(start).strftime(fmt), clock.local(end).strftime(fmt)
