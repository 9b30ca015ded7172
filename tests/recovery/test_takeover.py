"""Take-over (issue 11): a worker with a static group membership (HUB_CONSUMER_GROUP_INSTANCE_ID) killed and
restarted under the same id gets its partitions back and reads what arrived meanwhile. How long a take-over takes
is measured by bench/bench_takeover.py, not here."""

from __future__ import annotations

import json

import pytest

from hub.config import Settings
from hub.kafka_produce import make_producer
from hub.samples import good_record
from hub.topology import qualified, raw_topic
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration


def _produce(settings: Settings, first: int, count: int) -> None:
    producer = make_producer(settings.bootstrap(), "test-takeover")
    try:
        for i in range(first, first + count):
            record = good_record(i)
            name = qualified(settings.topic_prefix, raw_topic("replay", "ndjson"))
            producer.send(name, json.dumps(record).encode(), key=record["id"].encode())
        producer.flush()
    finally:
        producer.close()


def test_a_static_member_killed_and_restarted_under_its_id_reads_what_arrived_meanwhile(
    settings: Settings, start_workers: WorkerFactory
) -> None:
    """A normaliser with group instance id normalise-1 takes 10 records, is killed (SIGKILL), and 10 more arrive; a
    new worker with the same id joins (the embedded broker supports static membership), gets the partitions and
    normalises the 10 new ones."""
    first = start_workers("normalise", consumer_group_instance_id="normalise-1")
    _produce(settings, 0, 10)
    first.wait_for_count("normalise", "hub_events_out_total", 10, stage="normalise")
    first["normalise"].kill()
    _produce(settings, 10, 10)
    second = start_workers("normalise", consumer_group_instance_id="normalise-1")
    second.wait_for_count("normalise", "hub_events_out_total", 10, stage="normalise")
