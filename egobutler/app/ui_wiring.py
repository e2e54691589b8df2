"""From `Settings` to the UI's `UiServices`: the store, the engine and the optional actions
(avatar, voice enrollment, ingestion) that the UI may not build itself."""

from __future__ import annotations

import importlib.util
import logging
import re
import shutil
import threading
from collections.abc import Mapping, Sequence
from datetime import date
from pathlib import Path
from typing import Any

from egobutler.app.settings import Settings
from egobutler.memory_db.records import Person, VoiceProfile, content_id
from egobutler.ui.services import AvatarFn, EnrollFn, UiServices
from egobutler.ui.timefmt import Clock

log = logging.getLogger(__name__)



def _has_module(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


def build_ui_services(settings: Settings, *, store=None, engine=None, warm: bool = False) -> UiServices:
    """Open the memory and the engine (unless given) and wire whatever optional parts exist.

    ``warm`` starts loading the avatar's generator in the background (for `egobutler serve`)."""
    from egobutler.app.services import open_store

    store = store if store is not None else open_store(settings)
    if engine is None:
        from egobutler.app.answering import build_engine

        engine = build_engine(settings, store)
    worker = IngestWorker(settings, store) if _has_module("egobutler.ingest.pipeline") else None
    return UiServices(
        store=store,
        engine=engine,
        media_dir=settings.media_dir,
        clock=Clock(getattr(engine, "timezone", settings.timezone), _day1(settings)),
        avatar=avatar_for(settings, warm=warm),
        avatar_view=settings.avatar_view,
        enroll=enroll_for(store, settings.default_wearer),
        ingest_status=worker.status if worker else None,
        ingest_paths=worker.submit if worker else None,
        retry_failed=worker.retry_failed if worker else None,
        settings_view=lambda: settings_view(settings),
        inbox=settings.inbox,
    )


def _day1(settings: Settings) -> date | None:
    try:
        return date.fromisoformat(settings.day1)
    except ValueError:
        return None


# ---------------------------------------------------------------- settings view
_SHOWN = ("llm", "llm_model", "llm_base_url", "embedder", "embedder_model", "captioner", "captioner_model",
          "captioner_base_url", "asr", "asr_model", "diarizer", "diarizer_model", "ocr", "motion_narrator",
          "motion_narrator_model", "motion_generator", "motion_generator_model", "avatar_voice", "avatar_view",
          "summarizer", "stages", "default_wearer", "timezone", "day1", "home", "chroma_url", "inbox", "host", "port")


def settings_view(settings: Settings) -> dict[str, Any]:
    """What is in use, for the read-only settings screen (no keys, passwords or URL secrets)."""
    view: dict[str, Any] = {name: _redact(getattr(settings, name)) for name in _SHOWN
                            if getattr(settings, name) not in (None, "", [])}
    view["database"] = _redact(settings.db_url)
    view["media dir"] = str(settings.media_dir)
    view["authentication"] = "on" if (settings.auth or settings.auth_token) else "off (loopback only)"
    view["versions"] = _versions()
    return view


def _redact(value: Any) -> Any:
    if isinstance(value, str):
        return re.sub(r"(//[^:/@]+:)[^@]+@", r"\1***@", value)  # scheme://user:password@host
    if isinstance(value, Path):
        return str(value)
    return value


def _versions() -> dict[str, str]:
    from importlib.metadata import PackageNotFoundError, version

    out = {}
    for package in ("egobutler", "gradio", "torch", "transformers", "chromadb", "sqlalchemy", "faster-whisper"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            continue
    return out


# ---------------------------------------------------------------- voice enrollment
def enroll_for(store, default_wearer: str) -> EnrollFn | None:
    """Enroll a named voice from an audio file: embed it and add it to that person's profiles."""
    if not _has_module("egobutler.egogpt.voices"):
        return None
    encoder_holder: dict[str, Any] = {}

    def enroll(path: Path, name: str) -> str:
        from egobutler.egogpt.audio import read_audio
        from egobutler.egogpt.voices import load_voice_encoder

        encoder = encoder_holder.get("encoder")
        if encoder is None:
            encoder = encoder_holder["encoder"] = load_voice_encoder()
            encoder.load()
        vector = encoder.embed(read_audio(path, max_s=120.0))
        person = store.find_person(name, wearer_id=default_wearer)
        if person is None or person.kind == "me" and name.lower() != "me":
            person = store.upsert_person(Person(id="person-" + content_id("enroll", default_wearer, name)[:12],
                                                name=name, wearer_id=default_wearer))
        store.add_voice_profile(VoiceProfile(person.id, tuple(float(x) for x in vector), encoder.model_id))
        return f"Enrolled a voice for {person.display_name} ({person.id}); new recordings will name them."

    return enroll


# ---------------------------------------------------------------- avatar
def avatar_for(settings: Settings, *, warm: bool = False) -> AvatarFn | None:
    """(reply, question) → the avatar's gesture, speech and motion, from the motion package.

    The generator (and the voice, unless ``avatar_voice`` is off) load on the first reply, or in
    the background at once with ``warm`` (the first load takes seconds on a small CPU); one reply
    is performed at a time. A voice that cannot load leaves the avatar silent, with a warning.
    """
    if settings.motion_generator == "none" or not _has_module("egobutler.motion.performance"):
        return None
    lock = threading.Lock()
    state: dict[str, Any] = {"generator": None, "voice": None, "voice_failed": False}

    def perform(answer: str, question: str = ""):
        from egobutler.motion.avatar import load_generator
        from egobutler.motion.performance import perform_reply
        from egobutler.motion.speech import HibariVoice, VoiceUnavailable

        with lock:
            if state["generator"] is None:
                state["generator"] = load_generator(settings.motion_generator, settings.motion_generator_model)
            if settings.avatar_voice and state["voice"] is None and not state["voice_failed"]:
                try:
                    state["voice"] = HibariVoice().load()
                except VoiceUnavailable as exc:
                    state["voice_failed"] = True
                    log.warning("the avatar stays silent: %s", exc)
            return perform_reply(answer, question, generator=state["generator"], voice=state["voice"])

    def warm_up() -> None:
        from egobutler.motion.performance import warm_up as warm_models

        perform("Hello!", "hi")
        with lock:
            warm_models(state["generator"], state["voice"])

    if warm:
        threading.Thread(target=_quietly, args=(warm_up,), name="egobutler-avatar-warm", daemon=True).start()
    return perform


def _quietly(fn, *args) -> None:
    try:
        fn(*args)
    except Exception as exc:  # noqa: BLE001 — warming is best effort; the first reply reports real errors
        log.warning("could not warm up the avatar: %s", exc)


# ---------------------------------------------------------------- ingestion
class IngestWorker:
    """Ingests uploaded files and the inbox in one background thread, one recording at a time."""

    def __init__(self, settings: Settings, store):
        self.settings = settings
        self.store = store
        self._queue: list[Path] = []
        self._current: str | None = None
        self._last: str | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def status(self) -> Mapping[str, Any]:
        from egobutler.ingest.progress import ingest_status

        summary = ingest_status(self.store, self.settings.inbox)
        with self._lock:
            return {"running": self._current, "queued": len(self._queue), "last": self._last,
                    "backlog": summary.backlog, "in_progress": summary.in_progress, "done": summary.done}

    def submit(self, paths: Sequence[Path]) -> str:
        """Queue files (uploads are copied into the data dir first) or an inbox folder."""
        queued = []
        for path in paths:
            path = Path(path)
            if self.settings.inbox and path.resolve() == Path(self.settings.inbox).resolve():
                from egobutler.ingest.inbox import find_recordings

                queued += find_recordings(path)
            else:
                queued.append(self._keep(path))
        with self._lock:
            self._queue += queued
        self._start()
        return f"Queued {len(queued)} recording(s)." if queued else "Nothing to ingest."

    def retry_failed(self) -> str:
        """Re-ingest failed or partial recordings whose files still exist (done stages are skipped)."""
        again = [Path(r.source) for r in self.store.recordings() if r.status in ("failed", "partial")]
        again = [p for p in again if p.exists()]
        with self._lock:
            self._queue += again
        self._start()
        return f"Retrying {len(again)} recording(s)." if again else "No failed recording with its files on disk."

    def _keep(self, path: Path) -> Path:
        uploads = Path(self.settings.home) / "uploads"
        if path.resolve().is_relative_to(Path(self.settings.home).resolve()):
            return path
        uploads.mkdir(parents=True, exist_ok=True)
        target = uploads / path.name
        shutil.copy2(path, target)
        return target

    def _start(self) -> None:
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                return
            self._thread = threading.Thread(target=self._run, name="egobutler-ui-ingest", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        from egobutler.app.ingest_wiring import build_pipeline, source_options
        from egobutler.app.summaries_wiring import refresh_after_ingest
        from egobutler.ingest.inbox import ingest_path

        pipeline = build_pipeline(self.settings, self.store)
        options = source_options(self.settings)
        while True:
            with self._lock:
                if not self._queue:
                    self._current = None
                    return
                path = self._queue.pop(0)
                self._current = str(path)
            try:
                report = ingest_path(pipeline, path, **options)
                self._last = f"{path.name}: {report.status}"
                if report.clips:
                    problem = refresh_after_ingest(self.settings, self.store)
                    if problem:
                        self._last += f" ({problem})"
            except Exception as exc:  # noqa: BLE001 — one bad recording never stops the others
                log.exception("ingesting %s failed", path)
                self._last = f"{path.name}: failed ({exc})"
