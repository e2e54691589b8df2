"""Voice exemplars and name suggestions: the storage side of "one person per voice".

A person's voice profile is a small set of exemplars — one per recording they spoke in
(its mean voice embedding), plus any enrolment — so recognition improves as more of their
speech arrives. Name suggestions ("Thanks, Alice" → the voice addressed may be Alice;
"this voice may be you") wait in ``name_suggestions`` until someone accepts or rejects
them; nothing is renamed silently.

Functions take a `MemoryStore` (they use its ``engine``), so they work beside its mixins.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, func, select, update

from egobutler.memory_db import schema as s
from egobutler.memory_db.errors import MemoryError_
from egobutler.memory_db.records import Person, content_id

MAX_EXEMPLARS = 12  # per person and voice model; enough to span rooms, moods and microphones


@dataclass(frozen=True)
class VoiceExemplar:
    """One stored voice embedding of a person, with where it came from."""

    id: str
    person_id: str
    model_id: str
    vector: tuple[float, ...]
    source: str | None = None
    speech_s: float | None = None
    loudness_dbfs: float | None = None


@dataclass(frozen=True)
class NameSuggestion:
    """A name offered for ``person_id`` (``kind="wearer"``: the voice may be the wearer's own)."""

    id: str
    person_id: str
    name: str
    evidence: str
    kind: str = "name"
    wearer_id: str | None = None
    at: datetime | None = None
    status: str = "open"


def exemplar_id(person_id: str, model_id: str, source: str) -> str:
    return content_id("exemplar", person_id, model_id, source)


def add_exemplar(store, exemplar: VoiceExemplar, *, cap: int = MAX_EXEMPLARS) -> bool:
    """Store ``exemplar`` unless one with its id exists or the person already has ``cap``; True if added."""
    with store.engine.begin() as conn:
        vp = s.voice_profiles
        if conn.execute(select(vp.c.id).where(vp.c.id == exemplar.id)).first():
            return False
        have = conn.execute(select(func.count()).select_from(vp).where(
            vp.c.person_id == exemplar.person_id, vp.c.model_id == exemplar.model_id)).scalar_one()
        if have >= cap:
            return False
        conn.execute(vp.insert().values(
            id=exemplar.id, person_id=exemplar.person_id, model_id=exemplar.model_id,
            vector=[float(x) for x in exemplar.vector], source=exemplar.source, speech_s=exemplar.speech_s,
            loudness_dbfs=exemplar.loudness_dbfs))
    return True


def exemplars(store, *, model_id: str | None = None, person_ids: Sequence[str] | None = None) -> list[VoiceExemplar]:
    """Stored exemplars (optionally of one voice model / some people), in a stable order."""
    vp = s.voice_profiles
    query = select(vp).order_by(vp.c.person_id, vp.c.id)
    if model_id is not None:
        query = query.where(vp.c.model_id == model_id)
    if person_ids is not None:
        query = query.where(vp.c.person_id.in_(list(person_ids)))
    with store.engine.connect() as conn:
        return [VoiceExemplar(r.id, r.person_id, r.model_id, tuple(r.vector), r.source, r.speech_s, r.loudness_dbfs)
                for r in conn.execute(query)]


def move_exemplars(store, from_person: str, to_person: str, sources: Sequence[str]) -> int:
    """Give ``to_person`` the exemplars of ``from_person`` that came from ``sources`` (a split)."""
    if not sources:
        return 0
    vp = s.voice_profiles
    with store.engine.begin() as conn:
        return conn.execute(update(vp).where(vp.c.person_id == from_person, vp.c.source.in_(list(sources)))
                            .values(person_id=to_person)).rowcount


def suggestion_id(person_id: str, kind: str, name: str) -> str:
    return content_id("suggest", person_id, kind, name.lower())


def add_suggestion(store, suggestion: NameSuggestion) -> bool:
    """Record a suggestion; the same (person, kind, name) again only adds its evidence. True if new."""
    ns = s.name_suggestions
    with store.engine.begin() as conn:
        row = conn.execute(select(ns).where(ns.c.id == suggestion.id)).first()
        if row is None:
            conn.execute(ns.insert().values(
                id=suggestion.id, person_id=suggestion.person_id, wearer_id=suggestion.wearer_id,
                kind=suggestion.kind, name=suggestion.name, evidence=suggestion.evidence, at=suggestion.at,
                status=suggestion.status))
            return True
        if suggestion.evidence not in row.evidence.split("\n"):
            conn.execute(update(ns).where(ns.c.id == suggestion.id)
                         .values(evidence=row.evidence + "\n" + suggestion.evidence))
        return False


def refresh_evidence(store, suggestion: NameSuggestion) -> None:
    """Replace the evidence of an open suggestion (the wearer's is recomputed after every recording)."""
    ns = s.name_suggestions
    with store.engine.begin() as conn:
        conn.execute(update(ns).where(ns.c.id == suggestion.id, ns.c.status == "open")
                     .values(evidence=suggestion.evidence))


def drop_suggestion(store, suggestion_id_: str) -> None:
    with store.engine.begin() as conn:
        conn.execute(delete(s.name_suggestions).where(s.name_suggestions.c.id == suggestion_id_))


def suggestions(store, *, status: str | None = "open", person_id: str | None = None,
                kind: str | None = None) -> list[NameSuggestion]:
    """Suggestions for people that still exist, newest evidence last."""
    ns = s.name_suggestions
    query = select(ns).where(ns.c.person_id.in_(select(s.people.c.id))).order_by(ns.c.person_id, ns.c.id)
    if status is not None:
        query = query.where(ns.c.status == status)
    if person_id is not None:
        query = query.where(ns.c.person_id == person_id)
    if kind is not None:
        query = query.where(ns.c.kind == kind)
    with store.engine.connect() as conn:
        return [NameSuggestion(r.id, r.person_id, r.name, r.evidence, r.kind, r.wearer_id, r.at, r.status)
                for r in conn.execute(query)]


def decide_suggestion(store, suggestion_id_: str, *, accept: bool) -> NameSuggestion:
    """Accept (rename the person, or make the voice the wearer's "me") or reject a suggestion."""
    found = [x for x in suggestions(store, status=None) if x.id == suggestion_id_ or x.id.startswith(suggestion_id_)]
    if len(found) != 1:
        raise MemoryError_(f"no single suggestion {suggestion_id_!r}; see `egobutler people suggestions`")
    chosen = found[0]
    if accept:
        if chosen.kind == "wearer":
            make_wearer(store, chosen.person_id)
        else:
            store.rename_person(chosen.person_id, chosen.name)
    with store.engine.begin() as conn:
        conn.execute(update(s.name_suggestions).where(s.name_suggestions.c.id == chosen.id)
                     .values(status="accepted" if accept else "rejected"))
    return chosen


def make_wearer(store, person_id: str) -> Person:
    """Make ``person_id`` the wearer's own voice ("me"); an existing "me" of that wearer is merged into it."""
    person = store.get_person(person_id)
    if person is None:
        raise MemoryError_(f"no person with id {person_id!r}; see `egobutler people list`")
    for other in store.people(wearer_id=person.wearer_id):
        if other.kind == "me" and other.id != person_id:
            store.merge_people(person_id, other.id)
            if person.name is None and other.name:
                store.rename_person(person_id, other.name)
    store.set_person_kind(person_id, "me")
    return store.get_person(person_id)


def split_person(store, person_id: str, line_ids: Sequence[str], name: str | None = None) -> Person:
    """Move the utterances ``line_ids`` of ``person_id`` to a new person (a cluster that mixed two voices).

    Exemplars stay with the original person unless every utterance of a recording moved:
    those recordings' exemplars were that other voice and move with it."""
    source = store.get_person(person_id)
    if source is None:
        raise MemoryError_(f"no person with id {person_id!r}; see `egobutler people list`")
    if not line_ids:
        raise MemoryError_("pick the utterances that belong to someone else first")
    mine = {line.id: line for line in store.lines(kinds=["utterance"], speaker_id=person_id)}
    unknown = [i for i in line_ids if i not in mine]
    if unknown:
        raise MemoryError_(f"utterance {unknown[0]!r} is not one of {person_id}'s; see `egobutler export`")
    new_id = "person-" + content_id("split", person_id, tuple(sorted(line_ids)))[:12]
    person = store.upsert_person(Person(id=new_id, name=(name or "").strip() or None, kind="person",
                                        wearer_id=source.wearer_id))
    store.reassign_utterances(list(line_ids), new_id)
    moved_recordings = _recordings_of(store, [mine[i].clip_id for i in line_ids])
    kept_recordings = _recordings_of(store, [x.clip_id for i, x in mine.items() if i not in set(line_ids)])
    move_exemplars(store, person_id, new_id, sorted(moved_recordings - kept_recordings))
    return person


def _recordings_of(store, clip_ids: Sequence[str]) -> set[str]:
    with store.engine.connect() as conn:
        rows = conn.execute(select(s.clips.c.recording_id).where(s.clips.c.id.in_(list(set(clip_ids)))))
        return {r.recording_id for r in rows if r.recording_id}
