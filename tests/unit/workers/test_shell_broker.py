"""The stage shell and the broker: sends the broker did not take are sent again while the error is transient (and
only those), a permanent error or a bug is raised at once, every error counted; a committed offset reset on
assignment is logged as an error and counted; the worker's app asks for no topic and can be a static member."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from pathlib import Path
from typing import Any

import pytest
import structlog
from aiokafka import client as aiokafka_client
from aiokafka.errors import (
    KafkaConnectionError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    RequestTimedOutError,
    UnknownTopicOrPartitionError,
)
from aiokafka.protocol.metadata import MetadataRequest_v4
from faust.exceptions import ProducerSendError
from prometheus_client import CollectorRegistry

from hub.config import Settings
from hub.messages import OutRecord
from hub.metrics import StageMetrics
from hub.offsets import OffsetReset
from hub.retry import Backoff
from hub.workers.app import HubTableManager, make_app
from hub.workers.shell import StageShell, broker_error_kind, broker_error_summary


class FakeProducer:
    """Stands in for faust's producer: ``outcomes[value]`` says what happens to the next send of that value, in
    turn: ``"ok"``, ``("raise", exc)`` (refused when handed over) or ``("fail", exc)`` (the broker's answer)."""

    def __init__(self, outcomes: dict[bytes, list[Any]]) -> None:
        self.outcomes = outcomes
        self.sent: list[bytes] = []

    async def send(
        self, topic: str, key: bytes | None, value: bytes, partition: Any, timestamp: Any, headers: Any
    ) -> Awaitable[Any]:
        self.sent.append(value)
        queued = self.outcomes.get(value, [])
        outcome = queued.pop(0) if queued else "ok"
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if outcome == "ok":
            answer.set_result((topic, value))
        elif outcome[0] == "raise":
            raise outcome[1]
        else:
            answer.set_exception(outcome[1])
        return answer


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def shell(tmp_path: Path, registry: CollectorRegistry) -> StageShell:
    """A normalise shell with a faust app that never connects, retrying at once."""
    settings = Settings(kafka_bootstrap="nowhere:1", topic_prefix="t1.", state_dir=tmp_path)
    made = StageShell(settings, "normalise", StageMetrics.create(registry))
    made.broker.backoff = lambda: Backoff(base_s=0.001, cap_s=0.001)
    return made


def _records(*values: bytes) -> list[OutRecord]:
    return [OutRecord("canon.incident", b"k", value, []) for value in values]


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return float(registry.get_sample_value(name, {"stage": "normalise", **labels}) or 0.0)


def _send(shell: StageShell, producer: FakeProducer, records: list[OutRecord], produced: int = 0) -> None:
    async def run() -> None:
        shell.app.producer = producer  # type: ignore[assignment]
        await shell.send_all(records, produced=produced)

    asyncio.run(run())


def test_what_the_broker_did_not_take_is_sent_again_and_only_that(
    shell: StageShell, registry: CollectorRegistry
) -> None:
    """Of three records the broker times out on the second: it alone is sent again, and the batch counts three out
    once; the transient error and the retry are counted and logged."""
    producer = FakeProducer({b"b": [("fail", RequestTimedOutError())]})
    with structlog.testing.capture_logs() as logs:
        _send(shell, producer, _records(b"a", b"b", b"c"), produced=3)
    assert producer.sent == [b"a", b"b", b"c", b"b"]
    assert _value(registry, "hub_events_out_total") == 3
    assert _value(registry, "hub_broker_errors_total", kind="transient") == 1
    assert _value(registry, "hub_broker_retries_total") == 1
    assert [e["error"] for e in logs if e["event"] == "broker unavailable, retrying"] == [
        "RequestTimedOutError: [Error 7] RequestTimedOutError"
    ]


def test_a_record_refused_when_handed_over_is_sent_again_with_those_after_it(shell: StageShell) -> None:
    """The producer refuses the second record at once (its buffer timed out, the connection dropped): the first is
    not sent again, the second and third are."""
    producer = FakeProducer({b"b": [("raise", KafkaTimeoutError()), ("raise", KafkaConnectionError("reset"))]})
    _send(shell, producer, _records(b"a", b"b", b"c"))
    assert producer.sent == [b"a", b"b", b"b", b"b", b"c"]


def test_a_permanent_error_is_raised_at_once_and_counted(shell: StageShell, registry: CollectorRegistry) -> None:
    """A record the broker refuses for good (too large) is not sent again: the error reaches the caller, counted
    as permanent."""
    producer = FakeProducer({b"a": [("fail", MessageSizeTooLargeError())]})
    with pytest.raises(MessageSizeTooLargeError):
        _send(shell, producer, _records(b"a"))
    assert producer.sent == [b"a"]
    assert _value(registry, "hub_broker_errors_total", kind="permanent") == 1
    assert _value(registry, "hub_broker_retries_total") == 0


def test_a_bug_is_raised_at_once_and_not_counted_as_a_broker_error(
    shell: StageShell, registry: CollectorRegistry
) -> None:
    """An exception that is no broker error is raised without a retry and counted nowhere."""
    producer = FakeProducer({b"a": [("raise", KeyError("x"))]})
    with pytest.raises(KeyError):
        _send(shell, producer, _records(b"a"))
    assert producer.sent == [b"a"]
    assert _value(registry, "hub_broker_errors_total", kind="permanent") == 0


def test_broker_errors_are_told_apart_through_fausts_wrapper() -> None:
    """Retriable aiokafka errors and timeouts are transient, also inside faust's ProducerSendError; refusals are
    permanent; anything else is no broker error. A missing topic's summary names the command that creates it."""
    wrapped = ProducerSendError("Error while sending")
    wrapped.__cause__ = UnknownTopicOrPartitionError()
    assert broker_error_kind(wrapped) == "transient"
    assert broker_error_kind(KafkaTimeoutError()) == "transient"
    assert broker_error_kind(TimeoutError()) == "transient"
    assert broker_error_kind(MessageSizeTooLargeError()) == "permanent"
    assert broker_error_kind(ValueError()) is None
    assert broker_error_summary(wrapped).endswith("`hub topics apply` creates the declared topics)")


def test_an_offset_reset_is_logged_as_an_error_and_counted_by_declared_topic(
    shell: StageShell, registry: CollectorRegistry
) -> None:
    """The app's report of a committed offset beyond a partition's end becomes an error line with the partition,
    the committed offset, start and end, and hub_stage_offset_resets_total under the declared topic name."""
    reset = OffsetReset("t1.raw.replay.ndjson", 2, 5000, 0, 3500, "beyond_end")
    with structlog.testing.capture_logs() as logs:
        assert shell.app.on_offset_reset is not None
        shell.app.on_offset_reset(reset)
    [entry] = logs
    assert entry["log_level"] == "error"
    assert entry["event"].startswith("committed offset outside the partition's records: the broker lost")
    assert {k: entry[k] for k in ("topic", "partition", "committed", "start", "end", "reason")} == {
        "topic": "t1.raw.replay.ndjson",
        "partition": 2,
        "committed": 5000,
        "start": 0,
        "end": 3500,
        "reason": "beyond_end",
    }
    assert _value(registry, "hub_stage_offset_resets_total", topic="raw.replay.ndjson", reason="beyond_end") == 1.0


def test_the_workers_app_asks_for_no_topic_and_skips_fausts_start_up_sleep(tmp_path: Path) -> None:
    """Once a worker's app is made, aiokafka's metadata requests ask the broker not to create topics; the app's
    table manager is the hub's (no second of sleep before subscribing), its producer refreshes its metadata as
    configured, and a configured group instance id makes the worker a static member."""
    settings = Settings(kafka_bootstrap="nowhere:1", state_dir=tmp_path, consumer_group_instance_id="normalise-1")
    app = make_app(settings, "normalise")
    request = aiokafka_client.MetadataRequest(["t"]).build(MetadataRequest_v4)
    assert request.allow_auto_topic_creation is False
    assert app.conf.TableManager is HubTableManager
    assert app.conf.consumer_group_instance_id == "normalise-1"
    assert app.conf.producer_metadata_max_age_ms == 30_000
