"""Server-Sent Events for the console (``GET /api/stream``): the ``Relay`` turns the store's notifications (one
LISTEN connection per process) into events, built once per agency and fanned out to that agency's clients only.
Each client has a bounded queue: one that does not keep up is disconnected (its browser reconnects with
``Last-Event-ID`` and catches up from the store), and never holds up the others.
"""

from __future__ import annotations

import asyncio
import json
from collections import deque
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog

from hub.console.metrics import ConsoleMetrics
from hub.console.places import Places
from hub.console.source import ActionNotice, AlertNotice, AlertSource, Notice, StoredAction, StoredAlert
from hub.console.users import AGENCIES
from hub.console.views import action_view, alert_view

__all__ = ["PING", "PING_INTERVAL_S", "Dropped", "Fanout", "Relay", "SseEvent", "Subscriber", "event_stream"]

log = structlog.get_logger(__name__)

PING = b": ping\n\n"
PING_INTERVAL_S = 15.0
#: Events waiting for one client before it counts as too slow and is disconnected.
QUEUE_LIMIT = 256
#: Revisions resent to a reconnecting client at most; with more it is told to reload the board instead.
CATCH_UP_LIMIT = 500
#: How long the browser waits before reconnecting (the ``retry`` field).
RETRY_MS = 3000


@dataclass(frozen=True, slots=True)
class SseEvent:
    """One event: its type (``alert``, ``action``, ``reload``), JSON data and id (when it was stored)."""

    event: str
    data: bytes
    id: str | None = None

    def encode(self) -> bytes:
        head = f"id: {self.id}\n" if self.id else ""
        return f"{head}event: {self.event}\n".encode() + b"data: " + self.data + b"\n\n"


def _json(value: dict[str, Any]) -> bytes:
    # One line: a newline would end the data field early; json.dumps escapes newlines inside strings.
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def alert_event(stored: StoredAlert, agency: str, places: Places) -> SseEvent:
    return SseEvent("alert", _json(alert_view(stored, agency, places)), stored.stored_at.isoformat())


def action_event(action: StoredAction, agency: str) -> SseEvent:
    return SseEvent("action", _json(action_view(action, agency)), action.stored_at.isoformat())


class Dropped(Exception):
    """The client fell too far behind, or the server is stopping: its stream ends."""


class Subscriber:
    """One connected client of one agency: the events waiting for it, at most ``limit``."""

    def __init__(self, agency: str, limit: int = QUEUE_LIMIT) -> None:
        self.agency = agency
        self.limit = limit
        self.dropped = False
        self._pending: deque[SseEvent] = deque()
        self._ready = asyncio.Event()

    def offer(self, event: SseEvent) -> bool:
        """Queue ``event``; False (and the client is dropped) when its queue is full."""
        if self.dropped:
            return False
        if len(self._pending) >= self.limit:
            self.drop()
            return False
        self._pending.append(event)
        self._ready.set()
        return True

    def drop(self) -> None:
        self.dropped = True
        self._pending.clear()
        self._ready.set()

    async def next(self, timeout_s: float) -> SseEvent | None:
        """The next event, or None when none came within ``timeout_s`` (time for a ping); ``Dropped`` when the
        client was dropped."""
        if not self._pending and not self.dropped:
            try:
                await asyncio.wait_for(self._ready.wait(), timeout_s)
            except TimeoutError:
                return None
        if self.dropped:
            raise Dropped
        event = self._pending.popleft()
        if not self._pending:
            self._ready.clear()
        return event


