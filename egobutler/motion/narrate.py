"""Motion narration per clip: IMU span -> activity segments -> a first-person sentence.

The ingestion pipeline calls, per clip::

    narrator = load_narrator(settings.motion_narrator, settings.motion_narrator_model)  # once
    try:
        result = narrate(series, clip_start_s, clip_end_s, narrator)
    except NoMotionData:
        ...  # record the clip's motion stage as skipped

``narrate`` raises `NoMotionData` when the span holds less than `MIN_COVERED_S` of samples
(no IMU for that clip, or a gap over it). Segment times are on the series' clock (seconds
from the video start), like the span given.
"""

from __future__ import annotations

import importlib
import logging
from abc import ABC, abstractmethod

from egobutler.motion.errors import NarratorUnavailable, NoMotionData
from egobutler.motion.imu import ImuSeries
from egobutler.motion.records import MotionSegment, Narration

log = logging.getLogger(__name__)

MIN_COVERED_S = 1.0
_GAITS = ("walking", "running", "stairs_up", "stairs_down")

# name -> "module:Class", imported only when asked for (egolm needs torch).
NARRATORS = {
    "rules": "egobutler.motion.narrate:RulesNarrator",
    "egolm": "egobutler.motion.egolm.narrator:EgoLMNarrator",
}


class Narrator(ABC):
    """Turns IMU samples into a `Narration`. ``model_id`` is recorded with every result."""

    model_id: str = "narrator"

    @abstractmethod
    def narrate_series(self, series: ImuSeries) -> Narration:
        """Narrate all of ``series`` (already cut to one clip, at least `MIN_COVERED_S` long)."""


class RulesNarrator(Narrator):
    """The offline default: rule-and-feature segmentation (`egobutler.motion.activity`) and a
    templated first-person description."""

    model_id = "rules-v2"

    def __init__(self, model: str | None = None):
        if model:
            log.info("the rules narrator has no model; ignoring %s", model)

    def narrate_series(self, series: ImuSeries) -> Narration:
        from egobutler.motion.activity import segment

        segments = tuple(segment(series, model_id=self.model_id))
        return Narration(segments, describe(segments), self.model_id,
                         float(series.t_s[0]), float(series.t_s[-1]))


