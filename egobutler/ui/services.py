"""What the UI is given by the application: the memory, the answering engine, optional actions.

The UI never builds these itself (it may not import ingest or egogpt): ``app/ui_wiring.py``
maps settings to a `UiServices`, and tests build one from a seeded memory.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from egobutler.ui.timefmt import Clock

if TYPE_CHECKING:
    from egobutler.egorag.engine import Engine
    from egobutler.memory_db.store import MemoryStore
    from egobutler.motion.performance import ReplyPerformance


def _utc_now() -> datetime:
    return datetime.now(UTC)


# (reply, question) -> the avatar's gesture, speech and motion for it (None: nothing to show)
AvatarFn = Callable[[str, str], "ReplyPerformance | None"]
# (audio file, person name) -> a one-line message saying what was enrolled
EnrollFn = Callable[[Path, str], str]
# () -> live status of the ingestion worker: any mapping, shown as is (keys: running, current, queued, ...)
IngestStatusFn = Callable[[], Mapping[str, Any]]
# (files or folders) -> a one-line message (ingestion runs in the background)
IngestPathsFn = Callable[[Sequence[Path]], str]
# () -> a one-line message saying what was re-queued
RetryFn = Callable[[], str]


@dataclass(frozen=True)
class UiServices:
    """Everything the Gradio app works with. Optional callables hide their controls when None.

    ``now`` gives the query time of chat questions (injectable for tests and for replaying an
    old recording "as of" a moment); ``clock`` says how times are shown and read.
    """

    store: MemoryStore
    engine: Engine
    media_dir: Path
    clock: Clock = field(default_factory=Clock)
    avatar: AvatarFn | None = None
    avatar_view: str = "3d"  # "3d": three.js in the browser; "video": a server-rendered GIF
    enroll: EnrollFn | None = None
    ingest_status: IngestStatusFn | None = None
    ingest_paths: IngestPathsFn | None = None
    retry_failed: RetryFn | None = None
    settings_view: Callable[[], Mapping[str, Any]] | None = None
    inbox: Path | None = None
    now: Callable[[], datetime] = _utc_now
    title: str = "egobutler"


@dataclass(frozen=True)
class Loader:
    """A function the app runs when a page opens, to fill a screen from the current memory."""

    fn: Callable[..., Any]
    inputs: list[Any]
    outputs: list[Any]
