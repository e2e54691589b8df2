"""Scene text: words visible in the frames (signs, labels, screens, a wifi card).

`SceneTextReader` runs RapidOCR (PP-OCRv4 detection + recognition as ONNX, weights
bundled in the ``rapidocr-onnxruntime`` package, so it works offline) on each frame and
merges what neighbouring frames read: the same or nearly the same line seen in frames at
most ``max_gap_s`` apart becomes one `SceneText` with the span it was visible
(``start_s`` = first frame that showed it, ``end_s`` = last) and ``frames_seen``. Lines
below ``min_confidence`` (the recogniser's score, 0-1) or shorter than ``min_chars`` are
dropped.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from importlib import metadata

import numpy as np

from egobutler.egogpt.errors import BackendUnavailable, SceneTextError
from egobutler.egogpt.frames import Frame, sorted_frames, to_rgb_array
from egobutler.egogpt.records import SceneText

logger = logging.getLogger(__name__)

OCR_BACKENDS = ("none", "rapidocr")


@dataclass
class _Track:
    """One line of text being followed across frames (mutable while reading, then frozen)."""

    key: str
    text: str
    best: float
    start_s: float
    end_s: float
    frames: set[float] = field(default_factory=set)

    def to_record(self, model_id: str) -> SceneText:
        return SceneText(self.start_s, self.end_s, self.text, model_id, round(self.best, 4), len(self.frames))


class SceneTextReader:
    """Reads scene text from ``(offset_s, image)`` frames with RapidOCR.

    ``similarity`` (0-1) is how alike two readings must be to count as the same text
    (OCR misreads a letter now and then between frames); ``max_gap_s`` how far apart
    two frames may be and still be "neighbouring" (2 s at 1 fps tolerates one missed frame).
    ``min_interval_s`` skips frames closer than that to the last frame read: OCR costs ~1 s
    per frame on a CPU, so ``min_interval_s=3`` reads a 30 s clip in ~10 s instead of ~30 s
    (signs stay in view for seconds); ``max_gap_s`` then widens to twice the interval.
    """

    def __init__(
        self,
        min_confidence: float = 0.7,
        *,
        similarity: float = 0.8,
        max_gap_s: float = 2.0,
        min_chars: int = 2,
        max_side: int = 960,
        min_interval_s: float = 0.0,
    ):
        if not 0.0 <= min_confidence <= 1.0:
            raise ValueError("min_confidence is a score between 0 and 1")
        self.min_confidence = min_confidence
        self.similarity = similarity
        self.min_interval_s = max(0.0, float(min_interval_s))
        self.max_gap_s = max(max_gap_s, 2 * self.min_interval_s)
        self.min_chars = min_chars
        self.max_side = max_side  # px; larger frames are downscaled before detection
        self._engine = None

    @property
    def model_id(self) -> str:
        """``rapidocr:PP-OCRv4@<package version>`` - changes when the bundled models do."""
        try:
            version = metadata.version("rapidocr-onnxruntime")
        except metadata.PackageNotFoundError:
            version = "missing"
        return f"rapidocr:PP-OCRv4@{version}"

    def load(self) -> None:
        """Create the ONNX sessions (~1 s). Idempotent."""
        if self._engine is not None:
            return
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:
            raise BackendUnavailable(
                "scene-text OCR needs rapidocr-onnxruntime (its models are bundled): "
                "pip install rapidocr-onnxruntime, or set ocr = none"
            ) from exc
        # "max": detect at the frame's own size (capped); the default "min" upscales every frame
        # so its short side is 736 px, ~4x the work on 640x360 frames for no gain on signs.
        self._engine = RapidOCR(det_limit_type="max")

    def close(self) -> None:
        """Drop the ONNX sessions."""
        self._engine = None

    def __enter__(self) -> SceneTextReader:
        self.load()
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def read(self, frames: Sequence[Frame]) -> list[SceneText]:
        """Scene text in ``frames``, deduplicated across neighbouring frames, ordered by first sight."""
        self.load()
        open_tracks: list[_Track] = []
        done: list[_Track] = []
        for offset_s, image in self._frames_to_read(frames):
            # Tracks not seen for longer than max_gap_s cannot continue: close them.
            still_open = [t for t in open_tracks if offset_s - t.end_s <= self.max_gap_s]
            done += [t for t in open_tracks if offset_s - t.end_s > self.max_gap_s]
            open_tracks = still_open
            for text, score in self.read_frame(image):
                self._merge(open_tracks, text, score, offset_s)
        done += open_tracks
        model_id = self.model_id
        return [t.to_record(model_id) for t in sorted(done, key=lambda t: (t.start_s, t.text))]

    def _frames_to_read(self, frames: Sequence[Frame]) -> list[Frame]:
        chosen: list[Frame] = []
        for offset_s, image in sorted_frames(frames):
            if not chosen or offset_s - chosen[-1][0] >= self.min_interval_s:
                chosen.append((offset_s, image))
        return chosen

    def read_frame(self, image) -> list[tuple[str, float]]:
        """``(text, confidence)`` of every line read in one frame above the thresholds."""
        self.load()
        rgb = to_rgb_array(image)
        if self.max_side and max(rgb.shape[:2]) > self.max_side:
            from egobutler.egogpt.frames import to_pil

            rgb = np.asarray(to_pil(rgb, max_side=self.max_side))
        bgr = np.ascontiguousarray(rgb[:, :, ::-1])  # RapidOCR takes arrays as OpenCV BGR
        try:
            result, _elapsed = self._engine(bgr)
        except Exception as exc:  # onnxruntime/opencv raise many types; one bad frame is reported as ours
            raise SceneTextError(f"OCR failed on a {rgb.shape[1]}x{rgb.shape[0]} frame: {exc}") from exc
        lines = []
        for _box, text, score in result or []:
            text = " ".join(str(text).split())
            if float(score) >= self.min_confidence and len(_normalise(text)) >= self.min_chars:
                lines.append((text, float(score)))
        return lines

    def _merge(self, tracks: list[_Track], text: str, score: float, offset_s: float) -> None:
        key = _normalise(text)
        match = max(tracks, key=lambda t: _similar(t.key, key), default=None)
        if match is None or _similar(match.key, key) < self.similarity:
            tracks.append(_Track(key, text, score, offset_s, offset_s, {offset_s}))
            return
        match.end_s = max(match.end_s, offset_s)
        match.frames.add(offset_s)
        if score > match.best:  # keep the clearest reading's spelling
            match.key, match.text, match.best = key, text, score


def _normalise(text: str) -> str:
    return re.sub(r"[^0-9a-z]+", "", text.casefold())


def _similar(a: str, b: str) -> float:
    return SequenceMatcher(None, a, b).ratio() if a and b else 0.0


def load_scene_text_reader(name: str, **options) -> SceneTextReader | None:
    """The OCR backend called ``name``: ``rapidocr`` or ``none`` (returns ``None``: the OCR stage is skipped)."""
    key = (name or "none").strip().lower()
    if key == "none":
        return None
    if key != "rapidocr":
        raise BackendUnavailable(f"unknown OCR backend {name!r}; set ocr to one of: {', '.join(OCR_BACKENDS)}")
    return SceneTextReader(**{k: v for k, v in options.items() if v is not None})
