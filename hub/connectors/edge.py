"""The edge of the hub's HTTP servers (the webhooks of ``hub connectors run`` on aiohttp, the console and ``hub acks
serve`` on uvicorn): ``ConnectionGate`` holds a bounded number of connections and closes the ones that send no
request head in time, ``BurstLog`` warns once per burst of such trouble, and the header text and JSON refusals
both servers answer with. Each server plugs its own protocol class into the gate.
"""

from __future__ import annotations

import asyncio
import json
import re
import resource
import time
from collections import Counter as Tally
from collections.abc import Callable
from dataclasses import dataclass, replace
from http import HTTPStatus
from typing import Literal, Protocol

import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge

from hub.config import Settings

__all__ = [
    "DEFAULT_LIMITS",
    "BurstLog",
    "ConnectionGate",
    "EdgeMetrics",
    "Held",
    "HttpLimits",
    "Slot",
    "clean_text",
    "error_body",
    "raw_answer",
]

log = structlog.get_logger(__name__)

#: The servers, a metric label.
ServerName = Literal["console", "webhooks"]
#: Why the gate closed a connection (a metric label). ``idle``: nothing arrived for the header timeout after it
#: opened or after its last answer (a kept-alive or unused connection: normal); ``slow_head``: a request head was
#: begun but not finished in that time; ``shed``: an idle or slow one closed to make room for a new connection at
#: the limit; ``refused``: a new connection answered 503 and closed because every held one was being answered.
CloseReason = Literal["idle", "slow_head", "shed", "refused"]
CLOSE_REASONS: tuple[CloseReason, ...] = ("idle", "slow_head", "shed", "refused")
#: File descriptors kept free of connections: the broker and database clients, log and state files, /metrics.
FILE_RESERVE = 128


@dataclass(frozen=True)
class HttpLimits:
    """How many connections a server holds and how long it waits for them (``HUB_HTTP_*``, hub.config)."""

    max_connections: int = 512
    header_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    max_head_bytes: int = 16384

    @classmethod
    def from_settings(cls, settings: Settings) -> HttpLimits:
        return cls(
            max_connections=settings.http_max_connections,
            header_timeout_s=settings.http_header_timeout_s,
            body_timeout_s=settings.http_body_timeout_s,
            max_head_bytes=settings.http_max_head_bytes,
        )

    def within_file_limit(self) -> HttpLimits:
        """These limits, ``max_connections`` lowered to fit the process's open-file limit: a process out of file
        descriptors can no longer accept (asyncio then logs every failed accept) nor reach the broker."""
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        room = max(1, soft - FILE_RESERVE)
        if soft == resource.RLIM_INFINITY or self.max_connections <= room:
            return self
        log.warning("http connection limit lowered to fit the open-file limit", asked=self.max_connections, held=room)
        return replace(self, max_connections=room)


#: The limits of a server built without settings (tests, tools): the settings' defaults.
DEFAULT_LIMITS = HttpLimits()


@dataclass(frozen=True)
class EdgeMetrics:
    """``hub_http_connections{server}`` open now, ``hub_http_connections_closed_total{server,reason}``."""

    open: Gauge
    closed: Counter

    @classmethod
    def create(cls, registry: CollectorRegistry) -> EdgeMetrics:
        return cls(
            open=Gauge("hub_http_connections", "Open HTTP connections, by server", ["server"], registry=registry),
            closed=Counter(
                "hub_http_connections_closed",
                "HTTP connections the server closed without a request: idle, slow_head, shed (for a new one at the "
                "limit), refused (503, every held one busy)",
                ["server", "reason"],
                registry=registry,
            ),
        )

    def init_server(self, server: ServerName) -> None:
        """Create the server's series at 0, so dashboards and alerts see them before the first event."""
        self.open.labels(server)
        for reason in CLOSE_REASONS:
            self.closed.labels(server, reason)


