"""fp32 vs int8 MiniLM on the imported week's clip documents: agreement (cosine) and speed.

    .venv/bin/python benchmarks/embedders.py --home HOME [--n 200] [--out FILE]

``HOME`` is a data dir with the EgoLife week imported. ``--n`` clip documents are drawn at
random (seed 0), embedded by `sentence-transformers` (fp32) and by `onnx-int8`, and
compared vector by vector.
"""

from __future__ import annotations

import argparse
import json
import random
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main() -> None:
    from egobutler.memory_db.embedder import load_embedder
    from egobutler.memory_db.store import MemoryStore

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, required=True, help="Data dir with the imported week.")
    parser.add_argument("--n", type=int, default=200, help="How many clip documents to compare.")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results" / "embedders.json")
    args = parser.parse_args()
    store = MemoryStore.open(f"sqlite:///{args.home / 'memory.db'}", args.home / "media")
    clips = store.clips()
    sample = random.Random(0).sample(clips, min(args.n, len(clips)))
    texts = list(store.clip_texts([c.id for c in sample], stamps=False).values())
    store.close()
    result = {"n": len(texts)}
    vectors = {}
    for name in ("sentence-transformers", "onnx-int8"):
        embedder = load_embedder(name)
        embedder.embed(texts[:4])  # warm-up
        began = time.perf_counter()
        vectors[name] = embedder.embed(texts)
        result[f"{name}_texts_per_s"] = len(texts) / (time.perf_counter() - began)
    cosine = (vectors["sentence-transformers"] * vectors["onnx-int8"]).sum(axis=1)
    result.update({"mean_cosine": float(cosine.mean()), "min_cosine": float(cosine.min())})
    print(json.dumps(result, indent=1))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
