"""Years of memory through the path a user runs: `MemoryStore` writes, `Engine` retrieval.

    .venv/bin/python benchmarks/scale.py --week-home HOME [--sizes 10000 100000] [--backend sqlite|postgres]
        [--postgres-url URL] [--chroma-server] [--out FILE]

A synthetic life log of N clips is made from an imported EgoLife week (``--week-home``, a
data dir where `egobutler import egolife` ran): each new clip copies the lines of a week
clip drawn at random, moved to a new date (16 waking hours of 30 s clips a day, so ~1,920
clips a day). Clips and lines go in through `add_clips`/`add_lines` (which also write the
keyword-search documents); vectors go in through `sync_index` with the real MiniLM vectors
of the week (a copied clip has the same text as its template, so its vector is looked up
instead of recomputed — queries are embedded by MiniLM as usual).

Reported per size: insert throughput (SQL + search documents; vectors separately), the
p50/p95 of retrieving evidence for EgoLifeQA dev questions (question + options, asked on
the last days of the log; `Engine._retrieve`, k=20, the chat's path), the peak RSS of a
fresh serving process that opens the memory and answers them, and the time from writing
a new clip to finding it by keyword search.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TZ = "Asia/Shanghai"
CLIPS_PER_DAY = 1920  # 16 waking hours of 30 s clips
DAY0 = datetime(2026, 1, 1, 0, 0, tzinfo=timezone.utc)  # 08:00 in Shanghai


def _week(home: Path, with_vectors: bool = True):
    """The week's clips as templates (line offsets, kinds, texts, speakers), its people, and text -> vector."""
    from egobutler.memory_db.store import MemoryStore

    store = MemoryStore.open(f"sqlite:///{home / 'memory.db'}", home / "media")
    clips = store.clips()
    lines = store.lines()
    by_clip: dict[str, list] = {c.id: [] for c in clips}
    for ln in lines:
        by_clip[ln.clip_id].append(ln)
    templates = [(c, by_clip[c.id]) for c in clips if by_clip[c.id]]
    people, wearers = store.people(), store.wearers()
    texts = store.clip_texts([c.id for c, _ in templates], stamps=False)
    store.close()
    vectors: dict[str, np.ndarray] = {}
    if with_vectors and (home / "chroma").is_dir():
        import chromadb

        from egobutler.memory_db.vector_index import COLLECTION

        collection = chromadb.PersistentClient(path=str(home / "chroma")).get_collection(COLLECTION)
        for start in range(0, len(templates), 2000):
            ids = [f"clip:{c.id}" for c, _ in templates[start:start + 2000]]
            got = collection.get(ids=ids, include=["embeddings"])
            for doc_id, vec in zip(got["ids"], got["embeddings"]):
                vectors[texts[doc_id[5:]]] = np.asarray(vec, dtype=np.float32)
    return templates, people, wearers, vectors


class LookupEmbedder:
    """MiniLM for texts it has not seen (queries); the stored week vector for a copied clip's text."""

    def __init__(self, vectors: dict[str, np.ndarray]):
        from egobutler.memory_db.embedder import load_embedder

        self.inner = load_embedder()
        self.model_id, self.dim = self.inner.model_id, self.inner.dim
        self.vectors = vectors

    def embed(self, texts):
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        missing = [i for i, t in enumerate(texts) if t not in self.vectors]
        for i, t in enumerate(texts):
            if t in self.vectors:
                out[i] = self.vectors[t]
        if missing:
            out[missing] = self.inner.embed([texts[i] for i in missing])
        return out


