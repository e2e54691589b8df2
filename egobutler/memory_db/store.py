"""`MemoryStore`: the one API over SQL rows, the vector index and media files.

SQL is the source of truth; the vector index holds one document per clip (its lines
in time order) and one per summary, and is rebuilt from SQL by `reindex`. Every write
is idempotent: rows carry content-hash ids, and adding an existing id does nothing.

The API is assembled from mixins, one file per job:

- `connection`: engine set-up and the data-dir check;
- `people_store`: wearers, people, voice profiles;
- `recordings_store`: recordings and the per-clip stage ledger;
- `content_store`: writing clips, lines and summaries;
- `reads`: reading them back (clips, lines, summaries, clip documents, counts);
- `vector_sync`: embedding what changed into the vector index;
- `search`: keyword, vector and hybrid search.
"""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import IO, Any

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import OperationalError

from egobutler.memory_db import schema as s
from egobutler.memory_db.connection import check_data_dir, make_engine, utcnow
from egobutler.memory_db.content_store import ContentWriteMixin
from egobutler.memory_db.embedder import Embedder
from egobutler.memory_db.errors import MemoryError_
from egobutler.memory_db.media import MediaStore
from egobutler.memory_db.migrations import migrate
from egobutler.memory_db.people_store import PeopleMixin
from egobutler.memory_db.reads import ReadMixin, format_line
from egobutler.memory_db.records import ForgetReport
from egobutler.memory_db.recordings_store import RecordingsMixin
from egobutler.memory_db.search import SearchMixin
from egobutler.memory_db.vector_index import VectorIndex
from egobutler.memory_db.vector_sync import Progress, VectorSyncMixin

__all__ = ["MemoryStore", "Progress", "format_line"]

log = logging.getLogger(__name__)


class MemoryStore(PeopleMixin, RecordingsMixin, ContentWriteMixin, ReadMixin, VectorSyncMixin, SearchMixin):
    """Open with `MemoryStore.open`; see the module docstring for the model."""

    def __init__(self, engine: Engine, media: MediaStore, index: VectorIndex | None, embedder: Embedder | None):
        self.engine = engine
        self.media = media
        self.index = index
        self.embedder = embedder
        self._bm25 = None
        self._bm25_version: str | None = None
        self._lock = threading.RLock()

    @classmethod
    def open(
        cls,
        database_url: str,
        media_dir: Path,
        *,
        chroma_path: Path | None = None,
        chroma_url: str | None = None,
        embedder: Embedder | None = None,
    ) -> MemoryStore:
        """Connect, migrate the schema, and attach the vector index (if an embedder is given)."""
        check_data_dir(database_url)
        engine = make_engine(database_url)
        try:
            migrate(engine)
        except OperationalError as exc:
            raise MemoryError_(f"cannot open the memory database {engine.url!r}: {exc.orig}") from None
        Path(media_dir).mkdir(parents=True, exist_ok=True)
        index = None
        if embedder is not None and (chroma_path is not None or chroma_url is not None):
            index = VectorIndex(embedder.model_id, embedder.dim, path=chroma_path, url=chroma_url)
        store = cls(engine, MediaStore(Path(media_dir)), index, embedder)
        if index is not None and index.recovered:
            store.reindex()
        return store

    def close(self) -> None:
        if self.index is not None:
            self.index.close()
        self.engine.dispose()

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ------------------------------------------------------------------ bookkeeping
    def _bump(self, conn) -> None:
        """Record that the memory changed (other processes' caches watch this)."""
        stamp = repr(utcnow().timestamp())
        updated = conn.execute(update(s.meta).where(s.meta.c.key == "data_version").values(value=stamp)).rowcount
        if not updated:
            conn.execute(s.meta.insert().values(key="data_version", value=stamp))

    def data_version(self) -> str:
        with self.engine.connect() as conn:
            row = conn.execute(select(s.meta.c.value).where(s.meta.c.key == "data_version")).first()
        return row[0] if row else "0"

    # ------------------------------------------------------------------ forget / export
    def forget(self, **filters: Any) -> ForgetReport:
        """Remove everything in scope — SQL rows, vectors and media — together. See `forget.py`."""
        from egobutler.memory_db.forget import forget

        report = forget(self, **filters)
        self._bm25 = None
        return report

    def export_jsonl(self, fp: IO[str]) -> int:
        from egobutler.memory_db.export import export_jsonl

        return export_jsonl(self, fp)

    def import_jsonl(self, fp: IO[str]) -> int:
        from egobutler.memory_db.export import import_jsonl

        return import_jsonl(self, fp)
