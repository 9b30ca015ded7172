"""What ``hub aggregates publish`` sent of each week, in PostgreSQL: ``record_week`` loads a week's state, lets the
pure planner (``hub.privacy.aggregates.plan_week``) decide and stores the new messages and counted incidents in
the same transaction, under a lock per week, so two runs at once cannot both freeze a week.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from hub.errors import StoreError
from hub.privacy.aggregates import Aggregate, Counted, Plan, WeekState, aggregate_events, area_key
from hub.schemas import CloudEvent

__all__ = ["StoredMessage", "load_published", "load_week", "record_week"]

# Any constant: the first half of the advisory lock key of the aggregates (the second is the week's hash).
_LOCK_CLASS = 7_215_012


@dataclass(frozen=True)
class StoredMessage:
    """One message of a week as it was (or is to be) sent."""

    message_id: str
    key: bytes
    value: bytes


def record_week(
    conninfo: str, week: str, planner: Callable[[WeekState], Plan], at: datetime
) -> tuple[Plan, list[StoredMessage]]:
    """Load what was published of ``week``, plan what to publish now, store it; return the plan and every message
    of the week (old and new, in the order they were made) to be sent."""
    try:
        with psycopg.connect(conninfo) as conn, conn.transaction():
            conn.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))", (_LOCK_CLASS, week))
            plan = planner(_load(conn, week))
            _store(conn, week, plan, at)
            rows = conn.execute(
                "SELECT message_id, kafka_key, value FROM aggregate_messages WHERE week = %s"
                " ORDER BY revision, retraction, published_at, area",
                (week,),
            ).fetchall()
    except psycopg.Error as exc:
        raise StoreError(f"recording the aggregates of {week} failed: {exc}") from exc
    return plan, [StoredMessage(r[0], bytes(r[1]), bytes(r[2])) for r in rows]


def load_week(conninfo: str, week: str) -> WeekState:
    """What was published of ``week`` so far (for a dry run: nothing is locked or written)."""
    try:
        with psycopg.connect(conninfo) as conn:
            return _load(conn, week)
    except psycopg.Error as exc:
        raise StoreError(f"reading the aggregates of {week} failed: {exc}") from exc


def load_published(conninfo: str, weeks: Sequence[str]) -> list[Aggregate]:
    """Every message published of ``weeks`` (tables and retractions): what ``share.praevention.aggregates`` carried
    to the prevention domain, for the reports (``hub.reports``)."""
    try:
        with psycopg.connect(conninfo) as conn:
            values = conn.execute(
                "SELECT value FROM aggregate_messages WHERE week = ANY(%s)"
                " ORDER BY week, revision, retraction, published_at, area",
                (list(weeks),),
            ).fetchall()
    except psycopg.Error as exc:
        raise StoreError(f"reading the published aggregates failed: {exc}") from exc
    return [Aggregate.model_validate(CloudEvent.from_bytes(bytes(v[0])).data) for v in values]


def _load(conn: psycopg.Connection[Any], week: str) -> WeekState:
    values = conn.execute(
        "SELECT value FROM aggregate_messages WHERE week = %s ORDER BY revision, retraction, published_at, area",
        (week,),
    ).fetchall()
    published = tuple(Aggregate.model_validate(CloudEvent.from_bytes(bytes(v[0])).data) for v in values)
    counted = {
        incident: (revision, Counted(incident, category, cell, band))
        for incident, revision, category, cell, band in conn.execute(
            "SELECT incident_id, revision, category, cell, band FROM aggregate_counted WHERE week = %s", (week,)
        ).fetchall()
    }
    return WeekState(published, counted)


def _store(conn: psycopg.Connection[Any], week: str, plan: Plan, at: datetime) -> None:
    with conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO aggregate_messages (message_id, week, revision, area, retraction, kafka_key, value,"
            " published_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s) ON CONFLICT (message_id) DO NOTHING",
            [
                (event.id, week, agg.revision, area_key(agg), bool(agg.retracted), key, event.to_bytes(), at)
                for agg, (key, event) in zip(plan.messages, aggregate_events(plan.messages), strict=True)
            ],
        )
        cur.executemany(
            "INSERT INTO aggregate_counted (week, incident_id, revision, category, cell, band, counted_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s)",
            [
                (week, item.incident, revision, item.category, item.cell, item.band, at)
                for revision, item in plan.counted
            ],
        )
