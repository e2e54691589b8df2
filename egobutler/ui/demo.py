"""A small made-up memory (two wearers, two days, thumbnails and one short video) for
screenshots, UI tests and trying the app without glasses: ``seed_demo_memory(store)``.

Everything here is generated: no real person's data. One transcript line contains markup
on purpose, so that anyone looking can see it shown as text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from egobutler.memory_db.records import Clip, MemoryLine, Person, Recording, Summary, Wearer

if TYPE_CHECKING:
    from egobutler.memory_db.store import MemoryStore

log = logging.getLogger(__name__)

DAY1 = datetime(2025, 1, 1, tzinfo=timezone.utc)
MODEL = "demo"
MARKUP_LINE = "Look at this: <script>alert('x')</script> <img src=x onerror=alert(1)> & more"

# (wearer, day offset, "HH:MM:SS", color, [(kind, speaker or None, text)])
_SCENES = [
    ("jake", 0, "11:09:00", (190, 120, 60), [
        ("caption", None, "I pick up the screwdriver from the workbench in the living room."),
        ("utterance", "alice", "Jake, hand me the screwdriver, I'll tighten the shelf."),
        ("utterance", "me", "Here you go. The screws are in the red box."),
    ]),
    ("jake", 0, "11:09:30", (180, 140, 90), [
        ("caption", None, "Alice tightens the screws of the shelf with the screwdriver."),
        ("motion", None, "standing, small arm movements"),
    ]),
    ("jake", 0, "11:40:00", (90, 150, 200), [
        ("caption", None, "I put the screwdriver in the drawer under the kitchen sink."),
        ("utterance", "me", "I'll leave it in the drawer by the sink."),
    ]),
    ("jake", 0, "13:05:00", (120, 180, 90), [
        ("caption", None, "We eat lunch at the long table; Tasha serves noodles."),
        ("utterance", "tasha", "Who wants more noodles? There is plenty."),
        ("utterance", "spk-3", MARKUP_LINE),
    ]),
    ("jake", 1, "09:30:00", (220, 200, 120), [
        ("caption", None, "I walk to the supermarket with Alice to buy flowers and milk."),
        ("motion", None, "walking, 96 steps per minute"),
        ("utterance", "alice", "Let's get tulips for the table this time."),
    ]),
    ("jake", 1, "10:15:00", (200, 90, 120), [
        ("caption", None, "Tasha arranges the tulips in a glass vase on the table."),
        ("utterance", "tasha", "The tulips look great in the vase."),
    ]),
    ("jake", 1, "16:20:00", (140, 140, 150), [
        ("caption", None, "I take the screwdriver out of the kitchen drawer and fix the loose door hinge."),
    ]),
    ("alice", 1, "09:31:00", (100, 100, 190), [
        ("caption", None, "I pick tulips in the supermarket while Jake looks for milk."),
        ("utterance", "me-alice", "These yellow tulips are perfect."),
    ]),
]


@dataclass(frozen=True)
class DemoMemory:
    """What was seeded, for tests to refer to."""

    clips: tuple[Clip, ...]
    markup_line: str = MARKUP_LINE


def _people() -> list[Person]:
    return [
        Person("me", "Jake", "me", "jake"),
        Person("me-alice", "Alice", "me", "alice"),
        Person("alice", "Alice", "person", "jake"),
        Person("tasha", "Tasha", "person", "jake"),
        Person("spk-3", None, "person", "jake"),
    ]


def _write_thumbnail(path: Path, color: tuple[int, int, int], label: str) -> None:
    from PIL import Image, ImageDraw

    path.parent.mkdir(parents=True, exist_ok=True)
    image = Image.new("RGB", (160, 120), color)
    draw = ImageDraw.Draw(image)
    draw.rectangle((8, 70, 152, 112), fill=(255, 255, 255))
    draw.text((14, 80), label, fill=(20, 20, 20))
    image.save(path, "JPEG", quality=80)


def write_demo_video(path: Path, seconds: float = 4.0, fps: int = 10) -> Path:
    """A tiny H.264 test video (a moving bar), so the player has something to seek in."""
    import av
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=fps)
        stream.width, stream.height, stream.pix_fmt = 160, 120, "yuv420p"
        for i in range(int(seconds * fps)):
            frame = np.full((120, 160, 3), 40, dtype=np.uint8)
            x = int(i * 150 / max(1, seconds * fps))
            frame[:, x : x + 10] = (240, 200, 60)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return path


def seed_demo_memory(store: MemoryStore, *, with_video: bool = True) -> DemoMemory:
    """Fill ``store`` with the demo memory (idempotent) and write its media under the media dir."""
    store.upsert_wearer(Wearer("jake", "Jake", "UTC"))
    store.upsert_wearer(Wearer("alice", "Alice", "UTC"))
    for person in _people():
        store.upsert_person(person)
    media_root = store.media.root
    video_rel = "video/demo.mp4"
    if with_video:
        write_demo_video(media_root / video_rel)
    clips: list[Clip] = []
    lines: list[MemoryLine] = []
    recording = Recording("demo-rec-day1", "jake", "inbox/done/DAY1_A1_JAKE.mp4", "video", DAY1, DAY1 + timedelta(days=1),
                          status="done")
    store.upsert_recording(recording)
    store.upsert_recording(Recording("demo-rec-broken", "jake", "inbox/failed/DAY2_broken.mp4", "video",
                                     status="failed", error="cannot decode DAY2_broken.mp4 (moov atom not found): "
                                     "the copy is incomplete; sync it again"))
    for n, (wearer, day, hms, color, scene) in enumerate(_SCENES):
        hh, mm, ss = (int(x) for x in hms.split(":"))
        start = DAY1 + timedelta(days=day, hours=hh, minutes=mm, seconds=ss)
        thumb_rel = f"thumbs/{wearer}-{n}.jpg"
        _write_thumbnail(media_root / thumb_rel, color, f"DAY{day + 1} {hms}")
        clip = Clip(wearer, start, start + timedelta(seconds=30), video_path=video_rel if with_video and n == 0 else None,
                    video_offset_s=0.0, thumbnail_path=thumb_rel,
                    recording_id=recording.id if wearer == "jake" and day == 0 else None)
        clips.append(clip)
        for i, (kind, speaker, text) in enumerate(scene):
            at = start + timedelta(seconds=2 + 6 * i)
            lines.append(MemoryLine(kind, clip.id, at, at + timedelta(seconds=4), text, MODEL,
                                    speaker_id=speaker, label="walking" if kind == "motion" else None))
    store.add_clips(clips)
    store.add_lines(lines)
    store.add_summaries(_summaries())
    _ledger(store, [c for c in clips if c.recording_id])
    return DemoMemory(tuple(clips))


def _ledger(store: MemoryStore, clips: list[Clip]) -> None:
    """Ingestion history of the demo recording: every stage done but one caption that failed."""
    for clip in clips:
        store.mark_stage(clip.id, "asr", "done", model_id="faster-whisper:tiny.en")
        store.mark_stage(clip.id, "motion", "done", model_id="rules")
        store.mark_stage(clip.id, "caption", "running", model_id="openai:qwen2-vl")
        if clip is clips[-1]:
            store.mark_stage(clip.id, "caption", "failed", model_id="openai:qwen2-vl",
                             error="captioner server http://127.0.0.1:8000/v1 timed out after 60 s; is it running?")
        else:
            store.mark_stage(clip.id, "caption", "done", model_id="openai:qwen2-vl")


def _summaries() -> list[Summary]:
    day2 = DAY1 + timedelta(days=1)
    return [
        Summary("jake", "day", DAY1, DAY1 + timedelta(days=1),
                "Alice fixed the shelf with the screwdriver; Jake put it in the drawer by the sink. "
                "Lunch with Tasha (noodles).", MODEL),
        Summary("jake", "hour", DAY1 + timedelta(hours=11), DAY1 + timedelta(hours=12),
                "Shelf repair with Alice; the screwdriver went into the kitchen drawer.", MODEL),
        Summary("jake", "day", day2, day2 + timedelta(days=1),
                "Shopping for tulips and milk with Alice; Tasha arranged the flowers.", MODEL),
    ]
