"""The ``events`` table: idempotent upsert by CloudEvents id, and counts for the CLI and tests."""

from __future__ import annotations

from dataclasses import dataclass

import psycopg
from psycopg.types.json import Jsonb

from hub.schemas import CloudEvent

_UPSERT = """
INSERT INTO events (id, kind, type, source, source_record_id, subject, time, envelope,
                    kafka_topic, kafka_partition, kafka_offset)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
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
        e = self.event
        return (
            e.id,
            e.hubkind,
            e.type,
            e.source,
            e.hubsourceid,
            e.subject,
            e.time,
            Jsonb(e.model_dump(mode="json")),
            self.topic,
            self.partition,
            self.offset,
        )


async def upsert_events(conn: psycopg.AsyncConnection[object], rows: list[StoredEvent]) -> None:
    """Insert or update ``rows`` in one transaction; the same event twice leaves one unchanged row."""
    async with conn.transaction(), conn.cursor() as cur:
        await cur.executemany(_UPSERT, [row.params() for row in rows])


def count_events(conninfo: str, kind: str | None = None) -> int:
    """Rows in ``events`` (of one kind, if given)."""
    with psycopg.connect(conninfo) as conn:
        if kind is None:
            row = conn.execute("SELECT count(*) FROM events").fetchone()
        else:
            row = conn.execute("SELECT count(*) FROM events WHERE kind = %s", (kind,)).fetchone()
    return int(row[0]) if row else 0
