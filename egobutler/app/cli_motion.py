"""`egobutler motion ...`: IMU narration and the avatar's text-to-motion."""

from __future__ import annotations

import importlib

import typer

motion_app = typer.Typer(help="Motion: narrate IMU, train models, generate avatar motion.", no_args_is_help=True)

# Each module adds its commands to `motion_app` through `add_commands(motion_app)`.
_COMMAND_MODULES = ["egobutler.app.cli_motion_narrator", "egobutler.app.cli_motion_generator"]


def register(app: typer.Typer) -> None:
    for name in _COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.add_commands(motion_app)
    app.add_typer(motion_app, name="motion")
