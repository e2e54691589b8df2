"""The SQL schema: the source of truth. The vector index is derived from these rows.

Tables are SQLAlchemy Core so that bulk writes stay cheap on SQLite and PostgreSQL.
Datetimes are stored as naive UTC (`UTCDateTime`) and come back tz-aware.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
)


class UTCDateTime(TypeDecorator):
    """Aware datetimes in, aware UTC datetimes out; naive values are refused."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store tz-aware datetimes only")
        return value.astimezone(timezone.utc).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=timezone.utc)


metadata = MetaData()

schema_version = Table("schema_version", metadata, Column("version", Integer, nullable=False))

# Key/value facts about the memory, e.g. `data_version` bumped on every write so that
# caches in other processes (the keyword index) know to refresh.
meta = Table(
    "meta",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("value", Text, nullable=False),
)

wearers = Table(
    "wearers",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("timezone", String(64), nullable=False, default="UTC"),
)

people = Table(
    "people",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("name", String(200), nullable=True),
    Column("kind", String(16), nullable=False, default="person"),
    Column("wearer_id", String(64), nullable=True),
    Index("ix_people_name", "name"),
)

voice_profiles = Table(
    "voice_profiles",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("person_id", String(64), ForeignKey("people.id", ondelete="CASCADE"), nullable=False),
    Column("model_id", String(200), nullable=False),
    Column("vector", JSON, nullable=False),
    # Where the exemplar came from (a recording id, or "enrolled"), how much speech it
    # averages and how loud that speech was (the wearer's own voice is the loudest).
    Column("source", String(64), nullable=True),
    Column("speech_s", Float, nullable=True),
    Column("loudness_dbfs", Float, nullable=True),
    Index("ix_voice_person", "person_id"),
)

# Names (and "this voice is you") offered for a voice, with the words that suggested them;
# never applied until someone accepts them.
name_suggestions = Table(
    "name_suggestions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("person_id", String(64), nullable=False),
    Column("wearer_id", String(64), nullable=True),
    Column("kind", String(16), nullable=False, default="name"),  # name | wearer
    Column("name", String(200), nullable=False),
    Column("evidence", Text, nullable=False),
    Column("at", UTCDateTime, nullable=True),
    Column("status", String(16), nullable=False, default="open"),  # open | accepted | rejected
    Index("ix_name_suggestions_person", "person_id"),
)

recordings = Table(
    "recordings",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("wearer_id", String(64), nullable=False),
    Column("source", Text, nullable=False),
    Column("kind", String(32), nullable=False),
    Column("start", UTCDateTime, nullable=True),
    Column("end", UTCDateTime, nullable=True),
    Column("status", String(16), nullable=False, default="pending"),
    Column("error", Text, nullable=True),
)

clips = Table(
    "clips",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("recording_id", String(64), nullable=True),
    Column("wearer_id", String(64), nullable=False),
    Column("start", UTCDateTime, nullable=False),
    Column("end", UTCDateTime, nullable=False),
    Column("video_path", Text, nullable=True),
    Column("video_offset_s", Float, nullable=False, default=0.0),
    Column("thumbnail_path", Text, nullable=True),
    # True when the clip's text changed since it was last embedded.
    Column("dirty", Boolean, nullable=False, default=True),
    Index("ix_clips_wearer_start", "wearer_id", "start"),
    Index("ix_clips_recording", "recording_id"),
)


def _line_table(name: str, *extra: Column) -> Table:
    """Memory lines share one shape; each kind has its own table and extra columns."""
    return Table(
        name,
        metadata,
        Column("id", String(64), primary_key=True),
        Column("clip_id", String(64), nullable=False),
        Column("start", UTCDateTime, nullable=False),
        Column("end", UTCDateTime, nullable=False),
        Column("text", Text, nullable=False),
        Column("model_id", String(200), nullable=False),
        Column("confidence", Float, nullable=True),
        Column("flags", JSON, nullable=False, default=list),
        Column("stats", JSON, nullable=False, default=dict),
        *extra,
        Index(f"ix_{name}_clip", "clip_id"),
        Index(f"ix_{name}_start", "start"),
    )


captions = _line_table("captions")
utterances = _line_table(
    "utterances",
    Column("speaker_id", String(64), nullable=True),
    Index("ix_utterances_speaker", "speaker_id"),
)
motion_segments = _line_table("motion_segments", Column("label", String(64), nullable=True))
scene_texts = _line_table("scene_texts")

LINE_TABLES: dict[str, Table] = {
    "caption": captions,
    "utterance": utterances,
    "motion": motion_segments,
    "scene_text": scene_texts,
}

summaries = Table(
    "summaries",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("wearer_id", String(64), nullable=False),
    Column("level", String(16), nullable=False),
    Column("start", UTCDateTime, nullable=False),
    Column("end", UTCDateTime, nullable=False),
    Column("text", Text, nullable=False),
    Column("model_id", String(200), nullable=False),
    Column("dirty", Boolean, nullable=False, default=True),
    Index("ix_summaries_wearer_level_start", "wearer_id", "level", "start"),
)

ledger = Table(
    "ledger",
    metadata,
    Column("clip_id", String(64), primary_key=True),
    Column("stage", String(32), primary_key=True),
    Column("status", String(16), nullable=False),
    Column("model_id", String(200), nullable=True),
    # Content hash of the recording whose media the step ran on: a step counts as done only
    # for the same content, stage and model (a different copy of the same time re-runs it).
    Column("recording_id", String(64), nullable=True),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text, nullable=True),
    Column("updated_at", UTCDateTime, nullable=True),
    Index("ix_ledger_status", "status"),
)

# Keyword search documents (migration 3): one row per clip (its lines' tokens) and per
# summary. ``id`` orders documents by the second their window ends, so "everything that
# had ended before T" is an id range. SQLite indexes ``body``/``tags`` with FTS5
# (``search_fts``), PostgreSQL with a generated ``tsv`` column and a GIN index.
search_docs = Table(
    "search_docs",
    metadata,
    Column("id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False),
    Column("kind", String(16), nullable=False),  # clip | summary
    Column("ref_id", String(64), nullable=False),
    Column("wearer_id", String(64), nullable=False),
    Column("level", String(16), nullable=True),
    Column("start", UTCDateTime, nullable=False),
    Column("end", UTCDateTime, nullable=False),
    Column("n_tokens", Integer, nullable=False),
    Column("body", Text, nullable=False),  # our tokenizer's tokens, space-separated
    Column("tags", Text, nullable=False),  # kind, wearer and level as words (the FTS5 filters)
    Index("ix_search_docs_ref", "kind", "ref_id"),
    Index("ix_search_docs_scope", "kind", "wearer_id", "id", "n_tokens"),
    Index("ix_search_docs_time", "kind", "id", "n_tokens"),
)
