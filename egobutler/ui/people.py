"""The people screen: voice clusters and named people — rename, merge, split, kind, enroll."""

from __future__ import annotations

import html
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from egobutler.memory_db.errors import MemoryError_
from egobutler.memory_db.records import MemoryLine, Person
from egobutler.memory_db.voice_store import decide_suggestion, suggestions
from egobutler.memory_db.voice_store import split_person as split_voice
from egobutler.ui.cards import CARD_CSS, audio_html, media_file
from egobutler.ui.services import Loader, UiServices

log = logging.getLogger(__name__)

MAX_UTTERANCES = 60   # shown for one person; enough to pick the wrong ones for a split
MAX_SAMPLES = 3       # audio samples per person
KINDS = [("a person", "person"), ("me (the wearer)", "me"), ("not a person (TV, radio…)", "not_person")]
PEOPLE_HEADERS = ["id", "name", "kind", "wearer", "voice profiles"]


@dataclass(frozen=True)
class PersonDetail:
    person: Person
    utterances: tuple[MemoryLine, ...]
    voice_profiles: int


def people_rows(services: UiServices) -> list[list[str | int]]:
    """One row per person for the table: id, name, kind, wearer, number of voice profiles."""
    profiles: dict[str, int] = {}
    for profile in services.store.voice_profiles():
        profiles[profile.person_id] = profiles.get(profile.person_id, 0) + 1
    return [[p.id, p.name or "(unnamed)", p.kind, p.wearer_id or "", profiles.get(p.id, 0)]
            for p in services.store.people()]


def person_choices(services: UiServices) -> list[tuple[str, str]]:
    return [(f"{p.name or '(unnamed)'} · {p.id}", p.id) for p in services.store.people()]


def person_detail(services: UiServices, person_id: str, contains: str = "") -> PersonDetail | None:
    """A person with (up to `MAX_UTTERANCES`) of their utterances, optionally filtered by text."""
    person = services.store.get_person(person_id)
    if person is None:
        return None
    lines = services.store.lines(kinds=["utterance"], speaker_id=person_id)
    if contains.strip():
        needle = contains.strip().lower()
        lines = [line for line in lines if needle in line.text.lower()]
    return PersonDetail(person, tuple(lines[:MAX_UTTERANCES]),
                        len(services.store.voice_profiles(person_id=person_id)))


def split_person(services: UiServices, person_id: str, line_ids: Sequence[str], new_name: str) -> Person:
    """Move the chosen utterances of ``person_id`` to a new person (how a wrong cluster is split)."""
    return split_voice(services.store, person_id, line_ids, new_name)


def suggestion_choices(services: UiServices, person_id: str | None = None) -> list[tuple[str, str]]:
    """Open suggestions (optionally for one person) as dropdown choices, with their evidence."""
    return [(_suggestion_label(x), x.id) for x in suggestions(services.store, person_id=person_id)]


def _suggestion_label(x) -> str:
    what = "this voice is you (me)" if x.kind == "wearer" else f"name: {x.name}"
    evidence = x.evidence.splitlines()
    more = f" (+{len(evidence) - 1} more)" if len(evidence) > 1 else ""
    return f"{x.person_id} — {what} — because {evidence[0]}{more}"


def suggestions_md(services: UiServices, person_id: str | None) -> str:
    """The open suggestions for a person (all people when none is picked), every piece of evidence."""
    rows = suggestions(services.store, person_id=person_id or None)
    if not rows:
        return "_No suggestions._"
    lines = []
    for x in rows:
        what = "**this voice may be you**" if x.kind == "wearer" else f"may be **{_md(x.name)}**"
        lines.append(f"- `{_md(x.person_id)}` {what}:")
        lines += [f"    - {_md(ev)}" for ev in x.evidence.splitlines()]
    return "\n".join(lines)


def _language(line: MemoryLine) -> str:
    lang = (line.stats or {}).get("language")
    return f"[{lang}] " if lang else ""


