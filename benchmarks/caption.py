"""Seconds per 30 s clip for each sight backend on this machine.

    .venv/bin/python benchmarks/caption.py [--out benchmarks/results/caption.json] [--clips 3]

- transformers: tiny random checkpoints (real configs) of each family, 30 frames per clip.
  Random weights generate until ``max_new_tokens``, so this measures the pipeline's
  overhead (processor, vision tower, generate loop), not a real 7B's speed.
- openai: a local canned chat-completions server; measures JPEG encoding + HTTP overhead
  per clip (the model's own time is the server's).
- ocr: RapidOCR (real PP-OCRv4 weights) on rendered sign frames, per frame and per clip
  at 1 fps and every 3 s.

Prints a table (wall seconds, and process CPU seconds, which hold up when other jobs share
the cores) and writes JSON. Expected GPU figures for a 7B model are in docs/captioning.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np

from egobutler.egogpt.captioner import ClipFrames, load_captioner
from egobutler.egogpt.captioner_tiny import TINY_FAMILIES, build_tiny_vlm
from egobutler.egogpt.ocr import SceneTextReader

CLIP_FRAMES = 30  # a 30 s clip at 1 fps


class Timer:
    """Wall and process CPU time of a block (CPU time holds up when other jobs share the cores)."""

    def __enter__(self) -> Timer:
        self.wall, self.cpu = time.perf_counter(), time.process_time()
        return self

    def __exit__(self, *exc) -> None:
        self.wall, self.cpu = time.perf_counter() - self.wall, time.process_time() - self.cpu

    def per(self, n: int) -> dict:
        return {"s_per_clip": round(self.wall / n, 3), "cpu_s_per_clip": round(self.cpu / n, 3)}


def clip_frames(seed: int, height: int = 480, width: int = 640) -> tuple:
    rng = np.random.default_rng(seed)
    return tuple((float(i), rng.integers(0, 256, (height, width, 3), dtype=np.uint8)) for i in range(CLIP_FRAMES))


def bench_transformers(n_clips: int, tmp: Path) -> list[dict]:
    rows = []
    clips = [ClipFrames(clip_frames(i), "Alice: where is the screwdriver?", 0.0, 30.0) for i in range(n_clips)]
    for family in TINY_FAMILIES:
        path = build_tiny_vlm(family, tmp / family)
        for batch_size in (1, n_clips):
            captioner = load_captioner("transformers", model=str(path), batch_size=batch_size, max_new_tokens=32)
            start = time.perf_counter()
            captioner.load()
            load_s = time.perf_counter() - start
            captioner.caption_clips(clips[:1])  # warm-up
            with Timer() as timer:
                captioner.caption_clips(clips)
            captioner.close()
            rows.append({"backend": "transformers", "model": f"tiny {family}", "batch": batch_size,
                         "frames": CLIP_FRAMES, "load_s": round(load_s, 2), **timer.per(n_clips)})
    return rows


class _Canned(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = json.dumps({
            "id": "x", "object": "chat.completion", "created": 0, "model": "canned",
            "choices": [{"index": 0, "finish_reason": "stop",
                         "message": {"role": "assistant", "content": "I am in the kitchen."}}],
        }).encode()  # fmt: skip
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def bench_openai(n_clips: int) -> list[dict]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Canned)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    clips = [ClipFrames(clip_frames(i), "Alice: where is the screwdriver?", 0.0, 30.0) for i in range(n_clips)]
    rows = []
    for concurrency in (1, 4):
        captioner = load_captioner("openai", model="canned", base_url=url, concurrency=concurrency)
        captioner.caption_clips(clips[:1])  # warm-up: client + connection
        with Timer() as timer:
            captioner.caption_clips(clips)
        captioner.close()
        rows.append({"backend": "openai", "model": "canned local server (overhead only)", "batch": concurrency,
                     "frames": CLIP_FRAMES, "load_s": 0.0, **timer.per(n_clips)})
    server.shutdown()
    return rows


def sign_frame(size: tuple[int, int], shift: int) -> np.ndarray:
    from PIL import Image, ImageDraw, ImageFont

    width, height = size
    image = Image.new("RGB", size, (80, 100, 85))
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default(size=height // 9)
    x, y = width // 4 + shift, height // 4
    draw.rectangle([x - 20, y - 10, x + width // 2, y + height // 3], fill=(245, 245, 235))
    draw.text((x, y), "KITCHEN", fill=(15, 15, 15), font=font)
    draw.text((x, y + height // 7), "WIFI 7391", fill=(15, 15, 15), font=font)
    return np.asarray(image)


def bench_ocr(n_frames: int) -> list[dict]:
    rows = []
    reader = SceneTextReader()
    start = time.perf_counter()
    reader.load()
    load_s = time.perf_counter() - start
    for size, count in (((640, 360), n_frames), ((1280, 720), max(1, n_frames // 2))):
        frames = [(float(i), sign_frame(size, 3 * i)) for i in range(count)]
        reader.read(frames[:1])  # warm-up
        with Timer() as timer:
            found = reader.read(frames)
        per_frame = timer.per(count)
        for every_s in (1, 3):
            n = CLIP_FRAMES // every_s
            rows.append({"backend": "ocr", "model": f"{reader.model_id} {size[0]}x{size[1]}, every {every_s} s",
                         "batch": 1, "frames": n, "load_s": round(load_s, 2),
                         "s_per_clip": round(per_frame["s_per_clip"] * n, 2),
                         "cpu_s_per_clip": round(per_frame["cpu_s_per_clip"] * n, 2),
                         "s_per_frame": per_frame["s_per_clip"], "texts": [s.text for s in found]})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results" / "caption.json")
    parser.add_argument("--clips", type=int, default=2, help="clips per measurement")
    parser.add_argument("--ocr-frames", type=int, default=3, help="frames per OCR measurement")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        rows = bench_transformers(args.clips, Path(tmp)) + bench_openai(args.clips) + bench_ocr(args.ocr_frames)
    print(f"{'backend':<13} {'model':<46} {'batch':>5} {'frames':>6} {'load s':>7} {'s/clip':>8} {'cpu s/clip':>10}")
    for r in rows:
        print(f"{r['backend']:<13} {r['model']:<46} {r['batch']:>5} {r['frames']:>6} {r['load_s']:>7} "
              f"{r['s_per_clip']:>8} {r['cpu_s_per_clip']:>10}")
    import torch

    result = {"machine": {"cpu_count": os.cpu_count(), "platform": platform.platform(),
                          "load_average_1min": os.getloadavg()[0],
                          "cuda": torch.cuda.is_available(), "torch": torch.__version__},
              "clip_s": 30, "rows": rows}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
