"""Serving the app safely: loopback by default, authentication required anywhere else,
only the media dir served, no analytics."""

from __future__ import annotations

import hmac
import ipaddress
import logging
import os
import socket
from collections.abc import Callable, Sequence
from pathlib import Path

from egobutler.ui.errors import UiError

log = logging.getLogger(__name__)

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost (the only addresses served without a password)."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def auth_check(pairs: Sequence[str], token: str | None) -> Callable[[str, str], bool] | None:
    """A Gradio ``auth`` callable from ``user:password`` pairs and/or a shared token, or None."""
    users: dict[str, str] = {}
    for pair in pairs:
        user, sep, password = pair.partition(":")
        if not sep or not user or not password:
            raise UiError(f"auth entry {user or pair!r} is not user:password; fix the `auth` setting")
        users[user] = password
    if not users and not token:
        return None

    def check(user: str, password: str) -> bool:
        # compare_digest: the time taken does not reveal how much of a password was right.
        if token and hmac.compare_digest(password.encode(), token.encode()):
            return True
        expected = users.get(user)
        return expected is not None and hmac.compare_digest(password.encode(), expected.encode())

    return check


def check_bind(host: str, auth: Sequence[str] = (), auth_token: str | None = None) -> Callable[[str, str], bool] | None:
    """The ``auth`` callable to serve ``host`` with; `UiError` if a non-loopback host has none."""
    check = auth_check(auth, auth_token)
    if not is_loopback(host) and check is None:
        raise UiError(
            f"refusing to serve on {host} without a password: set `auth` (user:password) or `auth_token` "
            "in egobutler.toml or EGOBUTLER_AUTH_TOKEN, or serve on 127.0.0.1"
        )
    return check


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (for ``--port 0`` and tests)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def launch_app(demo, *, media_dir: Path, host: str = "127.0.0.1", port: int = 7860,
               auth: Sequence[str] = (), auth_token: str | None = None, mcp_server: bool = False,
               block: bool = True, quiet: bool = False) -> str:
    """Launch ``demo``; returns its local URL (when ``block`` is False it keeps serving in a thread).

    Binding anything but loopback without ``auth``/``auth_token`` raises `UiError`.
    """
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from egobutler.ui.app import CSS

    check = check_bind(host, auth, auth_token)
    media = Path(media_dir).resolve()
    media.mkdir(parents=True, exist_ok=True)
    port = free_port(host) if port == 0 else port
    demo.queue(default_concurrency_limit=1)
    _, local_url, _ = demo.launch(
        server_name=host, server_port=port, auth=check, share=False, inbrowser=False,
        allowed_paths=[str(media)], mcp_server=mcp_server, prevent_thread_lock=not block,
        quiet=quiet, show_error=False, ssr_mode=False, css=CSS, enable_monitoring=False,
        auth_message="egobutler: sign in" if check else None,
    )
    return local_url
