"""A reply, performed: the gesture it calls for, the spoken words, and motion timed to them.

:func:`perform_reply` is what the chat and the CLI call. It picks the gesture from the answer and
question (:mod:`egobutler.motion.reply_gesture`), speaks the reply's shown text
(:mod:`egobutler.motion.speech`, optional), and asks the generator for the gesture's prompt —
never for the reply's words — for as long as the speech lasts plus a short settle, so the
gesture's stroke lands on the first words and the body is calm again when the voice stops.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from egobutler.motion.avatar import Motion, MotionGenerator
from egobutler.motion.errors import MotionError
from egobutler.motion.reply_gesture import GestureChoice, choose_gesture, gesture_prompt
from egobutler.motion.speech import Speech, Voice, spoken_text

MIN_MOTION_S, MAX_MOTION_S = 2.0, 46.0  # a gesture needs ~2 s; the longest speech is 45 s (speech.py)
SETTLE_S = 0.4  # motion after the last word, so the voice never outlasts the body
WORDS_PER_S = 2.5  # reading pace assumed for the motion's length when the voice is off


@dataclass(frozen=True, eq=False)
class ReplyPerformance:
    """What the avatar does for one reply. ``speech`` is None when the voice is off.

    ``timings_s`` says how long each step took here (keys: gesture, speech, motion)."""

    text: str
    spoken: str
    gesture: GestureChoice
    prompt: str
    motion: Motion
    speech: Speech | None
    timings_s: dict[str, float]


def motion_seconds(spoken: str, speech: Speech | None) -> float:
    """How long the body moves: the speech plus a settle, or the reading time when silent."""
    said = speech.duration_s if speech is not None else len(spoken.split()) / WORDS_PER_S
    return min(MAX_MOTION_S, max(MIN_MOTION_S, said + SETTLE_S))


def perform_reply(answer: str, question: str = "", *, generator: MotionGenerator, voice: Voice | None = None,
                  level: int | None = None) -> ReplyPerformance:
    """The avatar's gesture, speech (when ``voice`` is given) and motion for ``answer``."""
    started = time.perf_counter()
    choice = choose_gesture(answer, question)
    spoken = spoken_text(answer)
    after_gesture = time.perf_counter()
    speech = voice.speak(spoken) if voice is not None and spoken else None
    after_speech = time.perf_counter()
    prompt = gesture_prompt(choice.gesture)
    seconds = motion_seconds(spoken, speech)
    if not seconds > 0:
        raise MotionError(f"a reply motion needs a positive length in seconds, not {seconds}")
    motion = generator.generate(prompt, seconds, level=level)
    done = time.perf_counter()
    return ReplyPerformance(text=str(answer), spoken=spoken, gesture=choice, prompt=prompt, motion=motion, speech=speech,
                            timings_s={"gesture": after_gesture - started, "speech": after_speech - after_gesture,
                                       "motion": done - after_speech})


def warm_up(generator: MotionGenerator, voice: Voice | None = None) -> float:
    """Perform one reply per gesture so every model and prompt embedding is loaded; returns seconds."""
    from egobutler.motion.reply_gesture import GESTURES

    started = time.perf_counter()
    for gesture in GESTURES:
        generator.generate(gesture_prompt(gesture), MIN_MOTION_S)
    if voice is not None:
        voice.speak("Hello.")
    return time.perf_counter() - started
