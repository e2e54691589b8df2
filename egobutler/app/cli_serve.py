"""`egobutler serve`: the chat UI (and, with --mcp, an MCP server) over the memory."""

from __future__ import annotations

import logging
import os
import signal
import sys
from pathlib import Path

import typer

from egobutler.app.cli_common import HomeOption, settings_from
from egobutler.app.errors import AppError

log = logging.getLogger(__name__)


def serve(
    host: str = typer.Option(None, "--host", help="Address to bind (default: the host setting, 127.0.0.1). "
                             "Any non-loopback address needs the auth or auth_token setting."),
    port: int = typer.Option(None, "--port", help="Port (default: the port setting, 7860; 0 picks a free one)."),
    mcp: bool = typer.Option(False, "--mcp", help="Also serve the ask/search/timeline/people tools over MCP "
                             "(at /gradio_api/mcp/)."),
    home: Path | None = HomeOption,
) -> None:
    """Open the chat over your memory in the browser: answers with evidence, timeline, people, ingest.

    Serves only on this machine by default. There is no public share link."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from egobutler.ui.errors import UiError
    from egobutler.ui.launch import check_bind

    settings = settings_from(home, host=host, port=port)
    try:
        check_bind(settings.host, settings.auth, settings.auth_token)  # fail before loading any model
    except UiError as exc:
        raise AppError(str(exc)) from None
    if mcp:
        _require_mcp()
    # Gradio serves its own upload/cache folder too: keep it in the data dir, not a /tmp shared
    # with every other Gradio app on the machine.
    os.environ.setdefault("GRADIO_TEMP_DIR", str(settings.home / "cache" / "gradio"))
    from egobutler.app.ui_wiring import build_ui_services
    from egobutler.ui.app import build_app
    from egobutler.ui.launch import launch_app

    services = build_ui_services(settings, warm=True)
    demo = build_app(services)
    try:
        url = launch_app(demo, media_dir=settings.media_dir, host=settings.host, port=settings.port,
                         auth=settings.auth, auth_token=settings.auth_token, mcp_server=mcp, block=False, quiet=True,
                         allowed_hosts=settings.allowed_hosts)
        print(f"egobutler: the memory in {settings.home} is at {url}" + (f" (MCP: {url}gradio_api/mcp/)" if mcp else ""),
              file=sys.stderr)
        signal.signal(signal.SIGTERM, _interrupt)  # a service manager's stop closes the server cleanly
        demo.block_thread()  # until Ctrl-C or SIGTERM
    except UiError as exc:
        raise AppError(str(exc)) from None
    finally:
        services.store.close()


def _interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _require_mcp() -> None:
    import importlib.util

    if importlib.util.find_spec("mcp") is None:
        raise AppError('--mcp needs the MCP package: pip install "mcp>=1.21,<2"')


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)
