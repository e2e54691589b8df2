"""The vector index on a Chroma server (`chroma run`), as a scaled-out user would have it."""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from memory_helpers import HashingEmbedder, seed

from egobutler.memory_db.store import MemoryStore


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def chroma_server(tmp_path):
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.skip("the chroma server command is not installed")
    port = _free_port()
    proc = subprocess.Popen([exe, "run", "--path", str(tmp_path / "server"), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma server did not start")
    yield f"http://127.0.0.1:{port}"
    proc.terminate()
    proc.wait(timeout=30)


@pytest.mark.slow
def test_search_and_reindex_through_a_chroma_server(tmp_path, chroma_server):
    store = MemoryStore.open(f"sqlite:///{tmp_path / 'm.db'}", tmp_path / "media", chroma_url=chroma_server,
                             embedder=HashingEmbedder())
    seed(store, 12)
    first = [(h.id, round(h.score, 5)) for h in store.search("screwdriver workbench", k=3, mode="vector")]
    assert store.index.count() == 12
    assert store.reindex() == 12
    assert [(h.id, round(h.score, 5)) for h in store.search("screwdriver workbench", k=3, mode="vector")] == first
    store.close()


def test_unreachable_chroma_server_says_so(tmp_path):
    from egobutler.memory_db.errors import IndexError_

    with pytest.raises(IndexError_, match="is it running"):
        MemoryStore.open(f"sqlite:///{tmp_path / 'm.db'}", tmp_path / "media", chroma_url=f"http://127.0.0.1:{_free_port()}",
                         embedder=HashingEmbedder())
