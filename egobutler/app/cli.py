"""`egobutler <verb>`: the command-line entry point.

Each group of verbs lives in its own ``cli_*.py`` module and registers itself here.
Errors that a user can fix are printed as one line (no traceback) with exit code 1.
"""

from __future__ import annotations

import importlib
import logging
import sys

import typer

app = typer.Typer(
    name="egobutler",
    help="egobutler: your glasses' recordings as a memory you can ask about.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["-h", "--help"]},
)

# Modules that add verbs to `app`. Order is the order of `egobutler --help`.
_VERB_MODULES = [
    "egobutler.app.cli_core",     # status, doctor, models
    "egobutler.app.cli_memory",   # memory search, forget, export, import-jsonl, reindex
    "egobutler.app.cli_egorag",   # import egolife, ask, bench, summarize
    "egobutler.app.cli_ingest",   # ingest, daemon
    "egobutler.app.cli_people",   # people ...
    "egobutler.app.cli_motion",   # motion ...
    "egobutler.app.cli_serve",    # serve
]


def _register() -> None:
    for name in _VERB_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:  # a verb group not built yet
                continue
            raise
        module.register(app)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


@app.callback()
def _root(verbose: bool = typer.Option(False, "--verbose", "-v", help="Log debug detail to stderr.")) -> None:
    _setup_logging(verbose)


_register()


def main() -> None:
    """Run the CLI, turning fixable errors into one clean line."""
    from egobutler.app.errors_display import run_cli

    sys.exit(run_cli(app))
