"""What the motion package produces. Times are seconds from the start of the IMU series given."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# Activities tile the narrated span without overlapping; events are short and lie inside them.
ACTIVITY_LABELS = ("still", "walking", "running", "stairs_up", "stairs_down", "other")
EVENT_LABELS = ("head_turn", "sit_down", "stand_up")


@dataclass(frozen=True)
class MotionSegment:
    """One activity or event.

    ``label`` is an activity (still | walking | running | stairs_up | stairs_down | other),
    which together tile the narrated span, or an event (head_turn | sit_down | stand_up)
    that lies inside an activity. ``stats`` holds numbers such as ``steps``,
    ``cadence_spm``, ``turn_deg``, ``direction``, ``elevation_m``, ``posture``."""

    start_s: float
    end_s: float
    label: str
    stats: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)
    model_id: str = "rules"

    @property
    def duration_s(self) -> float:
        return self.end_s - self.start_s

    @property
    def is_event(self) -> bool:
        return self.label in EVENT_LABELS


@dataclass(frozen=True)
class Narration:
    """A clip's motion: its segments (sorted by start) and a first-person sentence or two."""

    segments: tuple[MotionSegment, ...]
    text: str
    model_id: str
    start_s: float = 0.0
    end_s: float = 0.0

    def activities(self) -> tuple[MotionSegment, ...]:
        return tuple(s for s in self.segments if not s.is_event)

    def events(self) -> tuple[MotionSegment, ...]:
        return tuple(s for s in self.segments if s.is_event)
