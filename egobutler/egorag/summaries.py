"""Hierarchical memory: 10-minute, hour and day summaries over clips.

Two builders: a deterministic extractive one that keeps the window's most central lines —
those whose words recur most across the window — and names who spoke (written at once
after every import and ingestion), and the reader, which rewrites a window's central lines
as a few sentences (`egobutler summarize`: slow on a CPU, so it stores each window as it is
written and an interrupted pass resumes). Rebuilds are incremental: a summary's
``model_id`` ends with a fingerprint of the lines it was built from, so only windows whose
lines changed are rebuilt, and the extractive pass never replaces the reader's summary of
the same lines; a window the reader failed on keeps an extractive summary and is retried.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from egobutler.memory_db.text import tokenize

log = logging.getLogger(__name__)

LEVELS = {"10min": timedelta(minutes=10), "hour": timedelta(hours=1), "day": timedelta(days=1)}
LINES_PER_LEVEL = {"10min": 3, "hour": 6, "day": 10}
TINY_MODELS = ("smollm2-135m", "smollm2-360m")


def is_tiny(llm_model: str | None) -> bool:
    """Whether ``llm_model`` names a tiny default (too weak to write summaries or score options)."""
    return any(t in (llm_model or "").lower() for t in TINY_MODELS)


def use_llm(summarizer: str, llm_backend: str, llm_model: str | None) -> bool:
    """Whether the configured LLM writes summaries, decided before loading it.

    ``auto`` uses it only when one is configured and it is not a tiny default.
    """
    if summarizer == "extractive" or llm_backend == "none":
        return False
    return summarizer == "llm" or not is_tiny(llm_model)


def window_start(when: datetime, level: str, timezone: str) -> datetime:
    """Start of the ``level`` window holding ``when`` (local days, aligned hours and 10 minutes)."""
    local = when.astimezone(ZoneInfo(timezone))
    if level == "day":
        return local.replace(hour=0, minute=0, second=0, microsecond=0)
    if level == "hour":
        return local.replace(minute=0, second=0, microsecond=0)
    return local.replace(minute=local.minute - local.minute % 10, second=0, microsecond=0)


def extractive_summary(lines: Sequence[tuple[str | None, str]], n: int, idf: dict[str, float] | None = None) -> str:
    """The ``n`` most representative of (speaker, text) lines, in time order, plus who spoke.

    A line scores by how often its words recur in the window times how rare they are in
    the whole memory (so "I look at my phone" loses to "we assemble the shelf"); lines
    that mostly repeat an already chosen one are skipped.
    """
    toks, ranked = _ranked_lines(lines, idf or {})
    keep: list[int] = []
    for i in ranked:
        if all(len(toks[i] & toks[j]) / len(toks[i] | toks[j]) < 0.5 for j in keep):
            keep.append(i)
        if len(keep) == n:
            break
    body = " ".join(f"{lines[i][0]}: {lines[i][1]}" if lines[i][0] else lines[i][1] for i in sorted(keep))
    speakers = [s for s, _ in Counter(s for s, _ in lines if s and s != "me").most_common(6)]
    return body + (f" (People talking: {', '.join(speakers)}.)" if speakers else "")


def word_idf(texts: Sequence[str]) -> dict[str, float]:
    """log(N / document frequency) of every word over ``texts``."""
    import math

    df = Counter(t for text in texts for t in set(tokenize(text)))
    n = max(len(texts), 1)
    return {t: math.log(n / c) for t, c in df.items()}


def _fingerprint(line_ids: Sequence[str]) -> str:
    return hashlib.sha1("\x1f".join(sorted(line_ids)).encode()).hexdigest()[:10]


def build_summaries(store, *, timezone: str = "UTC", wearer_id: str | None = None, llm=None,
                    levels: Sequence[str] = ("10min", "hour", "day"), index: bool = True,
                    progress: Callable[[int, int], None] | None = None) -> int:
    """Build or refresh summaries for every window whose lines changed; returns how many were written."""
    from egobutler.memory_db.records import Summary

    names = store.speaker_names()
    builder = f"llm:{llm.model_id}" if llm is not None else "extractive-v2"
    wearers = [wearer_id] if wearer_id else [w.id for w in store.wearers()]
    written = 0
    for wid in wearers:
        lines = store.lines(wearer_id=wid)
        existing = {(x.level, x.start.timestamp()): x.model_id for x in store.summaries(wearer_id=wid)}
        todo = []
        for level in levels:
            groups: dict[datetime, list] = {}
            for line in lines:
                groups.setdefault(window_start(line.start, level, timezone), []).append(line)
            for start, group in groups.items():
                model_id = f"{builder}#{_fingerprint([ln.id for ln in group])}"
                if _needs_rebuild(existing.get((level, start.timestamp())), model_id, by_reader=llm is not None):
                    todo.append((level, start, group, model_id))
        idf = word_idf([ln.text for ln in lines]) if todo else {}
        out = []
        for n, (level, start, group, model_id) in enumerate(todo, 1):
            pairs = [(names.get(ln.speaker_id or "", None) if ln.kind == "utterance" else None, ln.text) for ln in group]
            text = _llm_summary(llm, pairs, level, idf) if llm is not None else None
            if text is None:  # no reader, or it failed on this window: extractive, marked so a later pass retries
                text = extractive_summary(pairs, LINES_PER_LEVEL[level], idf)
                model_id = f"extractive-v2#{model_id.rsplit('#', 1)[1]}"
            out.append(Summary(wid, level, start, start + LEVELS[level], text, model_id))
            if llm is not None:  # slow: keep each window as it is written, so an interrupted pass resumes
                store.add_summaries(out, index=False)
                written += len(out)
                out = []
            if progress:
                progress(n, len(todo))
        for i in range(0, len(out), 500):
            store.add_summaries(out[i:i + 500], index=False)
        written += len(out)
    if index and written:
        store.sync_index()
    return written


def _needs_rebuild(existing: str | None, model_id: str, *, by_reader: bool) -> bool:
    """Whether a window's summary must be (re)written.

    Its lines changed (another fingerprint), or the reader is asked to write and this one is
    not its own. The extractive pass (after imports and ingestion) never replaces a reader's
    summary of the same lines.
    """
    if existing is None:
        return True
    if by_reader:
        return existing != model_id
    return existing.rsplit("#", 1)[-1] != model_id.rsplit("#", 1)[-1]


READER_SUMMARY_TASK = (
    "Summarise these recorded moments of the wearer's day in two or three factual sentences: what they "
    "did, where, with whom, what was said or decided. Address the wearer as \"you\"; \"I\" in the "
    "moments is the wearer."
)


def _llm_summary(llm, pairs: Sequence[tuple[str | None, str]], level: str, idf: dict[str, float]) -> str | None:
    """The reader's summary of a window, from its most representative lines; None if the reader failed."""
    from egobutler.egorag.llm import ChatMessage
    from egobutler.egorag.llm.prompting import format_evidence_block, system_prompt

    # The reader sees the window's most central lines (3x what the extractive summary keeps), not all of
    # them: an hour holds hundreds of lines, and prefill is the slow part on a CPU.
    chosen = _central_lines(pairs, 3 * LINES_PER_LEVEL[level], idf)
    quoted = [f"{'You' if s == 'me' else s}: {t}" if s else t for s, t in chosen]
    messages = [ChatMessage("system", system_prompt(READER_SUMMARY_TASK)),
                ChatMessage("user", f"{format_evidence_block(quoted, numbered=False)}\nSummary of this {level}:")]
    try:
        text = llm.generate(messages, max_tokens=120).strip()
    except Exception as exc:  # noqa: BLE001 - one window failing must not stop the others
        log.warning("reader summary failed (%s); keeping the extractive one", exc)
        return None
    return text or None


def _ranked_lines(pairs: Sequence[tuple[str | None, str]], idf: dict[str, float]) -> tuple[list[set[str]], list[int]]:
    """Each line's word set, and the lines' indices best first: words that recur in the window and are rare overall."""
    toks = [set(tokenize(text)) for _, text in pairs]
    freq = Counter(t for ts in toks for t in ts)
    ranked = sorted(((sum(freq[t] * idf.get(t, 1.0) for t in ts) / (len(ts) ** 0.5), i)
                     for i, ts in enumerate(toks) if ts), reverse=True)
    return toks, [i for _, i in ranked]


def _central_lines(pairs: Sequence[tuple[str | None, str]], n: int, idf: dict[str, float]):
    """The ``n`` most representative (speaker, text) pairs, in time order (see `extractive_summary`)."""
    _, ranked = _ranked_lines(pairs, idf)
    return [pairs[i] for i in sorted(ranked[:n])]
