"""The avatar's voice: offline text-to-speech, and the part of a reply that is spoken.

The voice is ``hibari-tts`` (Apache-2.0): a 7.9 MB int8 ONNX voice ("heart", American English)
inside the package, run by onnxruntime on one CPU thread — nothing downloads. Its other voices
download on first use, so only one already on disk is accepted (``voice_path(...,
download_missing=False)``). It lives in ``motion/`` because the avatar's output (body and voice,
timed together) is this package's job; ``ui/`` imports it like the rest of the avatar.

Nothing is spoken that the chat does not show: :func:`spoken_text` takes the reply's text as
displayed and drops only what is not prose (the "Evidence:" line of citations, markdown marks).
"""

from __future__ import annotations

import io
import logging
import re
import wave
from abc import ABC, abstractmethod
from dataclasses import dataclass

import numpy as np

from egobutler.motion.errors import MotionError

log = logging.getLogger(__name__)

SENTENCE_PAUSE_S = 0.18  # silence between spoken sentences
MAX_SPOKEN_CHARS = 600  # a longer reply is spoken up to the sentence that crosses this
MAX_SPEECH_S = 45.0  # and no speech lasts longer (a 600-character word would take 90 s)


class VoiceUnavailable(MotionError):
    """The TTS voice cannot be loaded (package missing, or a voice that is not on disk)."""


@dataclass(frozen=True)
class SpokenSentence:
    """One sentence and when it is heard, in seconds from the start of the speech."""

    text: str
    start_s: float
    end_s: float


@dataclass(frozen=True, eq=False)
class Speech:
    """Mono float32 ``audio`` at ``sample_rate`` Hz and the sentences in it."""

    audio: np.ndarray
    sample_rate: int
    sentences: tuple[SpokenSentence, ...]
    model_id: str

    @property
    def duration_s(self) -> float:
        return len(self.audio) / self.sample_rate

    @property
    def text(self) -> str:
        return " ".join(s.text for s in self.sentences)


class Voice(ABC):
    """Text → :class:`Speech`."""

    model_id: str = "voice"

    @abstractmethod
    def speak(self, text: str) -> Speech:
        """Speech for ``text`` (already cut to what should be said: see :func:`spoken_text`)."""


class HibariVoice(Voice):
    """hibari-tts, loaded on first use (about 1.5 s), then ~100x faster than real time here."""

    def __init__(self, voice: str = "heart", threads: int = 1, seed: int = 0):
        self.voice = voice
        self.threads = threads
        self.seed = seed
        self.model_id = f"hibari-tts:{voice}"
        self._tts = None

    def load(self) -> HibariVoice:
        if self._tts is None:
            try:
                from hibari import Hibari
                from hibari.voices import voice_path
            except ImportError:
                raise VoiceUnavailable("the avatar's voice needs hibari-tts: pip install hibari-tts==0.2.1 "
                                       "(or set avatar_voice = false)") from None
            try:
                path = voice_path(self.voice, download_missing=False)
            except (ValueError, FileNotFoundError) as exc:
                raise VoiceUnavailable(f"hibari voice {self.voice!r} is not on this machine ({exc}); "
                                       "use the bundled voice 'heart'") from None
            self._tts = Hibari(voice=self.voice, model=path, threads=self.threads)
        return self

    def speak(self, text: str) -> Speech:
        self.load()
        rng = np.random.default_rng(self.seed)  # the same reply always sounds the same
        rate = int(self._tts.sample_rate)
        pause = np.zeros(int(SENTENCE_PAUSE_S * rate), np.float32)
        parts, sentences, now = [], [], 0.0
        for sentence in self._tts.split_sentences(text):
            if now >= MAX_SPEECH_S:
                break
            audio = np.concatenate([self._tts.from_ids(self._tts.ids(ps), 1.0, rng) for ps in self._tts.phonemize(sentence)]
                                   or [np.zeros(0, np.float32)])
            if not len(audio):
                continue
            if parts:
                parts.append(pause)
                now += len(pause) / rate
            audio = audio[: int((MAX_SPEECH_S - now) * rate)].astype(np.float32)
            parts.append(audio)
            sentences.append(SpokenSentence(sentence, now, now + len(audio) / rate))
            now += len(audio) / rate
        audio = np.concatenate(parts) if parts else np.zeros(0, np.float32)
        return Speech(audio=audio, sample_rate=rate, sentences=tuple(sentences), model_id=self.model_id)


_EVIDENCE = re.compile(r"^\s*(?:evidence|sources?)\s*:", re.IGNORECASE)
_MARKUP = re.compile(r"[*_`#]+|^\s*>+|\[(?P<label>[^\]]*)\]\([^)]*\)")


def spoken_text(reply: str) -> str:
    """What the avatar says for ``reply``: its shown text up to an "Evidence:" line, without
    markdown marks, cut after the sentence that passes :data:`MAX_SPOKEN_CHARS`."""
    lines = []
    for line in str(reply or "").splitlines():
        if _EVIDENCE.match(line):
            break
        lines.append(line)
    text = " ".join(_MARKUP.sub(lambda m: m.group("label") or " ", line) for line in lines)
    text = " ".join(text.split())
    if len(text) > MAX_SPOKEN_CHARS:
        cut = re.search(r"[.!?](\s|$)", text[MAX_SPOKEN_CHARS:])
        text = text[: MAX_SPOKEN_CHARS + (cut.end() if cut else 0)].strip()
    return text


def wav_bytes(speech: Speech) -> bytes:
    """``speech`` as a 16-bit mono WAV file in memory."""
    pcm = (np.clip(speech.audio, -1.0, 1.0) * 32767.0).astype("<i2")
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(speech.sample_rate)
        w.writeframes(pcm.tobytes())
    return out.getvalue()


def load_voice(name: str = "hibari", voice: str = "heart") -> Voice:
    """The TTS backend ``name`` (only "hibari" for now) with ``voice``."""
    if name != "hibari":
        raise VoiceUnavailable(f"unknown TTS backend {name!r}; choose: hibari")
    return HibariVoice(voice=voice)
