"""The voices of one whole recording → people, through the stored voice exemplars.

Diarization runs over the whole recording, so each voice arrives once with the mean
embedding of everything it said. Each is matched against every exemplar of the wearer's
people (`egobutler.egogpt.voices.match_voice`: close enough and clearly ahead of the
runner-up). A match is that person — and two diarized voices matching the same person are
that one person; a new voice becomes one new anonymous person. Either way the recording's
embedding is kept as another exemplar of the person (up to `MAX_EXEMPLARS`), so the
profile follows the voice across rooms and days.

Ids are derived from the recording and the voice label, so re-hearing a recording after a
crash finds the same people and adds nothing twice.

Without an enrolled "me", the voice that is loudest in the most recordings is offered as
the wearer (the microphones sit on the wearer's head) — a suggestion, never applied.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

import numpy as np

from egobutler.egogpt.voices import MATCH_MARGIN, MATCH_THRESHOLD, match_voice
from egobutler.memory_db.records import Person, content_id
from egobutler.memory_db.voice_store import (
    NameSuggestion,
    VoiceExemplar,
    add_exemplar,
    add_suggestion,
    drop_suggestion,
    exemplar_id,
    exemplars,
    refresh_evidence,
    suggestion_id,
    suggestions,
)

log = logging.getLogger(__name__)

MIN_EXEMPLAR_S = 2.0  # a known voice adds an exemplar only from this much speech (short ones are noisy)
MIN_WEARER_S = 4.0  # a voice must say this much in a recording to count as its loudest
# A voice with less speech than this in a recording that matches nobody known is most likely
# a stray piece of a voice diarization split off (same room, same microphones): it joins the
# recording's most similar voice when they are this close. Chosen on the benchmark's TUNING
# voices (stray pieces 0.74-0.87 to their own voice; different voices up to 0.79).
SHORT_VOICE_S = 4.0
SAME_RECORDING_SIMILARITY = 0.72


def resolve_recording_voices(store, *, wearer_id: str, recording_id: str, model_id: str, speakers: Sequence,
                             threshold: float = MATCH_THRESHOLD, margin: float = MATCH_MARGIN) -> dict[str, str]:
    """Person id for each diarized voice of a recording (``speakers``: `HeardSpeaker`s, by label).

    Creates anonymous people and exemplars as needed; voices without an embedding get an
    anonymous person of their own (there is nothing to match them by).
    """
    owners = {p.id for p in store.people(wearer_id=wearer_id)}
    known = [(x.person_id, np.asarray(x.vector)) for x in exemplars(store, model_id=model_id) if x.person_id in owners]
    here: list[tuple[str, np.ndarray]] = []  # this recording's voices, resolved so far
    mapping: dict[str, str] = {}
    for sp in sorted(speakers, key=lambda v: -v.speech_s):  # the most speech claims its person first
        label = sp.diarization_label
        person_id, stray = None, None
        if sp.embedding:
            person_id = match_voice(np.asarray(sp.embedding), known, threshold=threshold, margin=margin).person_id
            if person_id is None and sp.speech_s < SHORT_VOICE_S:
                person_id = stray = _nearest_here(np.asarray(sp.embedding), here)
            here.append((person_id or "", np.asarray(sp.embedding)))
        new = person_id is None
        if new:
            person_id = "anon-" + content_id("voice", wearer_id, recording_id, label)[:12]
            if store.get_person(person_id) is None:
                store.upsert_person(Person(id=person_id, wearer_id=wearer_id))
        mapping[label] = person_id
        if sp.embedding:
            here[-1] = (person_id, here[-1][1])
        if sp.embedding and not stray and (new or sp.speech_s >= MIN_EXEMPLAR_S):
            add_exemplar(store, VoiceExemplar(
                exemplar_id(person_id, model_id, f"{recording_id}:{label}"), person_id, model_id,
                tuple(float(x) for x in sp.embedding), recording_id, round(float(sp.speech_s), 2),
                sp.loudness_dbfs if np.isfinite(sp.loudness_dbfs) else None))
            known.append((person_id, np.asarray(sp.embedding)))
        log.info("recording %s: voice %s (%.1f s) -> %s%s", recording_id, label, sp.speech_s, person_id,
                 " (new)" if new else "")
    return mapping


def _nearest_here(vector: np.ndarray, here: list[tuple[str, np.ndarray]]) -> str | None:
    """The voice of this recording most like ``vector``, if at least `SAME_RECORDING_SIMILARITY`."""
    scored = [(float(vector @ v), pid) for pid, v in here if pid]
    best = max(scored, default=(0.0, None))
    return best[1] if best[0] >= SAME_RECORDING_SIMILARITY else None


def suggest_wearer(store, wearer_id: str, model_id: str, at: datetime | None = None) -> NameSuggestion | None:
    """Offer the voice that is loudest in the most recordings as the wearer, unless "me" is known.

    Returns the open suggestion (None when the wearer is enrolled or nobody qualifies).
    """
    people = {p.id: p for p in store.people(wearer_id=wearer_id)}
    if any(p.kind == "me" for p in people.values()):
        return None
    loudest: dict[str, tuple[float, str]] = {}  # recording -> (level, person)
    recordings: dict[str, set[str]] = {}
    for x in exemplars(store, model_id=model_id, person_ids=list(people)):
        if not x.source or x.loudness_dbfs is None or (x.speech_s or 0.0) < MIN_WEARER_S:
            continue
        if people[x.person_id].kind == "not_person":
            continue
        recordings.setdefault(x.person_id, set()).add(x.source)
        if x.source not in loudest or x.loudness_dbfs > loudest[x.source][0]:
            loudest[x.source] = (x.loudness_dbfs, x.person_id)
    if not loudest:
        return None
    wins: dict[str, int] = {}
    for _, person_id in loudest.values():
        wins[person_id] = wins.get(person_id, 0) + 1
    best = max(wins, key=lambda p: (wins[p], len(recordings.get(p, ())), p))
    evidence = (f"loudest voice in {wins[best]} of {len(loudest)} recordings, heard in "
                f"{len(recordings.get(best, ()))}: the microphones are on the wearer's head")
    for old in suggestions(store, kind="wearer"):
        if old.wearer_id == wearer_id and old.person_id != best:
            drop_suggestion(store, old.id)
    suggestion = NameSuggestion(suggestion_id(best, "wearer", "me"), best, "me", evidence, "wearer", wearer_id, at)
    if not add_suggestion(store, suggestion):
        refresh_evidence(store, suggestion)
    return suggestion


def suggest_names(store, wearer_id: str, addressed: Sequence, person_of: dict[str, str], clock) -> int:
    """Store "Thanks, Alice" suggestions; ``addressed``: `AddressedName`s, ``clock``: seconds → datetime."""
    added = 0
    for item in addressed:
        person_id = person_of.get(item.addressed, item.addressed)
        person = store.get_person(person_id)
        if person is None or person.kind != "person" or (person.name or "").lower() == item.name.lower():
            continue
        at = clock(item.utterance.start_s)
        evidence = f"{at:%Y-%m-%d %H:%M:%S} “{item.utterance.text.strip()}”"
        added += add_suggestion(store, NameSuggestion(suggestion_id(person_id, "name", item.name), person_id,
                                                      item.name, evidence, "name", wearer_id, at))
    return added
