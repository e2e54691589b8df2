"""`egobutler doctor`: what is configured, what is found on disk, what is missing and how to get it."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from egobutler.app import models_catalog
from egobutler.app.settings import Settings


@dataclass(frozen=True)
class Check:
    name: str
    state: str      # ok | missing | off | warn
    detail: str
    fix: str = ""


def run_checks(settings: Settings) -> list[Check]:
    checks = [_check_data_dir(settings), _check_memory(settings)]
    checks += [_model_check(stage, backend, model) for stage, backend, model in _configured(settings)]
    return checks


def _configured(settings: Settings) -> list[tuple[str, str, str | None]]:
    """(stage, backend, model) for every stage egobutler would run with these settings."""
    rows: list[tuple[str, str, str | None]] = [("embed", settings.embedder, settings.embedder_model)]
    rows.append(("asr", settings.asr, settings.asr_model))
    if settings.asr != "none":
        rows.append(("vad", "silero", "silero-vad"))
    if settings.diarizer == "onnx":
        rows += [("diarize", "onnx", "segmentation-3.0-onnx"), ("diarize", "onnx", "resemblyzer")]
    else:
        rows.append(("diarize", settings.diarizer, settings.diarizer_model))
    rows.append(("ocr", settings.ocr, "rapidocr" if settings.ocr == "rapidocr" else None))
    rows.append(("caption", settings.captioner, settings.captioner_base_url if settings.captioner == "openai" else settings.captioner_model))
    rows.append(("llm", settings.llm, settings.llm_base_url if settings.llm == "openai" else settings.llm_model))
    rows.append(("motion-narrator", settings.motion_narrator, settings.motion_narrator_model))
    rows.append(("motion-generator", settings.motion_generator, settings.motion_generator_model or "fracmogen-deepmimic"))
    return rows


def _model_check(stage: str, backend: str, model: str | None) -> Check:
    name = f"{stage}: {backend}"
    if backend == "none":
        return Check(name, "off", "not configured (stage skipped)", f"set EGOBUTLER_{_setting(stage)} to enable it")
    if backend == "openai":
        if not model:
            return Check(name, "missing", "no server URL", f"set EGOBUTLER_{_setting(stage)}_BASE_URL (e.g. http://localhost:8000/v1)")
        return Check(name, "ok", f"server {model} (reached at first use)")
    if backend in ("rules", "retrieval") or (stage == "motion-narrator" and not model):
        return Check(name, "ok", "built in, no weights needed")
    if model is None:
        return Check(name, "missing", "no model configured", f"set EGOBUTLER_{_setting(stage)}_MODEL")
    try:
        entry = models_catalog.find(model)
    except Exception:  # noqa: BLE001 - not in the catalog: a path or a hub id
        entry = models_catalog.ModelEntry(model, stage, backend, "user-configured", hf_repo=model if "/" in model else None)
    found = models_catalog.resolve(entry, local_path=model)
    if found.found:
        return Check(name, "ok", f"{entry.name}: {found.where}")
    return Check(name, "missing", f"{entry.name}: not on this machine", found.how_to_get)


def _setting(stage: str) -> str:
    return {"embed": "EMBEDDER", "asr": "ASR", "vad": "ASR", "diarize": "DIARIZER", "ocr": "OCR", "caption": "CAPTIONER",
            "llm": "LLM", "motion-narrator": "MOTION_NARRATOR", "motion-generator": "MOTION_GENERATOR"}[stage]


def _check_data_dir(settings: Settings) -> Check:
    home = settings.home
    if home.exists() and not home.is_dir():
        return Check("data dir", "missing", f"{home} is not a directory", "set EGOBUTLER_HOME to a folder")
    probe = home if home.exists() else next((p for p in home.parents if p.exists()), Path("/"))
    if not os.access(probe, os.W_OK):
        return Check("data dir", "missing", f"{home} is not writable", "fix its permissions or set EGOBUTLER_HOME")
    return Check("data dir", "ok", str(home) + ("" if home.exists() else " (created on first use)"))


def _check_memory(settings: Settings) -> Check:
    from egobutler.app.services import open_store

    try:
        store = open_store(settings, with_index=False)
    except Exception as exc:  # noqa: BLE001 - doctor reports, it does not crash
        return Check("memory", "missing", str(exc), "see the message; `egobutler status` after fixing")
    try:
        counts = store.counts()
    finally:
        store.close()
    return Check("memory", "ok", f"{counts['clips']} clips, {counts['summaries']} summaries")
