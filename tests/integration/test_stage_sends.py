"""The batch shell's sends on the embedded broker (issue 13): the records a stage sends in produce batches per
partition land on the partitions aiokafka's producer gives their keys when it sends them one by one, each
partition's records in the order they were sent, a record larger than a produce batch among them."""

from __future__ import annotations

import asyncio

import pytest
from aiokafka import AIOKafkaProducer
from prometheus_client import CollectorRegistry

from hub.config import Settings
from hub.messages import OutRecord
from hub.metrics import StageMetrics
from hub.workers.app import PRODUCER_MAX_BATCH_BYTES
from hub.workers.batch import BatchShell, make_stage_producer
from tests.helpers.kafka import read_all
from tests.helpers.stack import Topics

pytestmark = pytest.mark.integration

SENT = "canon.vehicle-position"  # 6 partitions
REFERENCE = "canon.trip-update"  # 6 partitions too


def _records() -> list[OutRecord]:
    """2,000 positions of 150 vehicles, and one record larger than a produce batch in the middle."""
    records = [
        OutRecord(SENT, f"tram-{i % 150:03d}".encode(), f'{{"n": {i}, "pad": "{"x" * (i % 300)}"}}'.encode())
        for i in range(2000)
    ]
    records.insert(1000, OutRecord(SENT, b"tram-007", b'{"big": "' + b"y" * (PRODUCER_MAX_BATCH_BYTES + 1000) + b'"}'))
    return records


def test_sends_land_on_the_producers_partitions_in_order(settings: Settings, topics: Topics) -> None:
    sent_topic, reference_topic = topics(SENT, REFERENCE)
    records = _records()
    shell = BatchShell(settings, "normalise", StageMetrics.create(CollectorRegistry()), ["raw.replay.ndjson"])

    async def scenario() -> list[int]:
        shell.producer = make_stage_producer(settings, f"{settings.topic_prefix}test-sends")
        # aiokafka's producer as it comes, sending one record at a time: where its own partitioner puts each key.
        reference = AIOKafkaProducer(bootstrap_servers=settings.bootstrap())
        await shell.producer.start()
        await reference.start()
        try:
            await shell.send_all(records, produced=len(records))
            answers = [await reference.send(reference_topic, r.value, key=r.key) for r in records]
            return [(await answer).partition for answer in answers]
        finally:
            await reference.stop()
            await shell.producer.stop()

    partitions = asyncio.run(scenario())
    landed = read_all(settings.bootstrap(), [sent_topic])[sent_topic]
    assert len(landed) == len(records)
    where = {m.value: m.partition for m in landed}
    assert [where[r.value] for r in records] == partitions
    assert len(set(partitions)) == 6
    for partition in range(6):
        in_order = [m.value for m in sorted(landed, key=lambda m: m.offset) if m.partition == partition]
        assert in_order == [r.value for r, p in zip(records, partitions, strict=True) if p == partition]
    assert shell.metrics.events_out.labels("normalise")._value.get() == len(records)
