"""Fixtures for the sight tests: tiny random VLM checkpoints, a canned OpenAI-style server, rendered signs."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest


@pytest.fixture(scope="session")
def tiny_vlm_dirs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """family -> folder of a tiny random checkpoint (built once per session, ~1 s each)."""
    from egobutler.egogpt.captioner_tiny import TINY_FAMILIES, build_tiny_vlm

    root = tmp_path_factory.mktemp("tiny_vlms")
    return {family: build_tiny_vlm(family, root / f"tiny-{family}") for family in TINY_FAMILIES}


@pytest.fixture
def make_frames() -> Callable[..., list[tuple[float, np.ndarray]]]:
    """make_frames(n, height=90, width=120) -> n random RGB frames at 1 fps (offsets 0, 1, ...)."""

    def make(n: int, height: int = 90, width: int = 120, seed: int = 0):
        rng = np.random.default_rng(seed)
        return [(float(i), rng.integers(0, 256, (height, width, 3), dtype=np.uint8)) for i in range(n)]

    return make


@pytest.fixture
def render_sign() -> Callable[..., np.ndarray]:
    """render_sign(lines, shift_px=0) -> a 480x270 RGB frame with a white sign showing ``lines``.

    Uses PIL's built-in scalable font (Pillow >= 10.1), so no system font is needed.
    """
    from PIL import Image, ImageDraw, ImageFont

    font = ImageFont.load_default(size=36)

    def render(lines: list[str], shift_px: int = 0) -> np.ndarray:
        image = Image.new("RGB", (480, 270), (80, 100, 85))  # a green-grey wall
        draw = ImageDraw.Draw(image)
        draw.rectangle([90 + shift_px, 60, 400 + shift_px, 80 + 55 * len(lines)], fill=(245, 245, 235))
        for i, line in enumerate(lines):
            draw.text((110 + shift_px, 72 + 55 * i), line, fill=(15, 15, 15), font=font)
        return np.asarray(image)

    return render


class CannedChatServer:
    """A real HTTP server speaking the OpenAI chat-completions protocol with scripted replies.

    ``script`` holds ``(status, body, headers)`` replies used in order for POSTs to
    ``/v1/chat/completions``; when it is empty the server answers 200 with ``reply_text``.
    Every request body it receives is kept in ``requests`` (parsed JSON).
    """

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: list[tuple[int, dict, dict]] = []
        self.reply_text = "I am standing in the kitchen holding a mug."
        self.served_models = ["tiny-vlm"]
        self._lock = threading.Lock()
        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def start(self) -> CannedChatServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()

    def _next_reply(self, body: dict) -> tuple[int, dict, dict]:
        with self._lock:
            self.requests.append(body)
            if self.script:
                return self.script.pop(0)
        text = self.reply_text
        return 200, {
            "id": f"chatcmpl-{len(self.requests)}", "object": "chat.completion", "created": 0,
            "model": body.get("model"),
            "choices": [{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": text}}],
            "usage": {"prompt_tokens": 10, "completion_tokens": 9, "total_tokens": 19},
        }, {}  # fmt: skip

    def _handler(self):
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # keep pytest output clean
                pass

            def _send(self, status: int, body: dict, headers: dict) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                if self.path.rstrip("/").endswith("/models"):
                    data = [{"id": m, "object": "model", "created": 0, "owned_by": "t"} for m in server.served_models]
                    self._send(200, {"object": "list", "data": data}, {})
                else:
                    self._send(404, {"error": {"message": "not found"}}, {})

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", 0))
                body = json.loads(self.rfile.read(length) or b"{}")
                body["_authorization"] = self.headers.get("Authorization")
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(404, {"error": {"message": f"no route {self.path}"}}, {})
                    return
                self._send(*server._next_reply(body))

        return Handler


@pytest.fixture
def chat_server():
    """A started `CannedChatServer` on 127.0.0.1 (a free port), stopped after the test."""
    server = CannedChatServer().start()
    yield server
    server.stop()
