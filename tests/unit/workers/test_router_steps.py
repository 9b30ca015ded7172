"""Alerts first in the router's shell (issue 13): incidents and acknowledgements on an agent of their own, the flow of
positions in steps sent in the order they were made, so an incident goes out between two steps of a batch of
positions, and nobody's offsets move past records not yet confirmed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest
from prometheus_client import CollectorRegistry

from hub.config import Settings
from hub.messages import OutRecord
from hub.metrics import StageMetrics
from hub.network.tram import load_tram_network
from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS
from hub.privacy.pseudonym import pseudonymise
from hub.router.core import FLOW_INPUTS, ROUTER_INPUTS, URGENT_INPUTS, RouterCore
from hub.schemas import Alert, CloudEvent, wrap
from hub.schemas.incident import Incident
from hub.schemas.transit import VehiclePosition
from hub.schemas.units import GeoFix, UnitStatus
from hub.workers.router import (
    FLOW_BATCH_MAX,
    FLOW_BUFFER_HIGH,
    FLOW_BUFFER_LOW,
    FLOW_FETCH_BYTES,
    FLOW_QUEUE_MAX,
    FLOW_STEP_MAX,
    POLL_RECORDS_MAX,
    PREFETCH_BACKOFF_S,
    URGENT_BATCH_MAX,
    RouterSteps,
    flow_batches,
    router_stage,
    tune_fetcher,
    urgent_batches,
)
from hub.workers.shell import StageShell
from tests.helpers.messages import FakeMessage

NETWORK = load_tram_network()
LINE5 = NETWORK.direction("5", 0)
T0 = 1_780_000_000.0
HAVAG_KEY = demo_keyring(DOMAINS).for_domain("havag").active


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def message(declared: str, n: int, payload: object, t: float) -> FakeMessage:
    value = wrap(payload, source="/test", source_record_id=str(n), time=at(t)).to_bytes()  # type: ignore[arg-type]
    return FakeMessage(f"t1.{declared}", 0, n, b"k", value)


def position(n: int, metres: float, t: float) -> FakeMessage:
    lat, lon = LINE5.point_at(metres)
    report = VehiclePosition(
        vehicle="654", line="5", direction=LINE5.destination.stop_id, lat=lat, lon=lon, observed_at=at(t)
    )
    return message("canon.vehicle-position", n, report, t)


def alarm(n: int, t: float) -> FakeMessage:
    incident = Incident.model_validate(
        {
            "incident_id": "DA-1",
            "mode": "actual",
            "origin": "driver_alarm",
            "type_code": "TRANSIT/DRIVER_ALARM/SILENT",
            "priority": 1,
            "status": "open",
            "reported_at": at(t),
            "confidentiality": "restricted",
            "legal_basis": "SOG LSA § 27",
            "retention_class": "standard",
            "vehicle": "654",
            "line": "5",
        }
    )
    return message("canon.incident", n, incident, t)


class Tables:
    """The router's tables as the steps use them: what each save wrote, in order."""

    def __init__(self, core: RouterCore) -> None:
        self.core = core
        self.restored = True
        self.saved: list[int] = []

    def save(self) -> None:
        self.saved.append(len(self.core.changes()))

    def take_over(self) -> None:
        raise AssertionError("restored already")

    def recovered(self) -> bool:
        return True

    async def wait_recovered(self) -> None:
        pass


@dataclass
class Broker:
    """``send_all`` with a broker that holds its first confirmation until ``release`` (and refuses ``refuse``)."""

    sent: list[list[OutRecord]]
    release: asyncio.Event
    refuse: bytes | None = None

    async def send_all(self, records: Sequence[OutRecord], produced: int = 0) -> None:
        self.sent.append(list(records))
        if any(r.value == self.refuse for r in records):
            raise RuntimeError("record too large")
        if len(self.sent) == 1:
            await self.release.wait()


class FirstPause:
    """The flow's pause between steps: the first one waits until ``go`` (the test acts meanwhile), the rest let the
    event loop turn once (as the real pause does, and more)."""

    def __init__(self) -> None:
        self.paused = asyncio.Event()
        self.go = asyncio.Event()

    async def __call__(self) -> None:
        if not self.paused.is_set():
            self.paused.set()
            await self.go.wait()
        else:
            await asyncio.sleep(0)


