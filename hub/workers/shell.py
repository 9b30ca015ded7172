"""What every stage shell shares (``StageBase``): one error path, sends awaited before the batch is acknowledged;
and the faust shell (``StageShell``) of the stages that need faust's tables (the router, the alert store). The
stateless stages run on the batch shell (``hub.workers.batch``), which shares the rest.

A stage is a handler (one consumed message in, its results out) run by ``StageShell.handle``, the one place that
turns a bad message into a dead letter: ``InvalidEventError`` with its reason and code, a ``PolicyViolation`` and any
unexpected exception as ``processing_error`` (logged with its traceback; the reason names the class only, because
an exception's text can quote the input). The worker never dies on one bad event. ``send_all`` returns once the
broker has acknowledged every record (at-least-once); what the broker did not take is sent again while the error
is transient (``hub.workers.blocked``: counted, logged when it lasts, a stop while blocked leaves the batch
unacknowledged). A committed offset the consumer finds outside its partition's records on assignment is logged as
an error and counted (the shell's consumer starts that partition over at its first record).

``/readyz`` (``hub.health``) of a stage worker: ``partitions`` (some assigned), ``broker`` (reachable, and no send
blocked), for the faust shell ``tables`` (faust's recovery of the tables from their changelogs done); storing stages
add ``database`` (``hub.workers.database``). Every few seconds the worker also exports its consumer lag
(``hub.workers.lag``).
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Generic, Protocol, TypeVar, cast

import structlog
from aiokafka.errors import KafkaError, KafkaTimeoutError, UnknownTopicOrPartitionError
from aiokafka.protocol.admin import ApiVersionRequest
from faust.exceptions import ProducerSendError

from hub.config import Settings
from hub.deadletter import Origin, dead_letter, original_headers
from hub.errors import DeadLetterReason, InvalidEventError, PolicyViolation
from hub.health import Flag, Readiness
from hub.messages import Message, OutRecord
from hub.metrics import StageMetrics
from hub.offsets import OffsetReset
from hub.topology import dlq_topic, qualified
from hub.workers.app import HubApp, make_app
from hub.workers.blocked import BlockedWait, Dependency, ErrorKind
from hub.workers.lag import LAG_INTERVAL_S, LagExporter

__all__ = [
    "BATCH_MAX",
    "BATCH_WITHIN_S",
    "Event",
    "EventStream",
    "Handled",
    "StageBase",
    "StageShell",
    "broker_error_kind",
    "broker_error_summary",
    "probe_broker",
]

log = structlog.get_logger(__name__)

BATCH_MAX = 500
#: How long the broker probe waits for an answer (``/readyz``'s ``broker``).
PROBE_TIMEOUT_S = 3.0
BATCH_WITHIN_S = 0.05

R = TypeVar("R")


class Event(Protocol):
    """A faust event: the consumed message with its stream bookkeeping."""

    @property
    def message(self) -> Message: ...


class EventStream(Protocol):
    """The part of a faust stream the shells use: events in batches."""

    def take_events(self, max_: int, within: float) -> AsyncIterator[Sequence[Event]]: ...


AgentFunction = Callable[[EventStream], Awaitable[None]]


#: Messages ``StageBase.handle_in_turns`` handles between two turns of the event loop: some milliseconds of work.
HANDLE_TURN = 100


@dataclass
class Handled(Generic[R]):
    """A batch through a handler: the results of the good messages (with the message each came from), and the dead
    letters of the bad ones."""

    results: list[tuple[Message, R]] = field(default_factory=list)
    dead: list[OutRecord] = field(default_factory=list)


class StageBase(ABC):
    """What both stage shells share: names, the one error path (``handle``/``dead``), sending and counting, the
    broker wait, readiness and the partition and offset-reset reports. A shell says how records go to its producer
    (``_send``: one record at a time on faust's producer, in produce batches per partition on the batch shell's)
    and whether the worker is asked to stop (``stopping``)."""

    def __init__(self, settings: Settings, stage: str, metrics: StageMetrics) -> None:
        self.settings = settings
        self.stage = stage
        self.metrics = metrics
        self.log = log.bind(stage=stage)
        # /readyz of the worker (hub.health): ready once partitions are assigned (more checks join it).
        self.readiness = Readiness()
        self.partitions_ready = self.readiness.flag("partitions", "no partitions assigned yet")
        broker = Dependency(
            "broker",
            broker_error_kind,
            broker_error_summary,
            metrics.broker_errors,
            metrics.broker_retries,
            metrics.broker_blocked_seconds,
        )
        self.broker = BlockedWait(broker, stage, self.log, stopping=self.stopping)

    @abstractmethod
    def stopping(self) -> bool:
        """Whether the worker is asked to stop (a wait that blocks then ends the process, ``hub.workers.blocked``)."""

    @abstractmethod
    async def _send(self, pending: list[OutRecord]) -> None:
        """Send ``pending`` and wait for the broker's answers; leave in it only what is to be sent again (what the
        broker did not acknowledge), and raise the first error when anything is left. One attempt of ``send_all``."""

    def assigned(self, count: int) -> None:
        """Report ``count`` partitions assigned (metric, readiness, log)."""
        self.metrics.assigned_partitions.labels(self.stage).set(count)
        self.partitions_ready.set(
            bool(count), "" if count else "no partitions assigned (more workers than partitions?)"
        )
        self.log.info("partitions assigned", count=count)

    def offset_reset(self, reset: OffsetReset) -> None:
        """Say loudly and count that a committed offset lay outside its partition's records (``hub.offsets``)."""
        self.metrics.offset_resets.labels(self.stage, self.declared(reset.topic), reset.reason).inc()
        if reset.reason == "beyond_end":
            what = "the broker lost the records the stage had read; the records there now are read from the start"
        else:
            what = f"retention deleted {reset.skipped} records before they were read; reading on from the start"
        self.log.error(
            f"committed offset outside the partition's records: {what}",
            topic=reset.topic,
            partition=reset.partition,
            committed=reset.committed,
            start=reset.start,
            end=reset.end,
            reason=reset.reason,
        )

    # --- names ---------------------------------------------------------------------------------------------------

    def name(self, declared: str) -> str:
        """The topic's name on the cluster (with the deployment's prefix)."""
        return qualified(self.settings.topic_prefix, declared)

    def declared(self, topic: str) -> str:
        """The declared name of a topic read from the cluster."""
        return topic.removeprefix(self.settings.topic_prefix)

    # --- the error path ------------------------------------------------------------------------------------------

    def handle(self, messages: Sequence[Message], handler: Callable[[Message], R]) -> Handled[R]:
        """``handler`` over each message; a message it fails on becomes a dead letter (see the module docstring)."""
        handled: Handled[R] = Handled()
        for message in messages:
            try:
                handled.results.append((message, handler(message)))
            except InvalidEventError as exc:
                handled.dead.append(self.dead(exc.code, exc.reason, message))
            except PolicyViolation as exc:
                # A bug in the policy or transform, or forged input: nothing of this event leaves.
                self.log.error("policy violation, nothing sent", error=str(exc), **_where(message))
                handled.dead.append(self.dead("processing_error", f"policy violation: {exc}", message))
            except Exception as exc:  # a bug met this message; the worker goes on with the next
                self.log.exception("stage failed on a message", **_where(message))
                handled.dead.append(
                    self.dead("processing_error", f"{type(exc).__name__} (see the worker log)", message)
                )
        return handled

    async def handle_in_turns(
        self, messages: Sequence[Message], handler: Callable[[Message], R], turn: int = HANDLE_TURN
    ) -> Handled[R]:
        """``handle``, giving the event loop a turn after every ``turn`` messages: the input and output of the
        batches before (a database write's round trips, the broker's answers to the sends) go on while a large
        batch is handled, instead of waiting until all of it is."""
        handled: Handled[R] = Handled()
        for start in range(0, len(messages), turn):
            if start:
                await asyncio.sleep(0)
            part = self.handle(messages[start : start + turn], handler)
            handled.results += part.results
            handled.dead += part.dead
        return handled

    def dead(self, code: DeadLetterReason, reason: str, message: Message) -> OutRecord:
        """The record for ``dlq.<stage>`` of a message given up on (counted once the broker has it)."""
        origin = Origin(message.topic, message.partition, message.offset)
        self.log.warning("dead-lettered", code=code, reason=reason, **_where(message))
        letter = dead_letter(self.stage, code, reason, origin, message.key, message.value or b"")
        headers = letter.headers() + original_headers(message)
        return OutRecord(dlq_topic(self.stage), letter.key, letter.value, headers, code)

    # --- sending -------------------------------------------------------------------------------------------------

    async def send_all(self, records: Sequence[OutRecord], produced: int = 0) -> None:
        """Send ``records`` and wait until the broker has acknowledged every one, sending again what it did not take
        while the error is transient; then count the dead letters among them and ``produced`` as this stage's
        output."""
        pending = list(records)
        if pending:
            await self.broker.run(partial(self._send, pending))
        for r in records:
            if r.dead_letter_code is not None:
                self.metrics.dead_lettered.labels(self.stage, r.dead_letter_code).inc()
        if produced:
            self.metrics.events_out.labels(self.stage).inc(produced)


