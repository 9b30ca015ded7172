"""The batch shell's loop against stand-ins for aiokafka's consumer and producer: a batch is handed over as fetched
(no window to fill), committed only after its handler (its sends and writes) returned, a revocation waits for the
batch in flight, incidents go before the positions fetched with them, a stop ends an idle fetch, and the committed
offsets are checked on assignment."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import MessageSizeTooLargeError, RequestTimedOutError
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.producer.message_accumulator import BatchBuilder
from prometheus_client import CollectorRegistry

from hub.config import Settings
from hub.errors import InvalidEventError
from hub.health import Flag
from hub.messages import Message, OutRecord
from hub.metrics import StageMetrics
from hub.retry import Backoff
from hub.streams.normalise import BULK_TOPICS, MAPPERS
from hub.workers.app import PRODUCER_MAX_BATCH_BYTES
from hub.workers.batch import BATCH_MAX_RECORDS, DELIVERIES_IN_FLIGHT, BatchShell, Later, Outgoing, partition_for
from hub.workers.normalise import normalise_stage
from hub.workers.pseudonymise import REGISTER_DELIVERIES
from tests.helpers.messages import FakeMessage

PREFIX = "t1."
POSITIONS = "raw.havag.gtfsrt-vehicle-positions"
ALARMS = "raw.havag.driver-alarm"


class FakeConsumer:
    """aiokafka's consumer as the shell uses it: ``batches`` are what successive ``getmany`` calls return; once
    they are used up a fetch waits (as on an idle topic) until it is cancelled. Everything it is told is noted in
    ``events``."""

    def __init__(self, batches: list[dict[TopicPartition, list[FakeMessage]]]) -> None:
        self.batches = batches
        self.events: list[Any] = []
        self.fetches: list[int] = []
        self.listener: Any = None
        self.topics: list[str] = []
        self.sought: dict[TopicPartition, int] = {}
        self.committed: dict[TopicPartition, int] = {}
        self.starts: dict[TopicPartition, int] = {}
        self.ends: dict[TopicPartition, int] = {}
        self.held: dict[TopicPartition, int] = {}
        self._coordinator = self

    # what leave_also_in_generation_zero looks at: a static member is left alone
    _group_instance_id = "static"

    async def start(self) -> None:
        self.events.append("start")

    async def stop(self) -> None:
        self.events.append("stop")

    def subscribe(self, topics: list[str], listener: Any) -> None:
        self.topics, self.listener = topics, listener

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[TopicPartition, list[FakeMessage]]:
        self.fetches.append(max_records)
        if self.batches:
            return self.batches.pop(0)
        await asyncio.Event().wait()
        raise AssertionError("an idle fetch is only ever cancelled")

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.events.append(("commit", dict(offsets)))

    async def fetch_committed_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, Any]:
        return {tp: _Meta(self.committed.get(tp, -1)) for tp in partitions}

    async def beginning_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self.starts[tp] for tp in partitions}

    async def end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        return {tp: self.ends[tp] for tp in partitions}

    def seek(self, tp: TopicPartition, offset: int) -> None:
        self.sought[tp] = offset

    # what the lag export reads: the partitions held, where the consumer stands and the ends it last fetched
    def assignment(self) -> set[TopicPartition]:
        return set(self.held)

    async def position(self, tp: TopicPartition) -> int:
        return self.held[tp]

    def highwater(self, tp: TopicPartition) -> int | None:
        return self.ends.get(tp)


class _Meta:
    def __init__(self, offset: int) -> None:
        self.offset = offset


class RecordingBatch:
    """aiokafka's ``BatchBuilder`` (the real one, so a batch is full when aiokafka's would be), noting what was
    appended to it."""

    def __init__(self, batch_bytes: int) -> None:
        self.builder = BatchBuilder(batch_bytes, 0)  # no compression, as the stage producer
        self.records: list[tuple[bytes | None, bytes]] = []

    def append(self, *, timestamp: int | None, key: bytes | None, value: bytes, headers: Any) -> Any:
        appended = self.builder.append(timestamp=timestamp, key=key, value=value, headers=headers)
        if appended is not None:
            self.records.append((key, value))
        return appended

    def close(self) -> None:
        self.builder.close()


class FakeProducer:
    """aiokafka's producer as the batch shell uses it: topics of ``partitions`` partitions, produce batches of
    ``batch_bytes``; every hand-over (a batch, or one record with ``send``) answered by ``answer``, by default
    acknowledged at once. ``sent`` notes the values handed over, ``handed`` each hand-over as (topic, partition,
    values, whether it was a batch)."""

    def __init__(self, partitions: int = 1, batch_bytes: int = PRODUCER_MAX_BATCH_BYTES) -> None:
        self.partitions = partitions
        self.batch_bytes = batch_bytes
        self.sent: list[bytes] = []
        self.handed: list[tuple[str, int, list[bytes], bool]] = []
        self.client = SimpleNamespace(cluster=self)

    async def start(self) -> None:
        pass

    async def stop(self) -> None:
        pass

    async def partitions_for(self, topic: str) -> set[int]:
        return set(range(self.partitions))

    def available_partitions_for_topic(self, topic: str) -> set[int]:
        return set(range(self.partitions))

    def create_batch(self) -> RecordingBatch:
        return RecordingBatch(self.batch_bytes)

    async def send_batch(self, batch: RecordingBatch, topic: str, *, partition: int) -> Any:
        assert batch.builder.closed()  # closed, so the producer sends it without lingering
        return self._handed(topic, partition, [value for _, value in batch.records], True)

    async def send(
        self, topic: str, value: bytes, key: bytes | None = None, partition: int | None = None, headers: Any = None
    ) -> Any:
        assert partition is not None  # the shell chooses the partition itself
        return self._handed(topic, partition, [value], False)

    def _handed(self, topic: str, partition: int, values: list[bytes], batch: bool) -> Any:
        self.sent.extend(values)
        self.handed.append((topic, partition, values, batch))
        return self.answer(values)

    def answer(self, values: list[bytes]) -> asyncio.Future[Any]:
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        answer.set_result(None)
        return answer


class GatedProducer(FakeProducer):
    """A producer whose acknowledgements come only when the test says (``acknowledge``); sends noted in
    ``events`` (shared with the consumer, so the order of sends and commits shows)."""

    def __init__(self, events: list[Any]) -> None:
        super().__init__()
        self.events = events
        self.unanswered: list[asyncio.Future[Any]] = []

    def answer(self, values: list[bytes]) -> asyncio.Future[Any]:
        self.events.extend(("sent", value) for value in values)
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        self.unanswered.append(answer)
        return answer

    def acknowledge(self) -> None:
        for answer in self.unanswered:
            answer.set_result(None)
        self.unanswered.clear()


def _settings(tmp_path: Path) -> Settings:
    return Settings(kafka_bootstrap="nowhere:1", topic_prefix=PREFIX, state_dir=tmp_path)


def _records(topic: str, partition: int, *offsets: int) -> list[FakeMessage]:
    return [FakeMessage(PREFIX + topic, partition, o, b"k", f"{topic}@{o}".encode()) for o in offsets]


def _shell(tmp_path: Path, handler: Callable[[list[Message]], Awaitable[None]], **kwargs: Any) -> BatchShell:
    shell = BatchShell(
        _settings(tmp_path), "normalise", StageMetrics.create(CollectorRegistry()), [POSITIONS, ALARMS], **kwargs
    )
    shell.handler(handler)
    return shell


async def _until(condition: Callable[[], bool]) -> None:
    """Let the loop run until ``condition`` holds (bounded by the test's own wait_for)."""
    while not condition():
        await asyncio.sleep(0)


def _commits(consumer: FakeConsumer) -> list[dict[TopicPartition, int]]:
    return [event[1] for event in consumer.events if isinstance(event, tuple) and event[0] == "commit"]


def test_each_batch_is_handled_as_fetched_and_committed_after_it(tmp_path: Path) -> None:
    """One record fetched alone is handed over alone (no waiting for more), three fetched together are one batch;
    each batch's next offsets are committed once its handler returned, and a stop ends the idle fetch."""
    tp = TopicPartition(PREFIX + POSITIONS, 0)
    consumer = FakeConsumer([{tp: _records(POSITIONS, 0, 0)}, {tp: _records(POSITIONS, 0, 1, 2, 3)}])

    async def handler(messages: list[Message]) -> None:
        consumer.events.append(("handled", [m.offset for m in messages]))

    shell = _shell(tmp_path, handler)

    async def scenario() -> None:
        running = asyncio.ensure_future(shell.run(consumer, FakeProducer()))
        await asyncio.wait_for(_until(lambda: len(_commits(consumer)) == 2), 10)
        await asyncio.wait_for(_until(lambda: len(consumer.fetches) == 3), 10)  # the third fetch finds nothing
        shell.stop()
        await asyncio.wait_for(running, 10)

    asyncio.run(scenario())
    at = consumer.events.index
    assert _commits(consumer) == [{tp: 1}, {tp: 4}]  # the next offsets, in order
    assert at(("handled", [0])) < at(("commit", {tp: 1}))  # each batch handled before its commit
    assert at(("handled", [1, 2, 3])) < at(("commit", {tp: 4}))
    assert consumer.fetches == [BATCH_MAX_RECORDS] * 3
    assert consumer.events[-1] == "stop"
    assert consumer.topics == [PREFIX + POSITIONS, PREFIX + ALARMS]


def test_a_revocation_waits_for_the_batch_in_flight_and_nothing_unconfirmed_is_committed(tmp_path: Path) -> None:
    """While a batch's sends are unconfirmed (its handler has not returned), a revocation does not return and no
    offset is committed; once the handler returns the batch is committed, and only then the revocation returns."""
    tp = TopicPartition(PREFIX + POSITIONS, 1)
    consumer = FakeConsumer([{tp: _records(POSITIONS, 1, 5, 6)}])
    confirmed = asyncio.Event()
    entered: list[bool] = []

    async def handler(messages: list[Message]) -> None:
        entered.append(True)
        await confirmed.wait()  # the broker has not acknowledged the batch's outputs yet
        consumer.events.append("confirmed")

    shell = _shell(tmp_path, handler)

    async def scenario() -> None:
        running = asyncio.ensure_future(shell.run(consumer, FakeProducer()))
        await asyncio.wait_for(_until(lambda: bool(entered)), 10)
        revoking = asyncio.ensure_future(consumer.listener.on_partitions_revoked({tp}))
        for _ in range(50):
            await asyncio.sleep(0)
        assert not revoking.done()
        assert _commits(consumer) == []
        confirmed.set()
        await asyncio.wait_for(revoking, 10)
        consumer.events.append("revoked")
        shell.stop()
        await asyncio.wait_for(running, 10)

    asyncio.run(scenario())
    assert [e for e in consumer.events if e not in ("start", "stop")] == ["confirmed", ("commit", {tp: 7}), "revoked"]


def test_the_next_batch_is_prepared_while_the_last_waits_for_the_broker_and_commits_stay_in_order(
    tmp_path: Path,
) -> None:
    """A two-phase stage: batch 2 is prepared (handled, written) while batch 1's outputs wait for the broker, but
    none of batch 2's outputs is handed over before batch 1 is committed; each batch is committed only after its
    own outputs are acknowledged, in order; a revocation meanwhile waits until both batches are committed."""
    tp = TopicPartition(PREFIX + POSITIONS, 0)
    consumer = FakeConsumer([{tp: _records(POSITIONS, 0, 0, 1)}, {tp: _records(POSITIONS, 0, 2)}])
    producer = GatedProducer(consumer.events)
    shell = _shell(tmp_path, lambda messages: asyncio.sleep(0))

    @shell.prepare
    async def prepare(messages: list[Message]) -> Outgoing:
        offsets = [m.offset for m in messages]
        consumer.events.append(("prepared", offsets))
        return Outgoing([OutRecord("canon.vehicle-position", b"k", f"out{o}".encode()) for o in offsets], len(offsets))

    def index(event: Any) -> int:
        return consumer.events.index(event)

    def events_in() -> float:
        return float(shell.metrics.events_in.labels("normalise")._value.get())

    async def scenario() -> None:
        running = asyncio.ensure_future(shell.run(consumer, producer))
        await asyncio.wait_for(_until(lambda: ("prepared", [2]) in consumer.events), 10)
        revoking = asyncio.ensure_future(consumer.listener.on_partitions_revoked({tp}))
        for _ in range(50):
            await asyncio.sleep(0)
        assert _commits(consumer) == []
        assert ("sent", b"out2") not in consumer.events
        assert not revoking.done()
        assert events_in() == 0  # counted in only once handled and confirmed
        producer.acknowledge()  # batch 1's outputs
        await asyncio.wait_for(_until(lambda: ("sent", b"out2") in consumer.events), 10)
        assert _commits(consumer) == [{tp: 2}]
        assert events_in() == 2
        assert not revoking.done()
        producer.acknowledge()  # batch 2's
        await asyncio.wait_for(revoking, 10)
        shell.stop()
        await asyncio.wait_for(running, 10)

    asyncio.run(scenario())
    assert _commits(consumer) == [{tp: 2}, {tp: 3}]
    assert index(("sent", b"out1")) < index(("commit", {tp: 2})) < index(("sent", b"out2")) < index(("commit", {tp: 3}))
    assert index(("prepared", [2])) < index(("commit", {tp: 2}))
    assert shell.metrics.events_out.labels("normalise")._value.get() == 3


def test_later_writes_overlap_the_next_batches_and_nothing_is_sent_before_its_own_write(tmp_path: Path) -> None:
    """A stage whose batches return a ``Later`` (the pseudonymiser's register writes): the writes of three batches
    run at once, while the batches after are prepared; a batch's records are handed over only after its own write
    returned and the batch before is committed, so a later write that ends first waits for the earlier batches;
    sends and commits stay in the order of the batches."""
    tp = TopicPartition(PREFIX + POSITIONS, 0)
    consumer = FakeConsumer([{tp: _records(POSITIONS, 0, o)} for o in range(3)])
    producer = GatedProducer(consumer.events)
    shell = _shell(tmp_path, lambda messages: asyncio.sleep(0), deliveries=REGISTER_DELIVERIES)
    written = {o: asyncio.Event() for o in range(3)}

    @shell.prepare
    async def prepare(messages: list[Message]) -> Later:
        (offset,) = [m.offset for m in messages]
        consumer.events.append(("prepared", offset))

        async def finish() -> Outgoing:
            consumer.events.append(("writing", offset))
            await written[offset].wait()
            consumer.events.append(("written", offset))
            return Outgoing([OutRecord("canon.vehicle-position", b"k", f"out{offset}".encode())], 1)

        return Later(finish)

    def sent() -> list[bytes]:
        return [e[1] for e in consumer.events if isinstance(e, tuple) and e[0] == "sent"]

    async def scenario() -> None:
        running = asyncio.ensure_future(shell.run(consumer, producer))
        await asyncio.wait_for(_until(lambda: ("writing", 2) in consumer.events), 10)
        assert REGISTER_DELIVERIES == 2  # three batches in flight: all three writes under way
        assert {("writing", 0), ("writing", 1)} <= set(consumer.events)
        written[2].set()
        written[1].set()
        for _ in range(50):
            await asyncio.sleep(0)
        assert sent() == []  # batch 0's write has not returned: nothing of the batches after it goes either
        written[0].set()
        await asyncio.wait_for(_until(lambda: sent() == [b"out0"]), 10)
        for _ in range(50):
            await asyncio.sleep(0)
        assert sent() == [b"out0"]  # batch 1 waits for batch 0's commit, which waits for the broker
        for _ in range(3):
            producer.acknowledge()
            await asyncio.wait_for(_until(lambda: len(_commits(consumer)) == len(sent())), 10)
            await asyncio.wait_for(_until(lambda: bool(producer.unanswered) or len(_commits(consumer)) == 3), 10)
        shell.stop()
        await asyncio.wait_for(running, 10)

    asyncio.run(scenario())
    assert sent() == [b"out0", b"out1", b"out2"]
    assert _commits(consumer) == [{tp: 1}, {tp: 2}, {tp: 3}]
    events = consumer.events
    for offset in range(3):
        assert events.index(("written", offset)) < events.index(("sent", f"out{offset}".encode()))
    assert events.index(("commit", {tp: 1})) < events.index(("sent", b"out1"))
    assert events.index(("commit", {tp: 2})) < events.index(("sent", b"out2"))


def test_by_default_one_delivery_is_in_flight_while_a_batch_is_prepared(tmp_path: Path) -> None:
    """Normalise and the sink keep one delivery in flight: the third batch is not fetched and prepared until the
    first is delivered and committed (its incidents would otherwise wait for more deliveries)."""
    tp = TopicPartition(PREFIX + POSITIONS, 0)
    consumer = FakeConsumer([{tp: _records(POSITIONS, 0, o)} for o in range(3)])
    producer = GatedProducer(consumer.events)
    shell = _shell(tmp_path, lambda messages: asyncio.sleep(0))

    @shell.prepare
    async def prepare(messages: list[Message]) -> Outgoing:
        (offset,) = [m.offset for m in messages]
        consumer.events.append(("prepared", offset))
        return Outgoing([OutRecord("canon.vehicle-position", b"k", f"out{offset}".encode())], 1)

    async def scenario() -> None:
        running = asyncio.ensure_future(shell.run(consumer, producer))
        await asyncio.wait_for(_until(lambda: ("prepared", 1) in consumer.events), 10)
        for _ in range(50):
            await asyncio.sleep(0)
        assert DELIVERIES_IN_FLIGHT == 1
        assert ("prepared", 2) not in consumer.events  # batch 0 unconfirmed: the loop waits before fetching
        producer.acknowledge()
        await asyncio.wait_for(_until(lambda: ("prepared", 2) in consumer.events), 10)

        async def acknowledge_until_all_committed() -> None:
            while len(_commits(consumer)) < 3:
                producer.acknowledge()
                await asyncio.sleep(0)

        await asyncio.wait_for(acknowledge_until_all_committed(), 10)
        shell.stop()
        await asyncio.wait_for(running, 10)

    asyncio.run(scenario())
    assert _commits(consumer) == [{tp: 1}, {tp: 2}, {tp: 3}]


def test_a_failed_later_write_stops_the_worker_and_nothing_after_it_is_committed(tmp_path: Path) -> None:
    """A ``Later`` whose write raises (a bug; the writer turns database refusals into dead letters itself): the
    worker stops with that error; the batch and every batch after it stay uncommitted and unsent."""
    tp = TopicPartition(PREFIX + POSITIONS, 0)
    consumer = TimingOutConsumer([{tp: _records(POSITIONS, 0, o)} for o in range(3)])
    producer = FakeProducer()
    shell = _shell(tmp_path, lambda messages: asyncio.sleep(0), deliveries=REGISTER_DELIVERIES)

    @shell.prepare
    async def prepare(messages: list[Message]) -> Later:
        (offset,) = [m.offset for m in messages]

        async def finish() -> Outgoing:
            await asyncio.sleep(0.01 * (3 - offset))  # the failing first write ends last
            if offset == 0:
                raise RuntimeError("write failed")
            return Outgoing([OutRecord("canon.vehicle-position", b"k", f"out{offset}".encode())], 1)

        return Later(finish)

    with pytest.raises(RuntimeError, match="write failed"):
        asyncio.run(asyncio.wait_for(shell.run(consumer, producer), 10))
    assert producer.sent == []
    assert _commits(consumer) == []


def test_handle_in_turns_gives_the_loop_turns_and_handles_as_handle_does(tmp_path: Path) -> None:
    """``handle_in_turns`` gives the same results and dead letters as ``handle``, in order, and lets other tasks
    run between its slices (a database write's round trips while a big batch is handled)."""
    shell = _shell(tmp_path, lambda messages: asyncio.sleep(0))
    messages = _records(POSITIONS, 0, *range(250))
    ticks: list[int] = []

    def handler(message: Message) -> int:
        if message.offset % 100 == 7:
            raise InvalidEventError("bad", "undecodable")
        return message.offset

    async def other() -> None:
        while True:
            ticks.append(len(ticks))
            await asyncio.sleep(0)

    async def scenario() -> tuple[Any, Any]:
        ticking = asyncio.ensure_future(other())
        await asyncio.sleep(0)
        before = len(ticks)
        handled = await shell.handle_in_turns(messages, handler, turn=100)
        turns = len(ticks) - before
        ticking.cancel()
        return handled, turns

    handled, turns = asyncio.run(scenario())
    plain = shell.handle(messages, handler)
    assert [r for _, r in handled.results] == [r for _, r in plain.results]
    assert [d.value for d in handled.dead] == [d.value for d in plain.dead]
    assert len(handled.dead) == 3
    assert turns == 2  # after the first and the second slice of 100


def test_incidents_are_handled_before_the_positions_fetched_with_them(tmp_path: Path) -> None:
    """A batch with positions and a driver alarm: the alarm's records go to the handler (and are confirmed) first,
    the positions after, in their partitions' order; one commit covers both."""
    positions, alarms = TopicPartition(PREFIX + POSITIONS, 0), TopicPartition(PREFIX + ALARMS, 0)
    consumer = FakeConsumer([{positions: _records(POSITIONS, 0, 0, 1, 2), alarms: _records(ALARMS, 0, 9)}])
    parts: list[list[str]] = []

    async def handler(messages: list[Message]) -> None:
        parts.append([(m.value or b"").decode() for m in messages])

    shell = _shell(tmp_path, handler, first=[ALARMS])

    async def scenario() -> None:
        running = asyncio.ensure_future(shell.run(consumer, FakeProducer()))
        await asyncio.wait_for(_until(lambda: len(_commits(consumer)) == 1), 10)
        shell.stop()
        await asyncio.wait_for(running, 10)

    asyncio.run(scenario())
    assert parts == [[f"{ALARMS}@9"], [f"{POSITIONS}@0", f"{POSITIONS}@1", f"{POSITIONS}@2"]]
    assert _commits(consumer) == [{positions: 3, alarms: 10}]


def test_normalise_puts_every_raw_topic_but_the_bulk_feeds_first(tmp_path: Path) -> None:
    """The normaliser's priority topics are the raw topics that carry incidents, alarms and unit states: all but
    the vehicle-position and trip-update feeds."""
    shell = normalise_stage(_settings(tmp_path), StageMetrics.create(CollectorRegistry()))
    assert shell.first == frozenset(MAPPERS) - BULK_TOPICS
    assert {"raw.havag.driver-alarm", "raw.polizei.cap", "raw.ordnungsamt.open311"} <= shell.first
    assert POSITIONS not in shell.first


def test_sends_go_through_the_shells_producer_with_the_prefix(tmp_path: Path) -> None:
    """The shared send path hands each record to the batch shell's producer and counts the output."""
    producer = FakeProducer()
    shell = _shell(tmp_path, lambda messages: asyncio.sleep(0))
    shell.producer = producer
    asyncio.run(shell.send_all([OutRecord("canon.incident", b"k", b"v")], produced=1))
    assert producer.sent == [b"v"]
    assert shell.metrics.events_out.labels("normalise")._value.get() == 1


@pytest.mark.parametrize("committed", [12, 4])
def test_assignment_checks_the_committed_offsets_and_reports_the_partitions(tmp_path: Path, committed: int) -> None:
    """A committed offset before the partition's first record (retention removed unread records) is sought to the
    first record, counted, logged and committed; one inside the records is left alone. Either way the partitions
    are reported: the gauge and the readiness flag."""
    tp = TopicPartition(PREFIX + POSITIONS, 0)
    consumer = FakeConsumer([])
    consumer.starts, consumer.ends = {tp: 10}, {tp: 20}
    consumer.committed = {tp: committed}
    shell = _shell(tmp_path, lambda messages: asyncio.sleep(0))
    shell.consumer = consumer
    assert shell.readiness.report()[0] is False
    asyncio.run(shell.on_assigned({tp}))
    resets = shell.metrics.offset_resets.labels("normalise", POSITIONS, "before_start")._value.get()
    if committed == 4:
        assert consumer.sought == {tp: 10}
        assert _commits(consumer) == [{tp: 10}]
        assert resets == 1
    else:
        assert consumer.sought == {}
        assert _commits(consumer) == []
        assert resets == 0
    assert shell.metrics.assigned_partitions.labels("normalise")._value.get() == 1
    assert shell.partitions_ready() == (True, "")


class FlakyProducer(FakeProducer):
    """The broker does not answer the first hand-over in time; every later one is acknowledged."""

    def answer(self, values: list[bytes]) -> asyncio.Future[Any]:
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if len(self.handed) > 1:
            answer.set_result(None)
        else:
            answer.set_exception(RequestTimedOutError())
        return answer


def test_the_broker_check_fails_while_sends_are_retried_and_passes_again(tmp_path: Path) -> None:
    """/readyz's "broker" check: not ok, naming the error, while a send is retried; ok once it went through."""
    shell = _shell(tmp_path, lambda messages: asyncio.sleep(0))
    shell.producer = FlakyProducer()
    shell.broker.backoff = lambda: Backoff(base_s=0.001, cap_s=0.001)
    told: list[tuple[bool, str]] = []

    class Spy(Flag):
        def set(self, ok: bool, detail: str = "") -> None:
            told.append((ok, detail))
            super().set(ok, detail)

    spy = Spy("not connected to the broker yet")
    shell.broker_ready = shell.broker.flag = spy
    shell.readiness.add("broker", spy)
    assert shell.broker_ready()[0] is False  # nothing started yet
    asyncio.run(shell.send_all([OutRecord("canon.incident", b"k", b"v")]))
    assert told[0][0] is False
    assert "RequestTimedOutError" in told[0][1]
    assert told[-1] == (True, "")
    assert shell.broker_ready() == (True, "")
    assert shell.producer.sent == [b"v", b"v"]


def test_the_lag_of_a_partition_held_again_is_read_from_where_the_group_stands_not_from_an_old_commit(
    tmp_path: Path,
) -> None:
    """This worker committed offset 4 of a partition, lost it, and got it back after another worker had read it to
    20: its lag is counted from 20 (the consumer's position), not from the 4 it committed itself long ago."""
    tp = TopicPartition(PREFIX + POSITIONS, 0)
    consumer = FakeConsumer([{tp: _records(POSITIONS, 0, 1, 2, 3)}])
    consumer.held, consumer.ends = {tp: 4}, {tp: 25}
    shell = _shell(tmp_path, lambda messages: asyncio.sleep(0))

    async def scenario() -> tuple[dict[tuple[str, int], int], dict[tuple[str, int], int]]:
        running = asyncio.ensure_future(shell.run(consumer, FakeProducer()))
        await asyncio.wait_for(_until(lambda: _commits(consumer) == [{tp: 4}]), 10)
        before = await shell.lag.update()
        await consumer.listener.on_partitions_revoked({tp})
        consumer.held = {tp: 20}  # back, after another worker read up to 20
        after = await shell.lag.update()
        shell.stop()
        await asyncio.wait_for(running, 10)
        return before, after

    before, after = asyncio.run(scenario())
    assert before == {(POSITIONS, 0): 21}
    assert after == {(POSITIONS, 0): 5}


CANON = "canon.vehicle-position"


def _expected_partition(key: bytes | None, partitions: int) -> int:
    """Where aiokafka's producer puts a record with ``key`` (its default partitioner, which the stage producer
    uses), among ``partitions`` all available."""
    every = list(range(partitions))
    return int(DefaultPartitioner()(key, every, every))


def _by_partition(producer: FakeProducer) -> dict[int, list[bytes]]:
    """The values handed over to each partition, in hand-over order."""
    found: dict[int, list[bytes]] = {}
    for _, partition, values, _ in producer.handed:
        found.setdefault(partition, []).extend(values)
    return found


def test_partition_for_is_the_producers_default_partitioner() -> None:
    """For keys of every length (murmur2 takes 4 bytes at a time, then the rest) and a key seen again (its hash is
    kept), over 1 to 12 partitions: the partition aiokafka's ``DefaultPartitioner`` gives; a record without a key
    goes to one of the available partitions."""
    partitioner = DefaultPartitioner()
    keys = [f"{'vehicle-' * (n % 5)}{n}".encode() for n in range(400)] + [b"", b"\xff\x00\x80", "Straße".encode()]
    for partitions in (1, 3, 6, 12):
        every = list(range(partitions))
        for key in keys + keys:
            assert partition_for(key, every, every) == partitioner(key, every, every), (key, partitions)
    assert {partition_for(None, [0, 1, 2], [2]) for _ in range(20)} == {2}


def test_records_go_in_produce_batches_to_their_keys_partitions_in_order(tmp_path: Path) -> None:
    """600 records of 50 keys over 6 partitions (small batches, so a partition's records fill several): each is
    handed over once, in a batch for the partition aiokafka's producer gives its key, and each partition gets its
    records in their order; counted as output once."""
    producer = FakeProducer(partitions=6, batch_bytes=2048)
    shell = _shell(tmp_path, lambda messages: asyncio.sleep(0))
    shell.producer = producer
    records = [OutRecord(CANON, f"v{i % 50}".encode(), f"position {i:05d} ".encode() * 4) for i in range(600)]
    asyncio.run(shell.send_all(records, produced=len(records)))
    assert sorted(producer.sent) == sorted(r.value for r in records)
    assert {(topic, batch) for topic, _, _, batch in producer.handed} == {(PREFIX + CANON, True)}
    expected: dict[int, list[bytes]] = {}
    for r in records:
        expected.setdefault(_expected_partition(r.key, 6), []).append(r.value)
    assert _by_partition(producer) == expected
    assert len(expected) == 6
    assert len(producer.handed) > 6  # some partitions took more than one batch
    assert shell.metrics.events_out.labels("normalise")._value.get() == 600


def test_a_record_too_large_for_a_batch_goes_alone_in_its_place(tmp_path: Path) -> None:
    """A record larger than a produce batch is sent on its own (``producer.send``, to its key's partition) between
    the batches of the records before and after it."""
    producer = FakeProducer(partitions=3)
    shell = _shell(tmp_path, lambda messages: asyncio.sleep(0))
    shell.producer = producer
    big = b"x" * PRODUCER_MAX_BATCH_BYTES
    records = [OutRecord(CANON, b"tram-7", value) for value in (b"a", b"b", big, b"c")]
    asyncio.run(shell.send_all(records, produced=4))
    partition = _expected_partition(b"tram-7", 3)
    assert [(p, values, batch) for _, p, values, batch in producer.handed] == [
        (partition, [b"a", b"b"], True),
        (partition, [big], False),
        (partition, [b"c"], True),
    ]


class RefusingProducer(FakeProducer):
    """The broker refuses the hand-overs whose numbers (from 0) are in ``refusals`` with the error given; every
    other one is acknowledged. Hand-overs noted in ``events`` too (shared with the consumer)."""

    def __init__(self, refusals: dict[int, BaseException], events: list[Any] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.refusals = refusals
        self.events = events if events is not None else []

    def answer(self, values: list[bytes]) -> asyncio.Future[Any]:
        number = len(self.handed) - 1
        self.events.append(("handed", number))
        answer: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if number in self.refusals:
            answer.set_exception(self.refusals[number])
        else:
            answer.set_result(None)
        return answer


def test_a_refused_batch_is_sent_again_with_the_rest_of_its_partition_and_nothing_else(tmp_path: Path) -> None:
    """The broker refuses (transiently) the first batch of one partition: that batch and the later ones of the same
    partition are sent again, after it, in order; the other partitions' acknowledged batches are not; the output
    is counted once."""
    producer = RefusingProducer({0: RequestTimedOutError()}, partitions=2, batch_bytes=256)
    shell = _shell(tmp_path, lambda messages: asyncio.sleep(0))
    shell.broker.backoff = lambda: Backoff(base_s=0.001, cap_s=0.001)
    shell.producer = producer
    records = [OutRecord(CANON, f"k{i % 7}".encode(), f"record {i:03d}".encode() * 3) for i in range(60)]
    asyncio.run(shell.send_all(records, produced=len(records)))
    first = producer.handed[0][1]  # the refused batch's partition
    mine = [r.value for r in records if _expected_partition(r.key, 2) == first]
    theirs = [r.value for r in records if _expected_partition(r.key, 2) != first]
    assert mine
    assert theirs
    assert _by_partition(producer)[first] == mine + mine  # the whole partition again, after it, in order
    assert _by_partition(producer)[1 - first] == theirs  # once
    assert shell.metrics.events_out.labels("normalise")._value.get() == 60
    assert shell.metrics.broker_retries.labels("normalise")._value.get() == 1


def _one_batch_stage(tmp_path: Path, consumer: FakeConsumer) -> BatchShell:
    shell = _shell(tmp_path, lambda messages: asyncio.sleep(0))
    shell.broker.backoff = lambda: Backoff(base_s=0.001, cap_s=0.001)

    @shell.prepare
    async def prepare(messages: list[Message]) -> Outgoing:
        consumer.events.append("prepared")
        return Outgoing([OutRecord(CANON, m.key, b"out-" + (m.value or b"")) for m in messages], len(messages))

    return shell


def test_a_batch_is_committed_only_after_its_refused_sends_went_through(tmp_path: Path) -> None:
    """The broker refuses a batch's outputs three times (transient): nothing is committed until the fourth
    hand-over is acknowledged, then the batch is, once."""
    tp = TopicPartition(PREFIX + POSITIONS, 0)
    consumer = FakeConsumer([{tp: _records(POSITIONS, 0, 0, 1, 2)}])
    producer = RefusingProducer({n: RequestTimedOutError() for n in range(3)}, consumer.events)
    shell = _one_batch_stage(tmp_path, consumer)

    async def scenario() -> None:
        running = asyncio.ensure_future(shell.run(consumer, producer))
        await asyncio.wait_for(_until(lambda: len(_commits(consumer)) == 1), 10)
        shell.stop()
        await asyncio.wait_for(running, 10)

    asyncio.run(scenario())
    handed = [e for e in consumer.events if isinstance(e, tuple) and e[0] in ("handed", "commit")]
    assert handed == [("handed", 0), ("handed", 1), ("handed", 2), ("handed", 3), ("commit", {tp: 3})]
    assert producer.sent == [f"out-{POSITIONS}@{o}".encode() for o in (0, 1, 2)] * 4


class TimingOutConsumer(FakeConsumer):
    """A consumer whose idle fetch returns nothing after a moment, as aiokafka's does after ``timeout_ms``."""

    async def getmany(self, timeout_ms: int, max_records: int) -> dict[TopicPartition, list[FakeMessage]]:
        if self.batches:
            return self.batches.pop(0)
        await asyncio.sleep(0.01)
        return {}


def test_a_batch_whose_sends_fail_for_good_is_not_committed(tmp_path: Path) -> None:
    """The broker refuses a batch's outputs for good (a permanent error): the worker stops with that error and
    commits nothing, so the batch is read again; no output is counted."""
    tp = TopicPartition(PREFIX + POSITIONS, 0)
    consumer = TimingOutConsumer([{tp: _records(POSITIONS, 0, 0, 1)}])
    producer = RefusingProducer({0: MessageSizeTooLargeError()}, consumer.events)
    shell = _one_batch_stage(tmp_path, consumer)

    async def scenario() -> None:
        await asyncio.wait_for(shell.run(consumer, producer), 10)

    with pytest.raises(MessageSizeTooLargeError):
        asyncio.run(scenario())
    assert _commits(consumer) == []
    assert ("handed", 0) in consumer.events
    assert shell.metrics.events_out.labels("normalise")._value.get() == 0
    assert shell.metrics.events_in.labels("normalise")._value.get() == 0
