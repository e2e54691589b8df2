"""What the avatar's body should say about a reply: one gesture picked from the answer and question.

The generator is never driven by the reply's text itself (a reply such as "B. Alice. Evidence:
DAY2 14:03 …" says nothing about a body); :func:`choose_gesture` reads the reply as a
conversation partner would — is it a greeting, a yes, a no, a don't-know, a memory of a
moment, a count, good news, a considered guess — and :data:`GESTURE_PROMPTS` gives the motion
prompt each gesture is generated from.

Rules, not a model: they are checked in order of how clearly a cue decides the gesture (an
admission of not knowing outweighs a "no" in it; a "no" outweighs a time mentioned after it).
The rules were written against the development replies in
``tests/motion_generation/reply_gestures.py`` and are scored on its held-out part
(``benchmarks/reply_gesture.py``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from egobutler.motion.errors import MotionError

GESTURES = ("greet", "affirm", "deny", "dont_know", "recall", "think", "count", "celebrate", "idle")

# The text each gesture's motion is generated from (the generators' labels include these).
GESTURE_PROMPTS: dict[str, str] = {
    "greet": "wave hello with the right hand",
    "affirm": "nod yes",
    "deny": "shake the head no",
    "dont_know": "shrug, I don't know",
    "recall": "point back over the shoulder, that was earlier",
    "think": "hand on the chin, thinking",
    "count": "count on the fingers",
    "celebrate": "raise both arms and cheer",
    "idle": "stand calmly",
}


class UnknownGesture(MotionError):
    """A gesture name that is not one of :data:`GESTURES`."""


@dataclass(frozen=True)
class GestureChoice:
    """The gesture for a reply and the cue that decided it (shown in logs and the UI)."""

    gesture: str
    cue: str


def _any(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_DONT_KNOW = _any((
    r"\bI (?:do not|don't|didn't|did not) (?:know|see|find|have)\b", r"\bnot sure\b", r"\bno idea\b",
    r"\bI (?:could not|couldn't|can't|cannot) (?:find|tell|see|say|answer|remember)\b",
    r"\bno (?:record|mention|memory|evidence|trace|information)\b", r"\bnothing (?:in|about|on)\b",
    r"\bunclear\b", r"\bunknown\b", r"\bhard to say\b", r"\bno answer\b", r"\bnot in (?:your|the|my) (?:memory|recordings?)\b",
))
_GREETING_Q = _any((
    r"^\s*(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening)|morning|howdy|yo)\b",
    r"^\s*(?:thanks|thank you|cheers|bye|goodbye|good night|see you)\b", r"\bhow are you\b", r"\bwho are you\b",
))
_GREETING_A = _any((
    r"^\s*(?:hi|hello|hey|good (?:morning|afternoon|evening)|welcome back)\b", r"^\s*you'?re welcome\b",
    r"^\s*(?:bye|goodbye|good night|see you)\b", r"^\s*(?:nice|good) to (?:see|hear from) you\b",
))
_CELEBRATE = _any((
    r"\bcongratulations\b", r"\bcongrats\b", r"\bwell done\b", r"\bgreat news\b", r"\bhooray\b", r"\bwoo+\b",
    r"\byou did it\b", r"\byou (?:won|finished|made it|passed|nailed)\b", r"\bhappy birthday\b", r"\bcelebrat",
    r"\bwhat a (?:great|wonderful|fantastic)\b", r"\bamazing\b", r"\bfantastic\b",
))
_DENY = _any((
    r"^\W*(?:no|nope|nah|not really|not at all|never|negative)\b", r"\byou (?:did not|didn't|never|haven't|have not|weren't|were not)\b",
    r"^\W*(?:it|that|she|he|they) (?:was not|wasn't|were not|weren't|is not|isn't|did not|didn't)\b",
    r"^\W*there (?:was|were|is) no\b", r"^\W*(?:I'?m afraid not|unfortunately not|wrong)\b",
))
_COUNT_Q = _any((r"\bhow (?:many|often|much)\b", r"\bnumber of\b", r"\bcount\b", r"\bhow many times\b"))
_NUMBER_WORDS = r"(?:\d+|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|once|twice|a dozen)"
_COUNT_A = _any((rf"^\W*{_NUMBER_WORDS}\b(?!\s*(?::|am\b|pm\b|o'clock))", rf"\b{_NUMBER_WORDS} times\b", r"\btwice\b"))
_AFFIRM = _any((
    r"^\W*(?:yes|yeah|yep|yup|correct|right|exactly|indeed|sure|absolutely|definitely|of course|certainly|that's right|that is right|affirmative)\b",
    r"^\W*(?:you did|you were|it was|it is|that was)\b(?! not| n't)",
))
_RECALL = _any((
    r"\byesterday\b", r"\bearlier\b", r"\blast (?:night|week|time|month|year|monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    r"\bago\b", r"\bday\s?\d\b", r"\b\d{1,2}:\d{2}\b", r"\bthis (?:morning|afternoon)\b", r"\bon (?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)\b",
    r"\bat (?:noon|lunch|breakfast|dinner)\b", r"\bbefore\b", r"\bremember\b", r"\bback (?:then|when)\b",
    r"\byou (?:left|put|placed|saw|met|talked|said|bought|ate|had|went|were)\b", r"\b(?:he|she|they) (?:said|told|gave|handed|suggested)\b",
))
_RECALL_Q = _any((r"^\s*(?:when|where) (?:did|was|were|had)\b", r"^\s*what did\b", r"^\s*who (?:did|was|gave|handed|said)\b", r"\blast time\b"))
_THINK = _any((
    r"\bprobably\b", r"\bmaybe\b", r"\bperhaps\b", r"\bmight\b", r"\bI think\b", r"\bI guess\b", r"\bit seems\b",
    r"\blikely\b", r"\bmy guess\b", r"\bpossibly\b", r"\bI'?d (?:say|suggest|recommend)\b", r"\bdepends\b",
    r"\blet me think\b", r"\bif I had to\b",
))
_THINK_Q = _any((r"^\s*(?:why|should|what do you think|what would|would you|which is better|how come)\b", r"\brecommend\b"))


def choose_gesture(answer: str, question: str = "") -> GestureChoice:
    """The gesture the avatar makes while speaking ``answer`` (the reply to ``question``)."""
    answer = " ".join(str(answer or "").split())
    question = " ".join(str(question or "").split())
    if not answer:
        return GestureChoice("idle", "empty reply")
    checks: tuple[tuple[str, str, bool], ...] = (
        ("dont_know", "the reply admits not knowing", bool(_DONT_KNOW.search(answer))),
        ("greet", "a greeting or thanks", bool(_GREETING_A.search(answer) or (_GREETING_Q.search(question) and len(answer) < 120))),
        ("celebrate", "good news", bool(_CELEBRATE.search(answer))),
        ("deny", "the reply says no", bool(_DENY.search(answer))),
        ("count", "a count", bool(_COUNT_A.search(answer) or (_COUNT_Q.search(question) and re.search(_NUMBER_WORDS, answer, re.I)))),
        ("affirm", "the reply says yes", bool(_AFFIRM.search(answer))),
        ("think", "a hedged guess or advice", bool(_THINK.search(answer) or _THINK_Q.search(question))),
        ("recall", "a remembered moment", bool(_RECALL.search(answer) or _RECALL_Q.search(question))),
    )
    for gesture, cue, matched in checks:
        if matched:
            return GestureChoice(gesture, cue)
    return GestureChoice("idle", "no cue")


def gesture_prompt(gesture: str) -> str:
    """The motion prompt for ``gesture`` (one of :data:`GESTURES`)."""
    try:
        return GESTURE_PROMPTS[gesture]
    except KeyError:
        raise UnknownGesture(f"unknown gesture {gesture!r}; choose one of: {', '.join(GESTURES)}") from None