def synthetic_batches(templates, wearer_id: str, n: int, batch: int = 2000, seed: int = 0):
    """Batches of (clips, lines): clip i is a random week clip's lines moved to slot i of the new log."""
    from egobutler.memory_db.records import Clip, MemoryLine

    rng = random.Random(seed)
    for first in range(0, n, batch):
        clips, lines = [], []
        for i in range(first, min(first + batch, n)):
            start = DAY0 + timedelta(days=i // CLIPS_PER_DAY, seconds=30 * (i % CLIPS_PER_DAY))
            clip = Clip(wearer_id, start, start + timedelta(seconds=30))
            clips.append(clip)
            template, tlines = templates[rng.randrange(len(templates))]
            for ln in tlines:
                shift = start - template.start
                lines.append(MemoryLine(ln.kind, clip.id, ln.start + shift, ln.end + shift, ln.text, ln.model_id,
                                        speaker_id=ln.speaker_id, label=ln.label, confidence=ln.confidence))
        yield clips, lines


def open_store(url: str, media: Path, chroma_url: str | None, chroma_path: Path | None, embedder):
    from egobutler.memory_db.store import MemoryStore

    return MemoryStore.open(url, media, chroma_url=chroma_url, chroma_path=chroma_path, embedder=embedder)


def insert(args, url: str, media: Path, chroma: dict, templates, people, wearers, vectors, n: int) -> dict:
    store = open_store(url, media, embedder=LookupEmbedder(vectors) if vectors else None, **chroma)
    for w in wearers:
        store.upsert_wearer(w)
    for p in people:
        store.upsert_person(p)
    wearer_id = wearers[0].id
    began, lines_n = time.perf_counter(), 0
    for clips, lines in synthetic_batches(templates, wearer_id, n):
        store.add_clips(clips)
        lines_n += store.add_lines(lines, index=False)
    sql_s = time.perf_counter() - began
    vec_s = None
    if vectors and not args.no_vectors:
        began = time.perf_counter()
        store.sync_index()
        vec_s = time.perf_counter() - began
    store.close()
    return {"clips": n, "lines": lines_n, "sql_s": sql_s, "clips_per_s": n / sql_s,
            "lines_per_s": lines_n / sql_s, "vectors_s": vec_s, "vectors_per_s": (n / vec_s) if vec_s else None}


def serve(args) -> dict:
    """In a fresh process: open the memory, answer dev questions on the log's last days, write and find a clip."""
    from egobutler.egorag.egolifeqa import DayClock, load_questions
    from egobutler.egorag.engine import Engine
    from egobutler.egorag.records import Question
    from egobutler.memory_db.records import Clip, MemoryLine

    embedder = None
    if args.chroma_url or args.chroma_path:
        from egobutler.memory_db.embedder import load_embedder
        embedder = load_embedder()
    store = open_store(args.db, Path(args.media), args.chroma_url, Path(args.chroma_path) if args.chroma_path else None,
                       embedder)
    engine = Engine(store, None, timezone=TZ, day1=date(2026, 1, 1))
    questions = load_questions(Path(args.questions), DayClock(date(2025, 1, 1), TZ))[: args.n_questions]
    span_end = DAY0 + timedelta(days=args.n // CLIPS_PER_DAY, seconds=30 * (args.n % CLIPS_PER_DAY))
    rng = random.Random(1)
    samples = []
    for q in questions:
        at = span_end - timedelta(seconds=rng.uniform(0, 86400 * min(2, max(args.n / CLIPS_PER_DAY, 0.1))))
        t0 = time.perf_counter()
        engine._retrieve(Question(q.question, at, choices=q.choices), 20)
        samples.append(time.perf_counter() - t0)
    wearer_id = store.wearers()[0].id
    clip = Clip(wearer_id, span_end + timedelta(minutes=5), span_end + timedelta(minutes=5, seconds=30))
    word = f"zq{rng.randrange(10**8)}"
    line = MemoryLine("caption", clip.id, clip.start + timedelta(seconds=3), clip.start + timedelta(seconds=5),
                      f"I hide the {word} key in the blue drawer.", "bench")
    t0 = time.perf_counter()
    store.add_clips([clip])
    store.add_lines([line], index=False)
    found_s = None
    while time.perf_counter() - t0 < 60:
        hits = engine.search(f"{word} key drawer", query_time=clip.end + timedelta(seconds=1), k=5)
        if any(e.clip_id == clip.id for e in hits):
            found_s = time.perf_counter() - t0
            break
    store.forget(start=clip.start, end=clip.end)
    store.close()
    return {"p50_ms": float(np.percentile(samples, 50) * 1000), "p95_ms": float(np.percentile(samples, 95) * 1000),
            "n_questions": len(samples), "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "write_to_found_s": found_s}


def start_chroma_server(folder: Path) -> tuple[subprocess.Popen, str]:
    exe = shutil.which("chroma", path=str(Path(sys.executable).parent))
    if exe is None:
        raise SystemExit("the chroma server command is not installed (pip install chromadb)")
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    proc = subprocess.Popen([exe, "run", "--path", str(folder), "--host", "127.0.0.1", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(120):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return proc, f"http://127.0.0.1:{port}"
        except OSError:
            time.sleep(0.5)
    proc.kill()
    raise SystemExit("the chroma server did not start")


def fresh_postgres(url: str, name: str) -> str:
    from sqlalchemy import create_engine, text

    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {name} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {name}"))
    admin.dispose()
    return f"{url}?options=-csearch_path%3D{name}"


def run_size(args, week, n: int, tmp: Path) -> dict:
    templates, people, wearers, vectors = week
    folder = tmp / f"{args.backend}-{n}"
    folder.mkdir(parents=True, exist_ok=True)
    server = None
    chroma: dict = {"chroma_url": None, "chroma_path": None}
    if vectors and not args.no_vectors:
        if args.chroma_server:
            server, url = start_chroma_server(folder / "chroma-server")
            chroma["chroma_url"] = url
        else:
            chroma["chroma_path"] = folder / "chroma"
    db = f"sqlite:///{folder / 'memory.db'}" if args.backend == "sqlite" else fresh_postgres(args.postgres_url, f"scale_{n}")
    try:
        result = insert(args, db, folder / "media", chroma, templates, people, wearers, vectors, n)
        cmd = [sys.executable, __file__, "--serve", "--db", db, "--media", str(folder / "media"), "--n", str(n),
               "--questions", str(args.questions), "--n-questions", str(args.n_questions)]
        if chroma["chroma_url"]:
            cmd += ["--chroma-url", chroma["chroma_url"]]
        if chroma["chroma_path"]:
            cmd += ["--chroma-path", str(chroma["chroma_path"])]
        out = subprocess.run(cmd, capture_output=True, text=True, check=True)
        result.update(json.loads(out.stdout.strip().splitlines()[-1]))
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        if not args.keep:
            shutil.rmtree(folder, ignore_errors=True)
    result.update({"backend": args.backend, "vectors": "chroma server" if args.chroma_server else
                   ("chroma embedded" if chroma["chroma_path"] else "none")})
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--week-home", type=Path, default=Path(os.environ.get("EGOBUTLER_HOME", ".")),
                        help="Data dir holding the imported EgoLife week (templates and their vectors).")
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000], help="Clip counts to build.")
    parser.add_argument("--backend", choices=["sqlite", "postgres"], default="sqlite")
    parser.add_argument("--postgres-url", help="SQLAlchemy URL of a PostgreSQL database (scripts/test_postgres.sh start).")
    parser.add_argument("--chroma-server", action="store_true", help="Vectors in a Chroma server started here.")
    parser.add_argument("--no-vectors", action="store_true", help="Keyword search only.")
    parser.add_argument("--questions", type=Path, default=ROOT.parent / "shared" / "data" / "egolifeqa" / "dev.json")
    parser.add_argument("--n-questions", type=int, default=40)
    parser.add_argument("--tmp", type=Path, default=None, help="Where to build the memories (default: a temp dir).")
    parser.add_argument("--keep", action="store_true", help="Keep the built memories.")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "scale.json")
    # internal: the serving process
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--db", help=argparse.SUPPRESS)
    parser.add_argument("--media", help=argparse.SUPPRESS)
    parser.add_argument("--n", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--chroma-url", help=argparse.SUPPRESS)
    parser.add_argument("--chroma-path", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        print(json.dumps(serve(args)))
        return
    if args.backend == "postgres" and not args.postgres_url:
        raise SystemExit("--backend postgres needs --postgres-url (eval \"$(scripts/test_postgres.sh start)\")")
    week = _week(args.week_home, not args.no_vectors)
    rows = []
    with tempfile.TemporaryDirectory(dir=args.tmp) as tmp:
        for n in args.sizes:
            row = run_size(args, week, n, Path(tmp))
            rows.append(row)
            print(json.dumps(row), flush=True)
    print(f"{'backend':<10}{'vectors':<16}{'clips':>9}{'clips/s':>9}{'vec/s':>8}{'p50 ms':>8}{'p95 ms':>8}"
          f"{'RSS MB':>8}{'found s':>8}")
    for r in rows:
        vps = f"{r['vectors_per_s']:.0f}" if r["vectors_per_s"] else "-"
        found = f"{r['write_to_found_s']:.2f}" if r["write_to_found_s"] is not None else "never"
        print(f"{r['backend']:<10}{r['vectors']:<16}{r['clips']:>9}{r['clips_per_s']:>9.0f}{vps:>8}{r['p50_ms']:>8.0f}"
              f"{r['p95_ms']:>8.0f}{r['rss_peak_mb']:>8.0f}{found:>8}")
    previous = json.loads(args.out.read_text()) if args.out.exists() else {}
    for r in rows:
        previous[f"{r['backend']}/{r['vectors']}/{r['clips']}"] = r
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(previous, indent=1))
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
