"""Every captioning and scene-text model a user can configure, and where each resolves from.

The entries are the ``caption`` and ``ocr`` stages of ``egobutler/models.toml``, the one
catalog every package reads. For ``egobutler models list`` / ``doctor``: `vision_model_catalog()` lists them,
`locate()` says where one is on this machine right now (never downloading). No registry
package ships a captioning VLM, so captioners come from the user's disk / Hugging Face
cache (``transformers``) or from a model server (``openai``); OCR weights ship inside
``rapidocr-onnxruntime``.
"""

from __future__ import annotations

import importlib.util
import tomllib
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class VisionModel:
    """One model for a sight stage.

    ``name`` is what goes in the setting (``captioner_model``; ``ocr`` for OCR).
    ``source`` is ``package:<pypi name>`` (weights bundled, offline), ``hf:<repo id>``
    (a checkpoint on the Hugging Face hub, cached locally once downloaded) or
    ``server`` (a model name an OpenAI-compatible server serves).
    """

    name: str
    stage: str  # caption | ocr
    backend: str  # transformers | openai | rapidocr
    description: str
    source: str
    how_to_get: str
    size: str = ""
    hardware: str = ""


def _how_to_get(entry: dict) -> str:
    if entry.get("note"):
        return entry["note"]
    if entry["source"] == "package":
        return f"pip install {entry['package']} (weights are inside the package)"
    return (f"hf download {entry['hf_repo']} (on a connected machine), then captioner = transformers, "
            f"captioner_model = {entry['name']}")


def _size(size_mb: float | None) -> str:
    if not size_mb:
        return ""
    return f"{size_mb / 1000:.1f} GB" if size_mb >= 1000 else f"{size_mb:.0f} MB"


def _read_catalog() -> tuple[VisionModel, ...]:
    """The ``caption`` and ``ocr`` entries of the project's one model catalog, ``egobutler/models.toml``."""
    path = Path(__file__).resolve().parents[1] / "models.toml"
    out = []
    for m in tomllib.loads(path.read_text(encoding="utf-8"))["model"]:
        if m["stage"] not in ("caption", "ocr"):
            continue
        source = {"package": f"package:{m.get('package')}", "hf": f"hf:{m.get('hf_repo')}"}.get(m["source"], "server")
        if m["source"] == "server" and m.get("hf_repo"):
            source = f"hf:{m['hf_repo']}"  # served, but its weights live in a hub repo
        out.append(VisionModel(m["name"], m["stage"], m["backend"], m["description"], source, _how_to_get(m),
                               _size(m.get("size_mb")), m.get("hardware", "")))
    return tuple(out)


_CATALOG: tuple[VisionModel, ...] = _read_catalog()


def vision_model_catalog() -> tuple[VisionModel, ...]:
    """Every captioner / OCR model egobutler knows how to use (the transformers backend also
    takes any local folder of the LLaVA-OneVision, Qwen2-VL, Qwen2.5-VL or Idefics3/SmolVLM families)."""
    return _CATALOG


def locate(model: VisionModel, models_dir: str | Path | None = None) -> str | None:
    """Where ``model`` is on this machine now (a path), or ``None``; never downloads.

    Order: a folder under ``models_dir`` named like the model (``org--name`` or ``name``),
    the installed package that bundles it, the Hugging Face cache. Server models have no
    local copy and always give ``None``.
    """
    kind, _, ref = model.source.partition(":")
    if models_dir and kind in ("hf", "package"):
        for candidate in (ref.replace("/", "--"), ref.rsplit("/", 1)[-1]):
            path = Path(models_dir).expanduser() / candidate
            if path.is_dir():
                return str(path)
    if kind == "package":
        spec = importlib.util.find_spec(ref.replace("-", "_"))
        if spec is not None and spec.submodule_search_locations:
            return str(next(iter(spec.submodule_search_locations)))
        return None
    if kind == "hf":
        return _hf_cached(ref)
    return None


def _hf_cached(repo_id: str) -> str | None:
    try:
        from huggingface_hub import try_to_load_from_cache
    except ImportError:
        return None
    hit = try_to_load_from_cache(repo_id, "config.json")
    return str(Path(hit).parent) if isinstance(hit, str) else None
