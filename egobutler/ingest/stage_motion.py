"""The motion stage: the clip's IMU -> an EgoLM-style narration (`egobutler.motion.narrate`)."""

from __future__ import annotations

from typing import Any

from egobutler.ingest.errors import StageInputMissing
from egobutler.ingest.media import ClipMedia
from egobutler.ingest.stages import Draft, Stage, StageOutput


class MotionStage(Stage):
    """One narration line per clip (the sentence, hedged where unsure: "I probably walked ..."),
    its main activity as ``label`` with that activity's ``confidence``, and every segment (with
    its own confidence) in ``stats``.

    ``backend`` is a `load_narrator` name (``rules``, ``egolm``) or ``none``."""

    kind = "motion"

    def __init__(self, backend: str = "rules", *, model: str | None = None, narrator: Any = None):
        self.backend = (backend or "none").strip().lower()
        self.model = model
        self.narrator = narrator
        self._owns_narrator = narrator is None

    @property
    def configured(self) -> bool:
        return self.narrator is not None or self.backend != "none"

    @property
    def model_id(self) -> str:
        if self.narrator is not None:
            return self.narrator.model_id
        if self.backend == "none":
            return "none"
        if self.backend == "rules":
            from egobutler.motion.narrate import RulesNarrator

            return RulesNarrator.model_id
        return f"{self.backend}:{self.model or 'default'}"

    def load(self) -> None:
        if self.narrator is None:
            from egobutler.motion.narrate import load_narrator

            self.narrator = load_narrator(self.backend, self.model)

    def close(self) -> None:
        if self._owns_narrator:
            self.narrator = None

    def run(self, media: ClipMedia) -> StageOutput:
        from egobutler.motion.errors import NoMotionData
        from egobutler.motion.narrate import narrate

        if media.imu is None or len(media.imu) < 2:
            raise StageInputMissing(f"no IMU samples for the clip at {media.offset_s:.0f} s")
        start_s, end_s = media.offset_s, media.offset_s + media.duration_s
        try:
            narration = narrate(media.imu, start_s, end_s, self.narrator)
        except NoMotionData as exc:
            raise StageInputMissing(str(exc)) from None
        activities = narration.activities()
        main = max(activities, key=lambda s: s.duration_s) if activities else None
        segments = [{"start_s": round(s.start_s - start_s, 2), "end_s": round(s.end_s - start_s, 2),
                     "label": s.label, **{k: v for k, v in s.stats.items() if _plain(v)}}
                    for s in narration.segments]
        # The line's confidence is its main activity's; each segment keeps its own, and the
        # sentence itself says "probably" / "possibly" where the narrator was unsure.
        confidence = main.stats.get("confidence") if main is not None else None
        from egobutler.motion.confidence import UNSURE

        flags = ("low_confidence",) if confidence is not None and confidence < UNSURE else ()
        draft = Draft(0.0, media.duration_s, narration.text, label=main.label if main else None,
                      confidence=confidence, flags=flags, stats={"segments": segments})
        return StageOutput((draft,), narration.model_id)


def _plain(value: Any) -> bool:
    return isinstance(value, (int, float, str, bool)) or value is None
