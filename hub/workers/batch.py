"""The batch shell of the stateless stages (normalise, pseudonymise, sink): aiokafka directly, no faust app
(decision 0006).

faust builds a message object per record on its consumer thread and hands each to the event loop; for a stage whose
core costs 10-75 us per event that path cost more than the work (issue 13). Here one ``AIOKafkaConsumer`` and one
``AIOKafkaProducer`` run in the worker's event loop, and the loop is:

1. ``getmany(max_records=BATCH_MAX_RECORDS)``: returns at once with whatever has been fetched (one record when the
   input is idle, no window to fill; as much as arrived meanwhile under load, up to the cap);
2. the stage's first phase over the batch (``StageBase.handle``: the one error path and its dead letters; then its
   database writes, or a ``Later`` that does them while the next batch is prepared), records of the stage's
   ``first`` topics (incidents) before the rest, each part sent on its own so incidents never wait for the
   positions fetched with them;
3. the outputs sent (``StageBase.send_all``; per partition in produce batches, ``BatchShell._send``) and every
   acknowledgement awaited, while the next batches are already fetched and prepared (at most
   ``deliveries`` + 1 batches in flight, one by default; sends and commits stay in order);
4. the next offset of each partition in the batch is committed.

At-least-once as decision 0003 says: a crash anywhere before 4 redelivers the batch, which the idempotent sinks
absorb. ``on_partitions_revoked`` waits for the batches in flight to be committed, so a partition moves only between
batches; ``on_partitions_assigned`` checks the committed offsets (``hub.offsets``), reports the partitions (metric,
readiness). SIGTERM/SIGINT stop the loop after the batches in flight are committed; the consumer leaves its group
and the process exits 0. A stop while a batch is blocked on the broker or the database ends the process at once
(``hub.workers.blocked``), leaving that batch uncommitted.
"""

from __future__ import annotations

import asyncio
import signal
import time
from collections import deque
from collections.abc import Awaitable, Callable, Collection, Sequence
from contextlib import AbstractAsyncContextManager, AsyncExitStack
from dataclasses import dataclass
from functools import partial
from itertools import zip_longest
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError
from aiokafka.partitioner import DefaultPartitioner, murmur2

from hub.config import Settings
from hub.errors import BrokerError
from hub.health import Flag
from hub.kafka_security import aiokafka_options, security_of
from hub.messages import Message, OutRecord
from hub.metrics import StageMetrics
from hub.workers.app import (
    PRODUCER_MAX_BATCH_BYTES,
    PRODUCER_MAX_REQUEST_BYTES,
    leave_also_in_generation_zero,
    offset_resets,
    refuse_topic_auto_creation,
)
from hub.workers.lag import LAG_INTERVAL_S, LagExporter
from hub.workers.shell import StageBase, probe_broker

__all__ = [
    "BATCH_MAX_RECORDS",
    "BatchHandler",
    "BatchShell",
    "Later",
    "Outgoing",
    "Prepare",
    "make_stage_consumer",
    "make_stage_producer",
    "partition_for",
]

#: The most records one batch takes; under load each batch takes what arrived while the last one was worked on.
BATCH_MAX_RECORDS = 1000
#: How long one ``getmany`` waits when nothing has been fetched; it returns at once when something has, so this
#: only bounds how often an idle loop looks at its stop flag.
FETCH_TIMEOUT_MS = 1000
#: Deliveries (database writes, sends, commits) of the batches before that may be under way while a batch is
#: prepared, by default. A stage with a ``Later`` takes more (``BatchShell(deliveries=...)``): with one, each batch
#: waited for the one before to be stored, sent and committed, and the pseudonymiser's register write (some 70 ms a
#: batch of 1,000 while the next is handled) held every batch back (issue 13). Normalise and the sink ran as fast
#: with two (A/B, 2026-12-06), so they keep one: an incident's records wait for the deliveries in flight.
DELIVERIES_IN_FLIGHT = 1
#: The producer's linger: the records of a batch are handed over together anyway; a longer linger only delays a
#: lone incident.
PRODUCER_LINGER_MS = 1