class Fanout:
    """The connected clients by agency; ``publish`` hands an event to one agency's clients only."""

    def __init__(self, metrics: ConsoleMetrics, limit: int = QUEUE_LIMIT) -> None:
        self.metrics = metrics
        self.limit = limit
        self._clients: dict[str, set[Subscriber]] = {agency: set() for agency in AGENCIES}

    def count(self, agency: str) -> int:
        return len(self._clients.get(agency, ()))

    def subscribe(self, agency: str) -> Subscriber:
        subscriber = Subscriber(agency, self.limit)
        self._clients[agency].add(subscriber)
        self.metrics.stream_clients.labels(agency).set(self.count(agency))
        return subscriber

    def unsubscribe(self, subscriber: Subscriber) -> None:
        self._clients[subscriber.agency].discard(subscriber)
        self.metrics.stream_clients.labels(subscriber.agency).set(self.count(subscriber.agency))

    def publish(self, agency: str, event: SseEvent) -> int:
        """Queue ``event`` for every client of ``agency``; a client whose queue is full is dropped. Returns how
        many clients got it. Never waits."""
        delivered = 0
        for subscriber in list(self._clients.get(agency, ())):
            if subscriber.offer(event):
                delivered += 1
            else:
                self.metrics.stream_dropped.labels(agency).inc()
                log.info("slow event stream client disconnected", agency=agency)
                self.unsubscribe(subscriber)
        return delivered

    def close(self) -> None:
        """End every stream (the server is stopping)."""
        for clients in self._clients.values():
            for subscriber in list(clients):
                subscriber.drop()
                self.unsubscribe(subscriber)


def _after(last_event_id: str | None) -> datetime | None:
    if not last_event_id:
        return None
    try:
        after = datetime.fromisoformat(last_event_id.strip())
    except ValueError:
        return None
    return after if after.tzinfo is not None else None


async def catch_up(source: AlertSource, places: Places, agency: str, last_event_id: str | None) -> list[SseEvent]:
    """The revisions a client reconnecting with ``Last-Event-ID`` missed; a ``reload`` event instead of the
    rest when there are more than ``CATCH_UP_LIMIT``."""
    after = _after(last_event_id)
    if after is None:
        return []
    missed = await source.since(agency, after, CATCH_UP_LIMIT + 1)
    events = [alert_event(stored, agency, places) for stored in missed[:CATCH_UP_LIMIT]]
    if len(missed) > CATCH_UP_LIMIT:
        events.append(SseEvent("reload", b"{}"))
    return events


async def event_stream(
    subscriber: Subscriber,
    fanout: Fanout,
    missed: list[SseEvent],
    alive: Callable[[], bool],
    ping_s: float = PING_INTERVAL_S,
) -> AsyncIterator[bytes]:
    """The bytes of one client's stream: the retry time, what it missed, then events and pings until it is
    dropped, its session ends (``alive``) or it goes away."""
    try:
        yield f"retry: {RETRY_MS}\n\n".encode()
        for event in missed:
            yield event.encode()
        while alive():
            try:
                waiting = await subscriber.next(ping_s)
            except Dropped:
                return
            yield PING if waiting is None else waiting.encode()
    finally:
        fanout.unsubscribe(subscriber)


class Relay:
    """Reads the store's notifications and publishes each as an event to the agency it concerns."""

    def __init__(self, source: AlertSource, places: Places, fanout: Fanout, retry_s: float = 2.0) -> None:
        self.source = source
        self.places = places
        self.fanout = fanout
        self.retry_s = retry_s

    async def run(self) -> None:
        """Relay until cancelled; a lost LISTEN connection is opened again after ``retry_s``."""
        while True:
            try:
                async for notice in self.source.notices():
                    await self.relay(notice)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # the stream must outlive a database restart
                log.warning("store notifications interrupted; listening again", error=str(exc))
            await asyncio.sleep(self.retry_s)

    async def relay(self, notice: Notice) -> int:
        """Publish what ``notice`` announces to its agency's clients; returns the events published."""
        agency = notice.recipient
        if agency not in AGENCIES or not self.fanout.count(agency):
            return 0  # nobody of that agency is watching (or it has no console): nothing to read
        if isinstance(notice, AlertNotice):
            events = await self._alert_events(notice)
        else:
            events = await self._action_events(notice)
        for event in events:
            self.fanout.publish(agency, event)
        return len(events)

    async def _alert_events(self, notice: AlertNotice) -> list[SseEvent]:
        stored = await self.source.revision(notice.recipient, notice.alert_id, notice.revision)
        return [] if stored is None else [alert_event(stored, notice.recipient, self.places)]

    async def _action_events(self, notice: ActionNotice) -> list[SseEvent]:
        actions = await self.source.actions(notice.recipient, notice.alert_id)
        return [action_event(a, notice.recipient) for a in actions if a.key == notice.key]
