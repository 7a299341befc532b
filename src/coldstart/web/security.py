"""The dashboard's guards: the bearer token, the loopback rule, body limits, error bodies.

* With a token, every ``/api/`` route but health needs ``Authorization: Bearer <token>``,
  compared in constant time (:func:`hmac.compare_digest`); otherwise 401.
* Without a token the server binds only to loopback (:func:`bind_problem`) and answers only
  requests addressed to a loopback name (:class:`LoopbackHosts`), so that a web page cannot
  reach it through a DNS name rebound to 127.0.0.1. Cross-site requests cannot send JSON or a
  zip without a CORS preflight, which is refused (CORS is closed by default), and uploads must
  say they are a zip (415 otherwise).
* A request body larger than the limit gets 413, whether it says its length or not
  (:class:`BodyLimit`).
* Errors are answered as JSON with the one-line messages of :mod:`coldstart.errors`; a bug is
  answered "internal error" and logged, never with its stack trace.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging

from fastapi import HTTPException, Request
from fastapi.responses import JSONResponse

from coldstart.errors import InputError

log = logging.getLogger("coldstart.web")

LOOPBACK_NAMES = ("localhost",)
"""Host names taken as loopback besides loopback addresses."""


def is_loopback(host: str) -> bool:
    """True when ``host`` is a loopback address (127.0.0.0/8, ::1) or ``localhost``."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def bind_problem(host: str, token: str | None) -> str | None:
    """Why the server may not bind to ``host`` (None when it may): without a token, only
    loopback, so that nobody else on the network can run or read anything."""
    if token or is_loopback(host):
        return None
    return (
        f"refusing to listen on {host} without a token: set COLDSTART_TOKEN (clients then send "
        "'Authorization: Bearer <token>') or listen on 127.0.0.1"
    )


def token_checker(token: str | None):
    """A FastAPI dependency that lets a request through only with the bearer ``token``
    (everything passes when ``token`` is None); declared as HTTP bearer in the OpenAPI page."""
    from fastapi import Depends
    from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

    expected = token.encode() if token else None
    bearer = HTTPBearer(auto_error=False, description="the server's COLDSTART_TOKEN")

    def check(credentials: HTTPAuthorizationCredentials | None = Depends(bearer)) -> None:
        if expected is None:
            return
        given = credentials.credentials.encode() if credentials is not None else b""
        if not hmac.compare_digest(given, expected):
            raise HTTPException(
                401, "missing or wrong token", headers={"WWW-Authenticate": "Bearer"}
            )

    return check


def host_name(host_header: str) -> str:
    """The name of a Host header without its port (``[::1]:8000`` -> ``::1``)."""
    if host_header.startswith("["):
        return host_header[1:].partition("]")[0]
    return host_header.rpartition(":")[0] if host_header.count(":") == 1 else host_header


class LoopbackHosts:
    """ASGI middleware of a server without a token: 421 for a request whose Host is not a
    loopback name (a DNS-rebinding page addresses it by a name of its own)."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            host = dict(scope.get("headers") or []).get(b"host", b"").decode("latin-1")
            if not is_loopback(host_name(host)):
                body = {"detail": "this server answers only requests to 127.0.0.1 or localhost"}
                await JSONResponse(body, status_code=421)(scope, receive, send)
                return
        await self.app(scope, receive, send)


class BodyTooLarge(HTTPException):
    """Raised inside a request whose body passed the limit: an HTTP 413, so that a route
    reading the body (FastAPI turns other errors there into 400) answers 413 too."""

    def __init__(self, max_bytes: int):
        mib = max_bytes / (1024 * 1024)
        super().__init__(status_code=413, detail=f"request body larger than {mib:g} MiB")


class BodyLimit:
    """ASGI middleware: 413 for a request body over ``max_bytes`` (by its Content-Length
    when given, else while it is read)."""

    def __init__(self, app, max_bytes: int):
        self.app, self.max_bytes = app, max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length = dict(scope.get("headers") or []).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            await self._too_large(scope, receive, send)
            return
        seen = 0
        started = False

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    raise BodyTooLarge(self.max_bytes)
            return message

        async def watched(message):
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except BodyTooLarge:
            if not started:
                await self._too_large(scope, receive, send)

    async def _too_large(self, scope, receive, send):
        mib = self.max_bytes / (1024 * 1024)
        body = {"detail": f"request body larger than {mib:g} MiB"}
        await JSONResponse(body, status_code=413)(scope, receive, send)


def problem_lines(exc: InputError) -> list[str]:
    """The one-line messages of a bad-input exception, as the CLI prints them."""
    return [str(p) for p in exc.problems]


async def input_error(request: Request, exc: InputError) -> JSONResponse:
    """Bad input: 422 with the messages the CLI would print."""
    return JSONResponse({"detail": problem_lines(exc)}, status_code=422)


async def invalid_request(request: Request, exc) -> JSONResponse:
    """A request body or parameter of the wrong shape: 422 with one line per problem (where and
    what), without echoing the input back."""
    lines = []
    for e in exc.errors()[:20]:
        where = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
        lines.append(f"{where}: {e.get('msg', 'invalid')}")
    return JSONResponse({"detail": lines}, status_code=422)


async def internal_error(request: Request, exc: Exception) -> JSONResponse:
    """A bug: logged here, answered without its stack trace."""
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    body = {"detail": f"internal error ({type(exc).__name__}); the server's log has details"}
    return JSONResponse(body, status_code=500)
