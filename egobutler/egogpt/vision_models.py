"""Every captioning and scene-text model a user can configure, and where each resolves from.

For ``egobutler models list`` / ``doctor``: `vision_model_catalog()` lists them,
`locate()` says where one is on this machine right now (never downloading). No registry
package ships a captioning VLM, so captioners come from the user's disk / Hugging Face
cache (``transformers``) or from a model server (``openai``); OCR weights ship inside
``rapidocr-onnxruntime``.
"""

from __future__ import annotations

import importlib.util
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


def _hf(name: str, description: str, size: str, hardware: str) -> VisionModel:
    return VisionModel(
        name, "caption", "transformers", description, f"hf:{name}",
        f"hf download {name} (on a connected machine), then captioner = transformers, captioner_model = {name}",
        size, hardware,
    )  # fmt: skip


_CATALOG: tuple[VisionModel, ...] = (
    _hf("llava-hf/llava-onevision-qwen2-7b-ov-hf",
        "LLaVA-OneVision 7B (Qwen2-7B + SigLIP): the model EgoGPT-7B is fine-tuned from; best local stand-in",
        "16 GB bf16", "GPU with >= 24 GB"),
    _hf("llava-hf/llava-onevision-qwen2-0.5b-ov-hf", "LLaVA-OneVision 0.5B: same family, small and weak",
        "1.8 GB", "any GPU; CPU at ~a minute per clip"),
    _hf("Qwen/Qwen2.5-VL-7B-Instruct", "Qwen2.5-VL 7B: strong video captioner", "16 GB bf16", "GPU with >= 24 GB"),
    _hf("Qwen/Qwen2.5-VL-3B-Instruct", "Qwen2.5-VL 3B", "7.5 GB bf16", "GPU with >= 12 GB"),
    _hf("Qwen/Qwen2-VL-2B-Instruct", "Qwen2-VL 2B", "4.5 GB bf16", "GPU with >= 8 GB"),
    _hf("HuggingFaceTB/SmolVLM-Instruct", "SmolVLM 2B (Idefics3 architecture)", "4.5 GB bf16", "GPU with >= 8 GB"),
    _hf("HuggingFaceTB/SmolVLM-256M-Instruct", "SmolVLM 256M: CPU-friendly, captions are generic",
        "0.5 GB", "CPU or any GPU"),  # fmt: skip
    VisionModel(
        "lmms-lab/EgoGPT-7b-EgoIT-EgoLife", "caption", "openai",
        "EgoGPT-7B, EgoLife's own captioner (LLaVA-OneVision + a Whisper audio branch). It ships in the EgoGPT "
        "code's format, which transformers' Auto classes do not load",
        "hf:lmms-lab/EgoGPT-7b-EgoIT-EgoLife",
        "download it and run it with the EgoGPT code (github.com/EvolvingLMMs-Lab/EgoLife) behind an "
        "OpenAI-compatible server you provide; then captioner = openai, captioner_base_url = that server",
        "16 GB", "GPU with >= 24 GB",
    ),  # fmt: skip
    VisionModel(
        "<served model name>", "caption", "openai",
        "Any VLM behind an OpenAI-compatible chat endpoint with image input: vLLM, Ollama, LM Studio, OpenAI",
        "server",
        "e.g. `vllm serve Qwen/Qwen2.5-VL-7B-Instruct` then captioner = openai, captioner_base_url = "
        "http://host:8000/v1, captioner_model = Qwen/Qwen2.5-VL-7B-Instruct; or `ollama pull qwen2.5vl` with "
        "base URL http://localhost:11434/v1",
        hardware="the server's",
    ),  # fmt: skip
    VisionModel(
        "rapidocr", "ocr", "rapidocr", "PP-OCRv4 text detection + recognition (ONNX): signs, labels, screens",
        "package:rapidocr-onnxruntime", "pip install rapidocr-onnxruntime (weights are inside the package)",
        "15 MB", "CPU, ~1 s per 640x360 frame",
    ),  # fmt: skip
)


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