#: What a produce batch takes beyond its records' keys, values and header names and values (the batch's header, 61
#: bytes, and each record's length fields, a generous bound): a record with more than the batch size less this goes
#: out alone (``producer.send``).
BATCH_OVERHEAD_BYTES = 256
#: The murmur2 hashes of keys kept (``partition_for``): the keys of a feed repeat (vehicles, trips, incidents).
MAX_KEY_HASHES = 100_000

#: One batch of a stage: returns once every output and database write of it is confirmed.
BatchHandler = Callable[[list[Message]], Awaitable[None]]


@dataclass(frozen=True)
class Outgoing:
    """What a prepared batch sends: its records (outputs and dead letters) and how many of them are outputs."""

    records: list[OutRecord]
    produced: int


@dataclass(frozen=True)
class Later:
    """A prepared batch whose records are known only once ``finish`` has run (its database writes, whose refused
    rows turn into dead letters): the shell starts ``finish`` as soon as the batch is prepared, and sends what it
    returns once the batch before is committed. So the writes of one batch overlap the handling of the next, and
    nothing of a batch is sent before its ``finish`` returned."""

    finish: Callable[[], Awaitable[Outgoing | None]]


#: The first phase of a stage: the batch handled (and its database writes done, or left to a ``Later``); what is to
#: be sent.
Prepare = Callable[[list[Message]], Awaitable[Outgoing | Later | None]]


_key_hashes: dict[bytes, int] = {}
_default_partitioner = DefaultPartitioner()


def partition_for(key: bytes | None, partitions: list[int], available: list[int]) -> int:
    """The partition aiokafka's producer sends a record with ``key`` to (``DefaultPartitioner``, which the stage
    producer uses: murmur2 of the key over all the topic's ``partitions``, as the Java client; a record without a
    key to a random one of the ``available``). The hash of a key is kept (up to ``MAX_KEY_HASHES`` keys): aiokafka's
    murmur2 is pure Python and costs several microseconds a key."""
    if key is None:
        return _default_partitioner(None, partitions, available)  # type: ignore[no-any-return]
    hashed = _key_hashes.get(key)
    if hashed is None:
        if len(_key_hashes) >= MAX_KEY_HASHES:
            _key_hashes.clear()
        hashed = _key_hashes[key] = murmur2(key) & 0x7FFFFFFF
    return partitions[hashed % len(partitions)]


class _Chunk:
    """What one hand-over to the producer sends: the records ``indices`` (of the pending list) for ``partition`` of
    ``topic``, in a closed produce ``batch``, or one record alone (``batch`` None)."""

    __slots__ = ("acknowledged", "batch", "indices", "partition", "sent", "topic")

    def __init__(self, topic: str, partition: int, indices: list[int], batch: Any) -> None:
        self.topic = topic
        self.partition = partition
        self.indices = indices
        self.batch = batch
        self.sent: Awaitable[Any] | None = None
        self.acknowledged = False


def _chunked(producer: Any, topic: str, partition: int, indices: list[int], pending: list[OutRecord]) -> list[_Chunk]:
    """The records ``indices`` of ``pending`` for ``partition`` of ``topic``, in their order, in produce batches of
    the producer's batch size (``create_batch``); a record too large for an empty batch alone."""
    room = PRODUCER_MAX_BATCH_BYTES - BATCH_OVERHEAD_BYTES
    made: list[_Chunk] = []
    batch: Any = None
    members: list[int] = []
    for i in indices:
        r = pending[i]
        if _size(r) > room:  # alone, with send, after the records before it
            if batch is not None:
                made.append(_Chunk(topic, partition, members, _closed(batch)))
                batch, members = None, []
            made.append(_Chunk(topic, partition, [i], None))
            continue
        if batch is None:
            batch = producer.create_batch()
        if batch.append(timestamp=None, key=r.key, value=r.value, headers=r.headers) is None:
            # full: it goes as it is, and this record starts the next one
            made.append(_Chunk(topic, partition, members, _closed(batch)))
            batch, members = producer.create_batch(), []
            if batch.append(timestamp=None, key=r.key, value=r.value, headers=r.headers) is None:
                raise RuntimeError("an empty produce batch refused a record")  # aiokafka takes any first record
        members.append(i)
    if batch is not None:
        made.append(_Chunk(topic, partition, members, _closed(batch)))
    return made


