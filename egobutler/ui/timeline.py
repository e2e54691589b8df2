"""The timeline screen: days → hours → clips, with summaries, and "ask about this clip"."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

import gradio as gr

from egobutler.memory_db.records import Clip, MemoryLine, Summary
from egobutler.ui.cards import CARD_CLICK_JS, CARD_CSS, Card, CardLine, cards_html, media_file, media_url, player_html
from egobutler.ui.chat import ChatControls, window_prefill
from egobutler.ui.services import Loader, UiServices

MAX_CARD_LINES = 4


@dataclass(frozen=True)
class DayEntry:
    day: date
    label: str
    clips: int


@dataclass(frozen=True)
class HourView:
    """One hour of one day: its summary and its clips with their lines."""

    hour: int
    summary: str
    clips: tuple[Clip, ...]
    lines: dict[str, tuple[MemoryLine, ...]]


def list_days(services: UiServices, wearer_id: str | None = None) -> list[DayEntry]:
    """The days that hold clips (in the display zone), oldest first, with clip counts."""
    clock = services.clock
    counts = Counter(clock.local(clip.start).date() for clip in services.store.clips(wearer_id=wearer_id))
    return [DayEntry(day, clock.day_label(clock.day_start(day)), n) for day, n in sorted(counts.items())]


def day_overview(services: UiServices, day: date, wearer_id: str | None = None) -> tuple[str, list[tuple[int, int]]]:
    """The day's summary text and (hour, clip count) for each hour that has clips."""
    start = services.clock.day_start(day)
    end = start + timedelta(days=1)
    summary = _summary_text(services.store.summaries(level="day", wearer_id=wearer_id, start=start, end=end))
    hours = Counter(services.clock.local(c.start).hour
                    for c in services.store.clips(wearer_id=wearer_id, start=start, end=end))
    return summary, sorted(hours.items())


def hour_view(services: UiServices, day: date, hour: int, wearer_id: str | None = None) -> HourView:
    """Clips, lines and the hour summary of one hour of ``day``."""
    start = services.clock.day_start(day) + timedelta(hours=hour)
    end = start + timedelta(hours=1)
    store = services.store
    clips = tuple(store.clips(wearer_id=wearer_id, start=start, end=end))
    by_clip: dict[str, list[MemoryLine]] = {c.id: [] for c in clips}
    if clips:
        for line in store.lines(clip_ids=[c.id for c in clips]):
            by_clip.setdefault(line.clip_id, []).append(line)
    summary = _summary_text(store.summaries(level="hour", wearer_id=wearer_id, start=start, end=end))
    return HourView(hour, summary, clips, {k: tuple(v) for k, v in by_clip.items()})


def _summary_text(summaries: Sequence[Summary]) -> str:
    return "\n\n".join(f"[{s.wearer_id}] {s.text}" for s in summaries) or "(no summary yet)"


def clip_cards(services: UiServices, view: HourView) -> list[Card]:
    """One card per clip of the hour, with its first lines and its thumbnail."""
    names = services.store.speaker_names()
    clock = services.clock
    cards = []
    for clip in view.clips:
        lines = view.lines.get(clip.id, ())
        shown = tuple(
            CardLine(clock.hms(ln.start), ln.kind, ln.text, names.get(ln.speaker_id, ln.speaker_id) if ln.speaker_id else None)
            for ln in lines[:MAX_CARD_LINES]
        )
        more = f" · {len(lines) - MAX_CARD_LINES} more lines" if len(lines) > MAX_CARD_LINES else ""
        thumb = media_file(services.media_dir, clip.thumbnail_path)
        cards.append(Card(clock.span(clip.start, clip.end), f"wearer {clip.wearer_id}{more}", shown,
                          media_url(thumb) if thumb else None))
    return cards