class StageShell(StageBase):
    """One stage's faust app, names, batches, error path, sending and counting (the router and the alert store)."""

    def __init__(self, settings: Settings, stage: str, metrics: StageMetrics) -> None:
        self.app: HubApp = make_app(settings, stage)
        super().__init__(settings, stage, metrics)
        self.readiness.add("tables", self._tables_recovered)
        # The broker was reachable when the worker started (hub.workers.run checks); the probe and blocked sends
        # say otherwise.
        self.broker_reachable = Flag("")
        self.broker_reachable.set(True)
        self.sends_flowing = Flag("")
        self.sends_flowing.set(True)
        self.broker.flag = self.sends_flowing
        self.readiness.add("broker", self._broker_ready)
        self.lag = LagExporter(stage, metrics.consumer_lag, self._positions, self._input_name)
        self.app.timer(LAG_INTERVAL_S, name=f"{stage}-health")(self._health_tick)
        # faust types the receiver too narrowly for a bound coroutine method.
        self.app.on_partitions_assigned.connect(cast(Any, self._on_assigned))
        self.app.on_offset_reset = self.offset_reset

    def stopping(self) -> bool:
        return bool(self.app.should_stop)

    async def hand_over(self, record: OutRecord) -> Awaitable[Any]:
        producer = self.app.producer
        sent = await producer.send(self.name(record.topic), record.key, record.value, None, None, record.headers)
        return cast(Awaitable[Any], sent)

    async def _send(self, pending: list[OutRecord]) -> None:
        """Send ``pending`` one record at a time on faust's producer and wait for the broker's answers; leave in it
        only what the broker did not acknowledge, and raise the first error when anything is left."""
        handed: list[tuple[OutRecord, Awaitable[Any]]] = []
        error: BaseException | None = None
        for r in pending:
            try:
                handed.append((r, await self.hand_over(r)))
            except Exception as exc:  # not handed to the producer: this one and the rest are sent again
                error = exc
                break
        # Each answer awaited in turn: most are in by the time the first is (one produce request carries many), and
        # awaiting a done future costs less than gather's wrapper per record.
        unanswered: list[OutRecord] = []
        refused: BaseException | None = None
        for r, sent in handed:
            try:
                await sent
            except Exception as exc:  # the broker's answer: this one is sent again
                unanswered.append(r)
                refused = refused or exc
        pending[:] = unanswered + pending[len(handed) :]
        if error is None:
            error = refused
        if error is not None:
            raise error

    async def _on_assigned(self, sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        assigned = args[0] if args else kwargs.get("assigned", ())
        self.assigned(len(assigned))

    # --- health ----------------------------------------------------------------------------------------------------

    def _tables_recovered(self) -> tuple[bool, str]:
        recovery = cast(Any, self.app.tables).recovery
        done = recovery.completed.is_set() and not recovery.in_recovery
        return done, "" if done else "recovering the tables from their changelogs"

    def _broker_ready(self) -> tuple[bool, str]:
        for flag in (self.broker_reachable, self.sends_flowing):
            ok, detail = flag()
            if not ok:
                return False, detail
        return True, ""

    def _input_name(self, topic: str) -> str | None:
        """The declared name of an input topic (None for a table's changelog: not an input)."""
        if topic in self.app.tables.changelog_topics:
            return None
        return self.declared(topic)

    async def _positions(self) -> dict[tuple[str, int], tuple[int | None, int | None]]:
        """Each assigned partition's committed offset (before the first commit: the consumer's position) and its
        end as the consumer last fetched it (no broker request)."""
        consumer: Any = self.app.consumer
        positions: dict[tuple[str, int], tuple[int | None, int | None]] = {}
        for tp in consumer.assignment():
            position = consumer._committed_offset.get(tp)
            if position is None:  # nothing committed yet: where the consumer stands (its first fetch's offset)
                position = await consumer.position(tp)
            positions[(tp.topic, tp.partition)] = (position, consumer.highwater(tp))
        return positions

    async def _health_tick(self) -> None:
        """Every few seconds: the consumer lag, and whether the broker still answers."""
        try:
            await self._probe_broker()
            async with asyncio.timeout(LAG_INTERVAL_S):  # positions unknown while the broker is away
                await self.lag.update()
        except Exception as exc:  # a missed figure or probe is no reason to stop the stage; the next tick tries
            self.log.debug("health tick failed", error=f"{type(exc).__name__}: {exc}")

    async def _probe_broker(self) -> None:
        """Does a broker answer (on faust's producer client, so no connection of its own)? ``probe_broker``."""
        producer = getattr(self.app.producer, "_producer", None)
        if producer is not None:
            await probe_broker(producer.client, self.broker_reachable, self.settings.bootstrap())

    def topics(self, declared: Sequence[str]) -> Any:
        """The faust topic over ``declared`` topics, for an agent."""
        return self.app.topic(*(self.name(t) for t in declared))

    def agent(self, declared: Sequence[str], name: str) -> Callable[[Callable[[EventStream], Awaitable[None]]], Any]:
        """Register the decorated coroutine as this stage's agent over ``declared`` topics."""
        return cast(
            Callable[[Callable[[EventStream], Awaitable[None]]], Any], self.app.agent(self.topics(declared), name=name)
        )

    async def batches(self, stream: EventStream) -> AsyncIterator[list[Message]]:
        """The stream's messages in batches, timed and counted in."""
        async for events in stream.take_events(BATCH_MAX, within=BATCH_WITHIN_S):
            started = time.perf_counter()
            self.metrics.events_in.labels(self.stage).inc(len(events))
            yield [event.message for event in events]
            self.metrics.batch_seconds.labels(self.stage).observe(time.perf_counter() - started)


async def probe_broker(client: Any, reachable: Flag, bootstrap: str) -> None:
    """Does a broker of the cluster answer a request on ``client`` (an aiokafka client already connected)? Sets
    ``reachable``. Bounded by ``PROBE_TIMEOUT_S`` per broker; a broker that is down refuses at once, a hung one (a
    frozen process, a partition) times out. Without metadata yet (never connected) it says nothing."""
    brokers = [b.nodeId for b in client.cluster.brokers()]
    if not brokers:
        return
    for node in brokers:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                await client.send(node, ApiVersionRequest())  # the cheapest request
        except (TimeoutError, KafkaError, OSError):
            continue
        reachable.set(True)
        return
    reachable.set(False, f"broker unreachable: no connection to {bootstrap}")


def _broker_cause(exc: BaseException) -> BaseException:
    """The aiokafka error under faust's ``ProducerSendError``, or ``exc`` itself."""
    if isinstance(exc, ProducerSendError) and exc.__cause__ is not None:
        return exc.__cause__
    return exc


def broker_error_kind(exc: BaseException) -> ErrorKind | None:
    """``"transient"`` for a send error a retry can cure (the broker did not answer in time, the connection
    dropped, a leader moved, a topic is missing until `hub topics apply` creates it: aiokafka's retriable errors and
    its timeouts), ``"permanent"`` for a record the broker refuses for good (too large, not authorised), None for
    an exception that is no broker error (a bug)."""
    cause = _broker_cause(exc)
    if isinstance(cause, (KafkaTimeoutError, TimeoutError)):
        return "transient"
    if isinstance(cause, KafkaError):
        return "transient" if cause.retriable else "permanent"
    return None


def broker_error_summary(exc: BaseException) -> str:
    """One line naming a send error (aiokafka's messages name no record)."""
    cause = _broker_cause(exc)
    summary = f"{type(cause).__name__}: {cause}".rstrip(": ")
    if isinstance(cause, UnknownTopicOrPartitionError):
        summary += " (a topic missing? `hub topics apply` creates the declared topics)"
    return summary


def _where(message: Message) -> dict[str, Any]:
    return {"topic": message.topic, "partition": message.partition, "offset": message.offset}
