"""The console's JSON API under ``/api`` (docs/console.md section 3): sign-in and out, the board, one alert's
detail, the actions, the event stream, CAP and Atom, and the tram network for the map.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Annotated, Any, TypeVar

import structlog
from fastapi import APIRouter, Query, Request
from fastapi.responses import Response, StreamingResponse

from hub.console.deps import ActorDep, Console, ConsoleDep, PrincipalDep, error_responses, json_answer
from hub.console.feeds import ATOM_TYPE, CAP_TYPE, atom_feed, cap_document
from hub.console.models import (
    Accepted,
    AckBody,
    AlertDetail,
    AlertView,
    ApiError,
    Conflict,
    Me,
    NetworkDocument,
    NoteBody,
    ResolveBody,
    SignIn,
)
from hub.console.security import (
    COOKIE,
    Principal,
    check_same_origin,
    cookie_header,
    cookie_secure,
)
from hub.console.source import StoredAlert
from hub.console.stream import catch_up, event_stream
from hub.console.views import action_view, alert_view, map_view, revision_changes
from hub.schemas.alert import AlertState

__all__ = ["api"]

Handler = TypeVar("Handler", bound=Callable[..., Awaitable[Response]])

log = structlog.get_logger(__name__)


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
    responses={**error_responses(400, 403, 413, 422, 429)},
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
    console.sessions.delete(request.cookies.get(COOKIE))  # a browser's earlier session ends with a new sign-in
    session_id, session = console.sessions.create(user)
    console.metrics.sign_ins.labels("signed_in").inc()
    console.metrics.sessions.set(len(console.sessions))
    log.info("signed in", agency=user.agency, role=user.role, remote=address)
    secure = cookie_secure(console.cookie_mode, request.url.scheme, request.headers.get("host", ""))
    principal = Principal(user.name, user.agency, user.role, session)
    return json_answer(_me(principal), headers={"Set-Cookie": cookie_header(session_id, secure=secure, max_age=None)})


@api.delete("/session", status_code=204, responses={**error_responses(403)}, summary="sign out")
async def sign_out(request: Request, principal: ActorDep, console: ConsoleDep) -> Response:
    console.sessions.delete(request.cookies.get(COOKIE))
    console.metrics.sessions.set(len(console.sessions))
    secure = cookie_secure(console.cookie_mode, request.url.scheme, request.headers.get("host", ""))
    return Response(status_code=204, headers={"Set-Cookie": cookie_header("", secure=secure, max_age=0)})


@api.get("/me", response_model=Me, responses={**error_responses()}, summary="who is signed in")
async def me(principal: PrincipalDep) -> Response:
    return json_answer(_me(principal))


def _matches(view: Mapping[str, Any], text: str) -> bool:
    # Only what the agency is shown is searched: a hidden field must not be found by guessing it.
    needle = text.casefold()
    return any(isinstance(value, str) and needle in value.casefold() for value in view.values())


@api.get(
    "/alerts",
    response_model=list[AlertView],
    responses={**error_responses(422)},
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
    return json_answer(views)


@api.get(
    "/alerts/{alert_id}",
    response_model=AlertDetail,
    responses={**error_responses(404)},
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
    return json_answer(
        {
            "alert": alert_view(stored, agency, console.places),
            "revisions": views,
            "changes": revision_changes([s.alert for s in history], agency),
            "actions": [action_view(a, agency) for a in await source.actions(agency, alert_id)],
            "map": map_view(stored, agency, console.places, vehicle, unit),
        }
    )


_ACTION_ERRORS: dict[int | str, dict[str, Any]] = {**error_responses(400, 403, 404, 413, 422), 409: {"model": Conflict}}


def _action(name: str, summary: str) -> Callable[[Handler], Handler]:
    """The route of one action on an alert: 202 once on acks.<domain>, the refusals every action shares."""
    return api.post(
        f"/alerts/{{alert_id}}/{name}",
        status_code=202,
        response_model=Accepted,
        responses=_ACTION_ERRORS,
        summary=summary,
    )


@_action("acknowledge", "acknowledge the revision shown (409 with what changed when it is not the latest)")
async def acknowledge(alert_id: str, body: AckBody, principal: ActorDep, console: ConsoleDep) -> Response:
    return json_answer(await console.actions.act(principal, alert_id, "acknowledge", body.revision, None), 202)


@_action("notes", "add a note (the alert does not change)")
async def add_note(alert_id: str, body: NoteBody, principal: ActorDep, console: ConsoleDep) -> Response:
    return json_answer(await console.actions.act(principal, alert_id, "note", body.revision, body.text), 202)


@_action("resolve", "resolve: dealt with, the router clears the alert down")
async def resolve(alert_id: str, body: ResolveBody, principal: ActorDep, console: ConsoleDep) -> Response:
    return json_answer(await console.actions.act(principal, alert_id, "resolve", body.revision, body.note), 202)


@api.get(
    "/stream",
    responses={200: {"content": {"text/event-stream": {}}}, **error_responses()},
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


@api.get(
    "/alerts/{alert_id}/cap",
    response_class=Response,
    responses={200: {"content": {CAP_TYPE: {}}, "description": "CAP 1.2"}, **error_responses(404)},
    summary="the alert's latest revision as a CAP 1.2 document",
)
async def cap(alert_id: str, principal: PrincipalDep, console: ConsoleDep) -> Response:
    agency = principal.agency
    stored = await console.source.current(agency, alert_id)
    if stored is None:
        raise ApiError(404, "unknown_alert", f"no alert {alert_id!r} for {agency}")
    previous = await _previous(console, agency, stored)
    return Response(cap_document(stored, previous, agency, console.places), media_type=CAP_TYPE)


async def _previous(console: Console, agency: str, stored: StoredAlert) -> StoredAlert | None:
    alert = stored.alert
    return await console.source.revision(agency, alert.alert_id, alert.revision - 1) if alert.revision > 1 else None


#: Entries of an Atom feed at most (each is a CAP document).
FEED_LIMIT = 200


@api.get(
    "/feeds/{domain}.atom",
    response_class=Response,
    responses={200: {"content": {ATOM_TYPE: {}}, "description": "Atom of CAP entries"}, **error_responses(404)},
    summary="the domain's open alerts as an Atom feed of CAP entries (its own domain only)",
)
async def feed(domain: str, request: Request, principal: PrincipalDep, console: ConsoleDep) -> Response:
    if domain != principal.agency:
        raise ApiError(404, "not_found", f"no feed {domain!r} for {principal.agency}")
    rows = await console.source.board(domain, states=("new", "acknowledged"), limit=FEED_LIMIT)
    entries = [(row, await _previous(console, domain, row)) for row in rows]
    now = datetime.now(UTC)
    body = atom_feed(domain, entries, console.places, str(request.base_url).rstrip("/"), now)
    return Response(body, media_type=ATOM_TYPE)


@api.get("/network", response_model=NetworkDocument, responses={**error_responses()}, summary="tram lines and stops")
async def network(principal: PrincipalDep, console: ConsoleDep) -> Response:
    return Response(console.places.network_document(), media_type="application/json")
