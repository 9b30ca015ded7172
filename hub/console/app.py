"""The console's web app (FastAPI): ``build_app`` puts the API (``hub.console.routes``), the machine endpoints
(``/healthz``, ``POST /acks/<domain>``) and the pages behind the ``Guard``, and maps refusals to JSON answers.
"""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import quote

import structlog
from fastapi import APIRouter, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.openapi.utils import get_openapi
from fastapi.responses import RedirectResponse, Response
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from hub.acks_http import read_limited
from hub.console.deps import Console, ConsoleDep, json_answer, refusal
from hub.console.metrics import ConsoleMetrics
from hub.console.models import ApiCode, ApiError, ErrorBody, Health
from hub.console.routes import api
from hub.console.security import COOKIE, Guard, find_principal
from hub.errors import StoreError
from hub.router.core import AckMessage

__all__ = ["build_app"]

log = structlog.get_logger(__name__)

#: How long ``/healthz`` waits for the database.
HEALTH_TIMEOUT_S = 2.0


async def health(console: Console) -> Response:
    database = "ok"
    try:
        await asyncio.wait_for(console.source.ping(), HEALTH_TIMEOUT_S)
    except (StoreError, TimeoutError, OSError):
        database = "unreachable"
    broker = "connected" if console.desk.publisher.connected else "not yet"
    if broker == "connected" and console.broker is not None and not console.broker()[0]:
        broker = "unreachable"  # the publisher connected once; the broker has gone since
    ok = database == "ok" and broker == "connected"
    body = {"status": "ok" if ok else "unavailable", "database": database, "broker": broker}
    return json_answer(body, 200 if ok else 503)


machines = APIRouter()

#: The body of ``POST /acks/{domain}``, read from the stream by hand (the body limit and timeout), so declared here.
_ACK_SCHEMA = AckMessage.model_json_schema()


@machines.get("/healthz", response_model=Health, responses={503: {"model": Health}}, summary="liveness")
async def healthz(console: ConsoleDep) -> Response:
    return await health(console)


@machines.post(
    "/acks/{domain}",
    status_code=202,
    responses={status: {"model": ErrorBody} for status in (400, 401, 403, 404, 408, 409, 413, 422, 503)},
    summary="a system's acknowledgement (docs/acks.md), checked against the store",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": _ACK_SCHEMA}}}},
)
async def acks(domain: str, request: Request, console: ConsoleDep) -> Response:
    desk = console.desk
    remote = request.client.host if request.client else None
    try:
        async with asyncio.timeout(console.limits.body_timeout_s):
            body = await read_limited(request.stream(), _content_length(request), desk.max_body_bytes)
    except TimeoutError:
        answer = desk.too_slow(domain, console.limits.body_timeout_s, remote)
    else:
        answer = await desk.answer(domain, request.headers.get("authorization"), body, remote)
    return json_answer(answer.body, answer.status, answer.headers)


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


def _metrics(request: Request) -> ConsoleMetrics:
    console: Console = request.app.state.console
    return console.metrics


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return refusal(_metrics(request), exc.status, exc.code, exc.message, exc.headers, exc.extra)


async def _store_down(request: Request, exc: Exception) -> Response:
    log.warning("alert store unavailable", error=str(exc))
    return refusal(_metrics(request), 503, "store_unavailable", "the alert store does not answer; try again")


async def _invalid(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    errors = exc.errors()
    if any(e.get("type") == "json_invalid" for e in errors):  # FastAPI's JSONDecodeError
        return refusal(_metrics(request), 400, "malformed_json", "the body is not JSON")
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()) if p != 'body') or 'body'}: {e.get('msg')}" for e in errors
    )
    return refusal(_metrics(request), 422, "schema_violation", problems)


#: FastAPI's and Starlette's own refusals; a 400 is a body FastAPI could not read as JSON.
_HTTP_CODES: dict[int, ApiCode] = {400: "malformed_json", 404: "not_found", 405: "method_not_allowed"}


def _unreadable(cause: BaseException | None) -> str:
    """Why FastAPI could not read a body (the cause of its 400): what json.loads raises besides JSONDecodeError."""
    if isinstance(cause, UnicodeDecodeError):
        return "the body is not UTF-8"
    if isinstance(cause, RecursionError):
        return "the body is not JSON the console reads: nested too deeply"
    if isinstance(cause, ValueError):
        return "the body is not JSON the console reads: a number with more digits than Python converts"
    return "the body could not be read as JSON"


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    headers = dict(exc.headers or {})
    if exc.status_code == 405:
        headers["Allow"] = ", ".join(_allowed(request))
    code = _HTTP_CODES.get(exc.status_code, "http_error")
    message = _unreadable(exc.__cause__) if exc.status_code == 400 else str(exc.detail)
    return refusal(_metrics(request), exc.status_code, code, message, headers)


async def _failed(request: Request, exc: Exception) -> Response:
    # A bug met this request (bad input is answered by the handlers above): JSON like every answer, counted, and
    # Starlette logs the traceback when it re-raises.
    return refusal(_metrics(request), 500, "internal_error", "the console failed on this request; see its log")


def _allowed(request: Request) -> list[str]:
    """Every method some route serves at the request's path (Starlette names only the first route's). The routers'
    own routes are walked: newer FastAPI keeps included routers nested in ``app.routes``."""
    methods: set[str] = set()
    for router in (api, machines, pages):
        for route in router.routes:
            if isinstance(route, APIRoute) and route.path_regex.match(request.url.path):
                methods |= route.methods or set()
    return sorted(methods)


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
    app.add_exception_handler(Exception, _failed)
    app.openapi = lambda: _openapi(app)  # type: ignore[method-assign]  # FastAPI's documented way to extend it
    return Guard(app, console.metrics, console.limits)


#: Who may call what, for the OpenAPI document: a person's session cookie (state-changing requests also need the
#: X-CSRF-Token header from POST /api/session or GET /api/me) or a domain's bearer token.
_SECURITY_SCHEMES = {
    "session": {"type": "apiKey", "in": "cookie", "name": COOKIE},
    "bearer": {"type": "http", "scheme": "bearer", "description": "the domain's HUB_ACK_TOKEN_<DOMAIN>"},
}
_OPEN = {("/healthz", "get"), ("/api/session", "post")}


def _openapi(app: FastAPI) -> dict[str, Any]:
    if app.openapi_schema is None:
        document = get_openapi(title=app.title, version=app.version, summary=app.summary, routes=app.routes)
        document.setdefault("components", {})["securitySchemes"] = _SECURITY_SCHEMES
        document["security"] = [{"session": []}, {"bearer": []}]
        for path, operations in document["paths"].items():
            for method, operation in operations.items():
                if (path, method) in _OPEN:
                    operation["security"] = []
        app.openapi_schema = document
    return app.openapi_schema
