"""The alert-store worker: ``alerts.<domain>`` and ``acks.<domain>`` of every alert domain -> the alert store
(``hub.store.alerts``: revisions, the latest of each alert, actions), idempotently, with a notification per stored
row for the console. Unreadable records go to ``dlq.alert-store``; while the database is unreachable the batch is
held and retried; a row the database refuses goes to ``dlq.alert-store`` and the rest of the batch is stored."""

from __future__ import annotations

from functools import partial

import psycopg
from psycopg_pool import AsyncConnectionPool

from hub.config import Settings
from hub.errors import InvalidEventError
from hub.messages import Message, OutRecord
from hub.metrics import StageMetrics
from hub.retry import retry
from hub.router.core import parse_ack
from hub.schemas import CloudEvent, unwrap
from hub.schemas.alert import Alert
from hub.store.alerts import NewAction, NewRevision, store_actions, store_revisions
from hub.topology import ALERT_DOMAINS, acks_topic, spec
from hub.workers.shell import EventStream, StageShell

__all__ = ["STAGE", "alert_store_stage", "read_action", "read_revision"]

STAGE = "alert-store"
_INPUTS = tuple(spec(f"alerts.{domain}").name for domain in ALERT_DOMAINS) + tuple(
    acks_topic(domain) for domain in ALERT_DOMAINS
)

Row = NewRevision | NewAction


def read_revision(declared: str, message: Message) -> NewRevision:
    """The revision of one ``alerts.<domain>`` message (``declared``: its topic without prefix);
    ``InvalidEventError`` when it is not a canonical Alert CloudEvent of that domain."""
    domain = declared.removeprefix("alerts.")
    try:
        event = CloudEvent.from_bytes(message.value or b"")
    except Exception as exc:
        raise InvalidEventError(f"not a canonical CloudEvent: {exc}", "undecodable") from exc
    alert = unwrap(event)
    if not isinstance(alert, Alert):
        raise InvalidEventError(f"{declared} carries alerts, not {type(alert).__name__}", "unsupported")
    # The store shows a recipient only its own rows: an alert must be its topic's, or it would be shown to another.
    if alert.recipient != domain or not alert.alert_id.startswith(f"al-{domain}-"):
        raise InvalidEventError(
            f"{declared} carries alerts of {domain} only, not {alert.alert_id!r} for {alert.recipient}", "unsupported"
        )
    return NewRevision(alert, event.id, message.topic, message.partition, message.offset)


def read_action(declared: str, message: Message) -> NewAction:
    """The action of one ``acks.<domain>`` message, read as the router reads it (``parse_ack``)."""
    ack = parse_ack(declared, message.value or b"")
    return NewAction(
        ack.alert_id,
        declared.removeprefix("acks."),
        ack.action,
        ack.revision,
        ack.by,
        ack.at,
        ack.note,
        message.topic,
        message.partition,
        message.offset,
    )


class _Writer:
    """Writes batches of rows to the store: all in one transaction (their notifications go out together, at commit),
    waiting while the database is unreachable; row by row when the database refuses the batch, to find the row."""

    def __init__(self, shell: StageShell, conninfo: str) -> None:
        self.shell = shell
        self.pool = AsyncConnectionPool(conninfo, min_size=1, max_size=2, open=False)

    async def write(self, rows: list[Row]) -> None:
        async with self.pool.connection() as conn, conn.transaction():
            await store_revisions(conn, [r for r in rows if isinstance(r, NewRevision)])
            await store_actions(conn, [r for r in rows if isinstance(r, NewAction)])

    async def patiently(self, rows: list[Row]) -> None:
        """``write``, retried while the database is unreachable (the batch is held, nothing is lost)."""
        await retry(partial(self.write, rows), retry_on=psycopg.OperationalError, on_retry=self._unavailable)

    def _unavailable(self, exc: BaseException, delay: float) -> None:
        self.shell.log.warning("database unavailable, retrying", error=str(exc), retry_in_s=round(delay, 3))

    async def store(self, batch: list[tuple[Message, Row]]) -> list[OutRecord]:
        """Store the batch; the dead letters of the rows the database refuses."""
        try:
            await self.patiently([row for _, row in batch])
            return []
        except psycopg.Error:
            pass
        dead: list[OutRecord] = []
        for message, row in batch:
            try:
                await self.patiently([row])
            except psycopg.Error as exc:
                dead.append(self.shell.dead("store_rejected", f"{type(exc).__name__}: {exc}", message))
        return dead


def alert_store_stage(settings: Settings, metrics: StageMetrics) -> StageShell:
    """alerts.<domain>, acks.<domain> -> PostgreSQL (alert_revisions, alerts, alert_actions); bad records and
    refused rows -> dlq.alert-store."""
    shell = StageShell(settings, STAGE, metrics)
    writer = _Writer(shell, settings.database_conninfo())

    def read(message: Message) -> Row:
        declared = shell.declared(message.topic)
        if declared.startswith("acks."):
            return read_action(declared, message)
        return read_revision(declared, message)

    @shell.agent(_INPUTS, name=STAGE)
    async def alert_store(stream: EventStream) -> None:
        await writer.pool.open(wait=False)
        try:
            async for messages in shell.batches(stream):
                handled = shell.handle(messages, read)
                rejected = await writer.store(handled.results) if handled.results else []
                await shell.send_all(handled.dead + rejected, produced=len(handled.results) - len(rejected))
        finally:
            await writer.pool.close()

    return shell