def _samples_html(services: UiServices, lines: Sequence[MemoryLine]) -> str:
    """Players for a few utterances whose clip still has its video (the span is a media fragment)."""
    parts = []
    for line in lines:
        clip = services.store.get_clip(line.clip_id)
        media = media_file(services.media_dir, clip.video_path) if clip else None
        if clip is None or media is None:
            continue
        offset = clip.video_offset_s + (line.start - clip.start).total_seconds()
        end = offset + max(0.5, (line.end - line.start).total_seconds())
        label = html.escape(f"{services.clock.span(line.start, line.end)} — {_language(line)}{line.text}")
        parts.append(f'<div class="eb-sub">{label}</div>{audio_html(media, offset, end)}')
        if len(parts) >= MAX_SAMPLES:
            break
    return "".join(parts) or '<div class="eb-empty">No audio kept for this person (no clip video on disk).</div>'


def build_people(services: UiServices) -> Loader:
    """Lay out the people tab and wire its actions; each action reports one line and refreshes."""
    table = gr.Dataframe(headers=PEOPLE_HEADERS, value=people_rows(services), interactive=False,
                         label="People and voice clusters", elem_id="eb-people-table", wrap=True)
    with gr.Row(equal_height=False):
        with gr.Column(scale=2):
            person = gr.Dropdown(label="Person", choices=person_choices(services), allow_custom_value=True,
                                 elem_id="eb-person")
            contains = gr.Textbox(label="Show utterances containing", placeholder="(all)")
            utterances = gr.CheckboxGroup(label="Utterances (tick the ones that are someone else to split)",
                                          choices=[], elem_id="eb-utterances")
            samples = gr.HTML("", css_template=CARD_CSS, js_on_load=None)
        with gr.Column(scale=1):
            with gr.Group():
                name = gr.Textbox(label="Name", elem_id="eb-rename-text")
                rename = gr.Button("Rename", elem_id="eb-rename")
            with gr.Group():
                kind = gr.Radio(label="This voice is", choices=KINDS, value="person")
                set_kind = gr.Button("Set")
            with gr.Group():
                merge_into = gr.Dropdown(label="Merge this person into", choices=person_choices(services),
                                         allow_custom_value=True)
                merge = gr.Button("Merge")
            with gr.Group():
                split_name = gr.Textbox(label="Name of the new person (split)")
                split = gr.Button("Move ticked utterances to a new person")
            with gr.Group(visible=services.enroll is not None):
                enroll_audio = gr.Audio(label="Enroll a voice from a recording", type="filepath",
                                        sources=["upload"])
                enroll_name = gr.Textbox(label="Whose voice is it?")
                enroll = gr.Button("Enroll")
    with gr.Group():
        hints = gr.Markdown(suggestions_md(services, None), label="Suggestions", elem_id="eb-suggestions")
        with gr.Row():
            hint = gr.Dropdown(label="Suggestion (never applied until you accept it)",
                               choices=suggestion_choices(services), elem_id="eb-suggestion", scale=4)
            accept = gr.Button("Accept", elem_id="eb-accept", scale=1)
            reject = gr.Button("Reject", elem_id="eb-reject", scale=1)
    status = gr.Markdown("", elem_id="eb-people-status")

    def show(person_id: str | None, needle: str):
        detail = person_detail(services, person_id, needle or "") if person_id else None
        if detail is None:
            return gr.update(choices=[], value=[]), "", "", gr.skip()
        clock = services.clock
        choices = [(f"{clock.day_label(ln.start)} {clock.hms(ln.start)} — {_language(ln)}{ln.text}", ln.id)
                   for ln in detail.utterances]
        return (gr.update(choices=choices, value=[]), _samples_html(services, detail.utterances),
                detail.person.name or "", detail.person.kind)

    def refreshed(message: str, selected: str | None):
        choices = person_choices(services)
        return (people_rows(services), gr.update(choices=choices, value=selected), gr.update(choices=choices),
                message)

    def act(action, *args):
        try:
            message, selected = action(services, *args)
        except MemoryError_ as exc:
            return (gr.skip(), gr.skip(), gr.skip(), f"**Not done:** {_md(exc)}")
        return refreshed(message, selected)

    outputs = [table, person, merge_into, status]
    private = {"api_visibility": "private"}
    person.change(show, [person, contains], [utterances, samples, name, kind], **private)
    contains.submit(show, [person, contains], [utterances, samples, name, kind], **private)
    rename.click(lambda p, n: act(do_rename, p, n), [person, name], outputs,
                 api_name="rename_person", api_visibility="undocumented")
    set_kind.click(lambda p, k: act(do_kind, p, k), [person, kind], outputs, **private)
    merge.click(lambda p, k: act(do_merge, p, k), [person, merge_into], outputs, **private)
    split.click(lambda p, ids, n: act(do_split, p, ids, n), [person, utterances, split_name], outputs, **private)
    enroll.click(lambda a, w: act(do_enroll, a, w), [enroll_audio, enroll_name], outputs, **private)
    for button, verdict in ((accept, True), (reject, False)):
        button.click(lambda x, v=verdict: act(do_decide, x, v), [hint], outputs, **private)
    status.change(lambda p: _hints(services, p), [person], [hints, hint], **private)
    person.change(lambda p: _hints(services, p), [person], [hints, hint], **private)

    def reload():
        choices = person_choices(services)
        return people_rows(services), gr.update(choices=choices), gr.update(choices=choices)

    return Loader(reload, [], [table, person, merge_into])


