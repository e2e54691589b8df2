"""Fixtures of the robustness tests: the CLI as a subprocess with the ingestion fakes importable."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
INGEST_TESTS = REPO / "tests" / "ingest"
SAMPLE = REPO / "samples" / "aria_sample"


@pytest.fixture
def sample() -> Path:
    """The committed Aria-style sample recording (read-only: copy it before changing it)."""
    assert (SAMPLE / "video.mp4").is_file(), "run scripts/make_sample_recording.py"
    return SAMPLE


@pytest.fixture
def cli_env(egobutler_home: Path) -> dict[str, str]:
    """Environment for an `egobutler` subprocess: the test's data dir, the fake stages importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(INGEST_TESTS), str(REPO), env.get("PYTHONPATH", "")])
    env["EGOBUTLER_HOME"] = str(egobutler_home)
    env["HF_HUB_OFFLINE"] = "1"
    return env


@pytest.fixture
def egobutler_cmd() -> list[str]:
    return [sys.executable, "-c", "from egobutler.app.cli import main; main()"]


if str(INGEST_TESTS) not in sys.path:  # the ingestion tests' fake stages
    sys.path.insert(0, str(INGEST_TESTS))


@pytest.fixture
def store(tmp_path: Path):
    """A fresh SQL-only memory (keyword search; no embedder to load)."""
    from egobutler.memory_db.store import MemoryStore

    s = MemoryStore.open(f"sqlite:///{tmp_path / 'memory.db'}", tmp_path / "media")
    yield s
    s.close()


MEMORY_TESTS = REPO / "tests" / "memory_db"
if str(MEMORY_TESTS) not in sys.path:  # the memory tests' hashing embedder and seeded memory
    sys.path.insert(0, str(MEMORY_TESTS))
