"""The HTTP side of push connectors: a push outcome answered as a status and a JSON body (counted in
``hub_connector_requests_total``), and the one aiohttp server that serves every push instance's routes, reading
each body within its route's limit.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, assert_never, cast

from aiohttp import web

from hub.connectors.base import HttpRoute, PushRequest
from hub.connectors.metrics import PushStatus
from hub.connectors.push import Accepted, ConnectorFailed, NotAcknowledged, PushInstance, PushOutcome, Refused, Unusable

#: How long a webhook request may wait for the broker before it is answered 503 (the sender retries).
PUSH_DEADLINE_S = 20.0

Answer = tuple[PushStatus, dict[str, Any]]


def answer(outcome: PushOutcome) -> Answer:
    """The HTTP status and JSON body that tell the sender what became of its request."""
    match outcome:
        case Accepted(accepted, duplicates):
            return "202", {"accepted": accepted, "duplicates": duplicates}
        case Unusable(code, reason, accepted):
            return "422", {"error": reason, "code": code, "accepted": accepted}
        case Refused(status, reason):
            # PushRejected's statuses (400, 401, 403, 415) are all PushStatus values.
            return cast(PushStatus, str(status)), {"error": reason}
        case NotAcknowledged():
            return "503", {"error": "the broker did not acknowledge in time; send again"}
        case ConnectorFailed():
            return "500", {"error": "the connector failed on this request; see the hub's log"}
        case _:
            assert_never(outcome)


def counted(instance: PushInstance, status: PushStatus, body: dict[str, Any]) -> Answer:
    """Count an answer of ``instance`` by status, and return it."""
    instance.deps.metrics.requests.labels(instance.name, status).inc()
    return status, body


async def respond(instance: PushInstance, request: PushRequest, deadline_s: float | None = None) -> Answer:
    """Push ``request`` to ``instance`` and answer the outcome (counted)."""
    return counted(instance, *answer(await instance.push(request, deadline_s)))


async def serve(instances: Sequence[PushInstance], host: str, port: int) -> tuple[web.AppRunner, int]:
    """Serve the routes of ``instances`` on ``host:port``; the running server and its port (``port`` may be 0)."""
    app = web.Application()
    for instance in instances:
        for route in instance.connector.routes():
            handler = _handler(instance, route)
            for method in route.methods:
                app.router.add_route(method, route.path, handler)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    addresses = runner.addresses
    return runner, int(addresses[0][1]) if addresses else port


def _handler(instance: PushInstance, route: HttpRoute) -> Callable[[web.Request], Awaitable[web.Response]]:
    async def handle(request: web.Request) -> web.Response:
        body = await _body(request, route.max_body_bytes)
        if body is None:
            status, answer_body = counted(instance, "413", {"error": f"body is over {route.max_body_bytes} bytes"})
        else:
            push = PushRequest(
                path=request.path,
                method=request.method,
                headers={k.lower(): v for k, v in request.headers.items()},
                body=body,
                remote=request.remote or "",
            )
            status, answer_body = await respond(instance, push, time.monotonic() + PUSH_DEADLINE_S)
        return web.json_response(answer_body, status=int(status))

    return handle


async def _body(request: web.Request, limit: int) -> bytes | None:
    """The whole body, or None once it is over ``limit`` bytes (the declared length is trusted to refuse early)."""
    if request.content_length is not None and request.content_length > limit:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.content.iter_chunked(65536):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)
