"""What every route of the console needs: ``Console`` (the parts, built once by the server or a test), the
dependencies that find who asks (``PrincipalDep``; ``ActorDep`` also checks the CSRF token), and the shapes of
answers (JSON, documented error statuses).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from fastapi.responses import JSONResponse

from hub.acks_http import AckDesk
from hub.connectors.edge import DEFAULT_LIMITS, HttpLimits
from hub.console.actions import Actions
from hub.console.metrics import ConsoleMetrics
from hub.console.models import ApiCode, ErrorBody
from hub.console.pages import Pages
from hub.console.places import Places
from hub.console.security import CookieMode, Principal, find_principal, require_csrf
from hub.console.sessions import SessionStore, SignInLimiter
from hub.console.source import AlertSource
from hub.console.stream import PING_INTERVAL_S, Fanout
from hub.console.users import Authenticator
from hub.health import Check

__all__ = ["ActorDep", "Console", "ConsoleDep", "PrincipalDep", "error_responses", "json_answer", "refusal"]


@dataclass
class Console:
    """Everything the routes need; built once by the server (or a test)."""

    source: AlertSource
    places: Places
    sessions: SessionStore
    limiter: SignInLimiter
    authenticator: Authenticator
    tokens: Mapping[str, bytes]
    desk: AckDesk
    actions: Actions
    fanout: Fanout
    metrics: ConsoleMetrics
    pages: Pages
    cookie_mode: CookieMode = "auto"
    ping_s: float = PING_INTERVAL_S
    limits: HttpLimits = DEFAULT_LIMITS
    #: Whether the broker still answers once the desk's publisher has connected (``hub.health.Watch``); None:
    #: the publisher's connection alone says it (a test's own sink).
    broker: Check | None = None


def _console(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


ConsoleDep = Annotated[Console, Depends(_console)]


def _principal(request: Request, console: ConsoleDep) -> Principal:
    return find_principal(request.headers, request.cookies, console.sessions, console.tokens)


def _actor(request: Request, principal: Annotated[Principal, Depends(_principal)]) -> Principal:
    require_csrf(request.method, request.headers, principal)
    return principal


PrincipalDep = Annotated[Principal, Depends(_principal)]
ActorDep = Annotated[Principal, Depends(_actor)]


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The OpenAPI ``responses`` of a route that can refuse with ``statuses`` (401 and 503 always: no
    credentials, the store away)."""
    return {status: {"model": ErrorBody} for status in (401, 503, *statuses)}


def json_answer(content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> JSONResponse:
    """A JSON answer."""
    return JSONResponse(content, status_code=status, headers=dict(headers or {}))


def refusal(
    metrics: ConsoleMetrics,
    status: int,
    code: ApiCode,
    message: str,
    headers: Mapping[str, str] | None = None,
    extra: Mapping[str, Any] | None = None,
) -> JSONResponse:
    """A refusal, counted in ``hub_console_refusals_total``: ``{"error": message, "code": code, **extra}``."""
    metrics.refusals.labels(str(status), code).inc()
    return json_answer({"error": message, "code": code, **(extra or {})}, status, headers)
