"""Who may use the server: an ASGI middleware in front of every Gradio route.

The threat is a web page in the user's own browser (see SECURITY.md): it can send requests
to ``127.0.0.1`` (cross-site, or through DNS rebinding under its own name) but it cannot
choose the ``Host`` and ``Origin`` headers the browser sends. So every request must name
an allowed host; a request with an ``Origin`` must come from an allowed host; and anything
that changes the memory or runs an internal handler (every POST except login, MCP and the
public read-only API) must come from the app's own page (an allowed ``Origin``). With a
password configured, MCP needs it too (``Authorization: Bearer TOKEN`` or Basic), and
failed logins are rate-limited per client address.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import ipaddress
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import urlsplit

PUBLIC_API = frozenset({"ask", "search", "timeline", "people"})  # read-only, callable by scripts
LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
_RUN_PREFIXES = ("/gradio_api/run/", "/gradio_api/api/", "/gradio_api/call/v2/", "/gradio_api/call/")
_MCP_PREFIX = "/gradio_api/mcp"
_LOGIN_PATHS = ("/login", "/login/")
_MAX_BODY = 16 << 20  # a queue/join body larger than this is refused outright
_SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


def host_name(value: str) -> str:
    """``Host``/``Origin`` netloc -> lower-case host name without port or brackets."""
    try:
        return (urlsplit(f"//{value}").hostname or "").lower()
    except ValueError:
        return ""


@dataclass
class LoginLimiter:
    """At most ``max_failures`` failed logins per client address in ``window_s`` seconds."""

    max_failures: int = 5
    window_s: float = 60.0
    _failures: dict[str, deque] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def retry_after(self, client: str, now: float | None = None) -> float:
        """Seconds until ``client`` may try again (0: now)."""
        now = time.monotonic() if now is None else now
        with self._lock:
            recent = self._failures.get(client, deque())
            while recent and now - recent[0] > self.window_s:
                recent.popleft()
            return 0.0 if len(recent) < self.max_failures else self.window_s - (now - recent[0])

    def failed(self, client: str, now: float | None = None) -> None:
        with self._lock:
            self._failures.setdefault(client, deque()).append(time.monotonic() if now is None else now)


@dataclass
class GuardPolicy:
    """What the guard allows: host names, the password check, and where to find Gradio's app."""

    hosts: frozenset[str]
    any_ip_literal: bool = False  # bound to 0.0.0.0 / ::: any address of this machine may be used
    check: Callable[[str, str], bool] | None = None
    limiter: LoginLimiter = field(default_factory=LoginLimiter)
    blocks: object = None  # the gr.Blocks; its ``server_app`` holds Gradio's session tokens

    def host_allowed(self, name: str) -> bool:
        if not name:
            return False
        if name in self.hosts:
            return True
        if self.any_ip_literal:
            try:
                ipaddress.ip_address(name)
                return True
            except ValueError:
                return False
        return False


def policy_for(bind_host: str, check: Callable[[str, str], bool] | None,
               extra_hosts: Iterable[str] = ()) -> GuardPolicy:
    """The policy for a server bound to ``bind_host``: loopback names, the bind address, ``extra_hosts``."""
    bound = host_name(bind_host) or bind_host.strip("[]").lower()
    wildcard = bound in ("0.0.0.0", "::", "")
    hosts = set(LOOPBACK_HOSTS) | {h.strip().lower() for h in extra_hosts if h.strip()}
    if not wildcard:
        hosts.add(bound)
    return GuardPolicy(frozenset(hosts), any_ip_literal=wildcard, check=check)


