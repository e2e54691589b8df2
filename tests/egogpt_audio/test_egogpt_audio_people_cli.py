"""`egobutler people …`: enroll voices, name, merge and forget people in a fresh data dir."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from egobutler.app.cli import app
from egobutler.app.errors import AppError
from egobutler.egogpt.errors import PerceptionError

runner = CliRunner()


def people(home) -> list[dict]:
    result = runner.invoke(app, ["people", "list", "--json", "--home", str(home)])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def invoke(*args):
    return runner.invoke(app, [*map(str, args)])


@pytest.mark.slow
def test_enroll_rename_merge_and_mark(egobutler_home, audio_dir):
    assert people(egobutler_home) == []
    out = invoke("people", "enroll", "Alice", audio_dir / "alice_1.flac", "--home", egobutler_home, "--json")
    assert out.exit_code == 0, out.output
    alice = json.loads(out.stdout)
    assert invoke("people", "enroll", "Alice", audio_dir / "alice_2.flac", "--home", egobutler_home).exit_code == 0
    assert invoke("people", "enroll", "Bob", audio_dir / "bob_1.flac", "--me", "--home", egobutler_home).exit_code == 0
    listed = {p["name"]: p for p in people(egobutler_home)}
    assert listed["Alice"]["voice_profiles"] == 2 and listed["Alice"]["id"] == alice["id"]
    assert listed["Bob"]["kind"] == "me" and listed["Bob"]["display_name"] == "me"

    assert invoke("people", "rename", "Alice", "Alice Smith", "--home", egobutler_home).exit_code == 0
    assert invoke("people", "enroll", "Carol", audio_dir / "carol_1.flac", "--home", egobutler_home).exit_code == 0
    assert invoke("people", "merge", "Alice Smith", "Carol", "--home", egobutler_home).exit_code == 0
    listed = {p["name"]: p for p in people(egobutler_home)}
    assert set(listed) == {"Alice Smith", "Bob"} and listed["Alice Smith"]["voice_profiles"] == 3

    assert invoke("people", "mark-not-person", alice["id"], "--home", egobutler_home).exit_code == 0
    assert {p["id"]: p["kind"] for p in people(egobutler_home)}[alice["id"]] == "not_person"


@pytest.mark.slow
def test_enrolled_profile_is_the_voice_the_hearing_stage_matches(egobutler_home, audio_dir, voice_encoder, speech):
    from egobutler.app.services import open_store
    from egobutler.app.settings import load_settings
    from egobutler.egogpt.voices import match_voice

    assert invoke("people", "enroll", "Alice", audio_dir / "alice_1.flac", "--home", egobutler_home).exit_code == 0
    store = open_store(load_settings(home=egobutler_home), with_index=False)
    try:
        known = [(p.person_id, np.asarray(p.vector)) for p in store.voice_profiles(model_id=voice_encoder.model_id)]
        alice = store.find_person("Alice")
    finally:
        store.close()
    assert match_voice(voice_encoder.embed(speech("alice_2")), known).person_id == alice.id


@pytest.mark.slow
def test_forget_removes_the_person(egobutler_home, audio_dir):
    assert invoke("people", "enroll", "Bob", audio_dir / "bob_1.flac", "--home", egobutler_home).exit_code == 0
    out = invoke("people", "forget", "Bob", "--home", egobutler_home, "--json")
    assert out.exit_code == 0, out.output
    assert json.loads(out.stdout)["people"] == 1
    assert people(egobutler_home) == []


def test_unknown_people_and_bad_audio_are_clear_errors(egobutler_home, tmp_path):
    out = invoke("people", "rename", "nobody", "X", "--home", egobutler_home)
    assert isinstance(out.exception, AppError) and "people list" in str(out.exception)
    silent = tmp_path / "silence.wav"
    import soundfile as sf

    sf.write(silent, np.zeros(16000 * 3, np.float32), 16000)
    out = invoke("people", "enroll", "Dan", silent, "--home", egobutler_home)
    assert isinstance(out.exception, PerceptionError) and "speaking" in str(out.exception)
    assert people(egobutler_home) == []


def test_every_people_verb_has_help():
    for verb in ("list", "enroll", "rename", "merge", "split", "forget", "mark-not-person", "suggestions", "accept",
                 "reject"):
        out = invoke("people", verb, "--help")
        assert out.exit_code == 0 and "Usage" in out.output


def test_enrolling_me_needs_audio_and_a_stretch_must_hold_audio(egobutler_home, audio_dir):
    out = invoke("people", "enroll", "Alice", "--home", egobutler_home)
    assert out.exit_code != 0 and "--me" in str(out.exception)
    out = invoke("people", "enroll", "--me", audio_dir / "bob_1.flac", "--start", "30", "--home", egobutler_home)
    assert out.exit_code != 0 and "select no audio" in str(out.exception)


def test_suggestions_are_listed_and_accepted_from_the_cli(egobutler_home):
    from egobutler.app.services import open_store
    from egobutler.app.settings import load_settings
    from egobutler.memory_db.records import Person
    from egobutler.memory_db.voice_store import NameSuggestion, add_suggestion, suggestion_id

    store = open_store(load_settings(home=egobutler_home), with_index=False)
    try:
        store.upsert_person(Person(id="anon-abc", wearer_id="me"))
        add_suggestion(store, NameSuggestion(suggestion_id("anon-abc", "name", "Alice"), "anon-abc", "Alice",
                                             "2025-01-03 09:00:04 “Thanks, Alice.”", wearer_id="me"))
    finally:
        store.close()
    out = invoke("people", "suggestions", "--json", "--home", egobutler_home)
    [row] = json.loads(out.stdout)
    assert row["name"] == "Alice" and "Thanks, Alice." in row["evidence"]
    assert {p["id"]: p["name"] for p in people(egobutler_home)}["anon-abc"] is None  # offered, not applied
    assert invoke("people", "accept", row["id"][:8], "--home", egobutler_home).exit_code == 0
    assert {p["id"]: p["name"] for p in people(egobutler_home)}["anon-abc"] == "Alice"
