"""Suggestions, never silent renames: names heard in address ("Thanks, Alice") and the voice that may be you."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from egobutler.egogpt.addressing import addressed_names, names_in
from egobutler.egogpt.records import Utterance
from egobutler.ingest.recording_voices import suggest_names, suggest_wearer
from egobutler.memory_db.errors import MemoryError_
from egobutler.memory_db.records import Person
from egobutler.memory_db.voice_store import VoiceExemplar, add_exemplar, decide_suggestion, exemplar_id, suggestions

T0 = datetime(2025, 1, 3, 9, 0, tzinfo=timezone.utc)


@pytest.fixture
def store(tmp_path):
    from egobutler.memory_db.store import MemoryStore

    s = MemoryStore.open(f"sqlite:///{tmp_path / 'memory.db'}", tmp_path / "media")
    for pid in ("me-voice", "anon-a", "anon-b"):
        s.upsert_person(Person(id=pid, wearer_id="w"))
    yield s
    s.close()


@pytest.mark.parametrize(("text", "names"), [
    ("Thanks, Alice.", ["Alice"]), ("Hi Bob, how are you?", ["Bob"]), ("Alice, could you pass the salt?", ["Alice"]),
    ("Where did you put it, Carol?", ["Carol"]), ("Hey, we're on the table.", []), ("Thank you so much.", []),
    ("I saw Alice yesterday.", []), ("Okay Google", []), ("Good idea, I will pick one up.", []),
])
def test_names_are_found_only_where_someone_is_addressed(text, names):
    assert names_in(text) == names


def test_the_addressed_voice_is_the_one_who_answers_or_else_the_one_before():
    utts = [Utterance(0, 2, "Did you water the plants?", "m", speaker="anon-a"),
            Utterance(3, 4, "Yes, this morning. Thanks, Alice.", "m", speaker="anon-b"),
            Utterance(5, 6, "You're welcome.", "m", speaker="anon-a"),
            Utterance(7, 8, "See you, Bob.", "m", speaker="anon-a")]
    found = [(a.name, a.addressed, a.said_by) for a in addressed_names(utts)]
    assert found == [("Alice", "anon-a", "anon-b"), ("Bob", "anon-b", "anon-a")]


def test_a_heard_name_is_offered_with_its_evidence_and_applied_only_when_accepted(store):
    utts = [Utterance(0, 2, "Thanks, Alice.", "m", speaker="anon-b"), Utterance(3, 4, "Sure.", "m", speaker="anon-a"),
            Utterance(60, 62, "Alice, the keys are here.", "m", speaker="anon-b"),
            Utterance(63, 64, "Great.", "m", speaker="anon-a")]
    assert suggest_names(store, "w", addressed_names(utts), {}, lambda t: T0 + timedelta(seconds=t)) == 1
    [offer] = suggestions(store, person_id="anon-a")
    assert offer.name == "Alice" and "Thanks, Alice." in offer.evidence and "the keys are here" in offer.evidence
    assert store.get_person("anon-a").name is None  # nothing applied yet
    decide_suggestion(store, offer.id[:8], accept=True)
    assert store.get_person("anon-a").name == "Alice" and suggestions(store) == []
    with pytest.raises(MemoryError_):
        decide_suggestion(store, "nope", accept=True)


def _exemplar(store, person: str, recording: str, level: float, speech_s: float = 20.0) -> None:
    add_exemplar(store, VoiceExemplar(exemplar_id(person, "enc", recording), person, "enc", (1.0, 0.0), recording,
                                      speech_s, level))


def test_the_voice_loudest_in_most_recordings_is_offered_as_the_wearer_until_one_is_enrolled(store):
    for rec, levels in {"r1": (-20, -30, -29), "r2": (-21, -33, None), "r3": (-31, -22, -34)}.items():
        for person, level in zip(("me-voice", "anon-a", "anon-b"), levels):
            if level is not None:
                _exemplar(store, person, rec, level)
    offer = suggest_wearer(store, "w", "enc", T0)
    assert offer.person_id == "me-voice" and "2 of 3 recordings" in offer.evidence
    assert store.get_person("me-voice").kind == "person"  # only offered
    store.upsert_person(Person(id="person-me", kind="me", wearer_id="w"))
    decide_suggestion(store, offer.id, accept=True)  # accepting merges the enrolled "me" into this voice
    assert store.get_person("me-voice").kind == "me" and store.get_person("person-me") is None
    assert suggest_wearer(store, "w", "enc", T0) is None
