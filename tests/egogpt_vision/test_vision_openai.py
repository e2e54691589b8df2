"""The openai captioner against a real local HTTP server speaking the chat-completions protocol."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from egobutler.egogpt.captioner import ClipFrames, load_captioner
from egobutler.egogpt.errors import CaptionerAuthError, CaptionerError, CaptionerModelNotFound


def _images_sent(request: dict) -> list[Image.Image]:
    parts = request["messages"][0]["content"]
    urls = [p["image_url"]["url"] for p in parts if p["type"] == "image_url"]
    assert all(url.startswith("data:image/jpeg;base64,") for url in urls)
    return [Image.open(io.BytesIO(base64.b64decode(url.split(",", 1)[1]))) for url in urls]


def _prompt_sent(request: dict) -> str:
    return [p["text"] for p in request["messages"][0]["content"] if p["type"] == "text"][0]


def test_frames_and_prompt_reach_the_server_and_the_reply_becomes_a_caption(chat_server, make_frames):
    captioner = load_captioner("openai", model="tiny-vlm", base_url=chat_server.base_url, max_frames=6, max_side=64)
    with captioner:
        caption = captioner.caption(make_frames(30, 120, 160), "Alice: Did you see the screwdriver?")
    assert caption.text == "I am standing in the kitchen holding a mug."
    assert (caption.model_id, caption.frames_used) == ("openai:tiny-vlm", 6)
    assert (caption.start_s, caption.end_s) == (0.0, 30.0)
    [request] = chat_server.requests
    assert request["model"] == "tiny-vlm"
    images = _images_sent(request)
    assert len(images) == 6
    assert all(max(im.size) == 64 for im in images)  # downscaled before upload
    prompt = _prompt_sent(request)
    assert "Alice: Did you see the screwdriver?" in prompt and '"I ...' in prompt
    assert request["_authorization"] == "Bearer not-needed"  # local servers need no key


def test_api_key_is_sent_as_a_bearer_token(chat_server, make_frames):
    captioner = load_captioner("openai", model="tiny-vlm", base_url=chat_server.base_url, api_key="sk-test")
    captioner.caption(make_frames(1))
    assert chat_server.requests[0]["_authorization"] == "Bearer sk-test"


def test_server_errors_are_retried_until_it_answers(chat_server, make_frames):
    fail = {"error": {"message": "overloaded"}}
    fast = {"retry-after-ms": "10"}  # the client honours the server's wait; keeps the test quick
    chat_server.script = [(503, fail, fast), (429, fail, fast)]
    captioner = load_captioner("openai", model="tiny-vlm", base_url=chat_server.base_url, max_retries=3)
    caption = captioner.caption(make_frames(2))
    assert caption.text.startswith("I am standing")
    assert len(chat_server.requests) == 3


def test_a_server_that_keeps_failing_gives_a_clear_error(chat_server, make_frames):
    chat_server.script = [(500, {"error": {"message": "CUDA out of memory"}}, {"retry-after-ms": "1"})] * 3
    captioner = load_captioner("openai", model="tiny-vlm", base_url=chat_server.base_url, max_retries=2)
    with pytest.raises(CaptionerError, match="HTTP 500.*CUDA out of memory"):
        captioner.caption(make_frames(1))
    assert len(chat_server.requests) == 3


def test_a_refused_key_says_which_setting_to_fix(chat_server, make_frames):
    chat_server.script = [(401, {"error": {"message": "Incorrect API key provided"}}, {})]
    captioner = load_captioner("openai", model="tiny-vlm", base_url=chat_server.base_url, api_key="wrong")
    with pytest.raises(CaptionerAuthError, match="captioner_api_key"):
        captioner.caption(make_frames(1))
    assert len(chat_server.requests) == 1  # auth errors are not retried


def test_an_unknown_model_names_the_models_the_server_serves(chat_server, make_frames):
    chat_server.script = [(404, {"error": {"message": "The model `egogpt` does not exist."}}, {})]
    chat_server.served_models = ["Qwen/Qwen2.5-VL-7B-Instruct", "llava-onevision"]
    captioner = load_captioner("openai", model="egogpt", base_url=chat_server.base_url)
    with pytest.raises(CaptionerModelNotFound, match="'egogpt'.*Qwen/Qwen2.5-VL-7B-Instruct, llava-onevision"):
        captioner.caption(make_frames(1))


def test_an_unreachable_server_is_reported_with_its_url(make_frames):
    import socket

    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1"
    captioner = load_captioner("openai", model="m", base_url=url, max_retries=0, timeout_s=5)
    with pytest.raises(CaptionerError, match=f"cannot reach the captioner server {url}"):
        captioner.caption(make_frames(1))


def test_openai_without_a_key_or_server_asks_for_one(monkeypatch, make_frames):
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    captioner = load_captioner("openai", model="gpt-4o-mini", base_url=None)
    with pytest.raises(CaptionerAuthError, match="captioner_api_key"):
        captioner.caption(make_frames(1))


def test_several_clips_are_sent_concurrently_and_come_back_in_order(chat_server, make_frames):
    frames = make_frames(4)
    clips = [ClipFrames(tuple(frames[:n]), f"clip {n}") for n in (1, 2, 3, 4)]
    captioner = load_captioner("openai", model="tiny-vlm", base_url=chat_server.base_url, concurrency=3)
    captions = captioner.caption_clips(clips)
    assert [c.frames_used for c in captions] == [1, 2, 3, 4]
    assert sorted(len(_images_sent(r)) for r in chat_server.requests) == [1, 2, 3, 4]


def test_model_id_is_stable_and_distinct_per_served_model(chat_server):
    a = load_captioner("openai", model="qwen2.5vl:7b", base_url=chat_server.base_url)
    b = load_captioner("openai", model="qwen2.5vl:7b", base_url=chat_server.base_url)
    c = load_captioner("openai", model="llava:13b", base_url=chat_server.base_url)
    assert a.model_id == b.model_id == "openai:qwen2.5vl:7b"
    assert c.model_id != a.model_id
