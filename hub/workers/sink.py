"""The PostgreSQL sink worker: ``canon.*`` -> table ``events``, upserted by event id (idempotent, so redelivered
batches change nothing). While the database is unreachable it retries and holds the batch; a row the database
refuses goes to ``dlq.sink`` and the rest of the batch is stored."""

from __future__ import annotations

from hub.config import Settings
from hub.errors import InvalidEventError
from hub.messages import Message
from hub.metrics import StageMetrics
from hub.schemas import CloudEvent
from hub.store.events import StoredEvent, upsert_events
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


def sink_stage(settings: Settings, metrics: StageMetrics) -> BatchShell:
    """canon.* -> PostgreSQL ``events`` (upsert by id); undecodable or refused rows -> dlq.sink."""
    shell = BatchShell(settings, "sink", metrics, [canon_topic(k) for k in CANONICAL_KINDS])
    writer = BatchWriter(shell, settings.database_conninfo(), upsert_events)
    shell.uses(writer.opened)

    @shell.prepare
    async def sink(messages: list[Message]) -> Outgoing:
        dead, produced = await writer.store_rows(messages, stored)
        return Outgoing(dead, produced)

    return shell