def load_narrator(name: str = "rules", model: str | None = None) -> Narrator:
    """The narrator called ``name`` ("rules" or "egolm"); ``model`` is the checkpoint folder
    an "egolm" narrator needs (made by ``egobutler motion train-narrator``)."""
    if name not in NARRATORS:
        raise NarratorUnavailable(
            f"unknown motion narrator {name!r}; choose one of {', '.join(NARRATORS)} "
            "(or set motion_narrator = 'none' to skip motion narration)")
    module_name, _, cls_name = NARRATORS[name].partition(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    return cls(model)


def narrate(series: ImuSeries, start_s: float, end_s: float, narrator: Narrator | None = None) -> Narration:
    """Narrate the wearer's motion from ``start_s`` to ``end_s`` (seconds on the series' clock).

    Raises `NoMotionData` when fewer than `MIN_COVERED_S` seconds of samples fall in the span."""
    span = series.span(start_s, end_s)
    if len(span) < 2 or span.duration_s < MIN_COVERED_S:
        raise NoMotionData(
            f"no IMU samples between {start_s:.1f} s and {end_s:.1f} s of {series.source or 'the recording'} "
            f"(it covers {_cover(series)}); the clip gets no motion narration")
    result = (narrator or RulesNarrator()).narrate_series(span)
    return Narration(result.segments, result.text, result.model_id, float(start_s), float(end_s))


def _cover(series: ImuSeries) -> str:
    if len(series) == 0:
        return "nothing"
    return f"{series.t_s[0]:.1f}-{series.t_s[-1]:.1f} s"


# ----------------------------------------------------------------------------- text


def describe(segments: tuple[MotionSegment, ...] | list[MotionSegment]) -> str:
    """First-person, past-tense description, e.g. "I walked about 24 steps at a steady pace,
    then stood still and turned my head left." Long clips with many changes get a summary."""
    phrases = _phrases(list(segments))
    if not phrases:
        return "I have no motion to report."
    if len(phrases) > 6:
        return _summary(list(segments))
    text = "I " + phrases[0][1]
    for joiner, phrase in phrases[1:]:
        text += (" and " if joiner == "and" else ", then ") + phrase
    return text + "."


def _phrases(segments: list[MotionSegment]) -> list[tuple[str, str]]:
    """(joiner, phrase) in time order; joiner "and" ties an event to the activity before it."""
    activities = [s for s in segments if not s.is_event]
    events = [s for s in segments if s.is_event]
    transitions = [e for e in events if e.label in ("sit_down", "stand_up")]
    items: list[tuple[float, str, str]] = []
    for seg in activities:
        if seg.label == "other" and any(_overlap(seg, e) > 0.5 * seg.duration_s for e in transitions):
            continue  # the sit-down / stand-up says what that movement was
        items.append((seg.start_s, "then", _activity_phrase(seg)))
    turns = [e for e in events if e.label == "head_turn"]
    if len(turns) > 3:
        items.append((turns[0].start_s, "and", "looked around"))
        turns = []
    for e in transitions + turns:
        items.append((e.start_s, "and" if e.label == "head_turn" else "then", _event_phrase(e)))
    items.sort(key=lambda item: item[0])
    out: list[tuple[str, str]] = []
    for _, joiner, phrase in items:
        if out and out[-1][1] == phrase:
            continue
        out.append((joiner, phrase))
    return out


def _overlap(a: MotionSegment, b: MotionSegment) -> float:
    return max(0.0, min(a.end_s, b.end_s) - max(a.start_s, b.start_s))


def _about(seconds: float) -> str:
    if seconds < 60:
        return f"about {max(5, int(round(seconds / 5.0)) * 5)} seconds"
    minutes = seconds / 60.0
    return "about a minute" if minutes < 1.5 else f"about {int(round(minutes))} minutes"


def _activity_phrase(seg: MotionSegment) -> str:
    """What one activity was, hedged by its confidence ("probably walked ...")."""
    from egobutler.motion.confidence import hedge

    return hedge(seg.stats.get("confidence")) + _plain_activity_phrase(seg)


def _plain_activity_phrase(seg: MotionSegment) -> str:
    stats = seg.stats
    steps = stats.get("steps")
    if seg.label == "still":
        verb = {"sitting": "sat still", "standing": "stood still"}.get(stats.get("posture"), "stayed still")
        return verb + (f" for {_about(seg.duration_s)}" if seg.duration_s >= 10 else "")
    if seg.label == "walking":
        if steps is None and "steps_unknown" in stats:
            return f"walked for {_about(seg.duration_s)} (the IMU could not count the steps)"
        cadence = stats.get("cadence_spm", 0.0)
        pace = "slowly" if cadence < 90 else ("at a brisk pace" if cadence > 125 else "at a steady pace")
        return f"walked about {steps} steps {pace}" if steps else "walked"
    if seg.label == "running":
        return f"ran about {steps} steps" if steps else f"ran for {_about(seg.duration_s)}"
    if seg.label in ("stairs_up", "stairs_down"):
        way = "up" if seg.label == "stairs_up" else "down"
        rise = abs(stats.get("elevation_m", 0.0))
        return f"took the stairs {way}" + (f" (about {rise:.0f} m)" if rise >= 1.5 else "")
    return "moved around" + (f" for {_about(seg.duration_s)}" if seg.duration_s >= 10 else "")


def _event_phrase(seg: MotionSegment) -> str:
    from egobutler.motion.confidence import hedge

    if seg.label in ("sit_down", "stand_up"):
        return hedge(seg.stats.get("confidence")) + ("sat down" if seg.label == "sit_down" else "stood up")
    angle, side = seg.stats.get("turn_deg", 0), seg.stats.get("direction", "")
    if angle >= 150:
        return "turned around"
    return f"turned my head {side}"


def _summary(segments: list[MotionSegment]) -> str:
    """Totals per activity for clips with too many changes to tell one by one."""
    totals: dict[str, float] = {}
    steps = 0
    for seg in segments:
        if not seg.is_event:
            totals[seg.label] = totals.get(seg.label, 0.0) + seg.duration_s
            steps += (seg.stats.get("steps") or 0) if seg.label in _GAITS else 0
    words = {"still": "kept still", "walking": "walked", "running": "ran", "stairs_up": "climbed stairs",
             "stairs_down": "went down stairs", "other": "moved around"}
    parts = [f"{words[label]} for {_about(sec)}" for label, sec in sorted(totals.items(), key=lambda kv: -kv[1])]
    text = "I " + ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]
    if steps:
        text += f", about {steps} steps in all"
    sits = sum(1 for s in segments if s.label == "sit_down")
    if sits:
        text += f"; I sat down {sits} time{'s' if sits > 1 else ''}"
    return text + "."
