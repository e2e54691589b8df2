"""Wires the answering engine from `Settings`: the store, the configured LLM, the timezone."""

from __future__ import annotations

import logging
from datetime import date

from egobutler.app.errors import AppError
from egobutler.app.settings import Settings
from egobutler.egorag.engine import Engine

log = logging.getLogger(__name__)


def day1_of(settings: Settings) -> date:
    try:
        return date.fromisoformat(settings.day1)
    except ValueError:
        raise AppError(f"setting day1 {settings.day1!r} is not a date; use YYYY-MM-DD") from None


def load_configured_llm(settings: Settings):
    """The LLM named in settings (None for ``llm = none``)."""
    from egobutler.egorag.llm import load_llm

    return load_llm(settings.llm, model=settings.llm_model, base_url=settings.llm_base_url,
                    api_key=settings.llm_api_key, timeout_s=settings.llm_timeout_s, models_dir=settings.models_dir)


def engine_timezone(settings: Settings, store, wearer_id: str | None = None) -> str:
    """Answers are in the wearer's timezone when the memory knows it, else the settings'."""
    wearers = [store.get_wearer(wearer_id)] if wearer_id else store.wearers()
    zones = {w.timezone for w in wearers if w is not None}
    return zones.pop() if len(zones) == 1 else settings.timezone


def tiny_llm(settings: Settings) -> bool:
    """Whether the configured LLM is a tiny default (too weak to score options or write summaries)."""
    from egobutler.egorag.summaries import is_tiny

    return settings.llm != "none" and is_tiny(settings.llm_model)


def build_engine(settings: Settings, store, *, llm=..., wearer_id: str | None = None) -> Engine:
    """The `Engine` for ``store`` with the configured LLM (pass ``llm=None`` for evidence-only)."""
    if llm is ...:
        llm = load_configured_llm(settings)
    # A tiny model's option likelihood is near chance and costs 40-100 s per question on
    # 2 busy cores (measured on SmolLM2-135M): multiple choice then rests on the evidence.
    tiny = llm is not None and tiny_llm(settings)
    return Engine(store, llm, timezone=engine_timezone(settings, store, wearer_id), day1=day1_of(settings),
                  llm_weight=0.0 if tiny else READER_WEIGHT)


#: The reader's weight beside the evidence in multiple choice, chosen by 5-fold cross-validation on the
#: first 66 dev.json questions with Qwen2.5-Coder-1.5B (2.0 in 4 folds of 5; evidence only 43.9 %, reader only
#: 51.5 %, combined 50.0 % cross-validated; benchmarks/results/egolifeqa_dev_reader_first66.json).
READER_WEIGHT = 2.0
