"""Hallucination guards for ASR output: flag doubtful text, never drop it.

Whisper's failure modes on long, noisy, egocentric audio are loops (the same phrase over
and over), text carried from one window into the next, and confident-sounding text on
silence. Each segment gets flags a reader (or a filter) can act on:

* ``repetition`` — a phrase repeats within the segment, the text compresses too well, or
  the segment repeats one of the previous few segments word for word;
* ``low_confidence`` — mean token log-probability below ``min_avg_logprob``;
* ``no_speech`` — the model itself thinks there was no speech (and was not confident).
"""

from __future__ import annotations

import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from .records import Utterance

REPETITION = "repetition"
LOW_CONFIDENCE = "low_confidence"
NO_SPEECH = "no_speech"

_WORD = re.compile(r"[\w']+")


@dataclass(frozen=True)
class GuardConfig:
    """Thresholds (whisper's own defaults where it has them)."""

    max_compression_ratio: float = 2.4  # zlib ratio above which text is a loop
    min_avg_logprob: float = -1.0  # nats per token
    max_no_speech_prob: float = 0.6
    min_ngram_repeats: int = 3  # the same 2..6-word phrase this many times in a row
    min_word_repeats: int = 4  # the same single word this many times in a row
    lookback_segments: int = 3  # a segment equal to one of the last N is a loop


def words_of(text: str) -> list[str]:
    """Lower-case words without punctuation (for comparing and scoring)."""
    return _WORD.findall(text.lower())


def compression_ratio(text: str) -> float:
    """len(text) / len(zlib(text)): ~1-1.8 for normal speech, > 2.4 for loops."""
    data = text.encode("utf-8")
    return len(data) / len(zlib.compress(data)) if data else 0.0


def has_repeated_phrase(text: str, config: GuardConfig = GuardConfig()) -> bool:
    """True when a word or short phrase repeats back to back (``"no no no no"``, ``"I'm sorry. I'm sorry. …"``)."""
    words = words_of(text)
    for n in range(1, 7):
        needed = config.min_word_repeats if n == 1 else config.min_ngram_repeats
        for start in range(len(words) - n * needed + 1):
            phrase = words[start:start + n]
            if all(words[start + k * n:start + (k + 1) * n] == phrase for k in range(1, needed)):
                return True
    return False


def segment_flags(text: str, *, avg_logprob: float | None, no_speech_prob: float | None,
                  config: GuardConfig = GuardConfig()) -> tuple[str, ...]:
    """Flags for one ASR segment judged on its own."""
    flags: list[str] = []
    if compression_ratio(text) > config.max_compression_ratio or has_repeated_phrase(text, config):
        flags.append(REPETITION)
    if avg_logprob is not None and avg_logprob < config.min_avg_logprob:
        flags.append(LOW_CONFIDENCE)
        if no_speech_prob is not None and no_speech_prob > config.max_no_speech_prob:
            flags.append(NO_SPEECH)
    return tuple(flags)


def flag_loops(utterances: Sequence[Utterance], config: GuardConfig = GuardConfig()) -> list[Utterance]:
    """Add ``repetition`` to an utterance that repeats one of the previous few word for word.

    Short acknowledgements ("yes", "okay") are allowed to recur: only texts of 4+ words count.
    """
    from dataclasses import replace

    out: list[Utterance] = []
    recent: list[tuple[str, ...]] = []
    for utt in utterances:
        key = tuple(words_of(utt.text))
        if len(key) >= 4 and key in recent[-config.lookback_segments:] and REPETITION not in utt.flags:
            utt = replace(utt, flags=utt.flags + (REPETITION,))
        out.append(utt)
        recent.append(key)
    return out


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Word error rate (substitutions + deletions + insertions) / reference words, case and punctuation ignored."""
    ref, hyp = words_of(reference), words_of(hypothesis)
    if not ref:
        return float(len(hyp) > 0)
    prev = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        cur = [i] + [0] * len(hyp)
        for j, h in enumerate(hyp, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (r != h))
        prev = cur
    return prev[-1] / len(ref)
