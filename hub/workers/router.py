"""The router worker: the faust shell of ``hub.router.core``. Canonical events and acknowledgements in, alerts out to
``alerts.<domain>``, bad records to ``dlq.router``; escalation, expiry and the watchdog on a timer.

The core's state lives in faust global tables (``RouterTables``), each with its compacted changelog
``state.router.<table>``; the shell writes what changed after every step and tick, and hands the recovered tables
to the core once, before its first event or tick.

Alerts first (issue 13): incidents and acknowledgements (``URGENT_INPUTS``) come in through an agent of their own,
each taken as it arrives, and the flow of positions, trip updates and unit reports (``FLOW_INPUTS``) is worked in
steps of at most ``FLOW_STEP_MAX`` events with a short pause between two, so an incident waits for at most one step
of positions, not for a whole batch and not behind the positions queued before it. faust and aiokafka are set so
that fetched positions do not hold an incident back on its way to that agent (``FLOW_FETCH_BYTES``,
``POLL_RECORDS_MAX``, ``FLOW_QUEUE_MAX``, ``PREFETCH_BACKOFF_S``).

Both agents and the timer drive one core in one event loop. A step (events into the core, the alerts put in the
``Outbox``) never awaits, so steps never interleave; nor does a save (the changed table entries written: by the flow
once per batch, by an urgent step and the timer once their alerts are confirmed), so the tables have one writer.
The outbox sends in the order things were put in it, so the revisions of an alert leave in the order the core made
them whichever path sends them. The flow's steps do not wait for each other's confirmations (the broker confirms
while the next step runs), but every agent waits, before faust may commit its offsets, until what it put in the
outbox and everything put before is confirmed (at-least-once, as before).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any, cast

from hub.config import Settings
from hub.messages import Message, OutRecord
from hub.metrics import StageMetrics
from hub.network.roads import RoadGraphRouter
from hub.network.tram import TramNetwork, load_tram_network
from hub.privacy.pseudonym import pseudonymise
from hub.privacy.setup import stage_keys, stage_policy
from hub.router.core import FLOW_INPUTS, TICK_INTERVAL_S, URGENT_INPUTS, EventClock, RouterCore
from hub.router.intercept import DEFAULT_PARAMS
from hub.router.model import InterceptParams
from hub.router.persist import TABLES, TableName
from hub.topology import state_topic
from hub.workers.heap import settle_heap
from hub.workers.shell import BATCH_MAX, BATCH_WITHIN_S, EventStream, StageShell

#: Events of the flow worked in one step: at 0.1-0.5 ms each (20-100 open incidents, a busy machine) a step holds the
#: event loop, and an incident that arrives meanwhile, for some 3-15 ms.
FLOW_STEP_MAX = 32
#: The pause between two steps of the flow, in turns of the event loop: enough for faust to hand an incident that came
#: in meanwhile all the way to the urgent agent (each hand-over is a turn). Turns, not a timed sleep: a process that
#: sleeps, even 0.5 ms, gives its CPU back to the OS, and on a busy machine waits tens of milliseconds to get it back
#: (measured: the flow fell far behind with a 0.5 ms sleep per step).
FLOW_PAUSE_TURNS = 8
#: Bytes of one partition in one fetch, once the tables are recovered (aiokafka's ``max_partition_fetch_bytes``; faust's
#: default, 1 MiB, is kept for reading the changelogs back at start). aiokafka hands buffered records out partition by
#: partition in the order the fetches brought them, so an incident fetched with or after a MiB of positions (some
#: 1,500) waited until the flow had taken all of those: measured under load, incident -> alert followed the flow's lag
#: (seconds). 16 KiB is some 25 positions per partition and fetch, a few thousand a second at the embedded broker's
#: fetch wait, which answers each fetch after about ``HUB_CONSUMER_FETCH_MAX_WAIT_MS``.
FLOW_FETCH_BYTES = 16 * 1024
#: Records one ``getmany`` hands to faust (aiokafka's ``max_poll_records``), more than one fetch brings with
#: ``FLOW_FETCH_BYTES`` (6 position partitions), so an incident comes with the positions fetched beside it.
POLL_RECORDS_MAX = 256
#: The flow's queue in faust (events fetched and waiting for the agent, besides the batch being taken). faust hands the
#: records of a ``getmany`` over one after the other and, when a queue is full, waits for room before handing over the
#: next record, whichever agent it is for: an incident behind positions then waited until the flow had taken some. faust
#: stops fetching a partition once its queue is 80 % full (``pressure_high_ratio`` 1.25); the room above that holds a
#: whole ``getmany`` (``POLL_RECORDS_MAX``), so handing over never waits for the flow (``test_router_shell``).
FLOW_QUEUE_MAX = 1_280
#: aiokafka asks the broker for nothing while records of any partition wait unread in its buffer, for up to
#: ``prefetch_backoff`` (0.1 s) after they came. The flow's records wait there whenever faust has paused the flow
#: (its queue full, above): an incident then waited up to 0.1 s to be fetched at all. After this long, the other
#: partitions (incidents, acknowledgements) are fetched while the flow's records wait.
PREFETCH_BACKOFF_S = 0.005
#: The flow's batches, as the shell's. A batch is finished (faust may commit) only once all of it is confirmed, one
#: confirmation wait per batch, long when the broker is starved: batches of 128 were tried, and on the loaded machine
#: the router then caught up no faster (5-36 s after the flow), so the batches stay at 500 (an incident no longer
#: waits for them: ``FLOW_QUEUE_MAX``).
FLOW_BATCH_MAX = BATCH_MAX
#: The urgent path takes each event as it comes: faust's ``take_events`` hands over a batch as soon as it holds this
#: many, so no timer is waited for (``within`` is then only how often an idle stream looks again).
URGENT_BATCH_MAX = 1
URGENT_IDLE_S = 1.0
#: Table writes waiting in faust's producer buffer above which the flow waits, before its next step, until fewer
#: than ``FLOW_BUFFER_LOW`` wait. faust's conductor stops every input of the worker (incidents too) once more than
#: ``hub.workers.app.PRODUCER_BUFFER_MAX_MESSAGES`` (5,000) wait; a step writes at most some hundred entries, so
#: the flow holds itself back long before that and the urgent path never stops.
FLOW_BUFFER_HIGH = 2_000
FLOW_BUFFER_LOW = 500


def intercept_params(roads: str, network: TramNetwork) -> InterceptParams:
    """The recommendation's parameters with the road model ``roads`` (``Settings.router_roads``): on the street
    graph, with its trees to every tram stop worked out now (some seconds at start, not at the first incident) and
    the speed bound that keeps the search exact; or straight lines."""
    if roads == "straight":
        return DEFAULT_PARAMS
    router = RoadGraphRouter()
    router.warm((s.lat, s.lon) for line in network.lines.values() for d in line.directions for s in d.stops)
    return replace(DEFAULT_PARAMS, router=router, crow_speed_kmh=router.crow_speed_kmh())


def havag_reference(settings: Settings, environ: Mapping[str, str]) -> Callable[[str], str]:
    """HAVAG's reference token: the incident id pseudonymised under the HAVAG domain's key."""
    key = stage_keys(settings, stage_policy(settings), environ).for_domain("havag").active
    return lambda incident_id: pseudonymise(incident_id, key)


def tune_fetcher(app: Any) -> bool:
    """Set ``FLOW_FETCH_BYTES`` and ``PREFETCH_BACKOFF_S`` on the fetcher of ``app``'s running aiokafka consumer
    (aiokafka takes neither after it started, and has no setting for the backoff; faust builds the consumer in its
    consumer thread). Whether they were set: False before the consumer runs."""
    consumer = getattr(getattr(app.consumer, "_thread", None), "_consumer", None)
    fetcher = getattr(consumer, "_fetcher", None)
    if (
        fetcher is None
        or not hasattr(fetcher, "_prefetch_backoff")
        or not hasattr(fetcher, "_max_partition_fetch_bytes")
    ):
        return False
    # Plain attributes, read as each fetch request is made and as a fetch's records are buffered.
    fetcher._max_partition_fetch_bytes = FLOW_FETCH_BYTES
    fetcher._prefetch_backoff = PREFETCH_BACKOFF_S
    return True


class RouterTables:
    """The router's faust global tables (bytes to bytes), one per ``TABLES`` name. Global: every router worker
    holds all of it. Written from the timer too, so the producer picks the partition."""

    def __init__(self, shell: StageShell, core: RouterCore, settle: Callable[[], None] = lambda: None) -> None:
        self.shell = shell
        self.core = core
        self.settle = settle  # after the take-over (the worker's ``settle_heap``)
        self.restored = False
        self.tables: dict[TableName, Any] = {}
        for name in TABLES:
            changelog = shell.app.topic(shell.name(state_topic("router", name)), key_type=bytes, value_type=bytes)
            self.tables[name] = shell.app.GlobalTable(
                f"router-{name}", default=None, partitions=1, use_partitioner=True, changelog_topic=changelog
            )

    def recovered(self) -> bool:
        """Whether faust has read the changelogs back (it resumes the streams only then)."""
        return bool(cast(Any, self.shell.app.tables).recovery.completed.is_set())

    async def wait_recovered(self) -> None:
        """Return once faust has read the changelogs back."""
        await cast(Any, self.shell.app.tables).recovery.completed.wait()

    def take_over(self) -> None:
        """Read the recovered tables into the core, once, before the first event or tick."""
        tune_fetcher(self.shell.app)  # the changelogs are read back: from now on, fetch for the flow
        unreadable = self.core.restore(
            {name: {key.decode(): value for key, value in table.items()} for name, table in self.tables.items()}
        )
        self.restored = True
        self.settle()
        self.shell.log.info("router state taken over from the tables", **self.count())
        if unreadable:
            self.shell.log.warning("router table entries could not be read; left out", entries=unreadable[:20])

    def count(self) -> dict[str, int]:
        """Entries per table, also set as ``hub_stage_state_entries``."""
        sizes: dict[str, int] = {name: len(table) for name, table in self.tables.items()}
        for name, size in sizes.items():
            self.shell.metrics.state_entries.labels(self.shell.stage, name).set(size)
        return sizes

    def save(self) -> None:
        """Write what the core changed since the last save."""
        changes = self.core.changes()
        for name, key, value in changes:
            table, raw_key = self.tables[name], key.encode()
            if value is not None:
                table[raw_key] = value
            elif raw_key in table:
                del table[raw_key]
        if changes:
            self.count()


class Outbox:
    """The router's records on their way to the broker, in the order its steps made them.

    ``put`` appends a step's records; ``flush`` sends everything put so far (a later flush sends what came after)
    and returns once that and every earlier flush are confirmed. A flush that failed makes every later one raise
    its error too: who waits on it must not let faust commit past records that may not have been sent.
    """

    def __init__(self, shell: StageShell) -> None:
        self.shell = shell
        self.records: list[OutRecord] = []
        self._last: asyncio.Future[BaseException | None] | None = None

    def put(self, records: Sequence[OutRecord]) -> None:
        self.records.extend(records)

    async def flush(self) -> None:
        """Send what was put so far, in order; return once it and every earlier flush are confirmed."""
        records, self.records = self.records, []
        previous = self._last
        done: asyncio.Future[BaseException | None] = asyncio.get_running_loop().create_future()
        self._last = done
        failure: BaseException | None = None
        try:
            if records:  # handed to the producer before anything here awaits
                produced = sum(1 for r in records if r.dead_letter_code is None)
                await self.shell.send_all(records, produced=produced)
            if previous is not None:
                failure = await asyncio.shield(previous)  # a flush cancelled must not cancel the one before
        except BaseException as exc:
            failure = exc
            raise
        finally:
            done.set_result(failure)
        if failure is not None:
            raise failure


async def _turns() -> None:
    """``FLOW_PAUSE_TURNS`` turns of the event loop."""
    for _ in range(FLOW_PAUSE_TURNS):
        await asyncio.sleep(0)


class RouterSteps:
    """The router's work in steps (see the module docstring): events into the core, the tables saved, the alerts
    into the outbox. Both agents and the timer go through it."""

    def __init__(
        self,
        shell: StageShell,
        core: RouterCore,
        tables: RouterTables,
        pause: Callable[[], Awaitable[object]] | None = None,
    ) -> None:
        self.shell = shell
        self.core = core
        self.tables = tables
        self.outbox = Outbox(shell)
        self.pause = pause or _turns  # between two steps of the flow

    def _routed(self, message: Message) -> list[OutRecord]:
        return self.core.process(self.shell.declared(message.topic), message.value or b"")

    def work(self, messages: Sequence[Message], *, save: bool = True) -> None:
        """One step: ``messages`` through the core in order, the alerts and dead letters into the outbox, and (with
        ``save``) what changed written to the tables. Does not await: no other step can come in between."""
        if not self.tables.restored:  # faust resumes the streams only once the tables are recovered
            self.tables.take_over()
        handled = self.shell.handle(messages, self._routed)
        if save:
            self.tables.save()
        self.outbox.put([record for _, records in handled.results for record in records] + handled.dead)

    async def flow(self, messages: Sequence[Message]) -> None:
        """A batch of the flow in steps of ``FLOW_STEP_MAX``, each sent as it is done, with a pause between two
        for urgent events; the tables written once, after the last step (an entry changed in several steps is
        written once: saving every step wrote about three times the bytes with 100 open incidents); returns once
        all of it is confirmed."""
        sending: list[asyncio.Future[None]] = []
        try:
            for start in range(0, len(messages), FLOW_STEP_MAX):
                if sending:
                    await self.pause()
                await self._ebb()
                self.work(messages[start : start + FLOW_STEP_MAX], save=False)
                sending.append(asyncio.ensure_future(self.outbox.flush()))
            self.tables.save()
        finally:
            results = await asyncio.gather(*sending, return_exceptions=True)
        for result in results:
            if isinstance(result, BaseException):
                raise result

    async def _ebb(self) -> None:
        """Wait while faust's producer buffer holds more than ``FLOW_BUFFER_HIGH`` table writes, until it holds
        fewer than ``FLOW_BUFFER_LOW`` (see there)."""
        buffer = self.shell.app.producer.buffer
        if buffer.size > FLOW_BUFFER_HIGH:
            self.shell.log.info("router state writes queued; the flow waits for them", queued=buffer.size)
            while buffer.size > FLOW_BUFFER_LOW and not self.shell.app.should_stop:
                if not await buffer.flush_atmost(buffer.size - FLOW_BUFFER_LOW):
                    await asyncio.sleep(0.01)  # nothing went out for 0.1 s: the producer is blocked; look again

    async def urgent(self, messages: Sequence[Message]) -> None:
        """Incidents and acknowledgements, in one step, sent at once (with whatever the flow put before them); the
        tables are written once the alerts are confirmed, before faust may commit: the save (some milliseconds when
        the flow has changed much since it last saved) no longer stands between an incident and its alert."""
        self.work(messages, save=False)
        try:
            await self.outbox.flush()
        finally:
            self.tables.save()

    async def take_over_once_recovered(self) -> None:
        """Take the tables over as soon as faust has recovered them (a task started with the worker), not when the
        first event comes: the take-over and ``settle_heap`` (a full collection, some 60 ms) held up the first
        alarm after a start by that much."""
        await self.tables.wait_recovered()
        if not self.tables.restored:
            self.tables.take_over()

    async def tick(self) -> None:
        """The timer's rules, once the tables are back."""
        if not self.tables.restored:
            if not self.tables.recovered():
                return  # nothing to decide on before the tables are back
            self.tables.take_over()
        self.outbox.put(self.core.tick())
        try:
            await self.outbox.flush()
        finally:
            self.tables.save()


