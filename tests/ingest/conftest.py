"""Fixtures of the ingestion tests: the committed sample recording, a fresh memory store,
and the environment for `egobutler` subprocesses (fake stages importable)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
SAMPLE = REPO / "samples" / "aria_sample"


@pytest.fixture
def sample() -> Path:
    """The committed Aria-style sample recording (read-only: copy it before changing it)."""
    assert (SAMPLE / "video.mp4").is_file(), "run scripts/make_sample_recording.py"
    return SAMPLE


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A private copy of the sample recording the test may damage."""
    target = tmp_path / "recordings" / "aria_sample"
    shutil.copytree(SAMPLE, target)
    return target


@pytest.fixture
def store(tmp_path: Path):
    """A fresh SQL-only memory (keyword search; no embedder to load)."""
    from egobutler.memory_db.store import MemoryStore

    s = MemoryStore.open(f"sqlite:///{tmp_path / 'memory.db'}", tmp_path / "media")
    yield s
    s.close()


@pytest.fixture
def cli_env(egobutler_home: Path) -> dict[str, str]:
    """Environment for an `egobutler` subprocess: the test's data dir, fake stages importable."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(HERE), str(REPO), env.get("PYTHONPATH", "")])
    env["EGOBUTLER_HOME"] = str(egobutler_home)
    return env


@pytest.fixture
def egobutler_cmd() -> list[str]:
    """The CLI as a subprocess command line (this interpreter, so the venv is used)."""
    return [sys.executable, "-c", "from egobutler.app.cli import main; main()"]
