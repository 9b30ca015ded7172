"""Reading what a test's workers and connectors wrote to the broker: records and events of a declared topic under
the test's prefix, dead letters, several topics at once until they are idle, how far a consumer group has
committed; and writing lines for the replay connector."""

from __future__ import annotations

import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from kafka import KafkaConsumer, TopicPartition

from hub.config import Settings
from hub.kafka_admin import admin_client
from hub.kafka_read import Record, read_topic
from hub.schemas import CloudEvent
from hub.topology import dlq_topic, qualified
from tests.helpers.waiting import wait_until


def topic_records(settings: Settings, declared: str, idle_s: float = 1.0) -> list[Record]:
    """Every record now on the declared topic (the settings' prefix is added), read until idle for ``idle_s``."""
    return read_topic(settings.bootstrap(), qualified(settings.topic_prefix, declared), idle_s=idle_s)


def events(settings: Settings, declared: str, idle_s: float = 0.5) -> list[CloudEvent]:
    """Every event now on the declared topic (the settings' prefix is added)."""
    return [CloudEvent.from_bytes(r.value) for r in topic_records(settings, declared, idle_s)]


def dead_letters(settings: Settings, stage: str, idle_s: float = 1.0) -> list[Record]:
    """Every record now on ``stage``'s dead-letter topic (``hub.deadletter.parse_headers`` reads their headers)."""
    return topic_records(settings, dlq_topic(stage), idle_s)


def read_all(bootstrap: str, topics: list[str], idle_s: float = 1.5) -> dict[str, list[Any]]:
    """Every record now in ``topics`` (names on the cluster) as kafka-python messages, read with one consumer until
    nothing arrives for ``idle_s``."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None, fetch_max_wait_ms=50)
    try:
        parts = [TopicPartition(t, p) for t in topics for p in sorted(consumer.partitions_for_topic(t) or ())]
        consumer.assign(parts)
        consumer.seek_to_beginning(*parts)
        found: dict[str, list[Any]] = {t: [] for t in topics}
        last = time.monotonic()
        while time.monotonic() - last < idle_s:
            for batch in consumer.poll(timeout_ms=100).values():
                last = time.monotonic()
                for m in batch:
                    found[m.topic].append(m)
        return found
    finally:
        consumer.close()


def end_offsets(bootstrap: str, topics: list[str]) -> dict[tuple[str, int], int]:
    """One past the last record of every partition of ``topics`` that has records, by (topic, partition); read,
    since the embedded broker's ListOffsets answer is wrong for batched partitions (``hub.kafka_read``)."""
    ends: dict[tuple[str, int], int] = {}
    for messages in read_all(bootstrap, topics).values():
        for m in messages:
            ends[(m.topic, m.partition)] = max(ends.get((m.topic, m.partition), 0), m.offset + 1)
    return ends


def committed_offsets(bootstrap: str, group: str) -> dict[tuple[str, int], int]:
    """The offsets consumer group ``group`` has committed, by (topic, partition)."""
    with admin_client(bootstrap) as client:
        if hasattr(client, "list_group_offsets"):  # kafka-python 3
            offsets = client.list_group_offsets(group)[group]
        else:  # kafka-python 2
            offsets = client.list_consumer_group_offsets(group)
    return {(tp.topic, tp.partition): meta.offset for tp, meta in offsets.items()}


def wait_committed(settings: Settings, stage: str, declared: Iterable[str], timeout_s: float = 30.0) -> None:
    """Wait until ``stage``'s consumer group (``<prefix>hub-<stage>``, as ``hub.workers.app`` names it) has committed
    every record now on the declared topics: a worker started next does not read them again."""
    ends = end_offsets(settings.bootstrap(), [qualified(settings.topic_prefix, t) for t in declared])
    group = f"{settings.topic_prefix}hub-{stage}"

    def behind() -> dict[tuple[str, int], int]:
        committed = committed_offsets(settings.bootstrap(), group)
        return {tp: end for tp, end in ends.items() if committed.get(tp, -1) < end}

    wait_until(lambda: not behind(), timeout_s, f"{group} did not commit up to the ends {ends}", interval_s=0.2)


def write_lines(path: Path, lines: list[bytes]) -> Path:
    """``lines`` written to ``path``, each ended by a newline (a file for the replay connector); returns ``path``."""
    path.write_bytes(b"".join(line + b"\n" for line in lines))
    return path
