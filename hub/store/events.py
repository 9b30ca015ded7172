"""The ``events`` table: idempotent upsert by CloudEvents id, the latest position of a vehicle or unit (for the
console's map), and counts for the CLI and tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg

from hub.schemas import CloudEvent

#: One statement per batch: the rows as arrays, unnested (PostgreSQL parses, plans and executes it once, not once per
#: row; measured in bench/RESULTS.md, bench_pipeline). A row twice in one statement would be updated twice, which
#: ON CONFLICT DO UPDATE refuses, so ``upsert_events`` passes each id once per statement. The arrays go in binary
#: (``%b``): psycopg dumps a text array of 1,000 envelopes in text format at about 45 us per element (quoting and
#: escaping in Python), in binary at about 2.
_UPSERT = """
INSERT INTO events (id, kind, type, source, source_record_id, subject, time, envelope,
                    kafka_topic, kafka_partition, kafka_offset)
SELECT id, kind, type, source, source_record_id, subject, time, envelope::jsonb, kafka_topic, kafka_partition,
       kafka_offset
FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::timestamptz[], %b::text[],
            %b::text[], %b::integer[], %b::bigint[])
     AS t(id, kind, type, source, source_record_id, subject, time, envelope, kafka_topic, kafka_partition,
          kafka_offset)
ON CONFLICT (id) DO UPDATE SET
    kind = EXCLUDED.kind, type = EXCLUDED.type, source = EXCLUDED.source,
    source_record_id = EXCLUDED.source_record_id, subject = EXCLUDED.subject, time = EXCLUDED.time,
    envelope = EXCLUDED.envelope, kafka_topic = EXCLUDED.kafka_topic,
    kafka_partition = EXCLUDED.kafka_partition, kafka_offset = EXCLUDED.kafka_offset, updated_at = now()
WHERE events.envelope IS DISTINCT FROM EXCLUDED.envelope
"""


@dataclass(frozen=True)
class StoredEvent:
    """A canonical event with the Kafka position it was read from."""

    event: CloudEvent
    topic: str
    partition: int
    offset: int

    def params(self) -> tuple[object, ...]:
        """The row's columns; the envelope as JSON text (pydantic's serializer, cast to jsonb by the statement)."""
        e = self.event
        return (
            e.id,
            e.hubkind,
            e.type,
            e.source,
            e.hubsourceid,
            e.subject,
            e.time,
            e.model_dump_json(),
            self.topic,
            self.partition,
            self.offset,
        )


def _rounds(rows: list[StoredEvent]) -> list[list[tuple[object, ...]]]:
    """The rows' parameters in rounds with each event id at most once per round, in the order read: the first
    occurrence of every id, then the second ... Written one round after the other, they leave what one statement
    per row would (a later version of an event updates it, the same version again changes nothing), and a row the
    database refuses still fails its batch, so it is found and dead-lettered row by row."""
    rounds: list[list[tuple[object, ...]]] = []
    seen: dict[str, int] = {}
    for row in rows:
        n = seen.get(row.event.id, 0)
        seen[row.event.id] = n + 1
        if n == len(rounds):
            rounds.append([])
        rounds[n].append(row.params())
    return rounds


async def upsert_events(conn: psycopg.AsyncConnection[object], rows: list[StoredEvent]) -> None:
    """Insert or update ``rows`` in one transaction, one statement per round of distinct ids (``_rounds``: one,
    unless an event came twice); the same event twice leaves one unchanged row."""
    async with conn.transaction(), conn.cursor() as cur:
        for params in _rounds(rows):
            await cur.execute(_UPSERT, [list(column) for column in zip(*params, strict=True)])


def count_events(conninfo: str, kind: str | None = None) -> int:
    """Rows in ``events`` (of one kind, if given)."""
    with psycopg.connect(conninfo) as conn:
        if kind is None:
            row = conn.execute("SELECT count(*) FROM events").fetchone()
        else:
            row = conn.execute("SELECT count(*) FROM events WHERE kind = %s", (kind,)).fetchone()
    return int(row[0]) if row else 0


#: A latest position: (vehicle or unit id, lat, lon, time of the report).
Position = tuple[str, float, float, datetime]

_VEHICLE = """
SELECT envelope -> 'data' ->> 'vehicle', (envelope #>> '{data,lat}')::float8, (envelope #>> '{data,lon}')::float8,
       time
FROM events WHERE kind = 'vehicle-position' AND subject = %s ORDER BY time DESC LIMIT 1"""
_UNIT = """
SELECT envelope -> 'data' ->> 'unit', (envelope #>> '{data,position,lat}')::float8,
       (envelope #>> '{data,position,lon}')::float8, time
FROM events WHERE kind = 'unit-status' AND subject = %s AND envelope #> '{data,position}' IS NOT NULL
  AND jsonb_typeof(envelope #> '{data,position}') = 'object'
ORDER BY time DESC LIMIT 1"""


async def latest_vehicle_position(conn: psycopg.AsyncConnection[Any], vehicle: str) -> Position | None:
    """The newest stored ``vehicle-position`` of ``vehicle``, or None."""
    return await _position(conn, _VEHICLE, vehicle)


async def latest_unit_position(conn: psycopg.AsyncConnection[Any], agency: str, unit: str) -> Position | None:
    """The newest stored ``unit-status`` with a position of ``unit`` of ``agency`` (the sink's subject is
    ``<agency>:<unit>``, so a unit of another agency is never found), or None."""
    return await _position(conn, _UNIT, f"{agency}:{unit}")


async def _position(conn: psycopg.AsyncConnection[Any], query: str, subject: str) -> Position | None:
    async with conn.cursor() as cur:
        await cur.execute(query, (subject,))
        row = await cur.fetchone()
    if row is None or None in row:
        return None
    ident, lat, lon, at = row
    return str(ident), float(lat), float(lon), at
