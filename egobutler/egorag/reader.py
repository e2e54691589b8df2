"""The reader: retrieved evidence -> the prompt a language model answers from -> a clean reply.

Retrieval hands over `Evidence` (best first); this module decides how much of it the
model reads (a token budget: prefill is the slow part on a CPU), quotes it as numbered
entries inside the one delimited evidence block (memory text never appears anywhere
else in the prompt), and cleans the reply as it streams: a citation ``[n]`` that points
at no evidence entry is dropped before anyone sees it.

The wearer is "you" to the reader: their own speech is quoted as "You:", and the
prompt says that "I" in captions is the wearer. Times are the wearer's local times.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from egobutler.egorag.records import Evidence, Question

ANSWER_TASK = (
    "You are the memory of a person who wears smart glasses, and you talk to that person. Answer their "
    "question from the numbered evidence only, in one or two short sentences of plain words. Cite the entry "
    "each fact comes from as [n] and say when it happened. In the evidence, \"I\", \"me\" and \"You:\" are "
    "the person you talk to: call them \"you\". If no entry holds the answer, say \"I don't know.\""
)
# One worked example, given as an earlier turn (small models copy an example written into the task).
EXAMPLE_ASK = (
    "<evidence>\n[1] (Mon 3 Mar 18:40) You: I left my bag at the office.\n"
    "[2] (Mon 3 Mar 09:12) I open the fridge. Person A: The milk is on the top shelf.\n</evidence>\n"
    "Now: Tue 4 Mar 08:00\nQuestion: Where is my bag?"
)
EXAMPLE_ANSWER = "You left it at the office, on Monday at 18:40 [1]."
CHOICE_TASK = (
    "You are the memory of a person who wears smart glasses. Answer their question from the evidence "
    "only. In the evidence, \"I\" and \"me\" are the person asking."
)
#: Evidence the reader sees, in tokens. Prefill is the slow part on a CPU (the task and the worked example are
#: cached across questions): ~450 new tokens a question take ~4 s with the 0.5B model on two idle cores
#: (prefill ~120 tokens/s, ENVIRONMENT.md), about three times that with the default 1.5B.
EVIDENCE_TOKENS = 400
MAX_ENTRIES = 8
LINES_PER_ENTRY = 6
ANSWER_TOKENS = 96

_UNNAMED = re.compile(r"^[a-z]+[-_][0-9a-f]{6,}$")  # a voice id the people list has no name for
_CITATION = re.compile(r"\[\s*(\d+(?:\s*[,;]\s*\d+)*)\s*\]")


@dataclass(frozen=True)
class ReaderPrompt:
    """What the reader is asked: the chat, and which evidence each entry number stands for."""

    messages: tuple
    entries: tuple[Evidence, ...]
    texts: tuple[str, ...] = ()  # each entry as the reader saw it


def local_time(when: datetime, timezone: str, *, with_day: bool = True) -> str:
    """A time as the wearer reads it: "Wed 1 Jan 10:29" in their timezone."""
    local = when.astimezone(ZoneInfo(timezone))
    return local.strftime("%a %-d %b %H:%M") if with_day else local.strftime("%H:%M")


def entry_text(evidence: Evidence, timezone: str, lines: int = LINES_PER_ENTRY,
               unnamed: dict[str, str] | None = None) -> str:
    """One evidence entry: its local time, then its lines with speakers.

    The wearer speaks as "You"; a voice without a name ("anon-3bd4…") becomes "Person A",
    "Person B"… (consistent across the entries sharing ``unnamed``); signs read as signs.
    """
    unnamed = {} if unnamed is None else unnamed
    parts, moves = [], []
    for line in evidence.lines[:lines]:
        text = line.text.removeprefix(f"[{line.kind}] ")
        if line.kind == "scene_text":
            parts.append(f'(a sign reads "{text}")')
            continue
        if line.kind == "motion":  # how the wearer moved: last, so small readers don't take it for the answer
            moves.append(f"(movement: {text})")
            continue
        speaker = line.speaker
        if speaker == "me":
            speaker = "You"
        elif speaker and _UNNAMED.match(speaker):
            speaker = unnamed.setdefault(speaker, f"Person {chr(ord('A') + len(unnamed) % 26)}")
        parts.append(f"{speaker}: {text}" if speaker else text)
    return f"({local_time(evidence.start, timezone)}) " + " ".join(parts + moves)


def choose_entries(evidence: Sequence[Evidence], timezone: str, count_tokens: Callable[[str], int],
                   budget: int = EVIDENCE_TOKENS, limit: int = MAX_ENTRIES) -> list[tuple[Evidence, str]]:
    """The best evidence entries that fit ``budget`` tokens (at least one, trimmed if it must be)."""
    chosen: list[tuple[Evidence, str]] = []
    used = 0
    unnamed: dict[str, str] = {}
    for ev in evidence[:limit]:
        text = entry_text(ev, timezone, unnamed=unnamed)
        cost = count_tokens(text) + 4
        if chosen and used + cost > budget:
            break  # entries stay a prefix of the evidence, so [n] is the n-th evidence card
        if not chosen and cost > budget:
            text = text[: budget * 3]  # ~3 characters per token: keep the head of an over-long first entry
        chosen.append((ev, text))
        used += cost
    return chosen


def answer_prompt(question: Question, evidence: Sequence[Evidence], timezone: str,
                  count_tokens: Callable[[str], int], *, budget: int = EVIDENCE_TOKENS) -> ReaderPrompt:
    """The chat for a free-form answer: task, earlier turns (without their sources), evidence + question."""
    from egobutler.egorag.llm import ChatMessage
    from egobutler.egorag.llm.prompting import format_evidence_block, system_prompt

    chosen = choose_entries(evidence, timezone, count_tokens, budget)
    messages = [ChatMessage("system", system_prompt(ANSWER_TASK)), ChatMessage("user", EXAMPLE_ASK),
                ChatMessage("assistant", EXAMPLE_ANSWER)]
    for role, text in question.history[-4:]:
        messages.append(ChatMessage("assistant" if role == "assistant" else "user", strip_sources(text)))
    block = format_evidence_block(text for _, text in chosen)
    ask = f"{block}\nNow: {local_time(question.query_time, timezone)}\nQuestion: {question.text}"
    messages.append(ChatMessage("user", ask))
    return ReaderPrompt(tuple(messages), tuple(ev for ev, _ in chosen), tuple(text for _, text in chosen))


def choice_prompt(question: Question, evidence: Sequence[Evidence], timezone: str,
                  count_tokens: Callable[[str], int], *, budget: int = EVIDENCE_TOKENS) -> ReaderPrompt:
    """The chat whose reply is scored for each option (the options themselves are the replies)."""
    from egobutler.egorag.llm import ChatMessage
    from egobutler.egorag.llm.prompting import format_evidence_block, system_prompt

    chosen = choose_entries(evidence, timezone, count_tokens, budget)
    block = format_evidence_block(text for _, text in chosen)
    ask = f"{block}\nNow: {local_time(question.query_time, timezone)}\nQuestion: {question.text}\nAnswer in a few words."
    return ReaderPrompt((ChatMessage("system", system_prompt(CHOICE_TASK)), ChatMessage("user", ask)),
                        tuple(ev for ev, _ in chosen))


def strip_sources(text: str) -> str:
    """An earlier answer without its "Sources:" footer (the reader sees only the words)."""
    return text.split("\n\nSources:", 1)[0].strip()


def keep_valid_citations(text: str, entries: int | Sequence[str], *, before: str = "") -> str:
    """``text`` with every citation of an entry number outside 1..``entries`` removed.

    Given the entries' texts, a citation is also re-pointed at the entry that shares the
    most words with the claim it ends (the text since the previous citation or sentence;
    ``before`` is what was said earlier) when the cited entry shares fewer: small readers
    often cite the right fact under the wrong number.
    """
    count = entries if isinstance(entries, int) else len(entries)

    def fix(match: re.Match[str]) -> str:
        numbers = [int(n) for n in re.split(r"\s*[,;]\s*", match.group(1)) if 1 <= int(n) <= count]
        if numbers and not isinstance(entries, int):
            claim = _claim(before + text[: match.start()])
            numbers = [_best_entry(claim, entries, n) for n in numbers]
        return "".join(f"[{n}]" for n in dict.fromkeys(numbers))

    cleaned = _CITATION.sub(fix, text)
    return re.sub(r"[ \t]+([.,;:!?])", r"\1", re.sub(r"[ \t]{2,}", " ", cleaned))


def _claim(said: str) -> str:
    """The claim a citation ends: the text after the previous citation or sentence end."""
    cut = max(said.rfind("]"), said.rfind(". "), said.rfind("\n"))
    return said[cut + 1:]


def _best_entry(claim: str, entries: Sequence[str], cited_number: int) -> int:
    from egobutler.memory_db.text import tokenize

    words = set(tokenize(claim))
    if not words:
        return cited_number
    shared = [len(words & set(tokenize(entry))) for entry in entries]
    best = max(range(len(entries)), key=lambda i: (shared[i], -i))
    return best + 1 if shared[best] > shared[cited_number - 1] else cited_number


def cited(text: str) -> list[int]:
    """Entry numbers cited in ``text``, in order of first mention."""
    found = [int(n) for m in _CITATION.finditer(text) for n in re.split(r"\s*[,;]\s*", m.group(1))]
    return list(dict.fromkeys(found))


def clean_stream(pieces: Iterable[str], entries: int | Sequence[str]) -> Iterator[str]:
    """Stream ``pieces`` with invalid citations removed (and re-pointed, given the entries' texts).

    Text from an unclosed "[" on is held until it closes, and trailing spaces are held
    too (a citation dropped next takes the space before it along).
    """
    held, said = "", ""
    for piece in pieces:
        held += piece
        cut = held.rfind("[")
        if cut != -1 and "]" not in held[cut:] and len(held) - cut <= 12:
            head, tail = held[:cut], held[cut:]
        else:
            head, tail = held, ""
        head = keep_valid_citations(head, entries, before=said)
        body = head.rstrip()
        held = head[len(body):] + tail
        if body:
            said += body
            yield body
    if held.strip():
        yield keep_valid_citations(held, entries, before=said)
