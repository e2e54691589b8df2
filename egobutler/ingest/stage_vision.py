"""Sight stages: captions (`egobutler.egogpt.captioner`) and scene text (`egobutler.egogpt.ocr`)."""

from __future__ import annotations

from typing import Any

from egobutler.ingest.errors import StageInputMissing
from egobutler.ingest.media import ClipMedia
from egobutler.ingest.stages import Draft, Stage, StageOutput


class CaptionStage(Stage):
    """A first-person caption per clip from its frames and (quoted) transcript.

    ``backend`` is a `load_captioner` name (``none`` skips the stage); ``captioner`` an
    already built `egobutler.egogpt.captioner.Captioner` (tests, embedding apps)."""

    kind = "caption"
    wants_transcript = True

    def __init__(self, backend: str = "none", *, captioner: Any = None, **options: Any):
        if captioner is None:
            from egobutler.egogpt.captioner import load_captioner

            captioner = load_captioner(backend, **options)
        self.captioner = captioner

    @property
    def configured(self) -> bool:
        return self.captioner is not None

    @property
    def model_id(self) -> str:
        return self.captioner.model_id if self.captioner is not None else "none"

    def load(self) -> None:
        self.captioner.load()

    def close(self) -> None:
        self.captioner.close()

    def run(self, media: ClipMedia) -> StageOutput:
        if not media.frames:
            raise StageInputMissing(f"no video frames in clip at {media.offset_s:.0f} s; nothing to caption")
        caption = self.captioner.caption(list(media.frames), media.transcript, start_s=0.0, end_s=media.duration_s)
        if not caption.text:
            return StageOutput((), caption.model_id)
        draft = Draft(caption.start_s, caption.end_s, caption.text, stats={"frames_used": caption.frames_used})
        return StageOutput((draft,), caption.model_id)


class OcrStage(Stage):
    """Text visible in the clip (signs, labels, screens), read every ``every_s`` seconds.

    OCR costs ~0.5-2 s per frame on a CPU, so it reads a frame every ``every_s`` seconds
    rather than every sampled frame; signs stay in view for longer than that."""

    kind = "scene_text"

    def __init__(self, backend: str = "rapidocr", *, every_s: float = 5.0, reader: Any = None, **options: Any):
        if reader is None:
            from egobutler.egogpt.ocr import load_scene_text_reader

            options.setdefault("max_gap_s", 2.0 * every_s)  # neighbouring sampled frames merge
            reader = load_scene_text_reader(backend, **options)
        self.reader = reader
        self.every_s = every_s

    @property
    def configured(self) -> bool:
        return self.reader is not None

    @property
    def model_id(self) -> str:
        return f"{self.reader.model_id}/every{self.every_s:g}s" if self.reader is not None else "none"

    def load(self) -> None:
        self.reader.load()

    def close(self) -> None:
        self.reader.close()

    def run(self, media: ClipMedia) -> StageOutput:
        if not media.frames:
            raise StageInputMissing(f"no video frames in clip at {media.offset_s:.0f} s; no scene text to read")
        chosen, next_t = [], 0.0
        for offset_s, image in media.frames:
            if offset_s + 1e-6 >= next_t:
                chosen.append((offset_s, image))
                next_t = offset_s + self.every_s
        drafts = []
        for text in self.reader.read(chosen):
            # A sign seen in one sampled frame stands for the gap until the next sample.
            end_s = min(max(text.end_s, text.start_s + self.every_s), media.duration_s)
            drafts.append(Draft(text.start_s, end_s, text.text, confidence=text.confidence,
                                stats={"frames_seen": text.frames_seen}))
        return StageOutput(tuple(drafts), self.model_id)