async def _answers(handed: list[_Chunk]) -> BaseException | None:
    """Await the broker's answer to each chunk ``handed`` over, all of them whatever the others said (no answer is
    left unretrieved), and note which were acknowledged; the first error, or None."""
    error: BaseException | None = None
    for chunk in handed:
        try:
            await chunk.sent  # type: ignore[misc]  # set for every chunk handed over
        except Exception as exc:
            error = error or exc
        else:
            chunk.acknowledged = True
    return error


def _unacknowledged(sequence: list[_Chunk]) -> list[int]:
    """The records of one partition's chunks to send again: from its first chunk not acknowledged (not handed over,
    or refused) to its end, so their last copies keep the partition's order."""
    for k, chunk in enumerate(sequence):
        if not chunk.acknowledged:
            return [i for later in sequence[k:] for i in later.indices]
    return []


def _closed(batch: Any) -> Any:
    """``batch`` closed to more records: the producer sends a closed batch at once, without its linger."""
    batch.close()
    return batch


def _size(record: OutRecord) -> int:
    """The bytes ``record`` brings into a produce batch, but for the length fields."""
    size = len(record.value) + (len(record.key) if record.key is not None else 0)
    if record.headers:
        size += sum(len(name) + len(value) for name, value in record.headers)
    return size


def make_stage_consumer(settings: Settings, group: str) -> AIOKafkaConsumer:
    """The consumer of a batch-shell stage in ``group`` (not started): no auto-commit (the shell commits after the
    outputs are confirmed), the hub's fetch wait (the embedded broker answers only after it, decision 0002), the
    group timings and static membership of the faust workers."""
    refuse_topic_auto_creation()
    session = settings.consumer_session_timeout_s
    return AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap(),
        group_id=group,
        client_id=group,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=settings.consumer_fetch_max_wait_ms,
        session_timeout_ms=round(session * 1000),
        heartbeat_interval_ms=round(max(session / 6, 0.5) * 1000),
        group_instance_id=settings.consumer_group_instance_id,
        metadata_max_age_ms=round(settings.kafka_metadata_max_age_s * 1000),
        **aiokafka_options(settings),
    )


def make_stage_producer(settings: Settings, client_id: str) -> AIOKafkaProducer:
    """The producer of a batch-shell stage (not started): every record acknowledged by all replicas, large batches
    (as the faust workers' producer), a short linger, and a metadata refresh that notices a vanished topic."""
    refuse_topic_auto_creation()
    return AIOKafkaProducer(
        bootstrap_servers=settings.bootstrap(),
        client_id=client_id,
        acks="all",
        partitioner=_default_partitioner,  # the one ``partition_for`` follows
        linger_ms=PRODUCER_LINGER_MS,
        max_batch_size=PRODUCER_MAX_BATCH_BYTES,
        max_request_size=PRODUCER_MAX_REQUEST_BYTES,
        metadata_max_age_ms=round(settings.kafka_metadata_max_age_s * 1000),
        **aiokafka_options(settings),
    )


