"""The PostgreSQL sink worker: ``canon.*`` -> table ``events``, upserted by event id (idempotent, so redelivered
batches change nothing); planned events also -> ``planned_events``, the latest version of each
(``hub.store.planned``). While the database is unreachable it retries and holds the batch; a row the database
refuses goes to ``dlq.sink`` and the rest of the batch is stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import psycopg

from hub.config import Settings
from hub.errors import InvalidEventError
from hub.messages import Message
from hub.metrics import StageMetrics
from hub.schemas import CloudEvent, PlannedEvent, unwrap
from hub.store.events import StoredEvent, upsert_events
from hub.store.planned import planned_row, upsert_planned_events
from hub.topology import CANONICAL_KINDS, canon_topic
from hub.workers.batch import BatchShell, Outgoing
from hub.workers.database import BatchWriter


def stored(message: Message) -> StoredEvent:
    """The row of one ``canon.*`` message; ``InvalidEventError`` when it is not a canonical CloudEvent."""
    try:
        event = CloudEvent.from_bytes(message.value or b"")
    except Exception as exc:
        raise InvalidEventError(f"not a canonical CloudEvent: {exc}", "undecodable") from exc
    return StoredEvent(event, message.topic, message.partition, message.offset)


@dataclass(frozen=True)
class SinkRow:
    """What one message stores: its ``events`` row, and for a planned event its ``planned_events`` row."""

    event: StoredEvent
    planned: tuple[object, ...] | None = None


def sink_row(message: Message) -> SinkRow:
    """``stored``, and the ``planned_events`` row of a planned event (whose payload is validated for it:
    ``InvalidEventError`` when it is not a planned event)."""
    row = stored(message)
    if row.event.hubkind != "planned-event":
        return SinkRow(row)
    payload = unwrap(row.event)
    assert isinstance(payload, PlannedEvent)  # the planned-event kind's model
    return SinkRow(row, planned_row(row.event, payload))


async def write_rows(conn: psycopg.AsyncConnection[Any], rows: list[SinkRow]) -> None:
    """Both tables in one transaction: an event's version is in ``events`` exactly when ``planned_events`` has
    seen it. In pipeline mode: BEGIN, the savepoint of ``upsert_events``, the statements and COMMIT go in one round
    trip instead of one each."""
    async with conn.pipeline(), conn.transaction():
        await upsert_events(conn, [r.event for r in rows])
        await upsert_planned_events(conn, [r.planned for r in rows if r.planned is not None])


def sink_stage(settings: Settings, metrics: StageMetrics) -> BatchShell:
    """canon.* -> PostgreSQL ``events`` (upsert by id) and ``planned_events`` (latest version); undecodable or
    refused rows -> dlq.sink."""
    shell = BatchShell(settings, "sink", metrics, [canon_topic(k) for k in CANONICAL_KINDS])
    writer = BatchWriter(shell, settings.database_conninfo(), write_rows)
    shell.uses(writer.opened)

    @shell.prepare
    async def sink(messages: list[Message]) -> Outgoing:
        dead, produced = await writer.store_rows(messages, sink_row)
        return Outgoing(dead, produced)

    return shell
