"""The HTTP side of push connectors: a push outcome answered as a status and a JSON body with a reason code
(counted in ``hub_connector_requests_total``), and the one aiohttp server that serves every push instance's routes.
At its edge (``hub.connectors.edge``) it holds a bounded number of connections, waits a bounded time for a request's
head and body, hands connectors header text that encodes, and answers every refusal as JSON, down to a request the
HTTP parser could not read.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, assert_never, cast

import structlog
from aiohttp import web
from aiohttp.http_exceptions import BadHttpMessage, LineTooLong

from hub.connectors.base import HttpRoute, PushRequest
from hub.connectors.cutting import Refusal
from hub.connectors.edge import (
    DEFAULT_LIMITS,
    BurstLog,
    ConnectionGate,
    EdgeMetrics,
    HttpLimits,
    Slot,
    clean_text,
    error_body,
    raw_answer,
)
from hub.connectors.metrics import ConnectorMetrics, PushStatus
from hub.connectors.push import Accepted, ConnectorFailed, NotAcknowledged, PushInstance, PushOutcome, Refused, Unusable

__all__ = ["PUSH_DEADLINE_S", "SERVER", "Answer", "WebhookServer", "answer", "counted", "respond", "serve"]

log = structlog.get_logger(__name__)

#: How long a webhook request may wait for the broker before it is answered 503 (the sender retries).
PUSH_DEADLINE_S = 20.0
#: The connector label of requests no instance answered (a path or method not served, a request the HTTP parser
#: refused, a connection over the limit): instance names start with a letter or digit, so it is no instance's.
SERVER = "(server)"
#: Longest time the rest of a refused body is read (and thrown away) before the connection is closed.
LINGER_S = 2.0
#: Refusals listed one by one in a 422 at most (``refused_count`` has them all).
MAX_LISTED = 100

Answer = tuple[PushStatus, dict[str, Any]]

#: What the server answers itself (under ``SERVER``), created at 0 so dashboards see them before the first one.
_SERVER_STATUSES: tuple[PushStatus, ...] = ("400", "404", "405", "431", "500")
# PushRejected's statuses and their reason codes.
_REFUSED_CODES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 415: "unsupported_media_type"}


def answer(outcome: PushOutcome) -> Answer:
    """The HTTP status and JSON body that tell the sender what became of its request."""
    match outcome:
        case Accepted(accepted, duplicates):
            return "202", {"accepted": accepted, "duplicates": duplicates}
        case Unusable(refused, accepted, duplicates):
            return "422", _unusable(refused, accepted, duplicates)
        case Refused(status, reason):
            # PushRejected's statuses (400, 401, 403, 415) are all PushStatus values.
            return cast(PushStatus, str(status)), error_body(_REFUSED_CODES[status], reason)
        case NotAcknowledged():
            return "503", error_body("broker_unavailable", "the broker did not acknowledge in time; send again")
        case ConnectorFailed():
            return "500", error_body("connector_error", "the connector failed on this request; see the hub's log")
        case _:
            assert_never(outcome)


def _unusable(refused: tuple[Refusal, ...], accepted: int, duplicates: int) -> dict[str, Any]:
    first = refused[0]
    if all(r.record is None for r in refused):
        # The body was no document of the format: nothing of it went on, the reason says why.
        return {"error": first.reason, "code": first.code, "accepted": accepted}
    where = f"record {first.record}" if first.record is not None else "the document"
    error = f"{where}: {first.reason}"
    if len(refused) > 1:
        error = f"{len(refused)} records were dead-lettered; the first, {error}"
    return {
        "error": error,
        "code": first.code,
        "accepted": accepted,
        "duplicates": duplicates,
        "refused": [{"index": r.record, "code": r.code, "reason": r.reason} for r in refused[:MAX_LISTED]],
        "refused_count": len(refused),
    }


def counted(instance: PushInstance, status: PushStatus, body: dict[str, Any]) -> Answer:
    """Count an answer of ``instance`` by status, and return it."""
    instance.deps.metrics.requests.labels(instance.name, status).inc()
    return status, body


async def respond(instance: PushInstance, request: PushRequest, deadline_s: float | None = None) -> Answer:
    """Push ``request`` to ``instance`` and answer the outcome (counted)."""
    return counted(instance, *answer(await instance.push(request, deadline_s)))


@dataclass(frozen=True)
class _Edge:
    """What the server's protocol and handlers share: the gate, the request counter, the limits."""

    gate: ConnectionGate
    metrics: ConnectorMetrics
    limits: HttpLimits

    def refuse(self, status: PushStatus, code: str, message: str, *, close: bool = False) -> web.Response:
        """A refusal no instance answers, counted under ``SERVER``."""
        self.metrics.requests.labels(SERVER, status).inc()
        return _json(error_body(code, message), int(status), close=close)


