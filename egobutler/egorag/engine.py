"""The answering engine: question -> time window -> retrieval -> evidence -> answer.

Multiple-choice questions are answered by scoring each option against the evidence
(`choices`), mixed with the LLM's option likelihood when it can score; free-form questions
get an LLM answer over the quoted evidence, or — without an LLM — the best evidence lines
themselves. Every answer cites its clips by time.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Iterator, Sequence
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np

from egobutler.egorag import choices as mc
from egobutler.egorag import reader
from egobutler.egorag.corpus import Corpus
from egobutler.egorag.records import Answer, Done, Evidence, Question, Searching, SearchTrace, Token
from egobutler.egorag.retrieval import Query, RetrievalConfig, Retriever, query_weights
from egobutler.egorag.timeparse import TimeWindow, parse_window

log = logging.getLogger(__name__)

_BEFORE_THAT = re.compile(r"\b(before that|earlier than that|prior to that)\b", re.I)
_AFTER_THAT = re.compile(r"\b(after that|later than that)\b", re.I)
_ISO = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}")


class Engine:
    """Answers `Question`s over a `MemoryStore` (see the module docstring)."""

    def __init__(self, store, llm=None, *, timezone: str = "UTC", day1: date | None = None,
                 config: RetrievalConfig = RetrievalConfig(), evidence_k: int = 20, llm_weight: float = 0.3):
        self.store = store
        self.llm = llm
        self.timezone = timezone
        self.day1 = day1
        self.config = config
        self.evidence_k = evidence_k
        self.llm_weight = llm_weight
        self._lock = threading.Lock()
        self._retriever: Retriever | None = None
        self._version: str | None = None

    @property
    def model_id(self) -> str:
        return self.llm.model_id if self.llm is not None else "evidence-only"

    # --------------------------------------------------------------- corpus
    def retriever(self) -> Retriever:
        """The retriever over the current memory (rebuilt when the memory changed)."""
        version = self.store.data_version() if hasattr(self.store, "data_version") else "static"
        with self._lock:
            if self._retriever is None or version != self._version:
                self._retriever = Retriever(self.store, self.config)
                self._version = version
            return self._retriever

    @property
    def corpus(self) -> Corpus:
        return self.retriever().corpus

    # --------------------------------------------------------------- search
    def window(self, question: Question) -> TimeWindow | None:
        """The window a question names: explicit start/end, else parsed from its words or its history."""
        if question.start is not None or question.end is not None:
            end = min(question.end, question.query_time) if question.end else question.query_time
            return TimeWindow(question.start, end, "given window", hard=True)
        window = parse_window(question.text, question.query_time, timezone=self.timezone, day1=self.day1)
        if question.history and _BEFORE_THAT.search(question.text):
            cited = _last_cited_time(question.history, self.timezone)
            if cited is not None:
                end = min(cited, question.query_time)
                return TimeWindow(end - timedelta(hours=12), end, "before that", recent=True, hard=True)
        if question.history and _AFTER_THAT.search(question.text):
            cited = _last_cited_time(question.history, self.timezone)
            if cited is not None:
                return TimeWindow(cited, question.query_time, "after that", hard=True)
        return window

    def query(self, question: Question, window: TimeWindow | None = None) -> Query:
        wearer = question.wearer_id
        name = self.corpus.wearer_name(wearer) if wearer else _only(self.corpus.wearer_names.values())
        text = question.text
        if question.history:
            # Follow-ups ("what about Alice?") inherit the topic of the last user turn.
            earlier = [t for role, t in question.history if role == "user"]
            if earlier:
                text = f"{earlier[-1]} {text}"
        weights = query_weights(text, question.choices, choice_weight=self.config.choice_weight, wearer_name=name)
        cut = min(window.end, question.query_time) if window is not None and window.hard else question.query_time
        per_option = tuple(f"{text} {choice}" for choice in question.choices)
        timed = mc.option_windows(question.choices, cut, timezone=self.timezone, day1=self.day1) or ()
        return Query(" ".join([text, *question.choices]), weights, cut, window, wearer, question.people, per_option,
                     tuple(w for w in timed if w is not None))

    def search(self, query: str, *, query_time: datetime, wearer_id: str | None = None, people: Sequence[str] = (),
               start: datetime | None = None, end: datetime | None = None, k: int = 10,
               choices: Sequence[str] = ()) -> list[Evidence]:
        """Evidence for free text ``query`` asked at ``query_time`` (best first); ``choices`` as `ask` uses them."""
        question = Question(query, query_time, wearer_id=wearer_id, people=tuple(people), start=start, end=end,
                            choices=tuple(choices))
        evidence, _ = self._retrieve(question, k)
        return evidence

    def _retrieve(self, question: Question, k: int) -> tuple[list[Evidence], SearchTrace]:
        window = self.window(question)
        retriever = self.retriever()
        query = self.query(question, window)
        return retriever.search(query, k)

    # --------------------------------------------------------------- answering
    def ask(self, question: Question) -> Answer:
        """Answer ``question`` (multiple choice when it has choices)."""
        for event in self.ask_stream(question):
            if isinstance(event, Done):
                return event.answer
        raise AssertionError("ask_stream ended without an answer")

    def ask_stream(self, question: Question) -> Iterator[Searching | Token | Done]:
        """Events: `Searching` (evidence found), `Token`s of the answer, then `Done`."""
        evidence, trace = self._retrieve(question, self.evidence_k)
        yield Searching(trace, tuple(evidence))
        if question.choices:
            answer = self._choose(question, evidence, trace)
            yield Token(answer.text)
            yield Done(answer)
            return
        pieces: list[str] = []
        for piece in self._free_form(question, evidence):
            pieces.append(piece)
            yield Token(piece)
        text = "".join(pieces).strip()
        yield Done(Answer(text, tuple(evidence), trace, self.model_id))

    def option_signals(self, question: Question, evidence: Sequence[Evidence]) -> dict[str, np.ndarray]:
        """Each signal's raw support of each option: ``words`` and ``time`` (evidence), ``reader`` (LLM).

        ``reader`` is the mean log-likelihood of each option as the reader's reply to the
        question over the quoted evidence (one prompt evaluation shared by all options);
        it is computed only when the reader can score and its weight is not zero.
        """
        corpus = self.corpus
        name = corpus.wearer_name(question.wearer_id) if question.wearer_id else _only(corpus.wearer_names.values())
        signals = {"words": mc.word_support(corpus, evidence, question.choices, wearer_name=name,
                                            query_time=question.query_time)}
        timed = mc.time_support(evidence, question.choices, question.query_time, timezone=self.timezone, day1=self.day1,
                                depth=20)
        if timed is not None:
            signals["time"] = timed
        if self.llm is not None and getattr(self.llm, "supports_scoring", False) and self.llm_weight:
            try:
                likelihood = self.llm.score_options(list(self._choice_prompt(question, evidence)),
                                                    list(question.choices))
                signals["reader"] = np.asarray(likelihood, dtype=np.float64)
            except Exception as exc:  # noqa: BLE001 - the LLM is one signal of several
                log.warning("option scoring by %s failed: %s", self.model_id, exc)
        return signals

    def option_scores(self, question: Question, evidence: Sequence[Evidence]) -> np.ndarray:
        """Combined, standardised support of each option (weights: `SIGNAL_WEIGHTS`, the reader's `llm_weight`)."""
        return self._combined(self.option_signals(question, evidence))

    def _combined(self, signals: dict[str, np.ndarray]) -> np.ndarray:
        weights = {**mc.SIGNAL_WEIGHTS, "reader": self.llm_weight}
        return mc.combine([(values, weights[name]) for name, values in signals.items()])

    def _choose(self, question: Question, evidence: Sequence[Evidence], trace: SearchTrace) -> Answer:
        signals = self.option_signals(question, evidence)
        best = mc.pick(self._combined(signals))
        letter = mc.LETTERS[best]
        cites = "; ".join(self.cite(e) for e in evidence[:3])
        text = f"{letter}. {question.choices[best]}" + (f"\nEvidence: {cites}" if cites else "")
        return Answer(text, tuple(evidence), trace, self.model_id, choice=letter,
                      signals=tuple((name, tuple(float(v) for v in values)) for name, values in signals.items()))

    def _free_form(self, question: Question, evidence: Sequence[Evidence]) -> Iterator[str]:
        if not evidence:
            yield "I found nothing in your memory about that before " + self.local(question.query_time) + "."
            return
        if self.llm is None:
            yield from self._extractive(evidence)
            return
        prompt = reader.answer_prompt(question, evidence, self.timezone, self.llm.count_tokens)
        said: list[str] = []
        try:
            stream = self.llm.stream(list(prompt.messages), max_tokens=reader.ANSWER_TOKENS)
            for piece in reader.clean_stream(stream, prompt.texts):
                said.append(piece)
                yield piece
        except Exception as exc:  # noqa: BLE001 - fall back to quoting the evidence
            log.warning("LLM answer failed (%s); quoting the evidence instead", exc)
            if not said:
                yield from self._extractive(evidence)
                return
        # The cited entries; if the reply cites none, the ones it read first ("before that" needs a time).
        numbers = reader.cited("".join(said)) or list(range(1, min(3, len(prompt.entries)) + 1))
        if numbers:
            yield "\n\nSources: " + "; ".join(f"[{n}] {self.cite(prompt.entries[n - 1])}" for n in numbers)

    def _extractive(self, evidence: Sequence[Evidence]) -> Iterator[str]:
        yield "Here is what your memory shows:\n"
        for e in evidence[:3]:
            lines = " ".join(f"{ln.speaker + ': ' if ln.speaker else ''}{ln.text}" for ln in e.lines[:4])
            yield f"- {self.cite(e)}: {lines}\n"

    def _choice_prompt(self, question: Question, evidence: Sequence[Evidence]):
        """The chat whose continuation the reader scores for each option (see `reader.choice_prompt`)."""
        return reader.choice_prompt(question, evidence, self.timezone, self.llm.count_tokens).messages

    def local(self, when: datetime) -> str:
        """A time as the user reads it (wearer's timezone)."""
        return when.astimezone(ZoneInfo(self.timezone)).strftime("%Y-%m-%d %H:%M")

    def cite(self, evidence: Evidence) -> str:
        return f"{self.local(evidence.start)} (clip {evidence.clip_id[:8]})"


def _only(values) -> str | None:
    values = list(values)
    return values[0] if len(values) == 1 else None


def _last_cited_time(history: Sequence[tuple[str, str]], timezone: str) -> datetime | None:
    """The first (best) time cited in the last assistant turn ("before that" refers to it)."""
    for role, text in reversed(history):
        if role == "assistant":
            stamps = _ISO.findall(text)
            if stamps:
                return datetime.strptime(stamps[0], "%Y-%m-%d %H:%M").replace(tzinfo=ZoneInfo(timezone))
            return None
    return None
