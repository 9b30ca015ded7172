"""Who is asking, and may they: the principal of a request (a person's session cookie or a system's bearer
token), the CSRF token and Origin check on state-changing requests, the session cookie's flags, and ``Guard``,
the ASGI middleware that bounds request bodies and sets the security headers on every answer.
"""

from __future__ import annotations

import asyncio
import hmac
import ipaddress
import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import urlsplit

from hub.connectors.auth import bearer_token
from hub.connectors.edge import DEFAULT_LIMITS, HttpLimits
from hub.console.metrics import ConsoleMetrics
from hub.console.models import ApiCode, ApiError
from hub.console.sessions import Session, SessionStore
from hub.console.users import AGENCIES

__all__ = [
    "COOKIE",
    "CSRF_HEADER",
    "Guard",
    "Principal",
    "check_same_origin",
    "cookie_header",
    "find_principal",
    "require_csrf",
]

COOKIE = "hub_session"
CSRF_HEADER = "X-CSRF-Token"
#: Largest request body taken by the API: its bodies are a few short fields, the longest a 2000-character note,
#: which JSON may spell as 24 KB of \u escapes.
MAX_BODY_BYTES = 64 * 1024
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

#: The pages load nothing from elsewhere: scripts, styles and connections to this origin only, no frames.
SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (
        b"content-security-policy",
        b"default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; "
        b"font-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    ),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
    (b"permissions-policy", b"camera=(), microphone=(), geolocation=()"),
)

CookieMode = Literal["auto", "always", "never"]


@dataclass(frozen=True, slots=True)
class Principal:
    """Who a request acts for: a signed-in person (with their session) or an agency's system (bearer token)."""

    name: str
    agency: str
    role: str
    session: Session | None = None

    @property
    def by(self) -> str:
        """``by`` of the actions it takes: ``<user> (<role>)``."""
        return f"{self.name} ({self.role})"


def _system(authorization: str, tokens: Mapping[str, bytes]) -> Principal:
    given = bearer_token(authorization)
    # Every domain's token is compared (in constant time), so the answer does not tell which one was close.
    matched = [domain for domain, token in tokens.items() if given is not None and hmac.compare_digest(given, token)]
    if len(matched) != 1 or matched[0] not in AGENCIES:
        raise ApiError(
            401,
            "unauthorized",
            "the bearer token is not one of a domain served here",
            headers={"WWW-Authenticate": 'Bearer realm="hub-console", error="invalid_token"'},
        )
    return Principal(f"{matched[0]}-system", matched[0], "system")


def find_principal(
    headers: Mapping[str, str], cookies: Mapping[str, str], sessions: SessionStore, tokens: Mapping[str, bytes]
) -> Principal:
    """The principal of a request: a bearer token wins over a cookie; ``ApiError`` 401 when there is neither."""
    authorization = headers.get("authorization")
    if authorization:
        return _system(authorization, tokens)
    session = sessions.get(cookies.get(COOKIE))
    if session is None:
        raise ApiError(
            401,
            "unauthorized",
            "sign in first (or send a bearer token)",
            headers={"WWW-Authenticate": 'Bearer realm="hub-console"'},
        )
    user = session.user
    return Principal(user.name, user.agency, user.role, session)


def check_same_origin(headers: Mapping[str, str]) -> None:
    """An ``Origin`` header, if sent, must name this console (its host and port as the request's ``Host``)."""
    origin = headers.get("origin")
    if origin is None:
        return
    try:
        netloc = urlsplit(origin).netloc
    except ValueError:  # not a URL at all (an unclosed "[" of an IPv6 address): no origin of this console
        netloc = ""
    if origin == "null" or not netloc or netloc.lower() != headers.get("host", "").lower():
        raise ApiError(403, "origin", "the request comes from another site's page")


def require_csrf(method: str, headers: Mapping[str, str], principal: Principal) -> None:
    """A person's state-changing request carries the session's CSRF token and, if any, this console's Origin.
    A system's (bearer token) needs neither: no browser sends its token by itself."""
    if method.upper() in _SAFE_METHODS or principal.session is None:
        return
    check_same_origin(headers)
    given = headers.get(CSRF_HEADER.lower(), "").encode("utf-8")
    if not hmac.compare_digest(given, principal.session.csrf_token.encode("utf-8")):
        raise ApiError(403, "csrf", f"missing or wrong {CSRF_HEADER} header; reload the page")


