"""The ``planned_events`` table: the latest state of each planned event, replaced only by a higher version.

Every version of a planned event is a canonical event of its own (its source record id carries the version) and
stays in ``events``; the agencies plan with the last state, which is this table's row: ``(sequence, modified_at)``
decides, so versions arriving out of order, or again, leave the newest. The row holds no field the schema marks
sensitive (the organiser's contact person, the free text): those stay in ``events``, which is police-only
(docs/privacy.md), and this table is read by the console of every agency.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg.types.json import Jsonb

from hub.schemas import CloudEvent, PlannedEvent, sensitive_fields

_UPSERT = """
INSERT INTO planned_events (source, event_id, sequence, modified_at, status, title, starts_at, ends_at,
                            expected_attendance, nearest_stops, payload, cloudevent_id)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (source, event_id) DO UPDATE SET
    sequence = EXCLUDED.sequence, modified_at = EXCLUDED.modified_at, status = EXCLUDED.status,
    title = EXCLUDED.title, starts_at = EXCLUDED.starts_at, ends_at = EXCLUDED.ends_at,
    expected_attendance = EXCLUDED.expected_attendance, nearest_stops = EXCLUDED.nearest_stops,
    payload = EXCLUDED.payload, cloudevent_id = EXCLUDED.cloudevent_id, updated_at = now()
WHERE (EXCLUDED.sequence, COALESCE(EXCLUDED.modified_at, '-infinity'))
    > (planned_events.sequence, COALESCE(planned_events.modified_at, '-infinity'))
"""


def without_sensitive(data: Mapping[str, Any]) -> dict[str, Any]:
    """A planned event's payload with every field the schema marks sensitive set to None."""
    out = copy.deepcopy(dict(data))
    for path in sensitive_fields(PlannedEvent):
        *parents, leaf = path.split(".")
        node: Any = out
        for name in parents:
            node = node.get(name) if isinstance(node, dict) else None
        if isinstance(node, dict) and leaf in node:
            node[leaf] = None
    return out


def planned_row(event: CloudEvent, payload: PlannedEvent) -> tuple[object, ...]:
    """The ``planned_events`` row of one canonical planned event."""
    stops = payload.place.nearest_stops if payload.place is not None else []
    return (
        event.source,
        payload.event_id,
        payload.sequence,
        payload.modified_at,
        payload.status,
        payload.title,
        payload.starts_at,
        payload.ends_at,
        payload.expected_attendance,
        list(stops),
        Jsonb(without_sensitive(event.data)),
        event.id,
    )


async def upsert_planned_events(conn: psycopg.AsyncConnection[Any], rows: Sequence[tuple[object, ...]]) -> None:
    """Insert each row, or replace the stored one when the row's version is higher; one statement per row, in order
    (planned events are few, and two versions of one event may come in one batch)."""
    async with conn.cursor() as cur:
        for row in rows:
            await cur.execute(_UPSERT, row)


def planned_events(conninfo: str) -> list[dict[str, Any]]:
    """Every stored planned event (for the CLI and tests), by start."""
    with psycopg.connect(conninfo) as conn, conn.cursor(row_factory=psycopg.rows.dict_row) as cur:
        cur.execute("SELECT * FROM planned_events ORDER BY starts_at, source, event_id")
        return list(cur.fetchall())


def planned_between(conninfo: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The stored payloads (latest state, without the sensitive fields) of the events not cancelled that overlap
    [start, end), by start: what ``hub report`` plans with. An event without an end counts at its start."""
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute(
            "SELECT payload FROM planned_events WHERE status <> 'cancelled' AND starts_at < %s"
            " AND COALESCE(ends_at, starts_at) >= %s ORDER BY starts_at, source, event_id",
            (end, start),
        )
        return [row[0] for row in cur.fetchall()]
