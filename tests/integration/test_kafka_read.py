"""End offsets on the real broker: ``true_end_offsets`` finds the end of every partition, whatever the broker's
ListOffsets says (Tansu answers the last batch's base offset plus one), so faust's table recovery reads it all."""

from __future__ import annotations

import pytest
from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from hub.config import Settings
from hub.kafka_read import read_topic, true_end_offsets
from hub.topology import spec
from tests.helpers.stack import Topics

pytestmark = pytest.mark.integration


def test_true_end_offsets_count_every_record_of_a_batched_partition(settings: Settings, topics: Topics) -> None:
    """Records produced in batches: the true end of each partition is the number of records in it, and an empty
    partition stays at 0."""
    declared = "canon.vehicle-position"
    [topic] = topics(declared)
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap(), linger_ms=200, batch_size=1 << 20)
    for i in range(250):
        producer.send(topic, key=f"v{i % 7}".encode(), value=b"x" * 50)  # 7 keys: some partitions stay empty
    producer.flush()
    producer.close()
    counts: dict[int, int] = {}
    for record in read_topic(settings.bootstrap(), topic, idle_s=0.5):
        counts[record.partition] = counts.get(record.partition, 0) + 1
    assert sum(counts.values()) == 250

    tps = [TopicPartition(topic, p) for p in range(spec(declared).partitions)]
    consumer = KafkaConsumer(bootstrap_servers=settings.bootstrap())
    try:
        reported = consumer.end_offsets(tps)
    finally:
        consumer.close()
    ends = true_end_offsets(settings.bootstrap(), reported)
    assert {tp.partition: end for tp, end in ends.items()} == {p: counts.get(p, 0) for p in range(len(tps))}
    assert all(ends[tp] >= reported[tp] for tp in tps), "never below what the broker reported"