class RequestGuard:
    """Pure ASGI middleware enforcing a `GuardPolicy` (see the module docstring)."""

    def __init__(self, app, policy: GuardPolicy):
        self.app = app
        self.policy = policy

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope.get("headers", [])}
        refusal = self._refusal(scope, headers)
        if refusal is not None:
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
            else:
                await _respond(send, *refusal)
            return
        path, method = scope.get("path", ""), scope.get("method", "GET")
        if scope["type"] == "http" and method == "POST" and path in _LOGIN_PATHS:
            await self._login(scope, receive, send)
            return
        if scope["type"] == "http" and method not in _SAFE_METHODS and not self._from_own_page(headers):
            receive, refusal = await self._script_call(scope, receive, path)
            if refusal is not None:
                await _respond(send, *refusal)
                return
        scope = self._with_session(scope, headers)
        await self.app(scope, receive, send)

    # ------------------------------------------------------------------ checks
    def _refusal(self, scope, headers: dict[str, str]) -> tuple[int, str] | None:
        if not self.policy.host_allowed(host_name(headers.get("host", ""))):
            return 403, "unknown Host header: this server answers only to its own address (DNS rebinding?)"
        origin = headers.get("origin")
        if origin is not None and not self._origin_allowed(origin, headers.get("host", "")):
            return 403, "cross-origin request refused: only this app's own pages may call it"
        if headers.get("sec-fetch-site") == "cross-site" and headers.get("sec-fetch-mode") != "navigate":
            return 403, "cross-site request refused"
        if scope.get("path", "").startswith(_MCP_PREFIX) and self.policy.check is not None:
            wait = self.policy.limiter.retry_after(_client(scope))
            if wait > 0:  # while limited even a right guess is refused, or the limit would not hold
                return 429, f"too many failed sign-ins; try again in {wait:.0f} s"
            if not self._authorized(headers):
                self.policy.limiter.failed(_client(scope))
                return 401, "sign in: send Authorization: Bearer <auth_token>"
        return None

    def _origin_allowed(self, origin: str, host: str) -> bool:
        """An allowed host name, and the same port as the request's ``Host`` (another app on
        this machine, e.g. a dev server on ``localhost:8888``, is another origin)."""
        try:
            parts = urlsplit(origin)
            port = parts.port or {"http": 80, "https": 443}.get(parts.scheme)
            host_port = urlsplit(f"//{host}").port or {"http": 80, "https": 443}.get(parts.scheme)
        except ValueError:
            return False
        return (parts.scheme in ("http", "https") and self.policy.host_allowed((parts.hostname or "").lower())
                and port == host_port)

    def _from_own_page(self, headers: dict[str, str]) -> bool:
        return "origin" in headers  # present and allowed (foreign origins were refused above)

    def _authorized(self, headers: dict[str, str]) -> bool:
        """A valid Bearer token / Basic password, or a signed-in Gradio session cookie."""
        return self._credentials_ok(headers) or self._session_user(headers) is not None

    def _credentials_ok(self, headers: dict[str, str]) -> bool:
        """``Authorization: Bearer <auth_token>`` or ``Basic user:password`` that the check accepts."""
        check = self.policy.check
        kind, _, value = headers.get("authorization", "").partition(" ")
        if check is None or not value.strip():
            return False
        if kind.lower() == "bearer":
            return check("", value.strip())
        if kind.lower() == "basic":
            try:
                user, _, password = base64.b64decode(value.strip(), validate=True).decode("utf-8").partition(":")
            except (binascii.Error, UnicodeDecodeError):
                return False
            return check(user, password)
        return False

    async def _script_call(self, scope, receive, path: str):
        """A POST without an Origin (a script, the MCP bridge): only the public API and MCP."""
        if path.startswith(_MCP_PREFIX):
            return receive, None
        if path.rstrip("/") == "/gradio_api/queue/join":
            body, receive = await _read_body(receive)
            return receive, self._public_fn_refusal(body)
        for prefix in _RUN_PREFIXES:
            if path.startswith(prefix):
                name = path[len(prefix):].strip("/")
                if name not in PUBLIC_API:
                    return receive, (403, f"{name!r} is an internal handler of the app's page, not an API")
                body, receive = await _read_body(receive)
                return receive, self._public_fn_refusal(body, allow_missing=True)
        return receive, (403, "this request must come from the app's own page (no Origin header)")

    def _public_fn_refusal(self, body: bytes | None, *, allow_missing: bool = False) -> tuple[int, str] | None:
        if body is None:
            return 413, "request body too large"
        try:
            fn_index = json.loads(body or b"{}").get("fn_index")
        except (ValueError, AttributeError):
            return 400, "the request body is not a JSON object"
        if fn_index is None and allow_missing:
            return None
        fns = getattr(self.policy.blocks, "fns", {}) or {}
        fn = fns.get(fn_index) if isinstance(fn_index, int) else None
        if fn is None or getattr(fn, "api_name", None) not in PUBLIC_API:
            return 403, "internal handlers can only be used from the app's own page"
        return None

    # ------------------------------------------------------------------ sessions and logins
    def _session_user(self, headers: dict[str, str]) -> str | None:
        app = getattr(self.policy.blocks, "server_app", None)
        if app is None:
            return None
        cookies = _cookies(headers.get("cookie", ""))
        token = cookies.get(f"access-token-{app.cookie_id}") or cookies.get(f"access-token-unsecure-{app.cookie_id}")
        return app.tokens.get(token) if token else None

    def _with_session(self, scope, headers: dict[str, str]):
        """A request with valid credentials in ``Authorization`` (a script, the MCP bridge's own
        calls) is signed in to Gradio as user ``mcp`` (Gradio itself only knows cookies)."""
        app = getattr(self.policy.blocks, "server_app", None)
        if app is None or self._session_user(headers) is not None or not self._credentials_ok(headers):
            return scope
        secret = headers["authorization"].encode("latin-1")
        session = "api-" + hmac.new(app.cookie_id.encode(), secret, "sha256").hexdigest()[:32]
        app.tokens[session] = "mcp"
        cookie = f"access-token-unsecure-{app.cookie_id}={session}"
        kept = [(k, v) for k, v in scope["headers"] if k.lower() != b"cookie"]
        old = headers.get("cookie")
        kept.append((b"cookie", (f"{old}; {cookie}" if old else cookie).encode("latin-1")))
        return {**scope, "headers": kept}

    async def _login(self, scope, receive, send) -> None:
        client = _client(scope)
        wait = self.policy.limiter.retry_after(client)
        if wait > 0:
            await _respond(send, 429, f"too many failed sign-ins; try again in {wait:.0f} s")
            return
        failed = False

        async def watch(message) -> None:
            nonlocal failed
            if message["type"] == "http.response.start" and message["status"] >= 400:
                failed = True
            await send(message)

        await self.app(scope, receive, watch)
        if failed:
            self.policy.limiter.failed(client)


def _client(scope) -> str:
    client = scope.get("client")
    return client[0] if client else "?"


def _cookies(header: str) -> dict[str, str]:
    out = {}
    for part in header.split(";"):
        name, sep, value = part.strip().partition("=")
        if sep:
            out[name] = value
    return out


async def _read_body(receive):
    """The whole request body (None if over the limit) and a ``receive`` that replays it."""
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        more = message.get("more_body", False)
        if size > _MAX_BODY:
            return None, receive
    body = b"".join(chunks)
    sent = False

    async def replay():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return body, replay


async def _respond(send, status: int, message: str) -> None:
    body = json.dumps({"error": message}).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    if status == 429:
        headers.append((b"retry-after", b"60"))
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
