"""Fixtures shared by the whole suite.

Tests never touch the network or the user's data dir: every test gets its own
``EGOBUTLER_HOME`` under pytest's tmp dir, and hub libraries are forced offline.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
TEST_DATA = Path(__file__).resolve().parent / "data"
SHARED_DATA = REPO_ROOT.parent / "shared" / "data"

# Set before any library import reads them.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")
os.environ.setdefault("PYANNOTE_METRICS_ENABLED", "false")
os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")  # chromadb


def shared_data_or_skip(*parts: str) -> Path:
    """Path under ../shared/data, or skip the test with a reason a user understands."""
    path = SHARED_DATA.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"needs the EgoLife development data at {path} (present in CI, absent in a plain clone)")
    return path


@pytest.fixture
def shared_data() -> Path:
    """../shared/data (real EgoLife data), or skip: it exists in CI, not in a plain clone."""
    return shared_data_or_skip()


@pytest.fixture
def egobutler_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh, empty data dir, set as EGOBUTLER_HOME for this test."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("EGOBUTLER_HOME", str(home))
    for key in list(os.environ):
        if key.startswith("EGOBUTLER_") and key != "EGOBUTLER_HOME" and not key.startswith("EGOBUTLER_TEST_"):
            monkeypatch.delenv(key)
    return home
