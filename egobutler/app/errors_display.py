"""Turn errors a user can fix into one line on stderr, exit code 1."""

from __future__ import annotations

import sys

import typer
from click.exceptions import ClickException, Exit as ClickExit

# Every package's base error: the message already says what and how to fix.
_FIXABLE_BASES = (
    "egobutler.app.errors:AppError",
    "egobutler.app.settings:SettingsError",
    "egobutler.memory_db.errors:MemoryError_",
    "egobutler.ingest.errors:IngestError",
    "egobutler.egogpt.errors:PerceptionError",
    "egobutler.motion.errors:MotionError",
    "egobutler.egorag.errors:EgoRagError",
    "egobutler.ui.errors:UiError",
)


def _fixable_types() -> tuple[type[BaseException], ...]:
    import importlib

    found = []
    for spec in _FIXABLE_BASES:
        module_name, _, attr = spec.partition(":")
        try:
            found.append(getattr(importlib.import_module(module_name), attr))
        except (ImportError, AttributeError):
            continue
    return tuple(found)


def run_cli(app: typer.Typer) -> int:
    try:
        app(standalone_mode=False)
    except ClickExit as exc:
        return exc.exit_code
    except ClickException as exc:
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as exc:
        if isinstance(exc, _fixable_types()):
            print(f"error: {exc}", file=sys.stderr)
            return 1
        raise
    return 0
