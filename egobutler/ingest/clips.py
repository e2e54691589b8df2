"""Cut a recording into clips on a wall-clock grid.

Clip boundaries fall on multiples of ``clip_s`` seconds of wall-clock time (UTC epoch), so
clips of different recordings never overlap unless the recordings do: a recording starting
at 10:29:45 gets a 15 s clip up to 10:30:00, then 30 s clips. A clip is the part of one grid
cell covered by the recording; its id is (wearer, start), so re-ingesting finds it again.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from egobutler.memory_db.records import Clip

MIN_CLIP_S = 1.0  # a sliver shorter than this at either end holds nothing worth remembering
MAX_CLIPS = 100_000  # a grid this long means a corrupt duration (sources refuse such recordings first)


@dataclass(frozen=True)
class ClipSpan:
    """A clip and where it lies in the recording (seconds from the recording start)."""

    clip: Clip
    offset_s: float

    @property
    def duration_s(self) -> float:
        return self.clip.duration_s


def clip_grid(wearer_id: str, start: datetime, duration_s: float, clip_s: float = 30.0,
              recording_id: str | None = None) -> list[ClipSpan]:
    """The clips covering ``[start, start + duration_s)`` on the ``clip_s`` wall-clock grid."""
    if not clip_s > 0:
        raise ValueError("clip_s must be positive")
    if not 0 <= duration_s <= MAX_CLIPS * clip_s:
        raise ValueError(f"a recording of {duration_s:.6g} s would be more than {MAX_CLIPS} clips; its duration is corrupt")
    start_epoch = start.timestamp()
    end_epoch = start_epoch + duration_s
    cell = math.floor(start_epoch / clip_s) * clip_s
    spans = []
    while cell < end_epoch:
        a, b = max(cell, start_epoch), min(cell + clip_s, end_epoch)
        if b - a >= MIN_CLIP_S:
            clip = Clip(wearer_id=wearer_id, start=_utc(a), end=_utc(b), recording_id=recording_id)
            spans.append(ClipSpan(clip, a - start_epoch))
        cell += clip_s
    return spans


def _utc(epoch_s: float) -> datetime:
    # Round to the microsecond through timedelta so ids are reproducible across runs.
    return datetime(1970, 1, 1, tzinfo=timezone.utc) + timedelta(seconds=round(epoch_s, 6))
