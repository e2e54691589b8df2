"""Structured (JSON) output: extraction, validation, retries with the error fed back."""

from __future__ import annotations

import logging

import pydantic
import pytest

from egobutler.egorag.errors import EgoRagError, StructuredOutputError
from egobutler.egorag.llm import ChatMessage, extract_json, generate_structured
from egobutler.egorag.llm.openai_compat import OpenAICompatLLM


class Choice(pydantic.BaseModel):
    choice: str = pydantic.Field(pattern="^[A-D]$")
    reason: str


ASK = [ChatMessage.system("Pick the right option."), ChatMessage.user("Where are my keys? A) door B) car")]


@pytest.mark.parametrize(
    "reply",
    [
        '{"choice": "A", "reason": "seen"}',
        'Sure! Here it is:\n```json\n{"choice": "A", "reason": "seen"}\n```\nHope that helps.',
        'The answer is {"choice": "A", "reason": "seen"} as the evidence shows {not json}.',
        "```\n{\"choice\": \"A\", \"reason\": \"seen\"}\n```",
    ],
)
def test_extract_json_tolerates_fences_and_prose(reply):
    assert extract_json(reply) == {"choice": "A", "reason": "seen"}


def test_extract_json_without_json_says_so():
    with pytest.raises(ValueError, match="no JSON object"):
        extract_json("I think it is A.")


def _llm(server) -> OpenAICompatLLM:
    llm = OpenAICompatLLM(server.model, base_url=server.url, retry_base_s=0.01)
    llm.load()
    return llm


def test_recovers_after_one_invalid_reply_with_the_error_fed_back(llm_server):
    replies = iter(['{"choice": "Z", "reason": "guess"}', 'Fixed: {"choice": "B", "reason": "in the car"}'])
    llm_server.reply = lambda body: next(replies)

    result = generate_structured(_llm(llm_server), ASK, Choice)

    assert result == Choice(choice="B", reason="in the car")
    first, second = llm_server.requests[-2:]
    assert "JSON schema" in first["messages"][-1]["content"]  # the schema is asked for
    assert second["messages"][-2] == {"role": "assistant", "content": '{"choice": "Z", "reason": "guess"}'}
    assert "choice" in second["messages"][-1]["content"] and "pattern" in second["messages"][-1]["content"]


def test_persistent_garbage_raises_with_what_came_back(llm_server, caplog):
    llm_server.reply = lambda body: "I am not able to produce JSON today."

    with caplog.at_level(logging.WARNING), pytest.raises(StructuredOutputError) as info:
        generate_structured(_llm(llm_server), ASK, Choice, retries=2)

    assert isinstance(info.value, EgoRagError)
    assert "after 3 attempts" in str(info.value) and "I am not able to produce JSON today." in str(info.value)
    assert info.value.last_reply == "I am not able to produce JSON today."
    assert len(info.value.errors) == 3
    assert len([r for r in llm_server.requests if r.get("messages")]) == 3
    assert "no valid Choice JSON" in caplog.text  # logged, not only raised
