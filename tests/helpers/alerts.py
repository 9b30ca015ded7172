"""Alerts for the alert store's tests: revisions as the router would send them, rows written as the alert-store
stage writes them, and the store's reads run from synchronous test code."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar

import psycopg

from hub.router.core import alert_record
from hub.schemas import CloudEvent
from hub.schemas.alert import Alert, HoldRequest
from hub.store.alerts import NewAction, NewRevision, store_actions, store_revisions

T = TypeVar("T")

#: 2026-11-20 20:50:00 UTC is 21:50:00 in Halle (CET).
T0 = datetime(2026, 11, 20, 20, 50, tzinfo=UTC)
MARKTPLATZ = "de:15002:5232"  # "Halle (Saale), Marktplatz"
FRANCKEPLATZ = "de:15002:5125"  # "Halle (Saale), Franckeplatz"


def alert(alert_id: str = "al-polizei-0001", revision: int = 1, **fields: Any) -> Alert:
    """Revision ``revision`` of a police alert of an incident at Marktplatz (``fields`` replace any), issued a
    minute after the one before it."""
    recipient = alert_id.split("-")[1]
    values: dict[str, Any] = {
        "alert_id": alert_id,
        "revision": revision,
        "incident_id": f"inc-{alert_id}",
        "recipient": recipient,
        "state": "new",
        "category": "CRIME",
        "priority": 1,
        "line": "2",
        "stop_dhid": MARKTPLATZ,
        "intercept_stop_dhid": FRANCKEPLATZ,
        "recommended_unit": "Saale 12/1" if recipient != "havag" else None,
        "unit_eta": T0 + timedelta(minutes=4),
        "vehicle_eta": T0 + timedelta(minutes=3),
        "issued_at": T0 + timedelta(minutes=revision - 1),
    }
    if recipient == "havag":
        values["hold_request"] = HoldRequest(action="hold_at_stop", stop_dhid=FRANCKEPLATZ, max_hold_s=90)
    values.update(fields)
    return Alert(**values)


def record(a: Alert) -> bytes:
    """The Kafka value the router sends for ``a``."""
    return alert_record(a).value


def revision_row(a: Alert, topic: str = "alerts.polizei", offset: int = 0) -> NewRevision:
    """``a`` as the stage stores it, read from ``topic`` (the name on the cluster) at ``offset``."""
    return NewRevision(a, CloudEvent.from_bytes(record(a)).id, topic, 0, offset)


def action_row(
    alert_id: str, offset: int, action: str = "acknowledge", revision: int | None = 1, note: str | None = None
) -> NewAction:
    """An action of the alert's domain, by ``mueller``, read from ``acks.<domain>`` at ``offset``."""
    domain = alert_id.split("-")[1]
    at = T0 + timedelta(minutes=5, seconds=offset)
    return NewAction(alert_id, domain, action, revision, "mueller", at, note, f"acks.{domain}", 0, offset)


def on_store(url: str, read: Callable[[psycopg.AsyncConnection[Any]], Awaitable[T]]) -> T:
    """``read(conn)`` run on a new connection to the store at ``url``."""

    async def run() -> T:
        async with await psycopg.AsyncConnection.connect(url, autocommit=True) as conn:
            return await read(conn)

    return asyncio.run(run())


def store(url: str, revisions: Sequence[NewRevision] = (), actions: Sequence[NewAction] = ()) -> None:
    """Write ``revisions`` and ``actions`` in one transaction, as the stage does."""

    async def write(conn: psycopg.AsyncConnection[Any]) -> None:
        async with conn.transaction():
            await store_revisions(conn, revisions)
            await store_actions(conn, actions)

    on_store(url, write)