class BurstLog:
    """Trouble at the edge logged once per burst: a warning when a burst begins, and one line with the totals by
    kind when ``quiet_s`` passed without more, so a thousand shed connections make two lines, not a thousand."""

    def __init__(self, server: ServerName, quiet_s: float = 10.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.server = server
        self.quiet_s = quiet_s
        self.clock = clock
        self.counts: Tally[str] = Tally()
        self._began = 0.0
        self._last = 0.0
        self._timer: asyncio.TimerHandle | None = None

    def note(self, kind: str) -> None:
        """One event of trouble (``shed``, ``slow_head``, ``bad_request``...); called on the server's loop."""
        now = self.clock()
        if not self.counts:
            self._began = now
            log.warning(
                "http server in trouble; one line with the totals follows when it is over",
                server=self.server,
                first=kind,
            )
            self._timer = asyncio.get_running_loop().call_later(self.quiet_s, self._check)
        self.counts[kind] += 1
        self._last = now

    def _check(self) -> None:
        quiet_for = self.clock() - self._last
        if quiet_for < self.quiet_s:
            self._timer = asyncio.get_running_loop().call_later(self.quiet_s - quiet_for, self._check)
            return
        self._timer = None
        self._flush()

    def _flush(self) -> None:
        log.warning(
            "http server trouble over",
            server=self.server,
            lasted_s=round(self._last - self._began, 1),
            **{kind: self.counts[kind] for kind in sorted(self.counts)},
        )
        self.counts.clear()

    def close(self) -> None:
        """Stop; a burst still going is summed up now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self.counts:
            self._flush()


class Held(Protocol):
    """A connection as the gate sees it: each server's protocol class."""

    @property
    def busy(self) -> bool:
        """A request of it is being answered (its head is in)."""
        ...

    def abort(self) -> None:
        """Close it now, without an answer."""
        ...


@dataclass(eq=False)
class Slot:
    """One held connection; its protocol sets ``heard`` whenever bytes arrive."""

    conn: Held
    heard: bool = False
    timer: asyncio.TimerHandle | None = None


class ConnectionGate:
    """Holds at most ``max_connections``: a new connection at the limit closes the longest idle one (idle or still
    sending its head: what a slow client holding connections looks like), and is itself refused only when every
    held one is being answered. A connection is closed when no whole request head came within the header timeout
    of its opening or its last answer. Counted in ``EdgeMetrics``, logged per burst."""

    def __init__(self, server: ServerName, limits: HttpLimits, metrics: EdgeMetrics, burst: BurstLog) -> None:
        self.server = server
        self.limits = limits
        self.metrics = metrics
        self.burst = burst
        # Insertion order is the order of last activity (opened or answered): the first idle one is the longest idle.
        self._slots: dict[Slot, None] = {}
        metrics.init_server(server)

    def __len__(self) -> int:
        return len(self._slots)

    def open(self, conn: Held) -> Slot | None:
        """Hold a new connection; None when it must be refused (the caller answers 503 and closes it)."""
        if len(self._slots) >= self.limits.max_connections and not self._make_room():
            self._count("refused")
            return None
        slot = Slot(conn)
        self._slots[slot] = None
        self._arm(slot)
        self.metrics.open.labels(self.server).set(len(self._slots))
        return slot

    def answered(self, slot: Slot) -> None:
        """An answer was sent: the next request head is awaited from now."""
        if slot not in self._slots:
            return
        slot.heard = False
        del self._slots[slot]
        self._slots[slot] = None
        self._arm(slot)

    def closed(self, slot: Slot) -> None:
        """The connection is gone (safe to call twice)."""
        if slot.timer is not None:
            slot.timer.cancel()
            slot.timer = None
        if slot in self._slots:
            del self._slots[slot]
            self.metrics.open.labels(self.server).set(len(self._slots))

    def refused(self, kind: str) -> None:
        """A request refused below the web framework (malformed, head too large, body too slow): logged per burst."""
        self.burst.note(kind)

    def close(self) -> None:
        """The server stops: no more timers."""
        for slot in list(self._slots):
            self.closed(slot)
        self.burst.close()

    def _make_room(self) -> bool:
        for slot in self._slots:
            if not slot.conn.busy:
                self._close(slot, "shed")
                return True
        return False

    def _arm(self, slot: Slot) -> None:
        if slot.timer is not None:
            slot.timer.cancel()
        slot.timer = asyncio.get_running_loop().call_later(self.limits.header_timeout_s, self._expire, slot)

    def _expire(self, slot: Slot) -> None:
        slot.timer = None
        # A busy connection is re-armed by its answer; a request's body has its own timeout.
        if slot in self._slots and not slot.conn.busy:
            self._close(slot, "slow_head" if slot.heard else "idle")

    def _close(self, slot: Slot, reason: CloseReason) -> None:
        self.closed(slot)
        self._count(reason)
        slot.conn.abort()

    def _count(self, reason: CloseReason) -> None:
        self.metrics.closed.labels(self.server, reason).inc()
        if reason != "idle":  # an unused keep-alive connection closing is no trouble
            self.burst.note(reason)


_SURROGATES = re.compile("[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` as text that can be encoded again: aiohttp keeps header bytes that are not UTF-8 as lone
    surrogates, which fail wherever the text is encoded (a Kafka header, a comparison); they become U+FFFD."""
    return _SURROGATES.sub("\ufffd", value)


def error_body(code: str, message: str) -> dict[str, str]:
    """The JSON body of every refusal of both servers."""
    return {"error": message, "code": code}


def raw_answer(status: int, code: str, message: str) -> bytes:
    """A whole HTTP/1.1 answer with a JSON error body that ends the connection: for refusals made below the web
    framework (a connection over the limit)."""
    body = json.dumps(error_body(code, message), separators=(",", ":")).encode("utf-8")
    head = (
        f"HTTP/1.1 {status} {HTTPStatus(status).phrase}\r\n"
        "content-type: application/json\r\n"
        f"content-length: {len(body)}\r\n"
        "cache-control: no-store\r\n"
        "x-content-type-options: nosniff\r\n"
        "retry-after: 1\r\n"
        "connection: close\r\n\r\n"
    )
    return head.encode("ascii") + body
