"""Alerts first in the router's shell (issue 13): incidents and acknowledgements on an agent of their own, the flow of
positions in steps, each step's alerts handed over before the next step, so an incident goes out between two steps
of a batch of positions, and the revisions of an alert leave in the order the core made them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

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
from hub.workers.router import FLOW_STEP_MAX, URGENT_BATCH_MAX, RouterSteps, router_stage, urgent_batches
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


@dataclass
class Broker:
    """``send_all`` with a broker that holds its first confirmation until ``release``."""

    sent: list[list[OutRecord]]
    release: asyncio.Event

    async def send_all(self, records: Sequence[OutRecord], produced: int = 0) -> None:
        self.sent.append(list(records))
        if len(self.sent) == 1:
            await self.release.wait()


@pytest.fixture
def shell(tmp_path: Path) -> StageShell:
    settings = Settings(kafka_bootstrap="nowhere:1", topic_prefix="t1.", state_dir=tmp_path)
    return StageShell(settings, "router", StageMetrics.create(CollectorRegistry()))


def steps_for(shell: StageShell) -> tuple[RouterSteps, Tables]:
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
    return RouterSteps(shell, core, tables), tables  # type: ignore[arg-type]


def revisions(records: list[OutRecord]) -> list[tuple[str, int]]:
    out = []
    for record in records:
        alert = Alert.model_validate(CloudEvent.from_bytes(record.value).data)
        out.append((alert.alert_id, alert.revision))
    return out


def test_an_incident_goes_out_between_two_steps_of_a_batch_of_positions(shell: StageShell) -> None:
    """A batch of 200 positions is worked in steps of ``FLOW_STEP_MAX``; an alarm that arrives while the first
    step's alerts wait for the broker is routed and sent then, before the rest of the batch, and the positions
    after it re-rank its incident in revisions that follow its first, in order."""
    steps, tables = steps_for(shell)
    batch = [position(100 + k, 2_000 + 30 * k, T0 + 91 + k * 0.02) for k in range(200)]

    async def scenario() -> list[list[OutRecord]]:
        broker = Broker([], asyncio.Event())
        shell.send_all = broker.send_all  # type: ignore[method-assign]
        flow = asyncio.create_task(steps.flow(batch))
        while not broker.sent:
            await asyncio.sleep(0)
        await steps.urgent([alarm(1, T0 + 95)])
        assert not flow.done()
        broker.release.set()
        await flow
        return broker.sent

    sent = asyncio.run(scenario())
    assert len(batch) > FLOW_STEP_MAX
    steps_of_flow = -(-len(batch) // FLOW_STEP_MAX)
    assert len(sent) == 1 + steps_of_flow
    assert sent[0] == []  # the first step of positions, before any incident: no alert
    first = revisions(sent[1])
    assert {aid.split("-")[1] for aid, _ in first} >= {"polizei", "havag"}
    assert all(revision == 1 for _, revision in first)
    later = [r for records in sent[2:] for r in revisions(records)]
    every = first + later
    for alert_id in {aid for aid, _ in every}:
        numbers = [revision for aid, revision in every if aid == alert_id]
        assert numbers == sorted(numbers)
        assert len(set(numbers)) == len(numbers)
    assert len(tables.saved) == 1 + steps_of_flow  # every step saved what it changed


def test_urgent_batches_are_counted_in_and_yielded_as_messages(shell: StageShell) -> None:
    """The urgent path takes batches of at most ``URGENT_BATCH_MAX`` from faust and counts them in like the
    shell's batches (the benchmark and the lag alerts read ``hub_events_in_total``)."""

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


def test_the_router_reads_incidents_and_acks_on_their_own_agent(tmp_path: Path) -> None:
    """Two agents: ``router-urgent`` on canon.incident and the ack topics, ``router`` on the rest of the inputs;
    together every input, each once."""
    settings = Settings(pseudonym_keys="demo", kafka_bootstrap="nowhere:1", topic_prefix="t1.", state_dir=tmp_path)
    shell = router_stage(settings, StageMetrics.create(CollectorRegistry()), {})
    topics = {name: set(agent.channel.topics) for name, agent in shell.app.agents.items()}
    assert topics == {
        "router": {f"t1.{t}" for t in FLOW_INPUTS},
        "router-urgent": {f"t1.{t}" for t in URGENT_INPUTS},
    }
    assert "canon.incident" in URGENT_INPUTS
    assert set(FLOW_INPUTS) | set(URGENT_INPUTS) >= set(ROUTER_INPUTS)
    assert not set(FLOW_INPUTS) & set(URGENT_INPUTS)
