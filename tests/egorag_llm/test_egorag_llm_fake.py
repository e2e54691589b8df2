"""The scripted LLM other areas use in their tests behaves like a real backend."""

from __future__ import annotations

import pydantic
import pytest

from egobutler.egorag.errors import EgoRagError
from egobutler.egorag.llm import LLM, ChatMessage, ScriptedLLM, generate_structured

ASK = [ChatMessage.user("Where is the screwdriver? It was on the kitchen table.")]


def test_replies_in_turn_and_records_the_calls():
    llm = ScriptedLLM(["first answer", "second answer"])
    assert isinstance(llm, LLM)
    assert llm.generate(ASK) == "first answer"
    assert "".join(llm.stream(ASK)) == "second answer"
    assert llm.generate(ASK, stop=[" "]) == "second"  # the last reply repeats; stop cuts it
    assert [c.method for c in llm.calls] == ["generate", "stream", "generate"]
    assert llm.calls[0].messages == tuple(ASK)


def test_scores_by_overlap_or_refuses_like_a_plain_server():
    kitchen, garden = ScriptedLLM().score_options(ASK, ["the kitchen table", "the garden shed"])
    assert kitchen > garden
    with pytest.raises(EgoRagError, match="cannot score"):
        ScriptedLLM(scoring=False).score_options(ASK, ["a"])


def test_drives_structured_output_retries():
    class Where(pydantic.BaseModel):
        place: str

    llm = ScriptedLLM(["no idea", '```json\n{"place": "kitchen table"}\n```'])
    assert generate_structured(llm, ASK, Where) == Where(place="kitchen table")
    assert "not usable" in llm.calls[1].messages[-1].content
