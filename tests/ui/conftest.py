"""A launched egobutler UI over a small seeded memory, shared by the UI tests.

The memory is the demo memory (`egobutler.ui.demo`): two wearers, two days, thumbnails,
one short video, one transcript line full of markup. Answers come from the real `Engine`
with a fake LLM (our own `LLM` interface) whose reply quotes markup too.
"""

from __future__ import annotations

import importlib.util
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from egobutler.egorag.llm import LLM, ChatMessage

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"

HAS_MCP = importlib.util.find_spec("mcp") is not None
QUERY_TIME = datetime(2025, 1, 3, 12, 0, tzinfo=UTC)  # "now" for the chat: after the whole demo memory
FAKE_REPLY = "In the drawer by the sink <b>(not bold)</b> <script>window.__xss = 1</script>."


class FakeLLM(LLM):
    """Answers every question with `FAKE_REPLY` (streamed word by word) and records the prompts."""

    model_id = "fake-llm"
    supports_streaming = True

    def __init__(self) -> None:
        self.prompts: list[list[ChatMessage]] = []

    def generate(self, messages: Sequence[ChatMessage], *, max_tokens: int = 256, temperature: float = 0.0,
                 stop: Sequence[str] = ()) -> str:
        self.prompts.append(list(messages))
        return FAKE_REPLY

    def stream(self, messages: Sequence[ChatMessage], *, max_tokens: int = 256,
               temperature: float = 0.0) -> Iterator[str]:
        self.prompts.append(list(messages))
        words = FAKE_REPLY.split(" ")
        for i, word in enumerate(words):
            yield word + (" " if i < len(words) - 1 else "")


@dataclass
class LaunchedUi:
    url: str
    db_url: str
    media_dir: Path
    llm: FakeLLM
    store: object
    demo: object


def seeded_services(root: Path, llm: LLM | None):
    """A demo memory under ``root`` and the `UiServices` over it."""
    from egobutler.egorag.engine import Engine
    from egobutler.memory_db.store import MemoryStore
    from egobutler.ui.demo import seed_demo_memory
    from egobutler.ui.services import UiServices
    from egobutler.ui.timefmt import Clock

    db_url = f"sqlite:///{root / 'memory.db'}"
    store = MemoryStore.open(db_url, root / "media")
    seed_demo_memory(store)
    engine = Engine(store, llm, timezone="UTC", day1=date(2025, 1, 1))
    services = UiServices(store=store, engine=engine, media_dir=root / "media",
                          clock=Clock("UTC", date(2025, 1, 1)), now=lambda: QUERY_TIME)
    return services, db_url


@pytest.fixture(scope="session")
def launched_ui(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LaunchedUi]:
    """The whole app launched on 127.0.0.1 at a free port (once per test session)."""
    from egobutler.ui.app import build_app
    from egobutler.ui.launch import launch_app

    root = tmp_path_factory.mktemp("ui-home")
    (root / "not-media.txt").write_text("private\n")
    llm = FakeLLM()
    services, db_url = seeded_services(root, llm)
    demo = build_app(services)
    url = launch_app(demo, media_dir=services.media_dir, host="127.0.0.1", port=0, block=False, quiet=True,
                     mcp_server=HAS_MCP)
    try:
        yield LaunchedUi(url.rstrip("/"), db_url, services.media_dir.resolve(), llm, services.store, demo)
    finally:
        demo.close()
        services.store.close()


@pytest.fixture(scope="session")
def ui_client(launched_ui: LaunchedUi):
    from gradio_client import Client

    return Client(launched_ui.url, verbose=False)


@pytest.fixture
def ui_services(tmp_path: Path):
    """`UiServices` over a fresh demo memory (no server), with the fake LLM."""
    services, _ = seeded_services(tmp_path, FakeLLM())
    yield services
    services.store.close()
