"""The console's web app (FastAPI): ``Console`` holds the parts, ``build_app`` wires the routes of docs/console.md
section 3. Handlers are thin: who asks (``hub.console.security``), what they see (``hub.console.views``), what they
do (``hub.console.actions``), the stream (``hub.console.stream``), CAP and Atom (``hub.console.feeds``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import quote

import structlog
from fastapi import APIRouter, Depends, FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response, StreamingResponse
from starlette.exceptions import HTTPException

from hub.acks_http import AckDesk, read_limited
from hub.console.actions import Actions
from hub.console.metrics import ConsoleMetrics
from hub.console.models import (
    Accepted,
    AckBody,
    AlertDetail,
    AlertView,
    ApiError,
    Conflict,
    ErrorBody,
    Health,
    Me,
    NetworkDocument,
    NoteBody,
    ResolveBody,
    SignIn,
)
from hub.console.pages import Pages
from hub.console.places import Places
from hub.console.security import (
    COOKIE,
    CookieMode,
    Guard,
    Principal,
    check_same_origin,
    cookie_header,
    cookie_secure,
    find_principal,
    require_csrf,
)
from hub.console.sessions import SessionStore, SignInLimiter
from hub.console.source import AlertSource
from hub.console.stream import PING_INTERVAL_S, Fanout, catch_up, event_stream
from hub.console.users import Authenticator
from hub.console.views import action_view, alert_view, map_view, revision_changes
from hub.errors import StoreError
from hub.schemas.alert import AlertState

__all__ = ["Console", "build_app"]

log = structlog.get_logger(__name__)

#: How long ``/healthz`` waits for the database.
HEALTH_TIMEOUT_S = 2.0


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


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {status: {"model": ErrorBody} for status in (401, 503, *statuses)}


def _json(content: Any, status: int = 200, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(content, status_code=status, headers=dict(headers or {}))


def _me(principal: Principal) -> dict[str, Any]:
    session = principal.session
    return {
        "user": principal.name,
        "agency": principal.agency,
        "role": principal.role,
        "csrf_token": None if session is None else session.csrf_token,
    }


api = APIRouter(prefix="/api")


@api.post(
    "/session",
    response_model=Me,
    responses={**_errors(403, 422, 429)},
    summary="sign in: the session cookie and the CSRF token",
)
async def sign_in(body: SignIn, request: Request, console: ConsoleDep) -> Response:
    check_same_origin(request.headers)
    address = request.client.host if request.client else "unknown"
    wait = console.limiter.retry_after(body.username, address)
    if wait is not None:
        console.metrics.sign_ins.labels("limited").inc()
        log.warning("sign-in refused: too many failures", remote=address)
        raise ApiError(
            429,
            "too_many_attempts",
            f"too many failed sign-ins; try again in {wait} s",
            headers={"Retry-After": str(wait)},
        )
    user = await console.authenticator.verify(body.username, body.password)
    if user is None:
        console.limiter.failed(body.username, address)
        console.metrics.sign_ins.labels("refused").inc()
        log.info("sign-in refused", remote=address)
        raise ApiError(401, "unauthorized", "unknown user or wrong password")
    console.limiter.succeeded(body.username, address)
    session_id, session = console.sessions.create(user)
    console.metrics.sign_ins.labels("signed_in").inc()
    console.metrics.sessions.set(len(console.sessions))
    log.info("signed in", agency=user.agency, role=user.role, remote=address)
    secure = cookie_secure(console.cookie_mode, request.url.scheme, request.headers.get("host", ""))
    principal = Principal(user.name, user.agency, user.role, session)
    return _json(_me(principal), headers={"Set-Cookie": cookie_header(session_id, secure=secure, max_age=None)})


@api.delete("/session", status_code=204, responses={**_errors(403)}, summary="sign out")
async def sign_out(request: Request, principal: ActorDep, console: ConsoleDep) -> Response:
    console.sessions.delete(request.cookies.get(COOKIE))
    console.metrics.sessions.set(len(console.sessions))
    secure = cookie_secure(console.cookie_mode, request.url.scheme, request.headers.get("host", ""))
    return Response(status_code=204, headers={"Set-Cookie": cookie_header("", secure=secure, max_age=0)})


@api.get("/me", response_model=Me, responses={**_errors()}, summary="who is signed in")
async def me(principal: PrincipalDep) -> Response:
    return _json(_me(principal))


def _matches(view: Mapping[str, Any], text: str) -> bool:
    # Only what the agency is shown is searched: a hidden field must not be found by guessing it.
    needle = text.casefold()
    return any(isinstance(value, str) and needle in value.casefold() for value in view.values())


@api.get(
    "/alerts",
    response_model=list[AlertView],
    responses={**_errors(422)},
    summary="the agency's board: the latest revision of each alert, most urgent first",
)
async def board(
    principal: PrincipalDep,
    console: ConsoleDep,
    state: Annotated[list[AlertState] | None, Query(description="only these states (repeat for several)")] = None,
    priority: Annotated[int | None, Query(ge=1, le=5, description="only priority 1 up to this")] = None,
    q: Annotated[str | None, Query(max_length=200, description="text in any field shown")] = None,
) -> Response:
    rows = await console.source.board(principal.agency, states=state or None)
    views = [alert_view(row, principal.agency, console.places) for row in rows]
    if priority is not None:
        views = [v for v in views if v["priority"] <= priority]
    if q:
        views = [v for v in views if _matches(v, q)]
    return _json(views)


@api.get(
    "/alerts/{alert_id}",
    response_model=AlertDetail,
    responses={**_errors(404)},
    summary="one alert: its revisions with what changed, the actions, and the map",
)
async def detail(alert_id: str, principal: PrincipalDep, console: ConsoleDep) -> Response:
    agency = principal.agency
    source = console.source
    stored = await source.current(agency, alert_id)
    if stored is None:
        raise ApiError(404, "unknown_alert", f"no alert {alert_id!r} for {agency}")
    history = await source.history(agency, alert_id)
    views = [alert_view(s, agency, console.places) for s in history]
    alert = stored.alert
    vehicle = await source.vehicle_fix(alert.vehicle) if alert.vehicle else None
    unit = None
    if agency != "havag" and alert.recommended_unit:
        unit = await source.unit_fix(agency, alert.recommended_unit)
    return _json(
        {
            "alert": alert_view(stored, agency, console.places),
            "revisions": views,
            "changes": revision_changes([s.alert for s in history], agency),
            "actions": [action_view(a, agency) for a in await source.actions(agency, alert_id)],
            "map": map_view(stored, agency, console.places, vehicle, unit),
        }
    )


_ACTION_ERRORS: dict[int | str, dict[str, Any]] = {**_errors(403, 404, 422, 503), 409: {"model": Conflict}}


@api.post(
    "/alerts/{alert_id}/acknowledge",
    status_code=202,
    response_model=Accepted,
    responses=_ACTION_ERRORS,
    summary="acknowledge the revision shown (409 with what changed when it is not the latest)",
)
async def acknowledge(alert_id: str, body: AckBody, principal: ActorDep, console: ConsoleDep) -> Response:
    return _json(await console.actions.act(principal, alert_id, "acknowledge", body.revision, None), 202)


@api.post(
    "/alerts/{alert_id}/notes",
    status_code=202,
    response_model=Accepted,
    responses=_ACTION_ERRORS,
    summary="add a note (the alert does not change)",
)
async def add_note(alert_id: str, body: NoteBody, principal: ActorDep, console: ConsoleDep) -> Response:
    return _json(await console.actions.act(principal, alert_id, "note", body.revision, body.text), 202)


@api.post(
    "/alerts/{alert_id}/resolve",
    status_code=202,
    response_model=Accepted,
    responses=_ACTION_ERRORS,
    summary="resolve: dealt with, the router clears the alert down",
)
async def resolve(alert_id: str, body: ResolveBody, principal: ActorDep, console: ConsoleDep) -> Response:
    return _json(await console.actions.act(principal, alert_id, "resolve", body.revision, body.note), 202)


@api.get(
    "/stream",
    responses={200: {"content": {"text/event-stream": {}}}, **_errors()},
    response_class=StreamingResponse,
    summary="Server-Sent Events: alert and action events of the agency, a ping every 15 s",
)
async def stream(request: Request, principal: PrincipalDep, console: ConsoleDep) -> StreamingResponse:
    subscriber = console.fanout.subscribe(principal.agency)
    missed = await catch_up(console.source, console.places, principal.agency, request.headers.get("last-event-id"))
    session_id = request.cookies.get(COOKIE) if principal.session is not None else None

    def alive() -> bool:
        # A signed-out or idle-expired person's stream ends at the next ping; the stream itself is not activity.
        return session_id is None or console.sessions.peek(session_id) is not None

    return StreamingResponse(
        event_stream(subscriber, console.fanout, missed, alive, console.ping_s),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )


@api.get("/network", response_model=NetworkDocument, responses={**_errors()}, summary="tram lines and stops")
async def network(principal: PrincipalDep, console: ConsoleDep) -> Response:
    return Response(console.places.network_document(), media_type="application/json")


async def health(console: Console) -> Response:
    database = "ok"
    try:
        await asyncio.wait_for(console.source.ping(), HEALTH_TIMEOUT_S)
    except (StoreError, TimeoutError, OSError):
        database = "unreachable"
    broker = "connected" if console.desk.publisher.connected else "not yet"
    ok = database == "ok" and broker == "connected"
    body = {"status": "ok" if ok else "unavailable", "database": database, "broker": broker}
    return _json(body, 200 if ok else 503)


machines = APIRouter()


@machines.get("/healthz", response_model=Health, responses={503: {"model": Health}}, summary="liveness")
async def healthz(console: ConsoleDep) -> Response:
    return await health(console)


@machines.post(
    "/acks/{domain}",
    status_code=202,
    responses={status: {"model": ErrorBody} for status in (400, 401, 403, 404, 409, 413, 422, 503)},
    summary="a system's acknowledgement (docs/acks.md), checked against the store",
)
async def acks(domain: str, request: Request, console: ConsoleDep) -> Response:
    desk = console.desk
    body = await read_limited(request.stream(), _content_length(request), desk.max_body_bytes)
    remote = request.client.host if request.client else None
    answer = await desk.answer(domain, request.headers.get("authorization"), body, remote)
    return _json(answer.body, answer.status, answer.headers)


pages = APIRouter(include_in_schema=False)


def _signed_in(request: Request, console: Console) -> bool:
    try:
        find_principal(request.headers, request.cookies, console.sessions, {})
    except ApiError:
        return False
    return True


@pages.get("/login")
async def login_page(console: ConsoleDep) -> Response:
    return console.pages.page("login.html")


@pages.get("/")
async def board_page(request: Request, console: ConsoleDep) -> Response:
    if not _signed_in(request, console):
        return RedirectResponse("/login", status_code=303)
    return console.pages.page("board.html")


@pages.get("/alerts/{alert_id}")
async def alert_page(alert_id: str, request: Request, console: ConsoleDep) -> Response:
    if not _signed_in(request, console):
        return RedirectResponse(f"/login?next={quote(request.url.path, safe='/')}", status_code=303)
    return console.pages.page("alert.html")


@pages.get("/static/{name}")
async def static_file(name: str, console: ConsoleDep) -> Response:
    # Scripts and styles only (no data): the sign-in page needs them before anyone is signed in.
    return console.pages.static(name)


def _content_length(request: Request) -> int | None:
    try:
        return int(request.headers["content-length"])
    except (KeyError, ValueError):
        return None


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _json(exc.body(), exc.status, exc.headers)


async def _store_down(request: Request, exc: Exception) -> Response:
    log.warning("alert store unavailable", error=str(exc))
    return _json({"error": "the alert store does not answer; try again", "code": "store_unavailable"}, 503)


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'body'}: {e.get('msg')}" for e in exc.errors()
    )
    return _json({"error": problems, "code": "schema_violation"}, 422)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    return _json({"error": str(exc.detail), "code": code}, exc.status_code, exc.headers)


def build_app(console: Console) -> Guard:
    """The ASGI app: the API under /api, the machine endpoints, the pages, behind the ``Guard``."""
    app = FastAPI(
        title="hub console",
        version="1",
        summary="Alerts of one agency (HAVAG, police, Ordnungsamt) with the intercept plan; acknowledge, note, "
        "resolve. Sign in with POST /api/session (cookie + X-CSRF-Token) or send a domain's bearer token.",
        openapi_url="/api/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.state.console = console
    app.include_router(api)
    app.include_router(machines)
    app.include_router(pages)
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StoreError, _store_down)
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(HTTPException, _http_error)
    return Guard(app)
