"""Map a clip's speaker labels to `Person` rows through voice profiles.

A voice that matches a stored profile (cosine similarity >= ``threshold``, same voice model)
is that person. A new voice becomes a new anonymous person whose id derives from the voice
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
    mapping: dict[str, str] = {}
    profiles = store.voice_profiles(model_id=model_id) if model_id and voices else []
    owners = _wearer_people(store, wearer_id)
    profiles = [p for p in profiles if p.person_id in owners]
    for label in sorted(labels):
        vector = voices.get(label)
        if vector is None or not model_id:
            person_id = "person-" + content_id("anon", wearer_id, clip_id, label)[:12]
            if store.get_person(person_id) is None:
                store.upsert_person(Person(id=person_id, wearer_id=wearer_id))
            mapping[label] = person_id
            continue
        match = _best_match(vector, profiles, threshold)
        if match is None:
            match = "person-" + content_id("voice", wearer_id, model_id, _rounded(vector))[:12]
            if store.get_person(match) is None:
                store.upsert_person(Person(id=match, wearer_id=wearer_id))
            profile = VoiceProfile(person_id=match, vector=tuple(float(x) for x in vector), model_id=model_id)
            store.add_voice_profile(profile)
            profiles.append(profile)
            log.info("new voice %s in clip %s -> %s", label, clip_id, match)
        mapping[label] = match
    return mapping


def _wearer_people(store, wearer_id: str) -> set[str]:
    return {p.id for p in store.people(wearer_id=wearer_id)}


def _best_match(vector, profiles: list[VoiceProfile], threshold: float) -> str | None:
    if not profiles:
        return None
    query = _unit(np.asarray(vector, dtype=np.float64))
    matrix = np.stack([_unit(np.asarray(p.vector, dtype=np.float64)) for p in profiles])
    scores = matrix @ query
    best = int(np.argmax(scores))
    return profiles[best].person_id if scores[best] >= threshold else None


def _unit(v: np.ndarray) -> np.ndarray:
    norm = float(np.linalg.norm(v))
    return v / norm if norm > 0 else v


def _rounded(vector) -> tuple[float, ...]:
    # Ids come from the voice itself (rounded so float noise does not change them).
    return tuple(round(float(x), 3) for x in vector[:16])
