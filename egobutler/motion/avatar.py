"""The avatar's reply gestures: text-to-motion backends and :func:`animate_reply`.

A backend implements :class:`MotionGenerator` (one method, ``generate``) and is chosen by
name through :data:`GENERATORS` ("retrieval" — the nearest labelled clip blended into calm
standing, the default; "fractal" — the trained coarse-to-fine model); its heavy imports happen
only when it is loaded. The avatar's replies go through :mod:`egobutler.motion.performance`,
which picks a gesture for the reply and asks the generator for that gesture, never for the
reply's own words.
"""

from __future__ import annotations

import importlib
import logging
from abc import ABC, abstractmethod
from pathlib import Path

from egobutler.motion.deepmimic import MocapClip
from egobutler.motion.errors import MotionError

log = logging.getLogger(__name__)

Motion = MocapClip
"""A generated motion is a clip on the humanoid skeleton (see :mod:`egobutler.motion.deepmimic`)."""

OUTPUT_FPS = 30.0  # frame rate of every generated motion
DEFAULT_GENERATOR = "retrieval"  # measures best in benchmarks/motion_gen.py (docs/avatar.md)

GENERATORS = {
    "fractal": "egobutler.motion.fractal.generator:FractalGenerator",
    "retrieval": "egobutler.motion.retrieval_motion:RetrievalGenerator",
}


class UnknownGenerator(MotionError):
    """A motion generator name that is not registered."""


class MotionGenerator(ABC):
    """Text → motion of a given length."""

    model_id: str = "motion-generator"
    #: whether ``generate`` honours ``level`` (coarse-to-fine generators only)
    supports_levels: bool = False

    @abstractmethod
    def generate(self, text: str, seconds: float, *, level: int | None = None) -> Motion:
        """A motion for ``text`` lasting ``seconds`` at :data:`OUTPUT_FPS`."""


def bundled_checkpoint() -> Path:
    """Path of the fractal generator checkpoint shipped in ``egobutler/motion/weights/``."""
    return Path(__file__).parent / "weights" / "fractal_deepmimic.pt"


def load_generator(name: str = DEFAULT_GENERATOR, model_path: str | Path | None = None, **kwargs) -> MotionGenerator:
    """The backend ``name`` ("fractal" | "retrieval"), with its checkpoint if it takes one.

    A fractal generator whose checkpoint is missing falls back to retrieval with a warning,
    so the avatar still moves.
    """
    if name not in GENERATORS:
        raise UnknownGenerator(f"unknown motion generator {name!r}; choose one of: {', '.join(GENERATORS)}")
    module_name, class_name = GENERATORS[name].split(":")
    cls = getattr(importlib.import_module(module_name), class_name)
    if name == "fractal":
        path = Path(model_path) if model_path else bundled_checkpoint()
        if not path.is_file():
            log.warning("no fractal checkpoint at %s; using nearest-clip retrieval", path)
            return load_generator("retrieval", **kwargs)
        return cls(path, **kwargs)
    return cls(**kwargs)


def animate_reply(text: str, seconds: float, *, generator: MotionGenerator, level: int | None = None) -> Motion:
    """The motion for a motion prompt ``text`` ("wave hello") lasting ``seconds`` seconds.

    For a reply, use :func:`egobutler.motion.performance.perform_reply`, which picks the
    gesture's prompt from the reply instead of passing the reply's words to the generator."""
    if not seconds > 0:
        raise MotionError(f"a reply motion needs a positive length in seconds, not {seconds}")
    text = " ".join(str(text).split())[:500] or "stand"
    return generator.generate(text, float(seconds), level=level)
