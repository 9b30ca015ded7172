"""Read a topic from its beginning to its current end (CLI inspection, demo summary, tests), and find true end
offsets where the embedded broker reports them wrong."""

from __future__ import annotations

import time
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import TypeVar

from kafka import KafkaConsumer, TopicPartition
from kafka.errors import KafkaError

from hub.errors import BrokerError
from hub.kafka_security import KafkaSecurity, auth_failure_text, installed, verify_connection

_TP = TypeVar("_TP", bound=Hashable)


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


def _consumer(
    bootstrap: str, request_timeout_s: float | None = None, security: KafkaSecurity | None = None
) -> KafkaConsumer:
    """A consumer outside any group, for reading partitions it assigns itself, connecting with ``security``
    (default: the process's, ``hub.kafka_security``)."""
    security = security or installed()
    verify_connection(bootstrap, security)
    timeouts = {}
    if request_timeout_s is not None:
        timeouts = {
            "request_timeout_ms": int(request_timeout_s * 1000) + 1000,
            "bootstrap_timeout_ms": int(request_timeout_s * 1000),
        }
    try:
        return KafkaConsumer(
            bootstrap_servers=bootstrap,
            enable_auto_commit=False,
            group_id=None,
            fetch_max_wait_ms=50,
            **timeouts,
            **security.kafka_python(),
        )
    except KafkaError as exc:
        problem = auth_failure_text(bootstrap, security, exc) or f"cannot reach Kafka at {bootstrap}: {exc}"
        raise BrokerError(problem) from exc


def open_topic(
    bootstrap: str,
    topic: str,
    start: Mapping[int, int] | None = None,
    request_timeout_s: float | None = None,
    *,
    security: KafkaSecurity | None = None,
) -> tuple[KafkaConsumer, dict[int, TopicPartition]]:
    """A consumer outside any group assigned to every partition of ``topic``, each at its offset in ``start`` or
    at its beginning, and the partitions by number. The caller closes the consumer. ``BrokerError`` when the
    broker cannot be reached or the topic does not exist."""
    consumer = _consumer(bootstrap, request_timeout_s, security)
    try:
        partitions = consumer.partitions_for_topic(topic)
        if not partitions:
            raise BrokerError(f"topic {topic} does not exist; run `hub topics apply`")
        tps = {p: TopicPartition(topic, p) for p in sorted(partitions)}
        consumer.assign(list(tps.values()))
        for p, tp in tps.items():
            if start is not None and p in start:
                consumer.seek(tp, start[p])
            else:
                consumer.seek_to_beginning(tp)
        return consumer, tps
    except BaseException as exc:
        consumer.close()
        if isinstance(exc, KafkaError):
            raise BrokerError(f"opening {topic} failed: {exc}") from exc
        raise


def read_topic(
    bootstrap: str,
    topic: str,
    limit: int | None = None,
    idle_s: float = 1.0,
    timeout_s: float = 60.0,
    *,
    security: KafkaSecurity | None = None,
) -> list[Record]:
    """Every record now in ``topic`` (up to ``limit``), in partition then offset order.

    Reads until no record has arrived for ``idle_s``: the embedded broker's ListOffsets answer for the latest
    offset is wrong when records were produced in batches, so end offsets cannot tell when the end is reached.
    """
    consumer, _ = open_topic(bootstrap, topic, security=security)
    try:
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


def true_end_offsets(
    bootstrap: str,
    reported: Mapping[_TP, int],
    idle_s: float = 0.3,
    timeout_s: float = 30.0,
    *,
    security: KafkaSecurity | None = None,
) -> dict[_TP, int]:
    """The end offset of each partition in ``reported`` (keys are ``(topic, partition)`` tuples such as kafka's or
    faust's ``TopicPartition``), given the end offsets the broker reported.

    The embedded broker (Tansu 0.6) answers ListOffsets(latest) with the base offset of the partition's last record
    batch plus one, so the records after the first of that batch seem not to exist. A fetch from the reported end
    minus one returns that whole batch; the true end is one past the last offset read (reading goes on until no
    record has arrived for ``idle_s``). On a correct broker the fetch returns the one last record and confirms the
    reported end. Partitions reported empty are left as reported.
    """
    result = dict(reported)
    todo = {key: end for key, end in reported.items() if end > 0}
    if not todo:
        return result
    consumer = _consumer(bootstrap, security=security)
    try:
        keys = {TopicPartition(*key): key for key in todo}  # type: ignore[misc]
        consumer.assign(list(keys))
        for tp, key in keys.items():
            consumer.seek(tp, todo[key] - 1)
        deadline = time.monotonic() + timeout_s
        last_arrival = time.monotonic()
        while time.monotonic() - last_arrival < idle_s and time.monotonic() < deadline:
            for tp, batch in consumer.poll(timeout_ms=100).items():
                if batch:
                    last_arrival = time.monotonic()
                    key = keys[tp]
                    result[key] = max(result[key], batch[-1].offset + 1)
        return result
    except KafkaError as exc:
        raise BrokerError(f"reading end offsets failed: {exc}") from exc
    finally:
        consumer.close()