@pytest.fixture
def shell(tmp_path: Path) -> StageShell:
    settings = Settings(kafka_bootstrap="nowhere:1", topic_prefix="t1.", state_dir=tmp_path)
    return StageShell(settings, "router", StageMetrics.create(CollectorRegistry()))


def steps_for(shell: StageShell, pause: FirstPause | None = None) -> tuple[RouterSteps, Tables]:
    clock = lambda: T0 + 100  # noqa: E731
    core = RouterCore(network=NETWORK, clock=clock, reference=lambda v: pseudonymise(v, HAVAG_KEY))
    ulat, ulon = LINE5.point_at(6_000)
    for i in range(3):
        unit = UnitStatus(
            agency="polizei",
            unit=f"POL-{i}",
            status_code=1,
            position=GeoFix(lat=ulat + 0.002 * i, lon=ulon),
            observed_at=at(T0 + 90),
        )
        core.process("canon.unit-status", message("canon.unit-status", i, unit, T0 + 90).value or b"")
    tables = Tables(core)
    return RouterSteps(shell, core, tables, pause=pause), tables  # type: ignore[arg-type]


def about(records: list[OutRecord]) -> list[str]:
    """What each record is: ``dead <offset>`` or ``<recipient> r<revision>``."""
    out = []
    for record in records:
        if record.dead_letter_code is not None:
            out.append(f"dead {record.topic}")
            continue
        alert = Alert.model_validate(CloudEvent.from_bytes(record.value).data)
        out.append(f"{alert.recipient} r{alert.revision}")
    return out


async def until(condition: Callable[[], bool]) -> None:
    """Let the event loop run until ``condition`` holds (bounded in turns, not in time)."""
    for _ in range(1_000):
        if condition():
            return
        await asyncio.sleep(0)
    raise AssertionError("the condition never held")


def flow_batch() -> list[FakeMessage]:
    """Positions of tram 654, each step of ``FLOW_STEP_MAX`` starting with a record the router cannot read (its
    dead letter marks the step in what is sent)."""
    batch: list[FakeMessage] = []
    for k in range(4 * FLOW_STEP_MAX):
        if k % FLOW_STEP_MAX == 0:
            batch.append(FakeMessage("t1.canon.vehicle-position", 0, 100 + k, b"k", b"not an event"))
        else:
            batch.append(position(100 + k, 2_000 + 5 * k, T0 + 91 + k * 0.01))
    return batch


def test_an_incident_goes_out_between_two_steps_of_a_batch_of_positions(shell: StageShell) -> None:
    """A batch of positions is worked in steps of ``FLOW_STEP_MAX``, each sent as it is done without waiting for
    the broker; an alarm that arrives during the first pause between steps is routed and sent then, before the rest
    of the batch, and waits (as the batch does) until what was sent before it is confirmed."""
    pause = FirstPause()
    steps, tables = steps_for(shell, pause)
    batch = flow_batch()

    async def scenario() -> tuple[list[list[OutRecord]], list[bool]]:
        broker = Broker([], asyncio.Event())
        shell.send_all = broker.send_all  # type: ignore[method-assign]
        flow = asyncio.create_task(steps.flow(batch))
        await pause.paused.wait()
        await until(lambda: len(broker.sent) == 1)  # the first step is sent, its confirmation held
        urgent = asyncio.create_task(steps.urgent([alarm(1, T0 + 95)]))
        await until(lambda: len(broker.sent) == 2)
        waiting = [urgent.done(), flow.done()]
        pause.go.set()
        await until(lambda: len(broker.sent) == 5)  # the other steps go out without waiting for confirmation
        waiting += [urgent.done(), flow.done()]
        broker.release.set()
        await asyncio.gather(flow, urgent)
        return broker.sent, waiting

    sent, waiting = asyncio.run(scenario())
    assert [about(records) for records in sent] == [
        ["dead dlq.router"],
        ["polizei r1", "havag r1"],
        ["dead dlq.router"],
        ["dead dlq.router"],
        ["dead dlq.router"],
    ]
    assert waiting == [False, False, False, False]  # neither is done before the first step is confirmed
    assert len(tables.saved) == 2  # the tables written by the urgent step and once at the end of the batch


