"""Nothing the hub runs lets the broker create a topic (issue 11): a send to a topic the cluster does not have fails
at once with an error naming it and `hub topics apply`, and the topic stays absent; the same for the aiokafka
clients of the faust workers."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import aiokafka
import pytest
from aiokafka.errors import UnknownTopicOrPartitionError
from kafka.errors import KafkaTimeoutError

from hub.config import Settings
from hub.connectors.sink import KafkaSink, OutMessage
from hub.errors import MissingTopicError
from hub.kafka_admin import absent_topics, admin_client
from hub.kafka_produce import HubProducer, make_producer
from hub.samples import good_record
from hub.topology import qualified, raw_topic
from hub.workers.app import refuse_topic_auto_creation
from tests.helpers.cli import hub
from tests.helpers.kafka import write_lines
from tests.helpers.stack import Topics
from tests.helpers.waiting import wait_until

pytestmark = pytest.mark.integration

RAW = raw_topic("replay", "ndjson")


def test_a_send_to_a_topic_never_created_fails_at_once_and_creates_nothing(settings: Settings) -> None:
    """`make_producer`'s producer refuses a send to a topic the cluster never had: MissingTopicError naming the
    topic and `hub topics apply`, raised by the send itself; the topic does not exist afterwards."""
    name = qualified(settings.topic_prefix, RAW)
    producer = make_producer(settings.bootstrap(), "test-missing", max_block_ms=60_000)
    try:
        with pytest.raises(MissingTopicError) as raised:
            producer.send(name, b"{}")
    finally:
        producer.close()
    assert name in str(raised.value)
    assert "run `hub topics apply`" in str(raised.value)
    assert absent_topics(settings.bootstrap(), [name]) == [name]


def _refused(producer: HubProducer, topic: str) -> bool:
    """Whether a send to ``topic`` is refused as missing (else it is acknowledged, or held back)."""
    try:
        producer.send(topic, b"{}").get(timeout=5)
    except MissingTopicError:
        return True
    except KafkaTimeoutError:
        # Sent to the old leader just as the topic went, answered "unknown topic" (retriable): the record waits in
        # the producer for the topic until its delivery timeout. Not refused yet; the next send, once the producer's
        # view of the cluster is refreshed, is.
        return False
    return False


def test_a_deleted_topic_is_not_brought_back_by_a_send(settings: Settings, topics: Topics) -> None:
    """A topic deleted on the broker (as an empty broker restart loses it) stays deleted: a new producer's send to
    it is refused at once, and a producer that sent to it before is refused as soon as its view of the cluster is
    refreshed (every second here: the embedded broker acknowledges records for a topic it no longer has, and keeps
    none);
    a topic that exists keeps its declared partition count after the sends."""
    raw, dlq = topics(RAW, "dlq.connectors")
    earlier = make_producer(settings.bootstrap(), "test-earlier", metadata_max_age_s=1.0)
    earlier.send(raw, b"{}").get(timeout=30)
    with admin_client(settings.bootstrap()) as admin:
        admin.delete_topics([raw])
        partitions = {t["name"]: len(t["partitions"]) for t in admin.describe_topics([dlq])}
    topics.created.discard(raw)
    producer = make_producer(settings.bootstrap(), "test-deleted")
    try:
        producer.send(dlq, b"{}").get(timeout=30)
        with pytest.raises(MissingTopicError, match="hub topics apply"):
            producer.send(raw, b"{}")
        wait_until(lambda: _refused(earlier, raw), 30, "the earlier producer still sends to the deleted topic")
    finally:
        producer.close()
        earlier.close()
    assert absent_topics(settings.bootstrap(), [raw, dlq]) == [raw]
    with admin_client(settings.bootstrap()) as admin:
        assert {t["name"]: len(t["partitions"]) for t in admin.describe_topics([dlq])} == partitions


def test_hub_replay_to_a_missing_topic_says_so_and_creates_nothing(settings: Settings, tmp_path: Path) -> None:
    """`hub replay` without the declared topics stops before its first line (exit 2) with one line naming the
    missing topic and the command that creates it, no traceback; no topic exists afterwards."""
    path = write_lines(tmp_path / "one.ndjson", [json.dumps(good_record(0)).encode()])
    result = hub(
        "replay",
        str(path),
        env={"HUB_KAFKA_BOOTSTRAP": settings.bootstrap(), "HUB_TOPIC_PREFIX": settings.topic_prefix},
    )
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    name = qualified(settings.topic_prefix, RAW)
    assert f"hub: error: topic {name}" in result.stderr
    assert "run `hub topics apply`" in result.stderr
    with admin_client(settings.bootstrap()) as admin:
        assert [t for t in admin.list_topics() if t.startswith(settings.topic_prefix)] == []


def test_the_connector_sink_answers_each_record_to_a_missing_topic_with_the_error(settings: Settings) -> None:
    """The connectors' and acknowledgements' Kafka sink turns a record for a missing topic into that record's
    MissingTopicError (the runner retries or answers 503 with it), and creates nothing."""
    name = qualified(settings.topic_prefix, RAW)
    sink = KafkaSink(settings.bootstrap(), request_timeout_s=5.0)
    try:
        results = sink.produce([OutMessage(name, b"k", b"{}", []), OutMessage(name, b"l", b"{}", [])], timeout_s=5.0)
    finally:
        sink.close()
    assert [type(r) for r in results] == [MissingTopicError, MissingTopicError]
    assert absent_topics(settings.bootstrap(), [name]) == [name]


def test_the_workers_aiokafka_clients_ask_for_no_topic(settings: Settings) -> None:
    """With ``refuse_topic_auto_creation`` (applied by every worker's app), an aiokafka producer sending to a
    missing topic gets UnknownTopicOrPartitionError after its request timeout and the broker creates nothing
    (aiokafka alone asks the broker to create it)."""
    name = qualified(settings.topic_prefix, RAW)
    refuse_topic_auto_creation()

    async def send() -> None:
        producer = aiokafka.AIOKafkaProducer(bootstrap_servers=settings.bootstrap(), request_timeout_ms=2000)
        await producer.start()
        try:
            await producer.send_and_wait(name, b"{}")
        finally:
            await producer.stop()

    with pytest.raises(UnknownTopicOrPartitionError):
        asyncio.run(send())
    assert absent_topics(settings.bootstrap(), [name]) == [name]
