"""An empty broker restart under a running stage (issue 11): no topic comes back from a client's request, and once
`hub topics apply` has created the topics again, every record produced after the restart is processed."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.config import Settings
from hub.devstack import EmbeddedStack
from hub.kafka_admin import admin_client, apply_topology
from hub.kafka_produce import make_producer
from hub.processes import free_port
from hub.samples import good_record
from hub.topology import CANONICAL_KINDS, qualified, raw_topic
from tests.helpers.kafka import events
from tests.helpers.stack import Topics
from tests.helpers.waiting import wait_until
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration

BEFORE = 3000
AFTER = 12


@pytest.fixture
def own_stack(stack_dir: Path) -> Iterator[EmbeddedStack]:
    """A broker of this test's own, which it may restart (the session's broker is shared)."""
    stack = EmbeddedStack(stack_dir, broker_port=free_port(), postgres_port=None)
    stack.start()
    try:
        yield stack
    finally:
        stack.stop()


def _produce(settings: Settings, first: int, count: int) -> list[str]:
    """``count`` valid replay records from number ``first`` on the raw topic; their incident ids (every kind's
    record id)."""
    name = qualified(settings.topic_prefix, raw_topic("replay", "ndjson"))
    producer = make_producer(settings.bootstrap(), "test-restart")
    try:
        records = [good_record(i) for i in range(first, first + count)]
        for record in records:
            producer.send(name, json.dumps(record).encode(), key=record["id"].encode())
        producer.flush()
    finally:
        producer.close()
    return [record["id"] for record in records]


def _logged(path: Path, event: str) -> int:
    """How many lines of the worker log at ``path`` have ``event``."""
    lines = [json.loads(line) for line in path.read_text().splitlines() if line.startswith("{")]
    return sum(1 for line in lines if line.get("event") == event)


def _event_ids(settings: Settings) -> set[str]:
    """The source record ids of every canonical event now on the broker."""
    found: set[str] = set()
    for kind in CANONICAL_KINDS:
        found.update(e.hubsourceid for e in events(settings, f"canon.{kind}", idle_s=0.3))
    return found


def test_records_produced_after_an_empty_broker_restart_are_all_processed(
    own_stack: EmbeddedStack, tmp_path: Path
) -> None:
    """A normaliser is working through 3,000 records when the broker restarts empty: the worker joins its group on
    the new broker without any topic being created (the declared ones are absent until `hub topics apply`, which
    then finds nothing to refuse); of the 12 records produced after that, the same worker, still running, makes an
    event of each."""
    bootstrap = own_stack.endpoints.kafka_bootstrap
    assert bootstrap is not None
    settings = Settings(
        kafka_bootstrap=bootstrap,
        topic_prefix="restart.",
        state_dir=tmp_path / "state",
        consumer_session_timeout_s=3.0,
        log_format="json",
    )
    factory = WorkerFactory(settings, Topics(bootstrap, settings.topic_prefix), tmp_path)
    try:
        workers = factory("normalise")
        _produce(settings, 0, BEFORE)
        workers.wait_for_count("normalise", "hub_events_out_total", 300, stage="normalise")

        own_stack.stop()
        own_stack.start()
        proc = workers["normalise"]

        def rejoined() -> bool:
            workers.check_alive()
            return _logged(proc.log_path, "partitions assigned") >= 2

        wait_until(rejoined, 60, "the worker did not rejoin its group on the restarted broker")
        with admin_client(bootstrap) as admin:
            assert admin.list_topics() == [], "a client had the broker create a topic"
        apply_topology(bootstrap, settings.topic_prefix)
        after = _produce(settings, BEFORE, AFTER)

        def processed() -> bool:
            workers.check_alive()
            return set(after) <= _event_ids(settings)

        wait_until(processed, 90, lambda: f"events after the restart: {sorted(_event_ids(settings))}")
    finally:
        codes = factory.stop_all()
    assert codes == dict.fromkeys(codes, 0)