def _json(body: dict[str, Any], status: int, *, close: bool = False) -> web.Response:
    response = web.json_response(body, status=status)
    if close:
        response.force_close()
    return response


class _Protocol(web.RequestHandler):
    """aiohttp's connection handler, held by the gate, answering what its parser refuses as JSON (counted, logged
    once per burst, instead of a traceback in the log for every malformed request)."""

    def __init__(self, manager: _Server, edge: _Edge, *, loop: asyncio.AbstractEventLoop, **kwargs: Any) -> None:
        super().__init__(manager, loop=loop, **kwargs)
        self.edge = edge
        self.busy = False
        self.slot: Slot | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        super().connection_made(transport)
        self.slot = self.edge.gate.open(self)
        if self.slot is None:
            cast(asyncio.Transport, transport).write(
                raw_answer(503, "overloaded", "the server holds as many connections as it may; try again")
            )
            self.force_close()

    def data_received(self, data: bytes) -> None:
        if self.slot is not None:
            self.slot.heard = True
        super().data_received(data)

    def connection_lost(self, exc: BaseException | None) -> None:
        if self.slot is not None:
            self.edge.gate.closed(self.slot)
        super().connection_lost(exc)

    def abort(self) -> None:
        self.force_close()

    def answered(self) -> None:
        self.busy = False
        if self.slot is not None:
            self.edge.gate.answered(self.slot)

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        if request.writer.output_size > 0:  # as aiohttp's own: an answer is on its way, the connection is broken
            raise ConnectionError("Response is sent already, cannot send another response with the error message")
        if status >= 500:
            # Not the request's fault: a bug of the server's own (the handlers answer everything else).
            log.error("webhook server failed on a request", status=status, exc_info=exc)
            return self.edge.refuse(
                "500", "internal_error", "the server failed on this request; see its log", close=True
            )
        too_large = isinstance(exc, LineTooLong) or (
            isinstance(exc, BadHttpMessage) and "too many headers" in exc.message.lower()
        )
        self.edge.gate.refused("head_too_large" if too_large else "bad_request")
        # aiohttp's message names the fault and quotes the bytes at fault; its first line is enough.
        detail = message.strip().splitlines()[0][:120] if message and message.strip() else "malformed"
        if too_large:
            return self.edge.refuse("431", "head_too_large", f"the request head is too large: {detail}", close=True)
        return self.edge.refuse("400", "bad_request", f"not HTTP the server can read: {detail}", close=True)


class _Server(web.Server):
    """aiohttp's low-level server, making ``_Protocol`` connection handlers."""

    def __init__(self, handler: Callable[[web.BaseRequest], Awaitable[web.StreamResponse]], edge: _Edge, **kwargs: Any):
        super().__init__(handler, **kwargs)
        self.edge = edge
        self.handler_kwargs = kwargs

    def __call__(self) -> web.RequestHandler:
        return _Protocol(self, self.edge, loop=asyncio.get_running_loop(), **self.handler_kwargs)


@dataclass
class WebhookServer:
    """The running server: the port it listens on; ``close`` stops it."""

    runner: web.ServerRunner
    gate: ConnectionGate
    port: int

    async def close(self) -> None:
        await self.runner.cleanup()
        self.gate.close()


