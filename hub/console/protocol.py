"""The console's connections: uvicorn's h11 protocol held by the ``ConnectionGate`` (hub.connectors.edge), and what
h11 cannot parse answered as JSON with a reason code (counted, logged once per burst) instead of uvicorn's plain-text
400 and a warning for every such request. ``EdgeConfig`` is the uvicorn config that plugs it in.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

import h11
import uvicorn
from uvicorn.protocols.http.h11_impl import H11Protocol
from uvicorn.server import ServerState

from hub.connectors.edge import ConnectionGate, Slot, error_body, raw_answer
from hub.console.metrics import ConsoleMetrics
from hub.console.models import ApiCode
from hub.console.security import SECURITY_HEADERS

__all__ = ["ConsoleProtocol", "EdgeConfig"]

#: What uvicorn logs for every such request on the logger it is handed: a flood under a scan or an attack. The
#: gate logs them once per burst instead, and counts them.
_PER_REQUEST = ("Invalid HTTP request received.", "Unsupported upgrade request.", "No supported WebSocket library")


class _PerBurst(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return not (isinstance(record.msg, str) and record.msg.startswith(_PER_REQUEST))


@functools.cache
def _protocol_log() -> logging.Logger:
    """uvicorn's error logger for the console's connections, without the lines of every malformed request."""
    logger = logging.getLogger("uvicorn.error.console")
    logger.addFilter(_PerBurst())
    return logger


@dataclass(frozen=True)
class ConsoleEdge:
    """What the console's connections share: the gate, and the counter of refusals."""

    gate: ConnectionGate
    metrics: ConsoleMetrics

    def refused(self, status: int, code: ApiCode) -> None:
        self.metrics.refusals.labels(str(status), code).inc()
        self.gate.refused(code)


class EdgeConfig(uvicorn.Config):
    """uvicorn's config serving the console's connections with ``ConsoleProtocol``."""

    def __init__(self, app: Any, edge: ConsoleEdge, max_head_bytes: int, **kwargs: Any) -> None:
        super().__init__(app, http=ConsoleProtocol, h11_max_incomplete_event_size=max_head_bytes, **kwargs)
        self.edge = edge
        self.max_head_bytes = max_head_bytes


class _Connection(h11.Connection):
    """h11's connection, keeping the protocol error it raised: its status hint tells a head too large (431)."""

    refused: h11.RemoteProtocolError | None = None

    def next_event(self) -> Any:
        try:
            return super().next_event()
        except h11.RemoteProtocolError as exc:
            self.refused = exc
            raise


class ConsoleProtocol(H11Protocol):
    """uvicorn's h11 protocol, held by the gate."""

    def __init__(
        self,
        config: uvicorn.Config,
        server_state: ServerState,
        app_state: dict[str, Any],
        _loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        super().__init__(config, server_state, app_state, _loop)
        assert isinstance(config, EdgeConfig), "the console's protocol is served with EdgeConfig"
        self.edge = config.edge
        self.h11 = _Connection(h11.SERVER, config.max_head_bytes)
        self.conn = self.h11
        self.logger = _protocol_log()
        self.slot: Slot | None = None

    @property
    def busy(self) -> bool:
        return self.cycle is not None and not self.cycle.response_complete

    def abort(self) -> None:
        self.transport.close()

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self.slot = self.edge.gate.open(self)
        if self.slot is None:
            transport.write(raw_answer(503, "overloaded", "the console holds as many connections as it may; try again"))
            transport.close()

    def data_received(self, data: bytes) -> None:
        if self.slot is not None:
            self.slot.heard = True
        super().data_received(data)

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.slot is not None:
            self.edge.gate.answered(self.slot)

    def connection_lost(self, exc: Exception | None) -> None:
        if self.slot is not None:
            self.edge.gate.closed(self.slot)
        super().connection_lost(exc)

    def send_400_response(self, msg: str) -> None:
        error = self.h11.refused
        code: ApiCode = "bad_request"
        status, message = 400, "the request is not HTTP the console can read"
        if error is not None and error.error_status_hint == 431:
            status, code, message = 431, "head_too_large", "the request head is too large"
        if error is not None:
            message = f"{message}: {error}"
        self.edge.refused(status, code)
        body = json.dumps(error_body(code, message), separators=(",", ":")).encode("utf-8")
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(body)).encode("ascii")),
            (b"connection", b"close"),
            *SECURITY_HEADERS,
        ]
        # As uvicorn's own: h11 lets a server answer a client's protocol error, then the connection ends.
        for event in (
            h11.Response(status_code=status, headers=headers, reason=HTTPStatus(status).phrase.encode("ascii")),
            h11.Data(data=body),
            h11.EndOfMessage(),
        ):
            output = self.conn.send(event)
            if output:
                self.transport.write(output)
        self.transport.close()
