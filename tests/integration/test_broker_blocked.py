"""A stage whose output topic is missing (deleted, as an empty broker restart loses it) neither has the broker
create it nor loses the batch (issue 11): it says once that it is blocked on the broker, counts the seconds, holds
the batch, and sends it once `hub topics apply` has created the topic again."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from hub.config import Settings
from hub.kafka_admin import absent_topics, admin_client, apply_topology
from hub.kafka_produce import make_producer
from hub.samples import good_record
from hub.topology import qualified, raw_topic
from tests.helpers.kafka import events
from tests.helpers.waiting import wait_until
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration

#: The worker's HUB_KAFKA_METADATA_MAX_AGE_S in this test (30 s by default).
REFRESH_S = 1.0


def _logged(path: Path, event: str) -> bool:
    """Whether the worker log at ``path`` has a line with ``event``."""
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]
    return any(line.get("event") == event for line in lines)


def test_a_stage_holds_its_batch_while_its_output_topic_is_missing_and_sends_it_once_the_topic_exists(
    settings: Settings, start_workers: WorkerFactory
) -> None:
    """canon.incident is deleted under a running normaliser, then an incident arrives: the worker logs "stage
    blocked on the broker" and counts blocked seconds while the topic stays absent (nothing asks the broker to
    create it); once the declared topics are applied again the held event reaches canon.incident, and the worker
    says it goes on."""
    workers = start_workers("normalise", kafka_metadata_max_age_s=REFRESH_S)
    canon = qualified(settings.topic_prefix, "canon.incident")
    with admin_client(settings.bootstrap()) as admin:
        admin.delete_topics([canon])
    start_workers.topics.created.discard(canon)
    # The embedded broker acknowledges records for a topic it no longer has and keeps none; the worker's producer
    # notices the deletion at its next refresh of the cluster's metadata: give it two.
    time.sleep(2 * REFRESH_S)
    record = good_record(0)
    assert record["kind"] == "incident"
    producer = make_producer(settings.bootstrap(), "test-blocked")
    try:
        producer.send(qualified(settings.topic_prefix, raw_topic("replay", "ndjson")), json.dumps(record).encode())
        producer.flush()
    finally:
        producer.close()
    proc = workers["normalise"]

    def blocked() -> bool:
        workers.check_alive()
        return _logged(proc.log_path, "stage blocked on the broker")

    wait_until(blocked, 60, "the normaliser did not say it is blocked on the broker")
    assert absent_topics(settings.bootstrap(), [canon]) == [canon]
    assert proc.counter("hub_broker_blocked_seconds_total", stage="normalise") > 0

    apply_topology(settings.bootstrap(), settings.topic_prefix)
    start_workers.topics.created.add(canon)
    wait_until(lambda: events(settings, "canon.incident"), 60, "the held event did not reach canon.incident")
    wait_until(lambda: _logged(proc.log_path, "broker answering again, stage goes on"), 30, "the worker did not go on")
    assert [e.data["incident_id"] for e in events(settings, "canon.incident")] == [record["data"]["incident_id"]]
