"""Fixtures of the robustness tests: those of the ingestion tests (the sample recording, a
fresh memory, the CLI as a subprocess with the fake stages importable), and the ingestion
and memory tests' helper modules on the path."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
INGEST_TESTS = REPO / "tests" / "ingest"
MEMORY_TESTS = REPO / "tests" / "memory_db"

for folder in (INGEST_TESTS, MEMORY_TESTS):  # ingest_fakes, memory_helpers
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))

_spec = importlib.util.spec_from_file_location("ingest_test_fixtures", INGEST_TESTS / "conftest.py")
_ingest = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_ingest)

sample = _ingest.sample
store = _ingest.store
cli_env = _ingest.cli_env
egobutler_cmd = _ingest.egobutler_cmd
