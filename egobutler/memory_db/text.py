"""Tokenising for keyword retrieval: lower-case words, stop words out, a light stemmer.

Kept dependency-free and deterministic so that the same text always gives the same
tokens in the index, in queries and in option scoring.
"""

from __future__ import annotations

import re

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")

# Function words carry no topic; pronouns for the wearer are handled by the caller.
STOPWORDS = frozenset(
    """a about above after again against all am an and any are aren't as at be because been before
    being below between both but by can could did didn't do does doesn't doing don't down during each
    few for from further had has have having he he's her here hers herself him himself his how i i'm
    if in into is isn't it it's its itself just let's me more most my myself no nor not of off on once
    only or other our ours ourselves out over own same she she's should so some such than that that's
    the their theirs them themselves then there there's these they they're this those through to too
    under until up very was wasn't we we're were what when where which while who whom why will with
    would you you're your yours yourself yourselves okay ok yeah oh um uh ah hmm like just really
    also going go get got gonna want wanna let s t re ve ll d m o y""".split()
)

_SUFFIXES = ("ingly", "edly", "ing", "ies", "ied", "es", "ed", "ly", "s")


def stem(word: str) -> str:
    """A conservative suffix stripper: 'washing'/'washed'/'washes' -> 'wash'."""
    if len(word) <= 4 or word.isdigit():
        return word
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            base = word[: -len(suffix)]
            if suffix in ("ies", "ied"):
                return base + "y"
            if suffix in ("ing", "ed") and len(base) > 3 and base[-1] == base[-2] and base[-1] not in "ls":
                return base[:-1]  # 'stopped' -> 'stop'
            return base
    return word


def tokenize(text: str, *, keep_stopwords: bool = False) -> list[str]:
    """Lower-cased, stemmed word tokens of ``text``; stop words dropped unless asked."""
    words = _WORD.findall(text.lower().replace("\u2019", "'"))
    out = []
    for word in words:
        word = word.split("'")[0] if word.endswith(("'s", "'t", "'re", "'ll", "'ve", "'d", "'m")) else word
        if not keep_stopwords and (word in STOPWORDS or len(word) < 2):
            continue
        out.append(stem(word))
    return out
