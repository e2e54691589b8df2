"""Fixtures for the memory tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from memory_helpers import open_store


@pytest.fixture
def store(tmp_path: Path):
    s = open_store(tmp_path)
    yield s
    s.close()