async def flow_batches(shell: StageShell, stream: EventStream) -> AsyncIterator[list[Message]]:
    """The flow's messages in batches of up to ``FLOW_BATCH_MAX`` within the shell's 50 ms, timed and counted in
    like ``StageShell.batches`` (the same batches; kept here so that the flow's batch size is the router's to
    choose)."""
    metrics = shell.metrics
    async for events in stream.take_events(FLOW_BATCH_MAX, within=BATCH_WITHIN_S):
        started = time.perf_counter()
        metrics.events_in.labels(shell.stage).inc(len(events))
        yield [event.message for event in events]
        metrics.batch_seconds.labels(shell.stage).observe(time.perf_counter() - started)


async def urgent_batches(shell: StageShell, stream: EventStream) -> AsyncIterator[list[Message]]:
    """The urgent stream's messages as they come (``URGENT_BATCH_MAX``), timed and counted in like
    ``StageShell.batches`` (whose hold of up to 50 ms suits the flow, not an alarm)."""
    metrics = shell.metrics
    async for events in stream.take_events(URGENT_BATCH_MAX, within=URGENT_IDLE_S):
        started = time.perf_counter()
        metrics.events_in.labels(shell.stage).inc(len(events))
        yield [event.message for event in events]
        metrics.batch_seconds.labels(shell.stage).observe(time.perf_counter() - started)


