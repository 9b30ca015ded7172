"""Offsets that cannot run past the data (issue 11): a stage whose committed offsets lie beyond the ends of its
partitions, as after an empty broker restart, reads every record there now instead of skipping them without a
word, logs the error per partition and counts it."""

from __future__ import annotations

import json

import pytest
from kafka import KafkaConsumer, TopicPartition
from kafka.structs import OffsetAndMetadata

from hub.config import Settings
from hub.kafka_produce import make_producer
from hub.samples import good_record
from hub.topology import qualified, raw_topic, spec
from tests.helpers.kafka import committed_offsets, end_offsets, wait_committed
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration

RAW = raw_topic("replay", "ndjson")
NEW = 20
STALE = 1000


def _commit(settings: Settings, group: str, offsets: dict[TopicPartition, int]) -> None:
    """Commit ``offsets`` for consumer group ``group`` from outside the group (as the group's last member did)."""
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap(), group_id=group, enable_auto_commit=False)
    try:
        consumer.commit({tp: OffsetAndMetadata(offset, "", -1) for tp, offset in offsets.items()})
    finally:
        consumer.close()


def test_committed_offsets_beyond_the_ends_are_reset_and_every_new_record_is_read(
    settings: Settings, start_workers: WorkerFactory
) -> None:
    """The normalise group has committed offset 1,000 on each raw partition, which hold 20 new records: the worker
    starts each partition over at its first record and normalises all 20; for each partition it logs the error with
    topic, partition, committed offset, start and end, and counts hub_stage_offset_resets_total{reason="beyond_end"};
    the group's committed offsets end at the partitions' ends, not at 1,000."""
    start_workers.topics.all()
    name = qualified(settings.topic_prefix, RAW)
    producer = make_producer(settings.bootstrap(), "test-offsets")
    try:
        for i in range(NEW):
            record = good_record(i)
            producer.send(name, json.dumps(record).encode(), key=record["id"].encode())
        producer.flush()
    finally:
        producer.close()
    group = f"{settings.topic_prefix}hub-normalise"
    partitions = [TopicPartition(name, p) for p in range(spec(RAW).partitions)]
    _commit(settings, group, dict.fromkeys(partitions, STALE))
    ends = end_offsets(settings.bootstrap(), [name])
    assert sum(ends.values()) == NEW
    assert all(end < STALE for end in ends.values())

    workers = start_workers("normalise")
    workers.wait_for_count("normalise", "hub_events_out_total", NEW, stage="normalise")

    proc = workers["normalise"]
    assert proc.counter("hub_stage_offset_resets_total", stage="normalise", topic=RAW, reason="beyond_end") == len(
        partitions
    )
    logged = [json.loads(line) for line in proc.log_path.read_text().splitlines() if line.startswith("{")]
    resets = {
        entry["partition"]: entry
        for entry in logged
        if entry.get("level") == "error" and entry["event"].startswith("committed offset outside the partition's")
    }
    assert sorted(resets) == [tp.partition for tp in partitions]
    for partition, entry in resets.items():
        assert (entry["topic"], entry["committed"], entry["start"], entry["reason"]) == (name, STALE, 0, "beyond_end")
        assert entry["end"] == ends.get((name, partition), 0)
    wait_committed(settings, "normalise", [RAW])
    committed = committed_offsets(settings.bootstrap(), group)
    assert {tp: committed[tp] for tp in ends} == ends
