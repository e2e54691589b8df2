"""Generate the committed sample recording `samples/aria_sample/` (an Aria-style folder).

75 s of a wearer's morning: standing in the kitchen (a "KITCHEN" sign, keys on the table),
walking down the hallway to the front door, then standing in the living room. Three voices
(espeak-ng) talk about things one can ask about later ("the keys are on the kitchen table").
The IMU is synthesized from DeepMimic walking motion capture with still periods around it.

    .venv/bin/python scripts/make_sample_recording.py [--out samples/aria_sample]

Needs `espeak-ng` (apt) only to regenerate; the generated files are committed.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import tempfile
import wave
from fractions import Fraction
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parent.parent

START_UTC = "2025-01-01T10:29:45+00:00"  # 15 s before a 30 s grid boundary: the first clip is short
DURATION_S = 75.0
FPS = 4
SIZE = (640, 480)
AUDIO_RATE = 48000  # as Aria records; ingestion resamples to 16 kHz

# (start_s, end_s, sign text, background RGB, what is drawn)
SCENES = [
    (0.0, 25.0, "KITCHEN", (236, 226, 200), "table"),
    (25.0, 50.0, "FRONT DOOR", (200, 210, 225), "door"),
    (50.0, 75.0, "LIVING ROOM", (215, 235, 210), "sofa"),
]

# (start_s, espeak voice, text). Kept inside the clips 0-15 s, 15-45 s, 45-75 s.
DIALOGUE = [
    (1.0, "en-us+m1", "Do you know where my keys are?"),
    (4.5, "en-us+m7", "Yes, the keys are on the kitchen table, next to the red mug."),
    (10.0, "en-us+m1", "Thanks, I will take them before we leave."),
    (17.0, "en-us+m7", "Our train to the city leaves at nine o'clock."),
    (21.0, "en-us+f4", "Do not forget the umbrella, it will rain this afternoon."),
    (31.0, "en-us+m1", "I will grab the umbrella from the front door."),
    (48.0, "en-us+f4", "I put the shopping list on the fridge."),
    (53.5, "en-us+m1", "Good, I will buy milk and bread on the way home."),
    (60.0, "en-us+f4", "Remember to call your sister this evening."),
]

# IMU: still in the kitchen, walk down the hallway, still in the living room.
MOTION = [("still", 26.0), ("walk", 22.0), ("still", 27.0)]


def render_frame(t_s: float):
    """One 640x480 frame of the scene at ``t_s`` (PIL image)."""
    from PIL import Image, ImageDraw

    start, end, sign, colour, prop = next(s for s in SCENES if s[0] <= t_s < s[1] or s is SCENES[-1])
    image = Image.new("RGB", SIZE, colour)
    draw = ImageDraw.Draw(image)
    font = _font(64)
    # The sign: dark letters on a white board, large enough for OCR at 640x480.
    box = draw.textbbox((0, 0), sign, font=font)
    w, h = box[2] - box[0], box[3] - box[1]
    x0 = (SIZE[0] - w) // 2
    draw.rectangle((x0 - 20, 30, x0 + w + 20, 30 + h + 40), fill=(255, 255, 255), outline=(40, 40, 40), width=4)
    draw.text((x0, 45 - box[1]), sign, fill=(20, 20, 20), font=font)
    _draw_prop(draw, prop, t_s - start)
    # A small dot crossing the bottom edge so consecutive frames differ (time visibly passes).
    x = int((t_s % 10.0) / 10.0 * (SIZE[0] - 20))
    draw.ellipse((x, SIZE[1] - 18, x + 10, SIZE[1] - 8), fill=(90, 90, 90))
    return image


def _draw_prop(draw, prop: str, tau: float) -> None:
    if prop == "table":
        draw.rectangle((140, 300, 500, 330), fill=(139, 90, 43))
        draw.rectangle((160, 330, 180, 440), fill=(120, 75, 35))
        draw.rectangle((460, 330, 480, 440), fill=(120, 75, 35))
        draw.ellipse((200, 270, 250, 300), fill=(200, 30, 30))  # the red mug
        draw.line((300, 290, 340, 285), fill=(180, 180, 60), width=6)  # the keys
        draw.ellipse((336, 278, 352, 294), outline=(180, 180, 60), width=4)
    elif prop == "door":
        shift = int(tau * 4) % 40  # walking: the door sways a little
        draw.rectangle((240 + shift, 170, 400 + shift, 470), fill=(110, 70, 40), outline=(60, 40, 20), width=5)
        draw.ellipse((375 + shift, 320, 389 + shift, 334), fill=(220, 200, 60))
    else:
        draw.rectangle((120, 320, 520, 420), fill=(70, 90, 150))
        draw.rectangle((120, 280, 520, 330), fill=(60, 80, 135))
        draw.rectangle((540, 120, 600, 200), fill=(240, 240, 240), outline=(0, 0, 0))  # the fridge note


def _font(size: int):
    from PIL import ImageFont

    for name in ("DejaVuSans-Bold.ttf", "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf"):
        try:
            return ImageFont.truetype(name, size)
        except OSError:
            continue
    return ImageFont.load_default(size)


def speak(voice: str, text: str, workdir: Path) -> np.ndarray:
    """espeak-ng speech as float32 mono at AUDIO_RATE."""
    from scipy.signal import resample_poly

    out = workdir / "say.wav"
    subprocess.run(["espeak-ng", "-v", voice, "-s", "140", "-w", str(out), text], check=True)
    with wave.open(str(out)) as handle:
        rate = handle.getframerate()
        pcm = np.frombuffer(handle.readframes(handle.getnframes()), dtype=np.int16)
    audio = pcm.astype(np.float32) / 32768.0
    return resample_poly(audio, AUDIO_RATE, rate).astype(np.float32)


def soundtrack() -> np.ndarray:
    """The dialogue mixed onto faint room noise (float32, AUDIO_RATE, DURATION_S long)."""
    track = np.random.default_rng(0).normal(0, 0.002, int(DURATION_S * AUDIO_RATE)).astype(np.float32)
    with tempfile.TemporaryDirectory() as tmp:
        for start_s, voice, text in DIALOGUE:
            speech = 0.8 * speak(voice, text, Path(tmp))
            i = int(start_s * AUDIO_RATE)
            track[i:i + len(speech)] += speech[: len(track) - i]
    return np.clip(track, -1.0, 1.0)


def write_video(path: Path, audio: np.ndarray) -> None:
    """H.264 video at FPS with an AAC mono track."""
    import av

    with av.open(str(path), "w") as out:
        video = out.add_stream("libx264", rate=FPS, options={"crf": "30", "preset": "medium", "g": str(2 * FPS)})
        video.width, video.height, video.pix_fmt = SIZE[0], SIZE[1], "yuv420p"
        sound = out.add_stream("aac", rate=AUDIO_RATE, layout="mono")
        sound.bit_rate = 96000
        for i in range(int(DURATION_S * FPS)):
            frame = av.VideoFrame.from_image(render_frame(i / FPS))
            frame.pts, frame.time_base = i, Fraction(1, FPS)
            out.mux(video.encode(frame))
        out.mux(video.encode())
        chunk = 1024
        for i in range(0, len(audio), chunk):
            piece = audio[i:i + chunk]
            frame = av.AudioFrame.from_ndarray(piece[None, :], format="flt", layout="mono")
            frame.sample_rate, frame.pts, frame.time_base = AUDIO_RATE, i, Fraction(1, AUDIO_RATE)
            out.mux(sound.encode(frame))
        out.mux(sound.encode())


def write_imu(path: Path) -> None:
    """Head IMU (100 Hz) from mocap walking between still periods, Aria-style CSV."""
    from egobutler.motion.imu import write_imu_csv
    from egobutler.motion.synth_imu import session_from_clips

    series, _truth = session_from_clips(MOTION, rate_hz=100.0, seed=7)
    write_imu_csv(series.span(0.0, DURATION_S), path)


def main() -> None:
    import sys

    sys.path.insert(0, str(REPO))  # run from a checkout without installing the package
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=REPO / "samples" / "aria_sample")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    meta = {"wearer": "me", "device": "aria-gen1 (simulated)", "start_utc": START_UTC, "timezone": "UTC"}
    (args.out / "meta.json").write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
    write_video(args.out / "video.mp4", soundtrack())
    write_imu(args.out / "imu.csv")
    for name in ("meta.json", "video.mp4", "imu.csv"):
        print(f"{args.out / name}: {(args.out / name).stat().st_size / 1024:.0f} KiB")


if __name__ == "__main__":
    main()