def build_timeline(services: UiServices, chat: ChatControls, tabs: gr.Tabs, chat_tab_id: str = "chat") -> Loader:
    """Lay out the timeline tab and wire it; "Ask about this clip" prefills the chat and switches to it."""
    clips_state = gr.State([])
    selected = gr.State(None)
    with gr.Row():
        wearer = gr.Dropdown(label="Wearer", choices=[("everyone", "")], value="", scale=1)
        day = gr.Dropdown(label="Day", choices=[], scale=2, elem_id="eb-day")
        refresh = gr.Button("Refresh", scale=0)
    hour = gr.Radio(label="Hour", choices=[], elem_id="eb-hour")
    with gr.Row():
        day_summary = gr.Textbox(label="Day summary", interactive=False, lines=2, max_lines=8)
        hour_summary = gr.Textbox(label="Hour summary", interactive=False, lines=2, max_lines=8)
    with gr.Row(equal_height=False):
        with gr.Column(scale=3):
            cards = gr.HTML(cards_html([], empty="Pick a day and an hour."), js_on_load=CARD_CLICK_JS,
                            css_template=CARD_CSS, elem_id="eb-timeline-clips", max_height=640)
        with gr.Column(scale=2):
            player = gr.HTML(player_html(None, 0, 0, "Click a clip"), css_template=CARD_CSS, js_on_load=None)
            ask = gr.Button("Ask about this clip", variant="primary", interactive=False, elem_id="eb-ask-clip")
            clip_text = gr.Textbox(label="Everything remembered about this clip", interactive=False, lines=6)

    def load_days(wearer_id: str | None):
        entries = list_days(services, wearer_id or None)
        choices = [(f"{e.label} · {e.clips} clips", e.day.isoformat()) for e in entries]
        return gr.update(choices=choices, value=choices[-1][1] if choices else None)

    def load_all():
        wearers = [("everyone", "")] + [(f"{w.name} ({w.id})", w.id) for w in services.store.wearers()]
        return load_days(None), gr.update(choices=wearers)

    def pick_day(day_iso: str | None, wearer_id: str | None):
        if not day_iso:
            return "", gr.update(choices=[], value=None)
        summary, hours = day_overview(services, date.fromisoformat(day_iso), wearer_id or None)
        return summary, gr.update(choices=[(f"{h:02d}:00 · {n} clips", h) for h, n in hours], value=None)

    def pick_hour(day_iso: str | None, hour_value: int | None, wearer_id: str | None):
        if not day_iso or hour_value is None:
            return "", cards_html([], empty="Pick an hour."), []
        view = hour_view(services, date.fromisoformat(day_iso), int(hour_value), wearer_id or None)
        return view.summary, cards_html(clip_cards(services, view), empty="No clips."), list(view.clips)

    def pick_clip(clips: list[Clip], evt: gr.EventData):
        index = (getattr(evt, "_data", None) or {}).get("index")
        if index is None or not 0 <= int(index) < len(clips):
            return gr.skip(), gr.skip(), None, gr.update(interactive=False)
        clip = clips[int(index)]
        video = media_file(services.media_dir, clip.video_path)
        caption = f"{clip.wearer_id} · {services.clock.span(clip.start, clip.end)}"
        html = player_html(video, clip.video_offset_s, clip.video_offset_s + clip.duration_s, caption)
        return html, services.store.clip_text(clip.id), clip, gr.update(interactive=True)

    def ask_about(clip: Clip | None):
        if clip is None:
            return (gr.skip(),) * 6
        question, start, end = window_prefill(services, clip.start, clip.end)
        return question, start, end, clip.wearer_id, gr.Accordion(open=True), gr.Tabs(selected=chat_tab_id)

    private = {"api_visibility": "private"}
    refresh.click(load_days, [wearer], [day], **private)
    wearer.change(load_days, [wearer], [day], **private)
    day.change(pick_day, [day, wearer], [day_summary, hour], **private)
    hour.change(pick_hour, [day, hour, wearer], [hour_summary, cards, clips_state], **private)
    cards.click(pick_clip, [clips_state], [player, clip_text, selected, ask], **private)
    ask.click(ask_about, [selected], [chat.textbox, chat.start, chat.end, chat.wearer, chat.filters, tabs], **private)
    return Loader(load_all, [], [day, wearer])
