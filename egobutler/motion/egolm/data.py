"""Paired IMU + narration data for training the EgoLM narrator.

Layout accepted (``DATA/``)::

    DATA/narrations.jsonl   one JSON object a line:
                            {"file": "imu/rec1.csv", "start_s": 12.0, "end_s": 42.0,
                             "text": "I walked about 40 steps, then sat down."}
    DATA/imu/rec1.csv       any IMU CSV that `egobutler.motion.imu.read_imu` reads
                            (paths in "file" are relative to DATA)

Nymeria's narrations (motion_narration / atomic_action CSVs with start and end times per
recording) map onto this by writing one line per narration with the recording's head IMU
exported to CSV. ``"narration"`` is accepted in place of ``"text"``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from egobutler.motion.egolm.config import Config
from egobutler.motion.egolm.features import motion_window
from egobutler.motion.errors import MotionError, NarratorTrainingError
from egobutler.motion.imu import read_imu

INDEX_NAME = "narrations.jsonl"


@dataclass(frozen=True)
class Example:
    motion: np.ndarray  # (frames, channels)
    text: str


def load_examples(data_dir: str | Path, cfg: Config) -> list[Example]:
    """Read ``DATA/narrations.jsonl`` and cut each narrated span out of its IMU file."""
    data_dir = Path(data_dir)
    index = data_dir / INDEX_NAME
    if not index.is_file():
        raise NarratorTrainingError(f"{data_dir}: no {INDEX_NAME}; expected one JSON line per narrated span "
                                    '({"file": ..., "start_s": ..., "end_s": ..., "text": ...})')
    cache: dict[str, object] = {}
    examples = []
    for line_no, line in enumerate(index.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            name, start, end = row["file"], float(row["start_s"]), float(row["end_s"])
            text = row.get("text", row.get("narration"))
            if not isinstance(text, str) or not text.strip():
                raise KeyError("text")
        except (ValueError, KeyError, TypeError) as exc:
            raise NarratorTrainingError(f"{index}, line {line_no}: bad record ({exc}); need file, start_s, end_s, text") from None
        if name not in cache:
            try:
                cache[name] = read_imu(data_dir / name)
            except MotionError as exc:
                raise NarratorTrainingError(f"{index}, line {line_no}: {exc}") from None
        span = cache[name].span(start, end)  # type: ignore[attr-defined]
        if len(span) < 2:
            raise NarratorTrainingError(f"{index}, line {line_no}: no IMU samples in {name} between {start} and {end} s")
        examples.append(Example(motion_window(span, cfg), text.strip()))
    if not examples:
        raise NarratorTrainingError(f"{index} holds no narrations")
    return examples
