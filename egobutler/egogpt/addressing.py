"""Names from what people say: "Thanks, Alice" suggests that the voice addressed is Alice.

The addressed voice is the next utterance's speaker when someone else answers, otherwise
the previous other speaker. These are suggestions with their evidence (the sentence and
its time), never names applied on their own: "Hey, Google" or a name in a story would
otherwise rename the wrong voice.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .records import Utterance

_GREETING = r"(?:thanks|thank you|cheers|hi|hey|hello|bye|goodbye|good morning|good night|morning|night|sorry|" \
            r"see you|welcome|well done|nice one|excuse me|ok|okay|yes|no|right|look|listen|please)"
# "Thanks, Alice" / "Hi Bob!" anywhere; "Alice, could you…" at the start; "…, Carol?" at the end.
_PATTERNS = (
    re.compile(rf"\b{_GREETING},?\s+([A-Z][a-z]{{2,}})\b(?!\s+[a-z])", re.IGNORECASE),
    re.compile(r"^([A-Z][a-z]{2,}),\s+\w"),
    re.compile(r",\s+([A-Z][a-z]{2,})\s*[.?!]\s*$"),
)
_NOT_NAMES = {"the", "this", "that", "there", "then", "you", "guys", "everyone", "everybody", "all", "man", "dear",
              "buddy", "mate", "sir", "madam", "please", "thanks", "okay", "well", "yes", "now", "again", "too",
              "much", "so", "very", "for", "and", "but", "then", "here", "what", "where", "when", "how", "why",
              "sure", "great", "good", "fine", "right", "later", "tomorrow", "today", "tonight", "guys", "folks",
              "honey", "baby", "darling", "love", "friend", "everyone's", "team", "google", "alexa", "siri",
              "hey", "hi", "hello", "bye", "goodbye", "sorry", "cheers", "welcome", "look", "listen", "wait", "oh",
              "yeah", "yep", "nope", "no", "alright", "anyway", "actually", "maybe", "morning", "night", "excuse",
              "thank", "let's", "lets", "guess", "course", "indeed", "exactly", "really", "wow", "ah", "uh", "um"}


@dataclass(frozen=True)
class AddressedName:
    """``name`` was said by ``said_by`` to ``addressed`` in ``utterance``."""

    name: str
    addressed: str
    said_by: str
    utterance: Utterance


def names_in(text: str) -> list[str]:
    """Names a sentence addresses someone by (capitalised, not a common word)."""
    found: list[str] = []
    for pattern in _PATTERNS:
        for match in pattern.finditer(text.strip()):
            name = match.group(1)
            if name[:1].isupper() and name.lower() not in _NOT_NAMES and name not in found:
                found.append(name)
    return found


def addressed_names(utterances: Sequence[Utterance]) -> list[AddressedName]:
    """Every (name, voice addressed) that ``utterances`` (in time order, with speakers) suggest."""
    out: list[AddressedName] = []
    ordered = sorted((u for u in utterances if u.speaker), key=lambda u: u.start_s)
    for i, utt in enumerate(ordered):
        names = names_in(utt.text)
        if not names:
            continue
        after = next((u.speaker for u in ordered[i + 1:] if u.speaker != utt.speaker), None)
        before = next((u.speaker for u in reversed(ordered[:i]) if u.speaker != utt.speaker), None)
        addressed = after or before
        if addressed is None:
            continue
        out.extend(AddressedName(name, addressed, utt.speaker, utt) for name in names)
    return out
