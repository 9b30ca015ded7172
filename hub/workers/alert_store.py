"""The alert-store worker: ``alerts.<domain>`` and ``acks.<domain>`` of every alert domain -> the alert store
(``hub.store.alerts``: revisions, the latest of each alert, actions), idempotently, with a notification per stored
row for the console. Unreadable records go to ``dlq.alert-store``; while the database is unreachable the batch is
held and retried; a row the database refuses goes to ``dlq.alert-store`` and the rest of the batch is stored.

The stage exports the alert lifecycle (``hub.workers.alert_lifecycle``): what it stores now, and every
``UNACKNOWLEDGED_INTERVAL_S`` the open alerts no one acknowledged, read from the store."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import psycopg

from hub.config import Settings
from hub.errors import InvalidEventError
from hub.messages import Message
from hub.metrics import AlertMetrics, StageMetrics
from hub.router.core import parse_ack
from hub.schemas import CloudEvent, unwrap
from hub.schemas.alert import Alert
from hub.store.alerts import NewAction, NewRevision, open_unacknowledged, store_actions, store_revisions
from hub.topology import ALERT_DOMAINS, acks_topic, spec
from hub.workers.alert_lifecycle import AlertLifecycle
from hub.workers.database import BatchWriter
from hub.workers.shell import EventStream, StageShell

__all__ = ["STAGE", "UNACKNOWLEDGED_INTERVAL_S", "alert_store_stage", "read_action", "read_revision", "writing_rows"]

STAGE = "alert-store"
_INPUTS = tuple(spec(f"alerts.{domain}").name for domain in ALERT_DOMAINS) + tuple(
    acks_topic(domain) for domain in ALERT_DOMAINS
)

Row = NewRevision | NewAction

#: How often the stage counts the open unacknowledged alerts in the store.
UNACKNOWLEDGED_INTERVAL_S = 15.0


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
            f"{declared} carries alerts of {domain} only, not one for {alert.recipient} or with another alert id",
            "unsupported",
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


def writing_rows(
    lifecycle: AlertLifecycle | None = None,
) -> Callable[[psycopg.AsyncConnection[Any], list[Row]], Awaitable[None]]:
    """The stage's row writer: a batch's revisions and actions in one transaction (their notifications go out
    together, at commit), counted into ``lifecycle`` once committed."""

    async def write_rows(conn: psycopg.AsyncConnection[Any], rows: list[Row]) -> None:
        async with conn.transaction():
            revisions = await store_revisions(conn, [r for r in rows if isinstance(r, NewRevision)])
            actions = await store_actions(conn, [r for r in rows if isinstance(r, NewAction)])
        if lifecycle is not None:
            lifecycle.revisions(revisions)
            lifecycle.actions(actions)

    return write_rows


write_rows = writing_rows()


def alert_store_stage(settings: Settings, metrics: StageMetrics) -> StageShell:
    """alerts.<domain>, acks.<domain> -> PostgreSQL (alert_revisions, alerts, alert_actions); bad records and
    refused rows -> dlq.alert-store."""
    shell = StageShell(settings, STAGE, metrics)
    lifecycle = AlertLifecycle(AlertMetrics.create(metrics.registry, ALERT_DOMAINS), ALERT_DOMAINS)
    writer = BatchWriter(shell, settings.database_conninfo(), writing_rows(lifecycle))

    def read(message: Message) -> Row:
        declared = shell.declared(message.topic)
        if declared.startswith("acks."):
            return read_action(declared, message)
        return read_revision(declared, message)

    @shell.agent(_INPUTS, name=STAGE)
    async def alert_store(stream: EventStream) -> None:
        await writer.consume(stream, read)

    async def count_unacknowledged() -> None:
        try:
            async with writer.pool.connection() as conn:
                lifecycle.unacknowledged(await open_unacknowledged(conn))
        except Exception as exc:  # the pool not open yet, the database away: the next tick counts
            shell.log.debug("open alerts not counted", error=f"{type(exc).__name__}: {exc}")

    shell.app.timer(UNACKNOWLEDGED_INTERVAL_S, name=f"{STAGE}-unacknowledged")(count_unacknowledged)
    return shell
