"""Render docs/avatar_replies.mp4: the avatar acting out six replies, with its voice.

    .venv/bin/python docs/avatar_replies.py [--out docs/avatar_replies.mp4] [--generator retrieval]

Each reply goes through exactly what the chat does (`perform_reply`: gesture from the reply and
question, hibari-tts speech, the default generator's motion for the gesture), drawn by the
server-side renderer with the reply and its gesture as the caption.
"""

from __future__ import annotations

import argparse

import numpy as np

REPLIES = [
    ("hi", "Hello! Ask me anything about your week."),
    ("Did I leave the screwdriver in the kitchen?", "Yes, it is in the kitchen drawer by the sink."),
    ("Did I water the plants today?", "No, the plants were not watered today."),
    ("Where is my passport?", "I don't know. It never appears in your recordings."),
    ("What did Alice suggest on Tuesday?", "She suggested a picnic in the park, on DAY2 at 14:03."),
    ("Did our team win the quiz?", "Great news: your team won the quiz!"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="docs/avatar_replies.mp4")
    parser.add_argument("--generator", default=None, help="retrieval | fractal (default: the default generator)")
    args = parser.parse_args()

    from egobutler.motion.avatar import DEFAULT_GENERATOR, load_generator
    from egobutler.motion.performance import perform_reply
    from egobutler.motion.render import Camera, performance_av, write_mp4
    from egobutler.motion.speech import HibariVoice

    gen = load_generator(args.generator or DEFAULT_GENERATOR)
    voice = HibariVoice().load()
    frames: list[np.ndarray] = []
    audio: list[np.ndarray] = []
    for question, answer in REPLIES:
        perf = perform_reply(answer, question, generator=gen, voice=voice)
        title = f"Q: {question}\nA: {answer}\n[{perf.gesture.gesture}]"
        shots, sound = performance_av(perf, Camera(width=480, height=320), title=title)
        frames += shots
        audio.append(sound)
        print(f"{perf.gesture.gesture:<10} {perf.motion.duration_s:4.1f} s  {answer}")
    write_mp4(frames, args.out, fps=30.0, audio=np.concatenate(audio), sample_rate=perf.speech.sample_rate)
    print(f"wrote {args.out} ({len(frames)} frames)")


if __name__ == "__main__":
    main()