def test_a_failed_send_fails_every_later_flush(shell: StageShell) -> None:
    """When the broker refuses a step's records for good, the urgent step sent after it fails too: its agent must
    not let faust commit while records put before its own may be lost."""
    steps, _ = steps_for(shell)

    async def scenario() -> list[str]:
        broker = Broker([], asyncio.Event(), refuse=b"not an event")
        broker.release.set()
        shell.send_all = broker.send_all  # type: ignore[method-assign]
        errors = []
        for run in (steps.flow(flow_batch()[:2]), steps.urgent([alarm(1, T0 + 95)])):
            try:
                await run
            except RuntimeError as exc:
                errors.append(str(exc))
        return errors

    assert asyncio.run(scenario()) == ["record too large", "record too large"]


def test_both_paths_count_their_batches_in(shell: StageShell) -> None:
    """The urgent path takes batches of at most ``URGENT_BATCH_MAX`` from faust, the flow of ``FLOW_BATCH_MAX``,
    and both count them in like the shell's batches (the benchmark and the lag alerts read
    ``hub_events_in_total``)."""

    @dataclass
    class Event:
        message: FakeMessage

    class Stream:
        def __init__(self) -> None:
            self.asked: list[tuple[int, float]] = []

        async def take_events(self, max_: int, within: float) -> AsyncIterator[list[Event]]:
            self.asked.append((max_, within))
            yield [Event(alarm(1, T0)), Event(alarm(2, T0))]
            yield [Event(alarm(3, T0))]

    async def taken(stream: Stream) -> list[list[int]]:
        return [[m.offset for m in batch] async for batch in urgent_batches(shell, stream)]

    stream = Stream()
    assert asyncio.run(taken(stream)) == [[1, 2], [3]]
    assert stream.asked[0][0] == URGENT_BATCH_MAX
    assert shell.metrics.events_in.labels("router")._value.get() == 3

    async def flowing(stream: Stream) -> list[list[int]]:
        return [[m.offset for m in batch] async for batch in flow_batches(shell, stream)]

    stream = Stream()
    assert asyncio.run(flowing(stream)) == [[1, 2], [3]]
    assert stream.asked[0][0] == FLOW_BATCH_MAX
    assert shell.metrics.events_in.labels("router")._value.get() == 6


def test_the_router_reads_incidents_and_acks_on_their_own_agent(tmp_path: Path) -> None:
    """Two agents: ``router-urgent`` on canon.incident and the ack topics, ``router`` on the rest of the inputs
    (behind a short queue); together every input, each once."""
    settings = Settings(pseudonym_keys="demo", kafka_bootstrap="nowhere:1", topic_prefix="t1.", state_dir=tmp_path)
    shell = router_stage(settings, StageMetrics.create(CollectorRegistry()), {})
    topics = {name: set(agent.channel.topics) for name, agent in shell.app.agents.items()}
    assert topics == {
        "router": {f"t1.{t}" for t in FLOW_INPUTS},
        "router-urgent": {f"t1.{t}" for t in URGENT_INPUTS},
    }
    queue = shell.app.agents["router"].channel.clone().queue
    assert queue.maxsize == FLOW_QUEUE_MAX
    # faust pauses the flow's partitions once its queue holds ``pressure_high_size``; the room above that takes a
    # whole getmany, so handing a fetch over never waits for the flow (an incident behind positions would wait too)
    assert queue.maxsize - queue.pressure_high_size >= POLL_RECORDS_MAX
    assert shell.app.conf.broker_max_poll_records == POLL_RECORDS_MAX
    assert "canon.incident" in URGENT_INPUTS
    assert set(FLOW_INPUTS) | set(URGENT_INPUTS) >= set(ROUTER_INPUTS)
    assert not set(FLOW_INPUTS) & set(URGENT_INPUTS)


class Buffer:
    """faust's producer buffer as the flow sees it: ``size`` writes wait; ``flush_atmost`` sends some."""

    def __init__(self, size: int) -> None:
        self.size = size
        self.flushed: list[int] = []

    async def flush_atmost(self, n: int) -> int:
        sent = min(n, 400, self.size)  # the producer sends at most 400 before flush_atmost returns
        self.size -= sent
        self.flushed.append(sent)
        return sent


