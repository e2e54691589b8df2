"""`egobutler people list | enroll | rename | merge | split | forget | mark-not-person | suggestions | accept | reject`.

People are the voices the memory knows: named ones (enrolled or renamed), anonymous
voice clusters found during ingestion, the wearer ("me"), and sources that are not a
person (a TV, a radio). PERSON arguments take an id or a name.
"""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from egobutler.app.cli_common import HomeOption, JsonOption, print_json, settings_from
from egobutler.app.errors import AppError
from egobutler.app.services import open_store
from egobutler.memory_db.records import Person, content_id
from egobutler.memory_db.voice_store import MAX_EXEMPLARS, VoiceExemplar, add_exemplar, exemplar_id, exemplars

people_app = typer.Typer(help="List, name, merge and forget the people the memory has heard.", no_args_is_help=True)

MAX_ENROLL_S = 600.0  # an enrollment clip longer than 10 min is a mistake, not a voice sample


def _resolve(store, person: str, wearer_id: str | None = None) -> Person:
    found = store.get_person(person) or store.find_person(person, wearer_id=wearer_id)
    if found is None:
        raise AppError(f"no person {person!r}; see `egobutler people list`")
    return found


@people_app.command("list")
def list_people(
    wearer: str = typer.Option(None, "--wearer", help="Only this wearer's people."),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """List people with their kind and how many voice profiles each has."""
    store = open_store(settings_from(home), with_index=False)
    try:
        people = store.people(wearer_id=wearer)
        counts: dict[str, int] = {}
        for profile in store.voice_profiles():
            counts[profile.person_id] = counts.get(profile.person_id, 0) + 1
    finally:
        store.close()
    rows = [{**asdict(p), "display_name": p.display_name, "voice_profiles": counts.get(p.id, 0)} for p in people]
    if as_json:
        print_json(rows)
        return
    if not rows:
        Console().print("no people yet: ingest a recording or `egobutler people enroll NAME AUDIO`")
        return
    table = Table("id", "name", "kind", "wearer", "voices")
    for r in rows:
        table.add_row(r["id"], r["name"] or "(anonymous)", r["kind"], r["wearer_id"] or "", str(r["voice_profiles"]))
    Console().print(table)


@people_app.command("enroll")
def enroll(
    name_or_audio: str = typer.Argument(..., metavar="NAME", help="The person's name (with --me and no AUDIO: the audio file)."),
    audio: Path = typer.Argument(None, dir_okay=False, help="An audio/video file of only them speaking (5-60 s is best)."),
    me: bool = typer.Option(False, "--me", help="This is the wearer's own voice: recognised as 'me'."),
    start: float = typer.Option(None, "--start", min=0.0, help="Use the file from this second (a stretch of a recording)."),
    end: float = typer.Option(None, "--end", min=0.0, help="Use the file up to this second."),
    wearer: str = typer.Option(None, "--wearer", help="Whose memory (default: the configured default wearer)."),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Add a voice profile for NAME from AUDIO, so recordings name them.

    `people enroll --me FILE` enrols the wearer. A voice already heard as an anonymous
    person is merged into the enrolled one, so its past utterances are named too."""
    from egobutler.egogpt.voices import load_voice_encoder

    if audio is None and not me:
        raise AppError("give NAME and AUDIO (or `--me AUDIO` for your own voice)")
    name, audio = (name_or_audio, audio) if audio is not None else (None, Path(name_or_audio))
    settings = settings_from(home)
    wearer_id = wearer or settings.default_wearer
    encoder = load_voice_encoder()
    vector = encoder.embed(_enroll_audio(audio, start, end))
    encoder.close()
    store = open_store(settings, with_index=False)
    try:
        person = _enroll_person(store, name, wearer_id, me=me)
        add_exemplar(store, VoiceExemplar(exemplar_id(person.id, encoder.model_id, "enrolled:" + content_id(
            "v", tuple(round(float(x), 4) for x in vector))), person.id, encoder.model_id,
            tuple(float(x) for x in vector), "enrolled"), cap=MAX_EXEMPLARS * 4)
        merged = _merge_heard_voice(store, person, vector, encoder.model_id)
    finally:
        store.close()
    if as_json:
        print_json({**asdict(person), "voice_model_id": encoder.model_id, "merged": merged})
        return
    who = "your own voice ('me')" if me else name
    Console().print(f"enrolled {who} as {person.id} ({encoder.model_id}); recordings will recognise it"
                    + (f"; {', '.join(merged)} heard before is now {person.display_name}" if merged else ""))


def _enroll_audio(path: Path, start: float | None, end: float | None):
    from egobutler.egogpt.audio import SAMPLE_RATE, read_audio

    if not path.is_file():
        raise AppError(f"{path}: no such audio file")
    audio = read_audio(path, max_s=MAX_ENROLL_S if start is None and end is None else None)
    if start is not None or end is not None:
        first, last = int((start or 0.0) * SAMPLE_RATE), int((end if end is not None else len(audio) / SAMPLE_RATE) * SAMPLE_RATE)
        if last <= first or first >= len(audio):
            raise AppError(f"{path}: --start/--end select no audio (the file is {len(audio) / SAMPLE_RATE:.1f} s long)")
        audio = audio[first:last]
    if len(audio) > MAX_ENROLL_S * SAMPLE_RATE:
        raise AppError(f"{path}: {len(audio) / SAMPLE_RATE:.0f} s is too long to enrol; pick a stretch of one "
                       "voice with --start/--end")
    return audio


def _merge_heard_voice(store, person: Person, vector, model_id: str) -> list[str]:
    """Anonymous voices heard before that match the enrolled voice become ``person`` (past utterances too)."""
    import numpy as np

    from egobutler.egogpt.voices import match_voice

    others = {p.id: p for p in store.people(wearer_id=person.wearer_id) if p.id != person.id}
    known = [(x.person_id, np.asarray(x.vector)) for x in exemplars(store, model_id=model_id) if x.person_id in others]
    match = match_voice(np.asarray(vector), known)
    found = others.get(match.person_id or "")
    if found is None or found.name is not None or found.kind != "person":
        return []
    store.merge_people(person.id, found.id)
    return [found.id]


def _enroll_person(store, name: str | None, wearer_id: str, *, me: bool) -> Person:
    """The person to attach the new profile to: the wearer's 'me', an existing name, or a new person."""
    if me:
        current = store.find_person("me", wearer_id=wearer_id)
        person_id = current.id if current else "person-" + content_id("me", wearer_id)[:12]
        keep_name = name or (current.name if current else None)
        return store.upsert_person(Person(id=person_id, name=keep_name, kind="me", wearer_id=wearer_id))
    existing = store.find_person(name, wearer_id=wearer_id)
    if existing is not None and existing.kind != "me":
        return existing
    # Same id scheme as the UI's enrollment, so both paths find the same person.
    person_id = "person-" + content_id("enroll", wearer_id, name)[:12]
    return store.upsert_person(Person(id=person_id, name=name, wearer_id=wearer_id))


@people_app.command("rename")
def rename(
    person: str = typer.Argument(..., help="Person id or current name."),
    name: str = typer.Argument(..., help="The new name."),
    home: Path | None = HomeOption,
) -> None:
    """Give a person (often an anonymous voice) a name."""
    store = open_store(settings_from(home), with_index=False)
    try:
        found = _resolve(store, person)
        store.rename_person(found.id, name)
    finally:
        store.close()
    Console().print(f"{found.id} is now {name}")


@people_app.command("merge")
def merge(
    keep: str = typer.Argument(..., help="The person to keep (id or name)."),
    drop: str = typer.Argument(..., help="The person whose utterances and voices move to KEEP; then removed."),
    home: Path | None = HomeOption,
) -> None:
    """Merge two people who are the same voice."""
    store = open_store(settings_from(home), with_index=False)
    try:
        kept, dropped = _resolve(store, keep), _resolve(store, drop)
        store.merge_people(kept.id, dropped.id)
    finally:
        store.close()
    Console().print(f"merged {dropped.id} into {kept.id} ({kept.display_name})")


@people_app.command("forget")
def forget_person(
    person: str = typer.Argument(..., help="Person id or name."),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Forget a person: their voice profiles, everything they said, and its index entries."""
    store = open_store(settings_from(home))
    try:
        found = _resolve(store, person)
        report = store.forget(person_id=found.id)
    finally:
        store.close()
    if as_json:
        print_json({"person_id": found.id, **asdict(report)})
        return
    Console().print(f"forgot {found.display_name} ({found.id}): {report.lines} lines, {report.people} people")


@people_app.command("mark-not-person")
def mark_not_person(
    person: str = typer.Argument(..., help="Person id or name (e.g. the TV's anonymous voice)."),
    home: Path | None = HomeOption,
) -> None:
    """Mark a voice as not a person (a TV, a radio): kept, but never treated as someone you met."""
    store = open_store(settings_from(home), with_index=False)
    try:
        found = _resolve(store, person)
        store.set_person_kind(found.id, "not_person")
    finally:
        store.close()
    Console().print(f"{found.id} is marked as not a person")


@people_app.command("split")
def split(
    person: str = typer.Argument(..., help="The person (id or name) whose voice cluster holds someone else."),
    utterance: list[str] = typer.Option(..., "--utterance", "-u", help="Id of an utterance to move (repeat it; see `egobutler export`)."),
    name: str = typer.Option(None, "--name", help="Name of the new person (default: anonymous)."),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Move some utterances of PERSON to a new person (a cluster that mixed two voices)."""
    from egobutler.memory_db.voice_store import split_person

    store = open_store(settings_from(home), with_index=False)
    try:
        new = split_person(store, _resolve(store, person).id, utterance, name)
    finally:
        store.close()
    if as_json:
        print_json(asdict(new))
        return
    Console().print(f"moved {len(utterance)} utterances to {new.display_name} ({new.id})")


@people_app.command("suggestions")
def list_suggestions(
    all_: bool = typer.Option(False, "--all", help="Also the accepted and rejected ones."),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Names heard in conversation ("Thanks, Alice") and the voice that may be you, with the evidence."""
    from egobutler.memory_db.voice_store import suggestions

    store = open_store(settings_from(home), with_index=False)
    try:
        rows = suggestions(store, status=None if all_ else "open")
    finally:
        store.close()
    if as_json:
        print_json([asdict(r) for r in rows])
        return
    if not rows:
        Console().print("no suggestions")
        return
    table = Table("id", "person", "suggestion", "status", "evidence")
    for r in rows:
        what = "this voice is you (me)" if r.kind == "wearer" else f"name: {r.name}"
        table.add_row(r.id[:10], r.person_id, what, r.status, r.evidence)
    Console().print(table)


@people_app.command("accept")
def accept(suggestion: str = typer.Argument(..., help="Suggestion id (or its first characters)."),
           home: Path | None = HomeOption) -> None:
    """Apply a suggestion: rename the voice, or make it the wearer's own ("me")."""
    _decide(suggestion, home, accept=True)


@people_app.command("reject")
def reject(suggestion: str = typer.Argument(..., help="Suggestion id (or its first characters)."),
           home: Path | None = HomeOption) -> None:
    """Dismiss a suggestion; the voice keeps its name."""
    _decide(suggestion, home, accept=False)


def _decide(suggestion: str, home: Path | None, *, accept: bool) -> None:
    from egobutler.memory_db.voice_store import decide_suggestion

    store = open_store(settings_from(home), with_index=False)
    try:
        chosen = decide_suggestion(store, suggestion, accept=accept)
    finally:
        store.close()
    verb = "accepted" if accept else "rejected"
    what = "is you (me)" if chosen.kind == "wearer" else f"is {chosen.name}"
    Console().print(f"{verb}: {chosen.person_id} {what}")


def register(app: typer.Typer) -> None:
    """Add the ``people`` verb group to the root CLI."""
    app.add_typer(people_app, name="people")
