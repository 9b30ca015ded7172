"""Read a topic from its beginning to its current end (CLI inspection, demo summary, tests)."""

from __future__ import annotations

import time
from dataclasses import dataclass

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from hub.errors import BrokerError


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


def read_topic(
    bootstrap: str, topic: str, limit: int | None = None, idle_s: float = 1.0, timeout_s: float = 60.0
) -> list[Record]:
    """Every record now in ``topic`` (up to ``limit``), in partition then offset order.

    Reads until no record has arrived for ``idle_s``: the embedded broker's ListOffsets answer for the latest
    offset is wrong when records were produced in batches, so end offsets cannot tell when the end is reached.
    """
    try:
        consumer = KafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, fetch_max_wait_ms=50
        )
    except KafkaError as exc:
        raise BrokerError(f"cannot reach Kafka at {bootstrap}: {exc}") from exc
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise BrokerError(f"topic {topic} does not exist; run `hub topics apply`")
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        records: list[Record] = []
        deadline = time.monotonic() + timeout_s
        last_arrival = time.monotonic()
        while time.monotonic() - last_arrival < idle_s and time.monotonic() < deadline:
            if limit is not None and len(records) >= limit:
                break
            for batch in consumer.poll(timeout_ms=100).values():
                last_arrival = time.monotonic()
                records += [
                    Record(m.topic, m.partition, m.offset, m.key, m.value, list(m.headers or [])) for m in batch
                ]
        records.sort(key=lambda r: (r.partition, r.offset))
        return records[:limit] if limit is not None else records
    except KafkaError as exc:
        raise BrokerError(f"reading {topic} failed: {exc}") from exc
    finally:
        consumer.close()
