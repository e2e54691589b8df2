"""Utterances heard over a whole recording, handed out to the clips that cut it up.

Speech is heard once per recording (VAD, ASR and diarization see whole sentences and the
whole conversation); memory is stored per clip. `utterances_in_span` gives one clip its
part of the recording's speech, on the clip's clock:

* an utterance inside the clip is the clip's as it is;
* an utterance that straddles the clip's edge is split at its word timestamps — each word
  goes to the clip that holds its midpoint, so every word lands in exactly one clip;
* a straddling utterance without word timestamps goes whole to every clip it touches
  (times clipped to each clip), so it is never lost.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from .records import Utterance, Word


def utterances_in_span(utterances: Sequence[Utterance], start_s: float, end_s: float) -> list[Utterance]:
    """The part of ``utterances`` (recording clock) that belongs to [start_s, end_s), on the span's clock."""
    out: list[Utterance] = []
    for utt in utterances:
        if utt.end_s <= start_s or utt.start_s >= end_s:
            continue
        if start_s <= utt.start_s and utt.end_s <= end_s:
            out.append(_shift(utt, utt.words, start_s, end_s))
        elif utt.words:
            mine = [w for w in utt.words if start_s <= (w.start_s + w.end_s) / 2 < end_s]
            if mine:
                out.append(_shift(replace(utt, text=join_words(mine), start_s=mine[0].start_s,
                                          end_s=mine[-1].end_s), mine, start_s, end_s))
        else:
            out.append(_shift(utt, (), start_s, end_s))
    return out


def _shift(utt: Utterance, words: Sequence[Word], start_s: float, end_s: float) -> Utterance:
    length = end_s - start_s

    def clock(t: float) -> float:
        return round(min(max(t - start_s, 0.0), length), 3)

    return replace(utt, start_s=clock(utt.start_s), end_s=clock(utt.end_s),
                   words=tuple(replace(w, start_s=clock(w.start_s), end_s=clock(w.end_s)) for w in words))


def join_words(words: Sequence[Word]) -> str:
    """Words back into text: a space between words, none before punctuation."""
    text = ""
    for w in words:
        token = w.text.strip()
        if not token:
            continue
        text += token if not text or token[:1] in ",.!?;:'" else " " + token
    return text
