"""One `Settings` object for the whole application.

Precedence, highest first: CLI flag > ``EGOBUTLER_*`` environment variable >
``egobutler.toml`` in the data dir > the defaults below.

The data dir is ``EGOBUTLER_HOME`` if set, else the OS user-data dir (never /tmp).
Everything egobutler writes lives under it unless a URL points elsewhere.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

CONFIG_FILE_NAME = "egobutler.toml"


class SettingsError(Exception):
    """The configuration cannot be used; the message says how to fix it."""


def default_home() -> Path:
    """The data dir: ``EGOBUTLER_HOME`` or the OS user-data dir."""
    env = os.environ.get("EGOBUTLER_HOME")
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir("egobutler", appauthor=False))


class _TomlSource(PydanticBaseSettingsSource):
    """Reads ``egobutler.toml`` from the data dir (below env vars, above defaults)."""

    def __init__(self, settings_cls: type[BaseSettings], path: Path):
        super().__init__(settings_cls)
        self._data = _read_toml(path)

    def get_field_value(self, field: Any, field_name: str) -> tuple[Any, str, bool]:
        return self._data.get(field_name), field_name, False

    def __call__(self) -> dict[str, Any]:
        return dict(self._data)


def _read_toml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, RecursionError) as exc:  # TOMLDecodeError and UnicodeDecodeError are ValueErrors
        raise SettingsError(f"{path}: cannot read the config file ({str(exc)[:300]}); fix or delete it") from None
    # Sections like [llm] are a convenience: `[llm] model = "x"` means `llm_model = "x"`.
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            for sub, sub_value in value.items():
                flat[f"{key}_{sub}".replace("-", "_")] = sub_value
        else:
            flat[key.replace("-", "_")] = value
    return flat


class Settings(BaseSettings):
    """Every knob egobutler has. Field names map to ``EGOBUTLER_<NAME>`` env vars."""

    model_config = SettingsConfigDict(env_prefix="EGOBUTLER_", extra="forbid", validate_default=True)

    home: Path = Field(default_factory=default_home, description="Data dir: database, vector index, media, models.")

    # --- memory ---
    database_url: str | None = Field(None, description="SQLAlchemy URL; default: SQLite file memory.db in the data dir.")
    chroma_url: str | None = Field(None, description="Chroma server URL (http://host:port); default: embedded Chroma in the data dir.")
    embedder: str = Field("sentence-transformers", description="Embedder backend name.")
    embedder_model: str = Field("all-MiniLM-L6-v2", description="Embedding model: a local path, an installed model package, or an HF id.")

    # --- wearers and time ---
    default_wearer: str = Field("me", description="Wearer id used when a recording does not say.")
    timezone: str = Field("UTC", description="IANA zone used for recordings without one and for questions.")
    day1: str = Field("2025-01-01", description="Calendar date of DAY1 for EgoLife-style day numbering (YYYY-MM-DD).")

    # --- ingestion ---
    clip_s: float = Field(30.0, gt=0, description="Clip length in seconds.")
    frames_per_s: float = Field(1.0, gt=0, description="Frames sampled per second of video for perception.")
    inbox: Path | None = Field(None, description="Folder the daemon watches for new recordings.")
    stages: list[str] = Field(
        default_factory=lambda: ["asr", "caption", "ocr", "motion"],
        description="Per-clip stages ingestion runs, in order.",
    )
    ray_address: str | None = Field(None, description="Ray cluster address for distributed ingestion.")

    # --- perception backends ---
    captioner: str = Field("none", description="Captioner backend: none | transformers | openai.")
    captioner_model: str | None = Field(None, description="Captioner checkpoint dir / HF id / served model name.")
    captioner_base_url: str | None = Field(None, description="Base URL of an OpenAI-compatible VLM server.")
    captioner_api_key: str | None = Field(None, description="API key for the captioner server.")
    asr: str = Field("faster-whisper", description="ASR backend: none | faster-whisper | openai-whisper.")
    asr_model: str = Field("tiny.en", description="ASR model: tiny.en / base (bundled), a CTranslate2 dir, a .pt file or an HF id.")
    diarizer: str = Field("onnx", description="Diarizer: none | onnx (bundled segmentation + voice encoder) | pyannote.")
    diarizer_model: str | None = Field(None, description="pyannote pipeline dir or HF id (diarizer = pyannote).")
    hf_token: str | None = Field(None, description="Hugging Face token for gated models (user machines only).")
    ocr: str = Field("rapidocr", description="Scene-text OCR backend: none | rapidocr.")
    motion_narrator: str = Field("rules", description="IMU narrator: none | rules | egolm.")
    motion_narrator_model: str | None = Field(None, description="Trained EgoLM narrator checkpoint (motion_narrator = egolm).")
    motion_generator: str = Field("retrieval", description="Avatar motion: none | retrieval (default: measures best) | fractal.")
    motion_generator_model: str | None = Field(None, description="Trained text-to-motion checkpoint; default: the bundled one.")
    avatar_voice: bool = Field(True, description="Speak the avatar's replies aloud (offline hibari-tts voice); false: silent.")
    avatar_view: str = Field("3d", description="Avatar in the chat: 3d (three.js in the browser) | video (server-rendered GIF).")

    # --- answering ---
    llm: str = Field("llama-cpp", description="LLM backend (the reader): llama-cpp | transformers | openai | none.")
    llm_model: str = Field("qwen2.5-coder-1.5b", description="LLM: qwen2.5-coder-1.5b (bundled GGUF, default) or -0.5b (faster, weaker), smollm2-135m, a local dir/GGUF, an HF id, or a served model name.")
    llm_base_url: str | None = Field(None, description="Base URL of an OpenAI-compatible server (vLLM, Ollama, LM Studio, OpenAI).")
    llm_api_key: str | None = Field(None, description="API key for the LLM server.")
    llm_timeout_s: float = Field(60.0, gt=0, description="Per-request timeout for the LLM server.")
    summarizer: Literal["auto", "llm", "extractive"] = Field(
        "auto", description="Who writes summaries in `summarize`: the LLM, the extractive builder, or auto (the LLM unless it is a tiny one). Imports and ingestion write extractive ones at once."
    )

    # --- the chat UI ---
    host: str = Field("127.0.0.1", description="Address the chat UI binds to.")
    port: int = Field(7860, ge=0, le=65535, description="Port of the chat UI.")
    auth: list[str] = Field(default_factory=list, description="user:password pairs; required when host is not loopback.")
    auth_token: str | None = Field(None, description="A shared token accepted as the password for any user.")
    allowed_hosts: list[str] = Field(
        default_factory=list,
        description="Host names the chat UI answers to besides loopback and `host` (e.g. your machine's LAN name).",
    )

    @field_validator("home", mode="after")
    @classmethod
    def _expand_home(cls, value: Path) -> Path:
        return value.expanduser().absolute()

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        home = Path(os.environ.get("EGOBUTLER_HOME") or default_home()).expanduser()
        return init_settings, env_settings, _TomlSource(settings_cls, home / CONFIG_FILE_NAME)

    # --- derived locations (never configured separately) ---
    @property
    def config_path(self) -> Path:
        return self.home / CONFIG_FILE_NAME

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'memory.db'}"

    @property
    def chroma_path(self) -> Path:
        return self.home / "chroma"

    @property
    def media_dir(self) -> Path:
        return self.home / "media"

    @property
    def models_dir(self) -> Path:
        return self.home / "models"


def load_settings(**overrides: Any) -> Settings:
    """Build settings with CLI ``overrides`` (None values are ignored).

    Raises `SettingsError` with a one-line, fixable message for unknown or invalid settings.
    """
    given = {k: v for k, v in overrides.items() if v is not None}
    _refuse_unknown_env()
    if "home" in given:
        # The TOML file lives in the data dir, so the data dir must be known first.
        os.environ["EGOBUTLER_HOME"] = str(given["home"])
    try:
        return Settings(**given)
    except ValidationError as exc:
        raise SettingsError(_describe(exc)) from None


def _refuse_unknown_env() -> None:
    known = {f"EGOBUTLER_{name.upper()}" for name in Settings.model_fields}
    for key in sorted(os.environ):
        # EGOBUTLER_TEST_* belong to the test suite, not to the application.
        if key.startswith("EGOBUTLER_") and key not in known and not key.startswith("EGOBUTLER_TEST_"):
            raise SettingsError(f"unknown setting in the environment: {key}; remove it or fix its spelling (see `egobutler --help` / README)")


def _describe(exc: ValidationError) -> str:
    parts = []
    for err in exc.errors():
        name = ".".join(str(p) for p in err["loc"]) or "settings"
        if err["type"] == "extra_forbidden":
            parts.append(f"unknown setting {name!r} (see `egobutler doctor` or the README for the list)")
        else:
            parts.append(f"setting {name!r}: {err['msg']}")
    return "; ".join(parts)