class BatchShell(StageBase):
    """A stateless stage over ``inputs`` (declared topics): the stage registers its first phase (``prepare``: handle
    a batch, write its rows, return what to send) or a one-phase handler (``handler``), and the resources it needs
    open (``uses``); ``serve`` runs it until a stop signal. Records of the ``first`` topics go before the rest."""

    def __init__(
        self,
        settings: Settings,
        stage: str,
        metrics: StageMetrics,
        inputs: Sequence[str],
        *,
        first: Collection[str] = (),
        max_records: int = BATCH_MAX_RECORDS,
        deliveries: int = DELIVERIES_IN_FLIGHT,
    ) -> None:
        super().__init__(settings, stage, metrics)
        self.inputs = list(inputs)
        self.first = frozenset(first)
        self.max_records = max_records
        self.deliveries = deliveries
        self.group = f"{settings.topic_prefix}hub-{stage}"
        # /readyz "broker": the fetches, sends and commits went through (broker_ready), and a broker answers the
        # probe every LAG_INTERVAL_S (an idle consumer's fetch neither fails nor answers while a broker hangs).
        self.broker_ready = Flag("not connected to the broker yet")
        self.broker_reachable = Flag("")
        self.broker_reachable.set(True)
        self.readiness.add("broker", self._broker_check)
        self.broker.flag = self.broker_ready
        self._prepare: Prepare | None = None
        self._resources: list[Callable[[], AbstractAsyncContextManager[Any]]] = []
        self._stop = False
        self._fetching: asyncio.Future[Any] | None = None
        self._deliveries: deque[asyncio.Task[None]] = deque()  # in flight, oldest first
        self._busy = 0
        self._quiet: asyncio.Event | None = None
        self.consumer: Any = None
        self.producer: Any = None
        # hub_consumer_lag (hub.workers.lag): from the offsets this shell committed and the ends its fetches saw.
        self._committed: dict[TopicPartition, int] = {}
        self._names: dict[str, str] = {}  # declared topic -> its name on the cluster, for the sends
        self.lag = LagExporter(stage, metrics.consumer_lag, self._positions, self._input_name)

    # --- what the stage registers --------------------------------------------------------------------------------

    def handler(self, process: BatchHandler) -> BatchHandler:
        """Register ``process`` as the stage's batch handler (a decorator): it handles, writes and sends a batch
        itself, and returns once all of it is confirmed."""

        async def prepare(messages: list[Message]) -> None:
            await process(messages)

        self._prepare = prepare
        return process

    def prepare(self, prepare: Prepare) -> Prepare:
        """Register ``prepare`` as the stage's first phase (a decorator): it handles a batch and does its database
        writes, or returns them as a ``Later``; the shell sends what it returns (``send_all``) while it prepares the
        next batch (``run_batch``)."""
        self._prepare = prepare
        return prepare

    async def _deliver(self, outgoing: Outgoing | None) -> None:
        if outgoing is not None:
            await self.send_all(outgoing.records, produced=outgoing.produced)

    def uses(self, resource: Callable[[], AbstractAsyncContextManager[Any]]) -> None:
        """Keep ``resource()`` entered while the stage runs (a database pool)."""
        self._resources.append(resource)

    # --- StageBase -----------------------------------------------------------------------------------------------

    def stopping(self) -> bool:
        return self._stop

    async def _send(self, pending: list[OutRecord]) -> None:
        """Send ``pending`` in produce batches, one future per batch instead of a ``send`` coroutine and a future
        per record, and wait for the broker's answers (``StageBase._send``: one attempt of ``send_all``).

        Each record goes to the partition aiokafka's producer would choose for it (``partition_for``), and the
        records of one partition are appended in their order to batches of ``PRODUCER_MAX_BATCH_BYTES``
        (``producer.create_batch``), each closed and handed over with ``producer.send_batch``; a record too large
        for an empty batch goes alone with ``producer.send`` in its place (refused there as before when it is
        larger than a request may be). The producer sends one batch per partition at a time and retries a batch
        the broker did not take while the error is retriable, so the partition's order holds; the future of a
        batch is its acknowledgement (acks=all) or the error it was given up with.

        Left in ``pending`` afterwards: the records of every batch not acknowledged and, after the first such
        batch of a partition, the rest of that partition (sent again after it, so the last copy of each record
        keeps the partition's order; the duplicates are absorbed downstream, decision 0003), and whatever was not
        handed over; the first error is raised when anything is left."""
        chunks = {
            tp: _chunked(self.producer, *tp, indices, pending)
            for tp, indices in (await self._by_partition(pending)).items()
        }
        handed: list[_Chunk] = []
        error: BaseException | None = None
        try:
            # The first batch of every partition before any second one: the producer takes a partition's next
            # batch only once the one before is on its way.
            for turn in zip_longest(*chunks.values()):
                for chunk in turn:
                    if chunk is not None:
                        chunk.sent = await self._hand_over(chunk, pending)
                        handed.append(chunk)
        except Exception as exc:  # not handed to the producer: this batch and the rest are sent again
            error = exc
        refused = await _answers(handed)  # every answer awaited, also after a failed hand-over
        error = error or refused
        if error is not None:
            again = sorted(i for sequence in chunks.values() for i in _unacknowledged(sequence))
            pending[:] = [pending[i] for i in again]
            raise error
        pending.clear()

    async def _hand_over(self, chunk: _Chunk, pending: list[OutRecord]) -> Awaitable[Any]:
        """Hand ``chunk`` to the producer: its batch, or its one record; the awaitable of the broker's answer."""
        if chunk.batch is not None:
            sent = await self.producer.send_batch(chunk.batch, chunk.topic, partition=chunk.partition)
        else:
            r = pending[chunk.indices[0]]
            sent = await self.producer.send(
                chunk.topic, r.value, key=r.key, partition=chunk.partition, headers=r.headers
            )
        return sent  # type: ignore[no-any-return]

    async def _by_partition(self, pending: list[OutRecord]) -> dict[tuple[str, int], list[int]]:
        """The indices of ``pending``'s records by (topic on the cluster, partition), in their order."""
        producer = self.producer
        names = self._names
        partitions: dict[str, tuple[list[int], list[int]]] = {}
        by_partition: dict[tuple[str, int], list[int]] = {}
        for i, r in enumerate(pending):
            topic = names.get(r.topic)
            if topic is None:
                topic = names[r.topic] = self.name(r.topic)
            known = partitions.get(topic)
            if known is None:  # as the producer's send: wait for the topic's metadata (or fail as it does)
                every = list(await producer.partitions_for(topic))
                available = list(producer.client.cluster.available_partitions_for_topic(topic) or ())
                known = partitions[topic] = (every, available)
            tp = (topic, partition_for(r.key, *known))
            indices = by_partition.get(tp)
            if indices is None:
                by_partition[tp] = [i]
            else:
                indices.append(i)
        return by_partition

    # --- running -------------------------------------------------------------------------------------------------

    def stop(self) -> None:
        """Ask the loop to stop after the batch in flight (a signal handler); an idle fetch is ended at once."""
        if not self._stop:
            self.log.info("stopping after the batch in flight")
        self._stop = True
        if self._fetching is not None:
            self._fetching.cancel()

    async def serve(self) -> None:
        """Run until SIGTERM or SIGINT, then stop as ``stop`` says."""
        self.log.info("kafka clients connect", security=security_of(self.settings).describe())
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self.stop)
        try:
            await self.run(
                make_stage_consumer(self.settings, self.group), make_stage_producer(self.settings, self.group)
            )
        finally:
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)

    async def run(self, consumer: Any, producer: Any) -> None:
        """Consume, handle, confirm and commit batch after batch with ``consumer`` and ``producer`` (aiokafka's, or
        stand-ins in tests) until ``stop``; both are started here and stopped at the end (the consumer leaves its
        group)."""
        if self._prepare is None:
            raise RuntimeError(f"stage {self.stage} registered no batch handler")
        self.consumer, self.producer = consumer, producer
        self._quiet = asyncio.Event()
        self._quiet.set()
        await producer.start()
        try:
            await consumer.start()
            leave_also_in_generation_zero(consumer)
            consumer.subscribe([self.name(t) for t in self.inputs], listener=_Rebalance(self))
            self.broker_ready.set(True)
            lag = asyncio.ensure_future(self._export_lag())
            try:
                async with AsyncExitStack() as stack:
                    for resource in self._resources:
                        await stack.enter_async_context(resource())
                    await self._loop()
            finally:
                lag.cancel()
        finally:
            try:
                await consumer.stop()
            finally:
                await producer.stop()
                self.log.info("stopped")

    def _input_name(self, topic: str) -> str | None:
        return self.declared(topic)

    def _broker_check(self) -> tuple[bool, str]:
        for flag in (self.broker_ready, self.broker_reachable):
            ok, detail = flag()
            if not ok:
                return False, detail
        return True, ""

    async def _positions(self) -> dict[tuple[str, int], tuple[int | None, int | None]]:
        """Each assigned partition's committed offset (before the first commit here: the consumer's position) and
        its end as the last fetch saw it (no broker request)."""
        positions: dict[tuple[str, int], tuple[int | None, int | None]] = {}
        for tp in self.consumer.assignment():
            position = self._committed.get(tp)
            if position is None:
                position = await self.consumer.position(tp)
            positions[(tp.topic, tp.partition)] = (position, self.consumer.highwater(tp))
        return positions

    async def _export_lag(self) -> None:
        """Every ``LAG_INTERVAL_S``: whether a broker answers, and the consumer lag (a missed figure or probe is no
        reason to stop the stage; the next tick tries again)."""
        while True:
            await asyncio.sleep(LAG_INTERVAL_S)
            try:
                await probe_broker(self.producer.client, self.broker_reachable, self.settings.bootstrap())
                async with asyncio.timeout(LAG_INTERVAL_S):
                    await self.lag.update()
            except Exception as exc:  # the next tick tries again
                self.log.debug("lag export failed", error=f"{type(exc).__name__}: {exc}")

    async def _loop(self) -> None:
        try:
            while not self._stop:
                batch = await self._fetch()
                if batch:
                    await self.run_batch(batch)
                else:
                    await self._reap()  # idle: deliveries that ended; raise what they raised
        finally:
            if self._deliveries:
                await self._settle()

    async def _fetch(self) -> dict[TopicPartition, list[Any]]:
        """The next batch, or nothing (idle, a stop, a fetch error)."""
        self._fetching = asyncio.ensure_future(
            self.consumer.getmany(timeout_ms=FETCH_TIMEOUT_MS, max_records=self.max_records)
        )
        try:
            batch: dict[TopicPartition, list[Any]] = await self._fetching
        except asyncio.CancelledError:
            if self._stop:
                return {}
            raise
        except KafkaError as exc:
            self.broker_ready.set(False, f"fetching failed: {type(exc).__name__}")
            self.log.warning("fetching failed, fetching again", error=repr(exc))
            await asyncio.sleep(0.5)
            return {}
        finally:
            self._fetching = None
        if batch:
            self._busy += 1  # before any await: a revocation from now on waits for this batch
            assert self._quiet is not None
            self._quiet.clear()
        return batch

    async def run_batch(self, batch: dict[TopicPartition, list[Any]]) -> None:
        """One fetched batch through both phases, then its offsets committed.

        The records of the ``first`` topics are prepared and delivered on their own and before the rest, once the
        deliveries in flight are done (their records were fetched before), without waiting behind the rest. The
        rest is prepared while the deliveries of up to ``deliveries`` batches before are under way: a
        ``Later.finish`` (database writes) starts at once, and the batch's records are sent once that returned and
        the batch before is committed (sends stay in order). So at most ``deliveries`` + 1 batches are in
        flight, and offsets are committed in order, each only after its batch's outputs are confirmed."""
        assert self._prepare is not None
        started = time.perf_counter()
        records: list[Message] = [record for records in batch.values() for record in records]
        first: list[Message] = []
        rest = records
        if self.first and any(self.declared(tp.topic) in self.first for tp in batch):  # by partition, not record
            first = [r for tp, rs in batch.items() if self.declared(tp.topic) in self.first for r in rs]
            rest = [r for tp, rs in batch.items() if self.declared(tp.topic) not in self.first for r in rs]
        offsets = {tp: records[-1].offset + 1 for tp, records in batch.items() if records}
        if first:
            prepared = _finishing(await self._prepare(first))
            await self._settled(prepared)
            await self._deliver(await _finished(prepared))
        prepared = _finishing(await self._prepare(rest) if rest else None)
        previous = self._deliveries[-1] if self._deliveries else None
        self._deliveries.append(
            asyncio.ensure_future(self._deliver_and_commit(prepared, previous, len(records), offsets, started))
        )
        while len(self._deliveries) > self.deliveries:
            await self._deliveries.popleft()  # raises what that delivery raised

    async def _settled(self, prepared: Awaitable[Outgoing | None] | Outgoing | None) -> None:
        """``_settle``; a ``Later.finish`` already started for the next batch is cancelled when that raises."""
        try:
            await self._settle()
        except BaseException:
            if isinstance(prepared, asyncio.Future):
                prepared.cancel()
            raise

    async def _deliver_and_commit(
        self,
        prepared: Awaitable[Outgoing | None] | Outgoing | None,
        previous: asyncio.Task[None] | None,
        events: int,
        offsets: dict[TopicPartition, int],
        started: float,
    ) -> None:
        try:
            outgoing = await _finished(prepared)  # its rows stored (meanwhile the batch before is delivered)
            if previous is not None:
                # Sends and commits in the order of the batches; the batch before failing fails this one too. Not
                # cancelled with this one (a stop cancels the newest delivery only).
                await asyncio.shield(previous)
            await self._deliver(outgoing)
            # Counted in once handled and confirmed: with batches in flight, a count taken when a batch is
            # fetched would run a batch ahead of its outputs, dead letters and rows.
            self.metrics.events_in.labels(self.stage).inc(events)
            await self._commit(offsets)
            self.metrics.batch_seconds.labels(self.stage).observe(time.perf_counter() - started)
        finally:
            self._busy -= 1
            if self._busy == 0:
                assert self._quiet is not None
                self._quiet.set()

    async def _settle(self) -> None:
        """Wait for the delivery and commit of every batch in flight, in order (raising what the first to fail
        raised)."""
        failure: BaseException | None = None
        while self._deliveries:  # every one awaited, so none is left with its error unretrieved
            try:
                await self._deliveries.popleft()
            except BaseException as exc:
                failure = failure or exc
        if failure is not None:
            raise failure

    async def _reap(self) -> None:
        """Take the deliveries that ended off the front of those in flight (raising what one raised)."""
        while self._deliveries and self._deliveries[0].done():
            await self._deliveries.popleft()

    async def _commit(self, offsets: dict[TopicPartition, int]) -> None:
        try:
            await self.broker.run(partial(self.consumer.commit, offsets))
        except (CommitFailedError, IllegalStateError) as exc:
            # The group moved the partitions on (this worker was too slow to answer the rebalance): the batch is
            # read again by their new owner, whose sinks absorb what this one already stored and sent.
            self.log.warning("batch not committed: its partitions moved to another worker", error=repr(exc))
            return
        self._committed.update(offsets)
        self.broker_ready.set(True)

    async def revoked(self, partitions: Collection[TopicPartition]) -> None:
        """Return once every batch in flight is committed: the partitions move only between batches."""
        if self._quiet is not None:
            await self._quiet.wait()
        for tp in partitions:  # a partition assigned again later starts from the group's offset, not this one's
            self._committed.pop(tp, None)
        self.log.info("partitions revoked", count=len(partitions))

    async def on_assigned(self, partitions: Collection[TopicPartition]) -> None:
        """Check the committed offsets of ``partitions`` (a reset is sought to, said, counted and committed), then
        report them (metric, readiness, log)."""
        if partitions:
            await self._check_offsets(list(partitions))
        self.assigned(len(partitions))

    async def _check_offsets(self, partitions: list[TopicPartition]) -> None:
        consumer = self.consumer
        try:
            found = await consumer._coordinator.fetch_committed_offsets(partitions)
            committed = {tp: meta.offset for tp, meta in found.items() if meta is not None and meta.offset >= 0}
            resets = (
                await offset_resets(consumer, committed, self.settings.bootstrap(), security_of(self.settings))
                if committed
                else {}
            )
        except (KafkaError, BrokerError) as exc:  # read on from the committed offsets; the next assignment checks
            self.log.warning("the committed offsets could not be checked against the partitions", error=repr(exc))
            return
        for tp, reset in resets.items():
            consumer.seek(tp, reset.to)
            self.offset_reset(reset)
        if resets:
            try:  # said and counted once: the next assignment finds the offsets in range
                await consumer.commit({tp: reset.to for tp, reset in resets.items()})
            except KafkaError as exc:
                self.log.warning("the reset offsets were not committed; the next batch commits them", error=repr(exc))


def _finishing(prepared: Outgoing | Later | None) -> asyncio.Future[Outgoing | None] | Outgoing | None:
    """A prepared batch's outgoing records: a ``Later``'s ``finish`` started now (a future), else as they are."""
    if isinstance(prepared, Later):
        return asyncio.ensure_future(prepared.finish())
    return prepared


async def _finished(prepared: Awaitable[Outgoing | None] | Outgoing | None) -> Outgoing | None:
    """The records of a batch from ``_finishing``: a ``Later``'s once its ``finish`` returned (nothing of the batch
    is sent before its rows are stored)."""
    if prepared is None or isinstance(prepared, Outgoing):
        return prepared
    return await prepared


class _Rebalance(ConsumerRebalanceListener):  # type: ignore[misc]  # aiokafka's listener is untyped
    def __init__(self, shell: BatchShell) -> None:
        self.shell = shell

    async def on_partitions_revoked(self, revoked: Collection[TopicPartition]) -> None:
        await self.shell.revoked(revoked)

    async def on_partitions_assigned(self, assigned: Collection[TopicPartition]) -> None:
        await self.shell.on_assigned(assigned)
