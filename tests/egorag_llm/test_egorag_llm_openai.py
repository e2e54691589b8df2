"""The OpenAI-compatible backend against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import socket

import pytest

from egobutler.egorag.errors import EgoRagError, LLMUnavailable
from egobutler.egorag.llm import ChatMessage, load_llm
from egobutler.egorag.llm.openai_compat import OpenAICompatLLM, normalize_base_url

QUESTION = [ChatMessage.system("You answer from memory."), ChatMessage.user("Where are my keys?")]


def _llm(server, **kwargs) -> OpenAICompatLLM:
    kwargs.setdefault("retry_base_s", 0.01)  # keep retry tests quick; the backoff doubles from here
    llm = OpenAICompatLLM(server.model, base_url=server.url, timeout_s=10, **kwargs)
    llm.load()
    return llm


def test_generate_sends_model_and_messages_and_returns_the_reply(llm_server):
    llm_server.reply = lambda body: "On the kitchen table."
    llm = load_llm("openai", model=llm_server.model, base_url=llm_server.url, api_key="sk-test")

    reply = llm.generate(QUESTION, max_tokens=32, stop=["\n\n"])

    assert reply == "On the kitchen table."
    body = llm_server.requests[-1]
    assert body["model"] == "tiny-chat"
    assert body["messages"] == [
        {"role": "system", "content": "You answer from memory."},
        {"role": "user", "content": "Where are my keys?"},
    ]
    assert body["max_tokens"] == 32 and body["temperature"] == 0.0 and body["stop"] == ["\n\n"]
    assert llm_server.headers[-1]["authorization"] == "Bearer sk-test"
    llm.close()


def test_stream_yields_the_pieces_in_order(llm_server):
    llm_server.reply = lambda body: "You left them by the door."
    llm = _llm(llm_server)

    pieces = list(llm.stream(QUESTION))

    assert pieces == ["You ", "left ", "them ", "by ", "the ", "door."]
    assert llm_server.requests[-1]["stream"] is True


def test_retries_two_503s_then_answers(llm_server):
    llm_server.failures = [503, 503]
    llm_server.reply = lambda body: "Found them."
    llm = _llm(llm_server, max_retries=3)

    assert llm.generate(QUESTION) == "Found them."
    assert len(llm_server.requests) == 3  # two failures, one success


def test_gives_up_after_the_retries_with_the_status(llm_server):
    llm = _llm(llm_server, max_retries=1)
    llm_server.failures = [503, 503, 503]

    with pytest.raises(EgoRagError, match=r"kept failing after 2 tries: 503"):
        llm.generate(QUESTION)


def test_bad_key_says_which_variable_to_set(llm_server):
    llm_server.api_key = "sk-right"

    with pytest.raises(LLMUnavailable, match=r"rejected the API key \(401\).*EGOBUTLER_LLM_API_KEY"):
        load_llm("openai", model=llm_server.model, base_url=llm_server.url, api_key="sk-wrong")


def test_unknown_model_lists_what_the_server_offers(llm_server):
    with pytest.raises(LLMUnavailable, match=r"does not serve the model 'gpt-9'; it offers: tiny-chat"):
        load_llm("openai", model="gpt-9", base_url=llm_server.url)


def test_ollama_style_latest_tag_counts_as_served(llm_server):
    llm_server.model = "llama3.2:latest"
    llm = OpenAICompatLLM("llama3.2", base_url=llm_server.url)
    llm.load()  # no "not served" error: Ollama serves plain names as :latest


def test_a_failed_load_is_checked_again_on_the_next_call(llm_server):
    llm_server.api_key = "sk-right"
    llm = OpenAICompatLLM(llm_server.model, base_url=llm_server.url, api_key="sk-wrong")
    for _ in range(2):
        with pytest.raises(LLMUnavailable, match="rejected the API key"):
            llm.generate(QUESTION)


def test_404_on_completion_lists_what_the_server_offers(llm_server):
    llm = _llm(llm_server)
    llm.model_id = "renamed-meanwhile"  # the server stopped serving it after load

    with pytest.raises(LLMUnavailable, match=r"does not serve the model 'renamed-meanwhile'; it offers: tiny-chat"):
        llm.generate(QUESTION)


def test_connection_refused_asks_whether_the_server_runs():
    with socket.socket() as sock:  # a port that was free a moment ago: nobody listens there
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    llm = OpenAICompatLLM("m", base_url=f"http://127.0.0.1:{port}", max_retries=1, retry_base_s=0.01)

    message = rf"cannot connect to the LLM server at http://127.0.0.1:{port}/v1.*is it running"
    with pytest.raises(LLMUnavailable, match=message):
        llm.load()


def test_auto_model_takes_the_served_one(llm_server):
    llm = OpenAICompatLLM("auto", base_url=llm_server.url)
    llm.load()
    assert llm.model_id == "tiny-chat"
    assert llm.generate(QUESTION)
    assert llm_server.requests[-1]["model"] == "tiny-chat"


def test_scoring_only_where_the_server_returns_prompt_logprobs(llm_server):
    plain = _llm(llm_server)
    assert plain.supports_scoring is False
    with pytest.raises(EgoRagError, match="cannot score options"):
        plain.score_options(QUESTION, ["a", "b"])


def test_vllm_scores_options_from_prompt_logprobs(llm_server):
    llm_server.owned_by = "vllm"
    llm_server.likely_words = frozenset({"kitchen", "table"})
    llm = _llm(llm_server)
    assert llm.supports_scoring is True

    scores = llm.score_options(QUESTION, ["kitchen table", "garden shed", "the kitchen"])

    assert scores == pytest.approx([-0.1, -3.0, -1.55])  # means over each option's own tokens only
    option_request = llm_server.requests[-1]
    assert option_request["messages"][-1] == {"role": "assistant", "content": "the kitchen"}
    assert option_request["continue_final_message"] is True and option_request["prompt_logprobs"] == 0


def test_base_url_without_path_gets_v1():
    assert normalize_base_url("http://localhost:8000") == "http://localhost:8000/v1"
    assert normalize_base_url("localhost:11434/") == "http://localhost:11434/v1"
    assert normalize_base_url("http://host/api/v1") == "http://host/api/v1"
    assert normalize_base_url(None) == "https://api.openai.com/v1"