def test_the_flow_waits_for_queued_table_writes_before_faust_would_stop_all_input(
    shell: StageShell, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With more than ``FLOW_BUFFER_HIGH`` table writes queued, the flow waits before its next step until fewer
    than ``FLOW_BUFFER_LOW`` are (faust would stop every input, incidents too, past 5,000); with few queued it does
    not wait. The urgent path never waits for them."""
    buffer = Buffer(FLOW_BUFFER_HIGH + 1)
    monkeypatch.setattr(type(shell.app), "producer", property(lambda _: SimpleNamespace(buffer=buffer)))
    steps, tables = steps_for(shell)

    async def scenario() -> None:
        broker = Broker([], asyncio.Event())
        broker.release.set()
        shell.send_all = broker.send_all  # type: ignore[method-assign]
        await steps.urgent([alarm(1, T0 + 95)])
        assert buffer.flushed == []
        await steps.flow(flow_batch()[:2])
        assert buffer.size <= FLOW_BUFFER_LOW
        assert sum(buffer.flushed) == FLOW_BUFFER_HIGH + 1 - buffer.size
        before = len(buffer.flushed)
        await steps.flow(flow_batch()[:2])
        assert len(buffer.flushed) == before  # few queued: no wait

    asyncio.run(scenario())
    assert len(tables.saved) == 3


def test_an_urgent_step_writes_the_tables_once_its_alerts_are_confirmed(shell: StageShell) -> None:
    """The alarm's alerts go to the broker before the tables are saved (the save no longer delays them), and the
    tables are written before the step is done, so before faust may commit the alarm's offset."""
    steps, tables = steps_for(shell)

    async def scenario() -> tuple[list[int], list[int], bool]:
        broker = Broker([], asyncio.Event())
        shell.send_all = broker.send_all  # type: ignore[method-assign]
        urgent = asyncio.create_task(steps.urgent([alarm(1, T0 + 95)]))
        await until(lambda: len(broker.sent) == 1)
        before = list(tables.saved)
        held = urgent.done()
        broker.release.set()
        await urgent
        return before, tables.saved, held

    before, after, held = asyncio.run(scenario())
    assert (before, held) == ([], False)  # sent, not yet confirmed: nothing saved, the step not done
    assert len(after) == 1
    assert after[0] > 0  # the incident, its alert records and the unit marked dispatched


def test_the_fetcher_is_tuned_for_the_flow_once_the_consumer_runs() -> None:
    """Once the tables are back, the running aiokafka fetcher takes small per-partition fetches and a short
    prefetch backoff (aiokafka has no setting for either after it started); before the consumer runs, nothing."""
    fetcher = SimpleNamespace(_max_partition_fetch_bytes=1_048_576, _prefetch_backoff=0.1)
    app = SimpleNamespace(
        consumer=SimpleNamespace(_thread=SimpleNamespace(_consumer=SimpleNamespace(_fetcher=fetcher)))
    )
    assert tune_fetcher(app)
    assert (fetcher._max_partition_fetch_bytes, fetcher._prefetch_backoff) == (FLOW_FETCH_BYTES, PREFETCH_BACKOFF_S)
    not_started = SimpleNamespace(consumer=SimpleNamespace(_thread=SimpleNamespace(_consumer=None)))
    assert not tune_fetcher(not_started)


class RecoveringTables(Tables):
    """Tables that faust is still reading back until ``done`` is set; take-overs counted."""

    def __init__(self, core: RouterCore) -> None:
        super().__init__(core)
        self.restored = False
        self.done = asyncio.Event()
        self.taken_over = 0

    async def wait_recovered(self) -> None:
        await self.done.wait()

    def take_over(self) -> None:
        self.taken_over += 1
        self.restored = True


def test_the_tables_are_taken_over_as_soon_as_they_are_recovered_not_at_the_first_event(shell: StageShell) -> None:
    """The worker's start-up task takes the tables over once faust has recovered them, before any event (the
    take-over and its full garbage collection held up the first alarm after a start); once only, also when a tick
    or a step comes later."""
    steps, _ = steps_for(shell)
    tables = RecoveringTables(steps.core)
    steps.tables = tables  # type: ignore[assignment]

    async def scenario() -> None:
        task = asyncio.ensure_future(steps.take_over_once_recovered())
        for _ in range(20):
            await asyncio.sleep(0)
        assert tables.taken_over == 0  # not before the changelogs are read back
        tables.done.set()
        await asyncio.wait_for(task, 5)
        assert tables.taken_over == 1
        await steps.take_over_once_recovered()  # a second call (a rebalance's recovery) changes nothing
        steps.shell.send_all = Broker([], asyncio.Event()).send_all  # type: ignore[method-assign]
        await steps.tick()

    asyncio.run(scenario())
    assert tables.taken_over == 1
