"""`vision_model_catalog()`: what `egobutler models list` / `doctor` shows for the sight stages."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from egobutler.egogpt.vision_models import VisionModel, locate, vision_model_catalog


def test_every_entry_says_what_it_is_and_how_to_get_it():
    catalog = vision_model_catalog()
    assert {m.stage for m in catalog} == {"caption", "ocr"}
    assert {m.backend for m in catalog} >= {"transformers", "openai", "rapidocr"}
    for model in catalog:
        assert dataclasses.is_dataclass(model) and model.__dataclass_params__.frozen
        assert model.description and model.how_to_get
        assert model.source.split(":")[0] in ("hf", "package", "server")
    names = [m.name for m in catalog]
    assert len(names) == len(set(names))


def test_the_bundled_ocr_model_resolves_to_its_installed_package():
    [ocr] = [m for m in vision_model_catalog() if m.stage == "ocr"]
    where = locate(ocr)
    assert where is not None and Path(where, "models").is_dir()


def test_an_hf_checkpoint_resolves_from_the_models_dir_and_never_downloads(tmp_path):
    model = next(m for m in vision_model_catalog() if m.name == "Qwen/Qwen2-VL-2B-Instruct")
    assert locate(model, models_dir=tmp_path) is None or "huggingface" in locate(model)  # only a cache hit
    (tmp_path / "Qwen--Qwen2-VL-2B-Instruct").mkdir()
    assert locate(model, models_dir=tmp_path) == str(tmp_path / "Qwen--Qwen2-VL-2B-Instruct")


def test_served_models_have_no_local_copy():
    served = VisionModel("qwen2.5vl:7b", "caption", "openai", "served", "server", "run a server")
    assert locate(served) is None
