"""A scripted LLM for tests and demos of code that uses an LLM (answering, UI).

It implements the real interface, records every call, and answers from a script, so a
test can assert what the engine asked and drive what it gets back. Not a backend of
``load_llm``: build it directly.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass

from egobutler.egorag.llm.base import LLM, ChatMessage, as_messages

Reply = Callable[[list[ChatMessage]], str]
Scorer = Callable[[list[ChatMessage], str], float]


@dataclass(frozen=True)
class LLMCall:
    """One call the scripted LLM received."""

    method: str  # generate | stream | score_options
    messages: tuple[ChatMessage, ...]
    options: tuple[str, ...] = ()
    max_tokens: int = 0


def overlap_score(messages: list[ChatMessage], option: str) -> float:
    """Share of the option's words that appear in the prompt (a crude, deterministic 'likelihood')."""
    words = set(re.findall(r"\w+", " ".join(m.content for m in messages).lower()))
    option_words = re.findall(r"\w+", option.lower())
    if not option_words:
        return float("-inf")
    return sum(w in words for w in option_words) / len(option_words) - 1.0


class ScriptedLLM(LLM):
    """Answers with ``replies`` in turn (the last one repeats) or a function of the messages.

    ``scorer`` makes it score options (default: word overlap with the prompt); pass
    ``scoring=False`` to act like a server that cannot.
    """

    supports_streaming = True

    def __init__(
        self,
        replies: Sequence[str] | Reply = ("OK",),
        *,
        scorer: Scorer | None = overlap_score,
        scoring: bool = True,
        model_id: str = "scripted",
    ) -> None:
        self.model_id = model_id
        self.supports_scoring = scoring and scorer is not None
        self._replies = replies
        self._scorer = scorer
        self._turn = 0
        self.calls: list[LLMCall] = []
        self.loaded = False

    def load(self) -> None:
        self.loaded = True

    def close(self) -> None:
        self.loaded = False

    def _reply(self, messages: list[ChatMessage]) -> str:
        if callable(self._replies):
            return self._replies(messages)
        reply = self._replies[min(self._turn, len(self._replies) - 1)]
        self._turn += 1
        return reply

    def generate(
        self,
        messages: Sequence[ChatMessage],
        *,
        max_tokens: int = 256,
        temperature: float = 0.0,
        stop: Sequence[str] = (),
    ) -> str:
        """The next scripted reply, cut at the first ``stop`` string."""
        msgs = as_messages(messages)
        self.calls.append(LLMCall("generate", tuple(msgs), max_tokens=max_tokens))
        reply = self._reply(msgs)
        for s in stop:
            if s and s in reply:
                reply = reply[: reply.index(s)]
        return reply

    def stream(
        self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.0
    ) -> Iterator[str]:
        """The next scripted reply, word by word (spaces kept, so the pieces join to the reply)."""
        msgs = as_messages(messages)
        self.calls.append(LLMCall("stream", tuple(msgs), max_tokens=max_tokens))
        yield from re.findall(r"\S+\s*|\s+", self._reply(msgs))

    def score_options(self, messages: Sequence[ChatMessage], options: Sequence[str]) -> list[float]:
        """``scorer(messages, option)`` for each option."""
        if not self.supports_scoring or self._scorer is None:
            return super().score_options(messages, options)
        msgs = as_messages(messages)
        self.calls.append(LLMCall("score_options", tuple(msgs), options=tuple(options)))
        return [self._scorer(msgs, o) for o in options]
