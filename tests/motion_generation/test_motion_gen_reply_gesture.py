"""Reply → gesture: the avatar's body says what the reply says (scored on held-out replies)."""

from __future__ import annotations

from collections import Counter

import pytest

from egobutler.motion.reply_gesture import GESTURE_PROMPTS, GESTURES, UnknownGesture, choose_gesture, gesture_prompt

from reply_gestures import DEV, HELD_OUT


def _accuracy(items) -> tuple[float, list]:
    wrong = [(q, a, g, choose_gesture(a, q).gesture) for q, a, g in items if choose_gesture(a, q).gesture != g]
    return 1 - len(wrong) / len(items), wrong


def test_held_out_replies_get_the_gesture_a_person_expects() -> None:
    assert {g for _, _, g in HELD_OUT} == set(GESTURES), "every gesture is scored"
    accuracy, wrong = _accuracy(HELD_OUT)
    assert accuracy >= 0.9, wrong  # measured 37/38 (docs/avatar.md)


def test_development_replies_all_map_and_no_gesture_dominates() -> None:
    accuracy, wrong = _accuracy(DEV)
    assert accuracy == 1.0, wrong
    picked = Counter(choose_gesture(a, q).gesture for q, a, _ in DEV + HELD_OUT)
    assert max(picked.values()) < 0.2 * (len(DEV) + len(HELD_OUT))


@pytest.mark.parametrize(("question", "answer", "gesture"), [
    ("Did I lock the door?", "No. I couldn't find you locking it.", "dont_know"),  # not knowing outweighs "no"
    ("Where are my keys?", "No, not in the kitchen: on DAY3 at 09:10 you left them by the door.", "deny"),
    ("Which shop?", "B. The bakery\nEvidence: DAY2 10:05 buying bread", "recall"),
    ("", "", "idle"),
])
def test_the_strongest_cue_decides(question, answer, gesture) -> None:
    assert choose_gesture(answer, question).gesture == gesture


def test_every_gesture_has_a_motion_prompt_and_unknown_ones_are_named() -> None:
    assert set(GESTURE_PROMPTS) == set(GESTURES)
    with pytest.raises(UnknownGesture, match="greet, affirm"):
        gesture_prompt("moonwalk")
