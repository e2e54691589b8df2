"""Render docs/avatar_replies.mp4: the bundled generator animating three assistant replies.

    .venv/bin/python docs/avatar_replies.py [--out docs/avatar_replies.mp4]
"""

from __future__ import annotations

import argparse

import numpy as np

REPLIES = [
    ("Sure, let's go: the screwdriver is in the kitchen drawer.", "walk forward"),
    ("Great news, Alice said yes to Tuesday!", "let's celebrate"),
    ("Let me look for it under the table.", "search on the floor"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/avatar_replies.mp4")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    from egobutler.motion.avatar import animate_reply, load_generator
    from egobutler.motion.render import Camera, render_frames, write_mp4

    gen = load_generator("fractal")
    frames: list[np.ndarray] = []
    for reply, gesture in REPLIES:
        # The UI passes the gesture the reply implies; the reply itself is the caption.
        motion = animate_reply(gesture, args.seconds, generator=gen)
        frames += render_frames(motion, Camera(width=400, height=300), title=f"{reply}\n[{gesture}]")
    write_mp4(frames, args.out, fps=30.0)
    print(f"wrote {args.out} ({len(frames)} frames)")


if __name__ == "__main__":
    main()
