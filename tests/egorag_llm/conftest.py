"""Fixtures for the LLM backend tests: a real local OpenAI-compatible HTTP server and a
tiny random chat model saved to disk."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

CHATML = (
    "{% for message in messages %}"
    "{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>\n' }}"
    "{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)


# -- a small OpenAI-compatible server ---------------------------------------------------------


@dataclass
class FakeLLMServer:
    """Speaks the OpenAI chat API over real HTTP on 127.0.0.1.

    ``reply(body) -> str`` answers chat completions; ``failures`` is a queue of HTTP
    statuses answered (with an OpenAI-style error body) before any real reply;
    ``requests`` records every JSON body received, ``headers`` their headers (lower-case names).
    """

    url: str = ""
    model: str = "tiny-chat"
    owned_by: str = "fake"
    api_key: str | None = None
    reply: Callable[[dict[str, Any]], str] = lambda body: "Hello there."
    failures: list[int] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    likely_words: frozenset[str] = frozenset()
    httpd: ThreadingHTTPServer | None = None


def _error_body(status: int, message: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": "error", "param": None, "code": status}}


def _toy_tokens(messages: list[dict[str, str]], *, generation_prompt: bool, continue_final: bool) -> list[str]:
    """A whitespace 'tokenizer' + ChatML-like template, enough to emulate vLLM prompt logprobs."""
    tokens = ["<s>"]
    for i, m in enumerate(messages):
        last = i == len(messages) - 1
        tokens += [f"<{m['role']}>", *m["content"].split()]
        if not (last and continue_final):
            tokens.append("<end>")
    if generation_prompt:
        tokens.append("<assistant>")
    return tokens


def _make_handler(server: FakeLLMServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:  # keep pytest output clean
            pass

        def _send_json(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _authorised(self) -> bool:
            if server.api_key is None or self.headers.get("Authorization") == f"Bearer {server.api_key}":
                return True
            self._send_json(401, _error_body(401, "Incorrect API key provided."))
            return False

        def do_GET(self) -> None:
            if not self._authorised():
                return
            if self.path.rstrip("/") != "/v1/models":
                self._send_json(404, _error_body(404, "Not found"))
                return
            data = [{"id": server.model, "object": "model", "created": 0, "owned_by": server.owned_by}]
            self._send_json(200, {"object": "list", "data": data})

        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
            server.requests.append(body)
            server.headers.append({k.lower(): v for k, v in self.headers.items()})
            if not self._authorised():
                return
            if server.failures:
                status = server.failures.pop(0)
                self._send_json(status, _error_body(status, "Service temporarily unavailable"))
                return
            if self.path != "/v1/chat/completions":
                self._send_json(404, _error_body(404, "Not found"))
            elif body.get("model") != server.model:
                self._send_json(404, _error_body(404, f"The model `{body.get('model')}` does not exist."))
            elif body.get("prompt_logprobs") is not None:
                self._send_json(200, self._logprobs_response(body))
            elif body.get("stream"):
                self._stream(server.reply(body))
            else:
                self._send_json(200, _completion(server.model, server.reply(body)))

        def _logprobs_response(self, body: dict[str, Any]) -> dict[str, Any]:
            tokens = _toy_tokens(
                body["messages"],
                generation_prompt=body.get("add_generation_prompt", True),
                continue_final=body.get("continue_final_message", False),
            )
            entries: list[Any] = [None]
            for i, tok in enumerate(tokens[1:], 1):
                lp = -0.1 if tok in server.likely_words else -3.0
                entries.append({str(1000 + i): {"logprob": lp, "rank": 1, "decoded_token": tok}})
            response = _completion(server.model, "x")
            response["prompt_logprobs"] = entries
            return response

        def _stream(self, text: str) -> None:
            self.send_response(200)
            self.send_header("Content-Type", "text/event-stream")
            self.send_header("Cache-Control", "no-cache")
            self.end_headers()
            pieces = [w + " " for w in text.split(" ")[:-1]] + [text.split(" ")[-1]]
            for piece in pieces:
                chunk = {
                    "id": "chatcmpl-1", "object": "chat.completion.chunk", "created": int(time.time()),
                    "model": server.model,
                    "choices": [{"index": 0, "delta": {"role": "assistant", "content": piece}, "finish_reason": None}],
                }
                self.wfile.write(f"data: {json.dumps(chunk)}\n\n".encode())
                self.wfile.flush()
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
            self.close_connection = True

    return Handler


def _completion(model: str, text: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-1", "object": "chat.completion", "created": int(time.time()), "model": model,
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
    }


@pytest.fixture
def llm_server() -> Iterator[FakeLLMServer]:
    """A running OpenAI-compatible server on 127.0.0.1 (a free port), stopped after the test."""
    server = FakeLLMServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _make_handler(server))
    httpd.daemon_threads = True
    server.httpd = httpd
    server.url = f"http://127.0.0.1:{httpd.server_address[1]}/v1"
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


# -- a tiny random chat model on disk -----------------------------------------------------------


SPECIAL_TOKENS = ("<|endoftext|>", "<|im_start|>", "<|im_end|>")


def build_tiny_tokenizer():
    """A byte-level BPE ``tokenizers.Tokenizer`` (~400 tokens) with ChatML special tokens."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    corpus = [
        "What color is the sky on a clear day? The sky is blue.",
        "Where did I leave the screwdriver? On the kitchen table next to the sink.",
        "Alice suggested we cook pasta on Tuesday evening with friends.",
        '{"answer": "blue", "choice": "A", "confidence": 0.9}',
    ] * 20
    trainer = trainers.BpeTrainer(
        vocab_size=400, special_tokens=list(SPECIAL_TOKENS), initial_alphabet=pre_tokenizers.ByteLevel.alphabet()
    )
    tok.train_from_iterator(corpus, trainer)
    return tok


def build_tiny_chat_model(folder: Path, *, chat_template: str | None = CHATML) -> Path:
    """The tiny tokenizer and a random 2-layer Llama, saved like any HF checkpoint."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    fast = PreTrainedTokenizerFast(
        tokenizer_object=build_tiny_tokenizer(),
        bos_token="<|im_start|>", eos_token="<|im_end|>", pad_token="<|endoftext|>",
    )
    if chat_template:
        fast.chat_template = chat_template
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(fast), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
        num_attention_heads=4, num_key_value_heads=2, max_position_embeddings=512,
        bos_token_id=fast.bos_token_id, eos_token_id=fast.eos_token_id, pad_token_id=fast.pad_token_id,
    )
    model = LlamaForCausalLM(config)
    folder.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(folder)
    fast.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_chat_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Folder of a tiny random Llama chat model with a ChatML template (built once per run)."""
    return build_tiny_chat_model(tmp_path_factory.mktemp("tiny-chat-llm"))


@pytest.fixture(scope="session")
def tiny_tokenizer():
    """The tiny byte-level BPE tokenizer with ChatML special tokens (``tokenizers.Tokenizer``)."""
    return build_tiny_tokenizer()


@pytest.fixture(scope="session")
def build_chat_model():
    """``build_chat_model(folder, chat_template=...) -> folder``: build another tiny chat model."""
    return build_tiny_chat_model
