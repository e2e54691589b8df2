"""Hallucination guards flag doubtful text and keep it."""

from __future__ import annotations

import numpy as np
import pytest

from egobutler.egogpt.asr import make_utterance
from egobutler.egogpt.guards import (LOW_CONFIDENCE, NO_SPEECH, REPETITION, flag_loops, has_repeated_phrase,
                                     word_error_rate)


def utt(text: str, start: float = 0.0, logprob: float = -0.2, no_speech: float = 0.01):
    return make_utterance(start_s=start, end_s=start + 2, text=text, model_id="m", avg_logprob=logprob,
                          no_speech_prob=no_speech)


@pytest.mark.parametrize("text", [
    "Thank you. Thank you. Thank you. Thank you. Thank you. Thank you.",
    "no no no no no",
    "I'm going to the I'm going to the I'm going to the store",
    "so " * 60,
])
def test_loops_within_a_segment_are_flagged(text):
    assert REPETITION in utt(text).flags


@pytest.mark.parametrize("text", [
    "I left the screwdriver in the garage next to the red toolbox.",
    "No, no, I meant the other one.",
    "Did anyone see where I put my keys this morning?",
])
def test_normal_speech_is_not_flagged(text):
    assert utt(text).flags == ()


def test_a_segment_repeating_an_earlier_one_is_flagged_but_kept():
    lines = [utt("We should buy a small bowl for keys.", 0), utt("Okay.", 2), utt("Okay.", 4),
             utt("We should buy a small bowl for keys.", 6)]
    flagged = flag_loops(lines)
    assert len(flagged) == 4  # nothing dropped
    assert [REPETITION in u.flags for u in flagged] == [False, False, False, True]  # short "Okay." may recur


def test_low_confidence_and_no_speech_are_flagged():
    assert utt("the tomatoes", logprob=-1.4).flags == (LOW_CONFIDENCE,)
    assert utt("thanks for watching", logprob=-1.3, no_speech=0.9).flags == (LOW_CONFIDENCE, NO_SPEECH)
    assert utt("thanks for watching", logprob=-0.3, no_speech=0.9).flags == ()  # confident text on a quiet frame
    assert utt("the tomatoes", logprob=-0.2).confidence == pytest.approx(0.8187, abs=1e-3)


def test_phrase_detector_and_wer():
    assert has_repeated_phrase("a b c a b c a b c")
    assert not has_repeated_phrase("a b c a b c d")
    assert word_error_rate("The red toolbox.", "the red toolbox") == 0.0
    assert word_error_rate("the red toolbox", "the blue toolbox box") == pytest.approx(2 / 3)


@pytest.mark.slow
@pytest.mark.parametrize("level_db", [-24.0, -30.0])
def test_a_quiet_sentence_over_room_noise_survives_vad_asr_and_the_guards(speech, spoken, room_tone, tiny_en_asr,
                                                                          level_db):
    """bob_1 spoken far from the microphones (peak at ``level_db`` dBFS) over room tone: heard, kept, unflagged."""
    from egobutler.egogpt.guards import NO_SPEECH, words_of
    from egobutler.egogpt.hearing import hear

    voice = speech("bob_1")
    quiet = voice / np.abs(voice).max() * 10 ** (level_db / 20)
    audio = 0.04 * room_tone[: len(quiet) + 3 * 16000].copy()  # a quiet room, about -63 dBFS
    audio[16000:16000 + len(quiet)] += quiet
    heard = hear(audio.astype(np.float32), asr=tiny_en_asr)
    text = " ".join(u.text for u in heard.utterances)
    said = set(words_of(spoken["bob_1"]["text"]))
    assert len(said & set(words_of(text))) >= 0.6 * len(said), text  # heard, not dropped
    assert not any(NO_SPEECH in u.flags for u in heard.utterances)  # and not flagged as silence