def _hints(services: UiServices, person_id: str | None):
    return suggestions_md(services, person_id), gr.update(choices=suggestion_choices(services, person_id or None),
                                                          value=None)


# Actions: each returns (a one-line markdown message, the person to select afterwards).
def do_rename(services: UiServices, person_id: str, new_name: str) -> tuple[str, str | None]:
    if not person_id or not (new_name or "").strip():
        raise MemoryError_("pick a person and type a name")
    services.store.rename_person(person_id, new_name.strip())
    return f"Renamed {_md(person_id)} to **{_md(new_name.strip())}**.", person_id


def do_kind(services: UiServices, person_id: str, new_kind: str) -> tuple[str, str | None]:
    if not person_id:
        raise MemoryError_("pick a person first")
    services.store.set_person_kind(person_id, new_kind)
    return f"{_md(person_id)} is now marked as {_md(new_kind)}.", person_id


def do_merge(services: UiServices, drop_id: str, keep_id: str) -> tuple[str, str | None]:
    if not drop_id or not keep_id:
        raise MemoryError_("pick the person and who to merge them into")
    services.store.merge_people(keep_id, drop_id)
    return f"Merged {_md(drop_id)} into {_md(keep_id)}.", keep_id


def do_split(services: UiServices, person_id: str, line_ids: list[str] | None, new_name: str) -> tuple[str, str | None]:
    new = split_person(services, person_id, line_ids or [], new_name or "")
    return f"Moved {len(line_ids or [])} utterances to {_md(new.display_name)} ({_md(new.id)}).", new.id


def do_decide(services: UiServices, suggestion_id: str | None, accept: bool) -> tuple[str, str | None]:
    if not suggestion_id:
        raise MemoryError_("pick a suggestion first")
    chosen = decide_suggestion(services.store, suggestion_id, accept=accept)
    what = "is you (me)" if chosen.kind == "wearer" else f"is {chosen.name}"
    verb = "Accepted" if accept else "Rejected"
    return f"{verb}: {_md(chosen.person_id)} {_md(what)}.", chosen.person_id


def do_enroll(services: UiServices, audio: str | None, who: str) -> tuple[str, str | None]:
    if services.enroll is None or not audio or not (who or "").strip():
        raise MemoryError_("upload a recording of one voice and say whose it is")
    return _md(services.enroll(Path(audio), who.strip())), None


def _md(text: object) -> str:
    """Escape text shown inside a markdown message."""
    return html.escape(str(text), quote=False).replace("*", r"\*").replace("_", r"\_")
