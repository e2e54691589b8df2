"""JSON output validated by a pydantic model, with the error fed back on failure."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from typing import Any, TypeVar

import pydantic

from egobutler.egorag.errors import StructuredOutputError
from egobutler.egorag.llm.base import LLM, ChatMessage, as_messages

log = logging.getLogger(__name__)

M = TypeVar("M", bound=pydantic.BaseModel)

_FENCE = re.compile(r"```(?:json|JSON)?\s*\n?(.*?)```", re.DOTALL)
_SHOWN_CHARS = 300  # of a bad reply, in error messages and logs


def extract_json(text: str) -> Any:
    """The first JSON object (or array) in ``text``; tolerates code fences and prose around it.

    Raises ValueError when there is none.
    """
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    decoder = json.JSONDecoder()
    for candidate in candidates:
        for start, char in enumerate(candidate):
            if char not in "{[":
                continue
            try:
                value, _ = decoder.raw_decode(candidate, start)
            except json.JSONDecodeError:
                continue
            return value
    raise ValueError("no JSON object found in the reply")


def _instructions(schema: type[pydantic.BaseModel]) -> str:
    schema_json = json.dumps(schema.model_json_schema(), separators=(",", ":"))
    return (
        "Reply with only one JSON object (no prose, no code fence) that matches this JSON schema:\n"
        f"{schema_json}"
    )


def _with_instructions(messages: list[ChatMessage], schema: type[pydantic.BaseModel]) -> list[ChatMessage]:
    # Appended to the last user turn, not as a late system message: several chat
    # templates reject a system message anywhere but first.
    text = _instructions(schema)
    for i in range(len(messages) - 1, -1, -1):
        if messages[i].role == "user":
            merged = ChatMessage("user", f"{messages[i].content}\n\n{text}")
            return [*messages[:i], merged, *messages[i + 1 :]]
    return [*messages, ChatMessage("user", text)]


def _parse(reply: str, schema: type[M]) -> M:
    try:
        value = extract_json(reply)
    except ValueError as exc:
        raise ValueError(str(exc)) from None
    try:
        return schema.model_validate(value)
    except pydantic.ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}" for err in exc.errors()
        )
        raise ValueError(f"the JSON does not match the schema: {problems}") from None


def generate_structured(
    llm: LLM,
    messages: Sequence[ChatMessage],
    schema: type[M],
    *,
    retries: int = 2,
    max_tokens: int = 512,
) -> M:
    """Ask ``llm`` for JSON matching ``schema`` and return the validated model.

    On a reply that is not valid JSON or does not match, the reply and the error go back to
    the model and it tries again, up to ``retries`` more times. Then the failure is logged
    and ``StructuredOutputError`` raised, quoting what came back.
    """
    convo = _with_instructions(as_messages(messages), schema)
    errors: list[str] = []
    reply = ""
    for attempt in range(retries + 1):
        reply = llm.generate(convo, max_tokens=max_tokens, temperature=0.0)
        try:
            return _parse(reply, schema)
        except ValueError as exc:
            errors.append(str(exc))
            log.info("structured output attempt %d/%d failed: %s", attempt + 1, retries + 1, exc)
            convo = [
                *convo,
                ChatMessage("assistant", reply),
                ChatMessage("user", f"That reply was not usable: {exc}. Reply again with only the corrected JSON."),
            ]
    shown = reply if len(reply) <= _SHOWN_CHARS else reply[:_SHOWN_CHARS] + "..."
    message = (
        f"{llm.model_id or type(llm).__name__} gave no valid {schema.__name__} JSON after "
        f"{retries + 1} attempts; last error: {errors[-1]}; last reply: {shown!r}"
    )
    log.warning(message)
    raise StructuredOutputError(message, last_reply=reply, errors=tuple(errors))
