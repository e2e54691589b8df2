"""Small pieces every CLI module shares: settings from flags, JSON output, time parsing."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import typer

from egobutler.app.errors import AppError
from egobutler.app.settings import Settings, load_settings

HomeOption = typer.Option(None, "--home", help="Data dir (default: EGOBUTLER_HOME or the OS user-data dir).")
JsonOption = typer.Option(False, "--json", help="Print machine-readable JSON instead of a table.")


def settings_from(home: Path | None = None, **overrides: Any) -> Settings:
    return load_settings(home=home, **overrides)


def print_json(data: Any) -> None:
    json.dump(data, sys.stdout, indent=2, ensure_ascii=False, default=str)
    sys.stdout.write("\n")


def parse_time(text: str, zone: str) -> datetime:
    """ISO-8601 date or datetime; a value without offset is read in ``zone``."""
    try:
        stamp = datetime.fromisoformat(text)
    except ValueError:
        raise AppError(f"cannot read time {text!r}; use ISO-8601 such as 2025-01-03T14:30 or 2025-01-03") from None
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=ZoneInfo(zone))
    return stamp
