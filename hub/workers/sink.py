"""The PostgreSQL sink worker: ``canon.*`` -> table ``events``, upserted by event id (idempotent, so redelivered
batches change nothing). While the database is unreachable it retries and holds the batch; a row the database
refuses goes to ``dlq.sink`` and the rest of the batch is stored."""

from __future__ import annotations

from functools import partial

import psycopg
from psycopg_pool import AsyncConnectionPool

from hub.config import Settings
from hub.errors import InvalidEventError
from hub.messages import Message, OutRecord
from hub.metrics import StageMetrics
from hub.retry import retry
from hub.schemas import CloudEvent
from hub.store.events import StoredEvent, upsert_events
from hub.topology import CANONICAL_KINDS, canon_topic
from hub.workers.shell import EventStream, StageShell


def stored(message: Message) -> StoredEvent:
    """The row of one ``canon.*`` message; ``InvalidEventError`` when it is not a canonical CloudEvent."""
    try:
        event = CloudEvent.from_bytes(message.value or b"")
    except Exception as exc:
        raise InvalidEventError(f"not a canonical CloudEvent: {exc}", "undecodable") from exc
    return StoredEvent(event, message.topic, message.partition, message.offset)


def sink_stage(settings: Settings, metrics: StageMetrics) -> StageShell:
    """canon.* -> PostgreSQL ``events`` (upsert by id); undecodable or refused rows -> dlq.sink."""
    shell = StageShell(settings, "sink", metrics)
    pool = AsyncConnectionPool(settings.database_conninfo(), min_size=1, max_size=2, open=False)

    async def upsert(rows: list[StoredEvent]) -> None:
        async with pool.connection() as conn:
            await upsert_events(conn, rows)

    def unavailable(exc: BaseException, delay: float) -> None:
        shell.log.warning("database unavailable, retrying", error=str(exc), retry_in_s=round(delay, 3))

    async def store(batch: list[tuple[Message, StoredEvent]]) -> list[OutRecord]:
        """Upsert the batch, retrying while the database is unreachable; the dead letters of rows it refuses."""
        try:
            await retry(
                lambda: upsert([row for _, row in batch]), retry_on=psycopg.OperationalError, on_retry=unavailable
            )
            return []
        except psycopg.Error:
            pass
        # One row spoiled the batch transaction: store row by row to find it.
        dead: list[OutRecord] = []
        for message, row in batch:
            try:
                await retry(partial(upsert, [row]), retry_on=psycopg.OperationalError, on_retry=unavailable)
            except psycopg.Error as exc:
                dead.append(shell.dead("store_rejected", f"{type(exc).__name__}: {exc}", message))
        return dead

    @shell.agent([canon_topic(k) for k in CANONICAL_KINDS], name="sink")
    async def sink(stream: EventStream) -> None:
        await pool.open(wait=False)
        try:
            async for messages in shell.batches(stream):
                handled = shell.handle(messages, stored)
                rejected = await store(handled.results) if handled.results else []
                await shell.send_all(handled.dead + rejected, produced=len(handled.results) - len(rejected))
        finally:
            await pool.close()

    return shell
