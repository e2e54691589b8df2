"""A reply, performed: the gesture it calls for, the spoken words, and motion timed to them.

:func:`perform_reply` is what the chat and the CLI call. It picks the gesture from the answer and
question (:mod:`egobutler.motion.reply_gesture`), speaks the reply's shown text
(:mod:`egobutler.motion.speech`, optional), and asks the generator for the gesture's prompt —
never for the reply's words — for as long as the speech lasts plus a short settle: the
gesture under the first sentence, a talking beat under each later one, so the stroke lands
on the first words and the body is calm again when the voice stops.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from egobutler.motion.avatar import Motion, MotionGenerator
from egobutler.motion.clip_ops import BLEND_FRAMES, chain, fit_duration, to_fps, trim
from egobutler.motion.errors import MotionError
from egobutler.motion.reply_gesture import GestureChoice, choose_gesture, gesture_prompt
from egobutler.motion.speech import Speech, Voice, spoken_text

TALK_PROMPT = "talk with the hands"  # the beat under each sentence after the first
MIN_GESTURE_S = 1.8  # the reply's gesture plays at least this long before the talking beats
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


def timed_motion(generator: MotionGenerator, prompt: str, speech: Speech | None, seconds: float,
                 level: int | None = None) -> Motion:
    """``seconds`` of motion: the gesture under the first sentence, then a talking beat under each
    later sentence (blended one into the next), so the body moves with the voice."""
    sentences = speech.sentences if speech is not None else ()
    if len(sentences) < 2:
        return generator.generate(prompt, seconds, level=level)
    starts = [max(s.start_s, MIN_GESTURE_S) for s in sentences[1:]] + [seconds]
    parts = [generator.generate(prompt, starts[0], level=level)]
    parts += [generator.generate(TALK_PROMPT, end - start, level=level)
              for start, end in zip(starts, starts[1:]) if end - start > 0.3]
    whole = chain([to_fps(p, parts[0].fps) for p in parts], BLEND_FRAMES)
    return trim(whole, seconds) if whole.duration_s >= seconds else fit_duration(whole, seconds, whole.fps)


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
    motion = timed_motion(generator, prompt, speech, seconds, level)
    done = time.perf_counter()
    return ReplyPerformance(text=str(answer), spoken=spoken, gesture=choice, prompt=prompt, motion=motion, speech=speech,
                            timings_s={"gesture": after_gesture - started, "speech": after_speech - after_gesture,
                                       "motion": done - after_speech})


def warm_up(generator: MotionGenerator, voice: Voice | None = None) -> float:
    """Perform one reply per gesture so every model and prompt embedding is loaded; returns seconds."""
    from egobutler.motion.reply_gesture import GESTURES

    started = time.perf_counter()
    for prompt in [gesture_prompt(g) for g in GESTURES] + [TALK_PROMPT]:
        generator.generate(prompt, MIN_MOTION_S)
    if voice is not None:
        voice.speak("Hello.")
    return time.perf_counter() - started
