"""`egobutler people list | enroll | rename | merge | forget | mark-not-person`.

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
from egobutler.memory_db.records import Person, VoiceProfile, content_id

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
    name: str = typer.Argument(..., help="The person's name (an existing person of that name gets another profile)."),
    audio: Path = typer.Argument(..., exists=True, dir_okay=False, help="An audio/video file of only them speaking (5-60 s is best)."),
    me: bool = typer.Option(False, "--me", help="This is the wearer's own voice: recognised as 'me'."),
    wearer: str = typer.Option(None, "--wearer", help="Whose memory (default: the configured default wearer)."),
    home: Path | None = HomeOption,
    as_json: bool = JsonOption,
) -> None:
    """Add a voice profile for NAME from AUDIO, so new recordings name them."""
    from egobutler.egogpt.audio import read_audio
    from egobutler.egogpt.voices import load_voice_encoder

    settings = settings_from(home)
    wearer_id = wearer or settings.default_wearer
    encoder = load_voice_encoder()
    vector = encoder.embed(read_audio(audio, max_s=MAX_ENROLL_S))
    encoder.close()
    store = open_store(settings, with_index=False)
    try:
        person = _enroll_person(store, name, wearer_id, me=me)
        store.add_voice_profile(VoiceProfile(person.id, tuple(float(x) for x in vector), encoder.model_id))
    finally:
        store.close()
    if as_json:
        print_json({**asdict(person), "voice_model_id": encoder.model_id})
        return
    who = "your own voice ('me')" if me else name
    Console().print(f"enrolled {who} as {person.id} ({encoder.model_id}); new recordings will recognise it")


def _enroll_person(store, name: str, wearer_id: str, *, me: bool) -> Person:
    """The person to attach the new profile to: the wearer's 'me', an existing name, or a new person."""
    if me:
        current = store.find_person("me", wearer_id=wearer_id)
        person_id = current.id if current else "person-" + content_id("me", wearer_id)[:12]
        return store.upsert_person(Person(id=person_id, name=name, kind="me", wearer_id=wearer_id))
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


def register(app: typer.Typer) -> None:
    """Add the ``people`` verb group to the root CLI."""
    app.add_typer(people_app, name="people")