InstanceHandler = Callable[[web.BaseRequest], Awaitable[web.StreamResponse]]


async def serve(
    instances: Sequence[PushInstance],
    host: str,
    port: int,
    metrics: ConnectorMetrics,
    edge_metrics: EdgeMetrics,
    limits: HttpLimits | None = None,
) -> WebhookServer:
    """Serve the routes of ``instances`` on ``host:port`` (``port`` may be 0) within ``limits``."""
    limits = (limits or DEFAULT_LIMITS).within_file_limit()
    gate = ConnectionGate("webhooks", limits, edge_metrics, BurstLog("webhooks"))
    edge = _Edge(gate, metrics, limits)
    for status in _SERVER_STATUSES:
        metrics.requests.labels(SERVER, status)
    routes: dict[str, dict[str, InstanceHandler]] = {}
    for instance in instances:
        for route in instance.connector.routes():
            for method in route.methods:
                routes.setdefault(route.path, {})[method.upper()] = _handler(instance, route, edge)
    server = _Server(
        _dispatcher(routes, edge),
        edge,
        access_log=None,
        # The gate closes connections that send no head in time; aiohttp's own keep-alive timer is only a backstop.
        keepalive_timeout=limits.header_timeout_s * 2,
        max_line_size=limits.max_head_bytes,
        max_field_size=limits.max_head_bytes,
        # After an answer given before the body was read (413, 408), aiohttp reads the rest for this long so the
        # sender sees the answer; its default of 10 s would let a slow sender hold the connection that long.
        lingering_time=min(LINGER_S, limits.body_timeout_s),
    )
    runner = web.ServerRunner(server)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    addresses = runner.addresses
    return WebhookServer(runner, gate, int(addresses[0][1]) if addresses else port)


def _dispatcher(routes: Mapping[str, Mapping[str, InstanceHandler]], edge: _Edge) -> InstanceHandler:
    async def dispatch(request: web.BaseRequest) -> web.StreamResponse:
        protocol = request.protocol
        held = protocol if isinstance(protocol, _Protocol) else None
        if held is not None:
            held.busy = True
        try:
            methods = routes.get(request.path)
            if methods is None:
                return edge.refuse("404", "not_found", "no webhook is served at this path")
            handler = methods.get(request.method)
            if handler is None:
                refusal = edge.refuse("405", "method_not_allowed", f"send {', '.join(sorted(methods))}")
                refusal.headers["Allow"] = ", ".join(sorted(methods))
                return refusal
            return await handler(request)
        finally:
            if held is not None:
                held.answered()

    return dispatch


def _handler(instance: PushInstance, route: HttpRoute, edge: _Edge) -> InstanceHandler:
    async def handle(request: web.BaseRequest) -> web.StreamResponse:
        try:
            async with asyncio.timeout(edge.limits.body_timeout_s):
                body = await _body(request, route.max_body_bytes)
        except TimeoutError:
            edge.gate.refused("body_timeout")
            message = f"the body did not arrive within {edge.limits.body_timeout_s:g} s"
            _, refusal = counted(instance, "408", error_body("body_timeout", message))
            return _json(refusal, 408, close=True)
        except web.RequestPayloadError as exc:
            _, refusal = counted(instance, "400", error_body("bad_request", f"the body could not be read: {exc}"))
            return _json(refusal, 400, close=True)
        if body is None:
            status, answer_body = counted(
                instance, "413", error_body("too_large", f"body is over {route.max_body_bytes} bytes")
            )
        else:
            push = PushRequest(
                path=request.path,
                method=request.method,
                # aiohttp keeps header bytes that are not UTF-8 as lone surrogates; connectors get text that encodes.
                headers={k.lower(): clean_text(v) for k, v in request.headers.items()},
                body=body,
                remote=request.remote or "",
            )
            status, answer_body = await respond(instance, push, time.monotonic() + PUSH_DEADLINE_S)
        return _json(answer_body, int(status))

    return handle


async def _body(request: web.BaseRequest, limit: int) -> bytes | None:
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
