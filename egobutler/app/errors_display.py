"""Turn a command's outcome into an exit code a script can trust, and fixable errors into one line.

Exit codes (documented in the README):

====  ===========================================================================
0     success
1     error: nothing (or nothing useful) was done; the message says what and how to fix
2     usage: an unknown option, a missing argument, a bad value on the command line
3     partial: the command finished, but some recordings, stages or items failed
130   interrupted (Ctrl-C): what was done is kept; run the same command to resume
====  ===========================================================================
"""

from __future__ import annotations

import sys

import click
import typer
import typer.exceptions

# typer >= 0.2x carries its own copy of click's exceptions; commands may raise either kind.
try:
    from typer._click.exceptions import ClickException as _TyperClickException
except ImportError:  # an older typer that uses click itself
    _TyperClickException = click.ClickException
_EXITS = (typer.exceptions.Exit, click.exceptions.Exit)
_ABORTS = (typer.exceptions.Abort, click.exceptions.Abort)
_USAGE = (_TyperClickException, click.ClickException)

EXIT_OK = 0
EXIT_ERROR = 1
EXIT_USAGE = 2
EXIT_PARTIAL = 3
EXIT_INTERRUPTED = 130

INTERRUPTED_MESSAGE = "interrupted — run the same command to resume"

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


def _code_of(returned: object) -> int:
    """A command's return value as an exit code: an int is the code, anything else is success."""
    if isinstance(returned, int) and not isinstance(returned, bool):
        return returned
    return EXIT_OK


def _interrupted() -> int:
    print(INTERRUPTED_MESSAGE, file=sys.stderr, flush=True)
    return EXIT_INTERRUPTED


def run_cli(app: typer.Typer, args: list[str] | None = None) -> int:
    """Run ``app`` and return its exit code (see the module docstring for their meaning)."""
    try:
        code = _code_of(app(args=args, standalone_mode=False))
    except _EXITS as exc:
        code = exc.exit_code
    except _USAGE as exc:  # UsageError and friends carry their own code (2)
        exc.show()
        return exc.exit_code
    except KeyboardInterrupt:
        return _interrupted()
    except _ABORTS:  # end of input at a prompt
        print("aborted", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:
        if isinstance(exc, _fixable_types()):
            print(f"error: {exc}", file=sys.stderr)
            return EXIT_ERROR
        raise
    if code == EXIT_INTERRUPTED:  # typer turns Ctrl-C into Exit(130) without a word
        return _interrupted()
    return code