def _loopback(host: str) -> bool:
    if host.startswith("["):  # [::1]:8480
        name = host[1 : host.find("]")] if "]" in host else host
    else:
        name = host.split(":")[0] if host.count(":") <= 1 else host
    name = name.lower()
    if name == "localhost":
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def cookie_secure(mode: CookieMode, scheme: str, host: str) -> bool:
    """Whether the cookie gets ``Secure``: always, unless plain http to a loopback host (or ``never``)."""
    if mode == "always":
        return True
    if mode == "never":
        return False
    return not (scheme == "http" and _loopback(host))


def cookie_header(value: str, *, secure: bool, max_age: int | None) -> str:
    """A ``Set-Cookie`` value for the session: HttpOnly, SameSite=Strict, the whole site, Secure if asked;
    ``max_age`` 0 deletes it."""
    parts = [f"{COOKIE}={value}", "Path=/", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]


class Guard:
    """ASGI middleware: the security headers on every answer (and ``no-store`` where a handler set no caching), a
    request head over the limit refused with 431, and request bodies read before a handler sees them: over
    ``max_body_bytes`` refused with 413, slower than the body timeout with 408 (paths under ``exempt`` read their
    own bodies, within their own limits)."""

    def __init__(
        self,
        app: App,
        metrics: ConsoleMetrics,
        limits: HttpLimits = DEFAULT_LIMITS,
        max_body_bytes: int = MAX_BODY_BYTES,
        exempt: tuple[str, ...] = ("/acks/",),
    ):
        self.app = app
        self.metrics = metrics
        self.limits = limits
        self.max_body_bytes = max_body_bytes
        self.exempt = exempt

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_guarded(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0].lower() not in _SET_BY_GUARD]
                if not any(name.lower() == b"cache-control" for name, _ in headers):
                    headers.append((b"cache-control", b"no-store"))  # alerts must not linger in a cache
                message["headers"] = [*headers, *SECURITY_HEADERS]
            await send(message)

        if _head_bytes(scope) > self.limits.max_head_bytes:
            # h11 bounds only a head still incomplete: one that arrives whole in one read is checked here.
            limit = self.limits.max_head_bytes
            await self._refuse(send_guarded, 431, "head_too_large", f"the request head is over {limit} bytes")
            return
        if scope["path"].startswith(self.exempt) or scope["method"] in _SAFE_METHODS:
            await self.app(scope, receive, send_guarded)
            return
        try:
            async with asyncio.timeout(self.limits.body_timeout_s):
                body = await self._read(receive)
        except TimeoutError:
            timeout = self.limits.body_timeout_s
            await self._refuse(send_guarded, 408, "body_timeout", f"the body did not arrive within {timeout:g} s")
            return
        if body is None:
            await self._refuse(send_guarded, 413, "too_large", f"body is over {self.max_body_bytes} bytes")
            return
        await self.app(scope, _replay(body, receive), send_guarded)

    async def _read(self, receive: Receive) -> bytes | None:
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] != "http.request":
                return b"".join(chunks)
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                return None
            chunks.append(chunk)
            if not message.get("more_body", False):
                return b"".join(chunks)

    async def _refuse(self, send: Send, status: int, code: ApiCode, message: str) -> None:
        """Answer before the body was read whole: counted, and the connection ends (the rest of the body is not
        waited for)."""
        self.metrics.refusals.labels(str(status), code).inc()
        data = json.dumps(ApiError(status, code, message).body(), separators=(",", ":")).encode("utf-8")
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(data)).encode()),
            (b"connection", b"close"),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": data})


_SET_BY_GUARD = frozenset(name for name, _ in SECURITY_HEADERS)


def _head_bytes(scope: Scope) -> int:
    """About the size of the request head as sent: target, and each header with its separators."""
    target = len(scope.get("raw_path", b"")) + len(scope.get("query_string", b""))
    return target + sum(len(name) + len(value) + 4 for name, value in scope["headers"])


def _replay(body: bytes, receive: Receive) -> Receive:
    """The body read already, then the client's own messages (a disconnect is still seen)."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
