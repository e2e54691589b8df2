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
MIN_SECRET_CHARS = 16  # a password or token shorter than this falls to guessing, even rate-limited
MIN_DISTINCT_CHARS = 6
HOW_TO_MAKE_ONE = "make one with: python -c \"import secrets; print(secrets.token_urlsafe(24))\""


def check_strength(secret: str, what: str) -> None:
    """`UiError` unless ``secret`` has at least 16 characters, 6 of them different."""
    if len(secret) < MIN_SECRET_CHARS or len(set(secret)) < MIN_DISTINCT_CHARS:
        raise UiError(f"the {what} is too weak: use at least {MIN_SECRET_CHARS} characters, "
                      f"{MIN_DISTINCT_CHARS} of them different ({HOW_TO_MAKE_ONE})")


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
        check_strength(password, f"password of {user!r} in the `auth` setting")
        users[user] = password
    if not users and not token:
        return None
    if token:
        check_strength(token, "auth_token")

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
               block: bool = True, quiet: bool = False, allowed_hosts: Sequence[str] = ()) -> str:
    """Launch ``demo``; returns its local URL (when ``block`` is False it keeps serving in a thread).

    Binding anything but loopback without ``auth``/``auth_token`` raises `UiError`. Every
    request passes `egobutler.ui.guard.RequestGuard` (Host, Origin, internal handlers, MCP
    auth, login rate limit); ``allowed_hosts`` adds host names besides loopback and ``host``.
    """
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    from starlette.middleware import Middleware

    from egobutler.ui.app import CSS
    from egobutler.ui.guard import RequestGuard, policy_for

    check = check_bind(host, auth, auth_token)
    media = Path(media_dir).resolve()
    media.mkdir(parents=True, exist_ok=True)
    port = free_port(host) if port == 0 else port
    policy = policy_for(host, check, allowed_hosts)
    policy.blocks = demo
    demo.queue(default_concurrency_limit=1)
    _, local_url, _ = demo.launch(
        server_name=host, server_port=port, auth=check, share=False, inbrowser=False,
        allowed_paths=[str(media)], mcp_server=mcp_server, prevent_thread_lock=not block,
        quiet=quiet, show_error=False, ssr_mode=False, css=CSS, enable_monitoring=False,
        auth_message="egobutler: sign in" if check else None,
        app_kwargs={"middleware": [Middleware(RequestGuard, policy=policy)]},
    )
    if check is not None:
        _sign_in_mcp_bridge(demo)
    return local_url


def _sign_in_mcp_bridge(demo) -> None:
    """Gradio runs a queued MCP tool call through its own HTTP client, which has no session:
    give it the caller's ``Authorization`` header so the guard signs it in like the caller."""
    server = getattr(demo, "mcp_server_obj", None)
    if server is None or not hasattr(server, "_get_or_create_client"):
        return
    original = server._get_or_create_client

    def client_with_callers_credentials():
        if server._client_instance is None:
            request = server.mcp_server.request_context.request
            credentials = request.headers.get("authorization") if request is not None else None
            if credentials:
                from gradio_client import Client

                server._client_instance = Client(
                    server.local_url or str(request.base_url), download_files=False, verbose=False,
                    analytics_enabled=False, _skip_components=False,
                    headers={"x-gradio-user": "mcp", "authorization": credentials},
                )
        return original()

    server._get_or_create_client = client_with_callers_credentials
