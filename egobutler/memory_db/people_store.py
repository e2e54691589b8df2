"""Wearers, people and voice profiles: a mixin of `MemoryStore` (needs ``engine`` and ``_bump``)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, or_, select, update

from egobutler.memory_db import schema as s
from egobutler.memory_db.errors import MemoryError_
from egobutler.memory_db.keyword_search import refresh_clip_docs
from egobutler.memory_db.records import Person, VoiceProfile, Wearer
from egobutler.memory_db.rows import person_from_row


class PeopleMixin:
    """Who wears the glasses, who is heard, and their voice profiles."""

    def upsert_wearer(self, wearer: Wearer) -> Wearer:
        values = {"name": wearer.name, "timezone": wearer.timezone}
        with self.engine.begin() as conn:
            if not conn.execute(update(s.wearers).where(s.wearers.c.id == wearer.id).values(**values)).rowcount:
                conn.execute(s.wearers.insert().values(id=wearer.id, **values))
        return wearer

    def get_wearer(self, wearer_id: str) -> Wearer | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(s.wearers).where(s.wearers.c.id == wearer_id)).first()
        return Wearer(row.id, row.name, row.timezone) if row else None

    def wearers(self) -> list[Wearer]:
        with self.engine.connect() as conn:
            return [Wearer(r.id, r.name, r.timezone) for r in conn.execute(select(s.wearers).order_by(s.wearers.c.id))]

    def upsert_person(self, person: Person) -> Person:
        values = {"name": person.name, "kind": person.kind, "wearer_id": person.wearer_id}
        with self.engine.begin() as conn:
            if not conn.execute(update(s.people).where(s.people.c.id == person.id).values(**values)).rowcount:
                conn.execute(s.people.insert().values(id=person.id, **values))
            self._bump(conn)
        return person

    def get_person(self, person_id: str) -> Person | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(s.people).where(s.people.c.id == person_id)).first()
        return person_from_row(row) if row else None

    def find_person(self, name: str, wearer_id: str | None = None) -> Person | None:
        """A person by name (case-insensitive) or id; ``me`` finds the wearer."""
        query = select(s.people).where(
            or_(func.lower(s.people.c.name) == name.lower(), s.people.c.id == name)
        )
        if name.lower() == "me":
            query = select(s.people).where(s.people.c.kind == "me")
        if wearer_id is not None:
            query = query.where(or_(s.people.c.wearer_id == wearer_id, s.people.c.wearer_id.is_(None)))
        with self.engine.connect() as conn:
            row = conn.execute(query.order_by(s.people.c.id)).first()
        return person_from_row(row) if row else None

    def people(self, wearer_id: str | None = None) -> list[Person]:
        query = select(s.people).order_by(s.people.c.name, s.people.c.id)
        if wearer_id is not None:
            query = query.where(or_(s.people.c.wearer_id == wearer_id, s.people.c.wearer_id.is_(None)))
        with self.engine.connect() as conn:
            return [person_from_row(r) for r in conn.execute(query)]

    def _require_person(self, conn, person_id: str) -> None:
        if conn.execute(select(s.people.c.id).where(s.people.c.id == person_id)).first() is None:
            raise MemoryError_(f"no person with id {person_id!r}; see `egobutler people list`")

    def rename_person(self, person_id: str, name: str) -> None:
        with self.engine.begin() as conn:
            self._require_person(conn, person_id)
            conn.execute(update(s.people).where(s.people.c.id == person_id).values(name=name))
            self._mark_person_clips_dirty(conn, person_id)
            self._bump(conn)

    def set_person_kind(self, person_id: str, kind: str) -> None:
        if kind not in ("person", "me", "not_person"):
            raise MemoryError_(f"unknown person kind {kind!r}; use person, me or not_person")
        with self.engine.begin() as conn:
            self._require_person(conn, person_id)
            conn.execute(update(s.people).where(s.people.c.id == person_id).values(kind=kind))
            self._mark_person_clips_dirty(conn, person_id)
            self._bump(conn)

    def merge_people(self, keep_id: str, drop_id: str) -> None:
        """Move ``drop``'s utterances and voice profiles onto ``keep`` and delete ``drop``."""
        if keep_id == drop_id:
            raise MemoryError_("cannot merge a person with themselves")
        with self.engine.begin() as conn:
            self._require_person(conn, keep_id)
            self._require_person(conn, drop_id)
            conn.execute(update(s.utterances).where(s.utterances.c.speaker_id == drop_id).values(speaker_id=keep_id))
            conn.execute(update(s.voice_profiles).where(s.voice_profiles.c.person_id == drop_id).values(person_id=keep_id))
            conn.execute(delete(s.people).where(s.people.c.id == drop_id))
            self._mark_person_clips_dirty(conn, keep_id)
            self._bump(conn)

    def reassign_utterances(self, line_ids: Sequence[str], person_id: str) -> int:
        """Give these utterances another speaker (how a wrong cluster is split)."""
        with self.engine.begin() as conn:
            self._require_person(conn, person_id)
            changed = conn.execute(
                update(s.utterances).where(s.utterances.c.id.in_(list(line_ids))).values(speaker_id=person_id)
            ).rowcount
            self._mark_person_clips_dirty(conn, person_id)
            self._bump(conn)
        return changed

    def _mark_person_clips_dirty(self, conn, person_id: str) -> None:
        clip_ids = select(s.utterances.c.clip_id).where(s.utterances.c.speaker_id == person_id)
        conn.execute(update(s.clips).where(s.clips.c.id.in_(clip_ids)).values(dirty=True))
        refresh_clip_docs(conn, [r[0] for r in conn.execute(clip_ids.distinct())])  # documents name speakers

    def add_voice_profile(self, profile: VoiceProfile) -> None:
        with self.engine.begin() as conn:
            if conn.execute(select(s.voice_profiles.c.id).where(s.voice_profiles.c.id == profile.id)).first():
                return
            conn.execute(
                s.voice_profiles.insert().values(
                    id=profile.id, person_id=profile.person_id, model_id=profile.model_id,
                    vector=[float(x) for x in profile.vector],
                )
            )

    def voice_profiles(self, model_id: str | None = None, person_id: str | None = None) -> list[VoiceProfile]:
        query = select(s.voice_profiles).order_by(s.voice_profiles.c.person_id, s.voice_profiles.c.id)
        if model_id is not None:
            query = query.where(s.voice_profiles.c.model_id == model_id)
        if person_id is not None:
            query = query.where(s.voice_profiles.c.person_id == person_id)
        with self.engine.connect() as conn:
            return [VoiceProfile(r.person_id, tuple(r.vector), r.model_id, r.id) for r in conn.execute(query)]
