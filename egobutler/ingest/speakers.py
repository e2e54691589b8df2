"""Map a clip's speaker labels to `Person` rows through voice profiles.

A voice that matches a stored profile (`egobutler.egogpt.voices.match_voice`: cosine
similarity >= ``threshold`` and clearly ahead of the runner-up, same voice model) is that person. A new voice becomes a new anonymous person whose id derives from the voice
itself, plus a `VoiceProfile`, so the same voice in the next recording gets the same id.
"""

from __future__ import annotations

import logging

import numpy as np

from egobutler.memory_db.records import Person, VoiceProfile, content_id

log = logging.getLogger(__name__)

def _default_threshold() -> float:
    from egobutler.egogpt.voices import MATCH_THRESHOLD

    return MATCH_THRESHOLD


DEFAULT_THRESHOLD = _default_threshold()  # cosine, calibrated by egogpt on real voices


def resolve_speakers(store, wearer_id: str, voices: dict[str, tuple[float, ...]], model_id: str | None,
                     *, clip_id: str, labels: set[str], threshold: float = DEFAULT_THRESHOLD) -> dict[str, str]:
    """Person id for each speaker label of one clip (creating people and profiles as needed).

    ``labels`` without an embedding get a per-clip anonymous person (no voice to match)."""
    from egobutler.egogpt.voices import match_voice

    mapping: dict[str, str] = {}
    owners = {p.id for p in store.people(wearer_id=wearer_id)}
    for label in [x for x in labels if x in owners and x not in voices]:  # already resolved per recording
        mapping[label] = label
    labels = set(labels) - set(mapping)
    known = [(p.person_id, np.asarray(p.vector)) for p in (store.voice_profiles(model_id=model_id) if model_id else [])
             if p.person_id in owners]
    for label in sorted(labels):
        vector = voices.get(label)
        if vector is None or not model_id:
            person_id = "person-" + content_id("anon", wearer_id, clip_id, label)[:12]
            _ensure_person(store, person_id, wearer_id)
            mapping[label] = person_id
            continue
        match = match_voice(np.asarray(vector), known, threshold=threshold)
        person_id = match.person_id
        if person_id is None:
            # hear() names a new voice anon-<hash of the voice>; keep that id, it is stable.
            person_id = label if label.startswith("anon-") else "anon-" + content_id("voice", _rounded(vector))[:12]
            _ensure_person(store, person_id, wearer_id)
            store.add_voice_profile(VoiceProfile(person_id=person_id, vector=tuple(map(float, vector)),
                                                 model_id=model_id))
            known.append((person_id, np.asarray(vector)))
            log.info("new voice %s in clip %s -> %s", label, clip_id, person_id)
        mapping[label] = person_id
    return mapping


def _ensure_person(store, person_id: str, wearer_id: str) -> None:
    if store.get_person(person_id) is None:
        store.upsert_person(Person(id=person_id, wearer_id=wearer_id))


def _rounded(vector) -> tuple[float, ...]:
    # Ids come from the voice itself (rounded so float noise does not change them).
    return tuple(round(float(x), 3) for x in vector[:16])