def router_stage(settings: Settings, metrics: StageMetrics, environ: Mapping[str, str]) -> StageShell:
    """canon.{incident,vehicle-position,trip-update,unit-status,transit-disruption} and acks.<domain> ->
    alerts.<domain>; bad records -> dlq.router. Escalation, expiry and the watchdog run on a timer. Incidents and
    acknowledgements on an agent of their own (``router-urgent``), the flow on ``router``."""
    clock: Callable[[], float] = EventClock() if settings.router_clock == "event" else time.time
    network = load_tram_network()
    core = RouterCore(
        network=network,
        clock=clock,
        reference=havag_reference(settings, environ),
        intercept=intercept_params(settings.router_roads, network),
    )
    shell = StageShell(settings, "router", metrics)
    # The network, the street graph and the state taken over are kept out of the collector's sight (``settle_heap``).
    steps = RouterSteps(shell, core, RouterTables(shell, core, settle=settle_heap))

    async def route(stream: EventStream) -> None:
        async for messages in flow_batches(shell, stream):
            await steps.flow(messages)

    shell.app.conf.broker_max_poll_records = POLL_RECORDS_MAX
    flow_topic = shell.topics(FLOW_INPUTS)
    flow_topic.maxsize = FLOW_QUEUE_MAX  # faust's ``app.topic`` takes ``maxsize`` and drops it (0.15.3)
    shell.app.agent(flow_topic, name="router")(cast(Any, route))

    @shell.agent(list(URGENT_INPUTS), name="router-urgent")
    async def route_urgent(stream: EventStream) -> None:
        async for messages in urgent_batches(shell, stream):
            await steps.urgent(messages)

    shell.app.timer(interval=TICK_INTERVAL_S)(steps.tick)
    shell.app.task(steps.take_over_once_recovered)
    return shell
