"""Part 2 of ``bench.bench_pipeline``: incident -> alert latency through a real ``hub worker router`` while vehicle
positions flow.

Trams run along the Halle tram lines (hub.network.tram), police and Ordnungsamt units stand along them; every tram
and unit reports once before the clock starts, then positions of the trams flow at ``rate`` a second, each tram in
turn. ``open_incidents`` silent driver alarms are opened first (not measured; ``opened_s`` is how long until the
router had alerted all of them, and the measurement starts a second after that); then every 0.5 s the oldest is closed
and a new one opened, and that one is measured: from just before its send until its first alert is read from any
``alerts.*`` topic (the reader fetches with a 10 ms wait). Events go straight to the router's ``canon.*`` inputs
(the normalise hop is measured in part 1). Each latency is split at the alert record's timestamp, which the router's
producer stamps as the router hands it over: ``router_*`` is from the incident's send until then (the benchmark's own
producer, the broker, the router's fetch, queue and work), the rest the alert's way out (the router's producer, the
broker, the reader's fetch); ``confirmed_*`` is from the send until the broker confirmed the incident to the
benchmark's producer (which also sends the positions). After the flow, ``drain_s`` is how long the router took until
it had taken in every event sent (its ``hub_events_in_total``).
"""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from hub.config import Settings
from hub.network.tram import load_tram_network
from hub.processes import StageProcess, free_port
from hub.schemas import CloudEvent, wrap
from hub.schemas.incident import Incident
from hub.schemas.transit import VehiclePosition
from hub.schemas.units import GeoFix, UnitStatus

TRAMS = 200
UNITS = 150
SPACING_S = 0.5
TICK_S = 0.01
WARM_S = 1.0  # of flow after the open incidents are alerted, before the first measured incident


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass
class Fleet:
    """The trams (vehicle, direction, offset along it in metres) and the events they make."""

    trams: list[tuple[str, Any]]
    offsets: dict[str, float]
    n: int = 0

    @classmethod
    def create(cls, seed: int = 1) -> Fleet:
        rng = random.Random(seed)
        directions = [line.directions[0] for line in load_tram_network().lines.values()]
        trams = [(str(1000 + i), directions[i % len(directions)]) for i in range(TRAMS)]
        return cls(trams, {v: rng.uniform(0.1, 0.6) * d.length_m for v, d in trams})

    def event(self, payload: Any) -> bytes:
        self.n += 1
        return wrap(payload, source="/bench", source_record_id=f"{self.n}", time=_now()).to_bytes()

    def advance(self, k: int) -> tuple[str, Any, float, float]:
        """Tram ``k`` (in turn) 2 m further along its direction: (vehicle, direction, lat, lon)."""
        vehicle, direction = self.trams[k % len(self.trams)]
        self.offsets[vehicle] = min(self.offsets[vehicle] + 2.0, direction.length_m - 1)
        lat, lon = direction.point_at(self.offsets[vehicle])
        return vehicle, direction, lat, lon

    def position(self, k: int) -> tuple[bytes, bytes]:
        """Tram ``k`` advanced, as a canonical ``canon.vehicle-position`` record (key, value)."""
        vehicle, direction, lat, lon = self.advance(k)
        report = VehiclePosition(
            vehicle=vehicle,
            line=direction.line,
            direction=direction.destination.stop_id,
            lat=lat,
            lon=lon,
            observed_at=_now(),
        )
        return vehicle.encode(), self.event(report)

    def units(self) -> list[tuple[bytes, bytes]]:
        rng = random.Random(2)
        out = []
        for i in range(UNITS):
            _, direction = self.trams[i % len(self.trams)]
            lat, lon = direction.point_at(rng.uniform(0, direction.length_m))
            unit = UnitStatus(
                agency="polizei" if i % 3 else "ordnungsamt",
                unit=f"U-{i}",
                status_code=2,
                position=GeoFix(lat=lat + rng.uniform(-0.003, 0.003), lon=lon + rng.uniform(-0.003, 0.003)),
                observed_at=_now(),
            )
            out.append((f"{unit.agency}:{unit.unit}".encode(), self.event(unit)))
        return out

    def incident(self, i: int, status: str) -> tuple[bytes, bytes]:
        vehicle, direction = self.trams[(i * 7) % len(self.trams)]
        incident = Incident.model_validate(
            {
                "incident_id": f"DA-{i}",
                "mode": "actual",
                "origin": "driver_alarm",
                "type_code": "TRANSIT/DRIVER_ALARM/SILENT",
                "priority": 1,
                "status": status,
                "reported_at": _now(),
                "confidentiality": "restricted",
                "legal_basis": "SOG LSA § 27",
                "retention_class": "standard",
                "vehicle": vehicle,
                "line": direction.line,
            }
        )
        return incident.incident_id.encode(), self.event(incident)


@dataclass
class Flow:
    """One latency case under way: what was sent when, and what was seen."""

    settings: Settings
    producer: AIOKafkaProducer
    sent_at: dict[str, float] = field(default_factory=dict)
    sent_wall: dict[str, float] = field(default_factory=dict)  # time.time() at the send, against record timestamps
    router_s: dict[str, float] = field(default_factory=dict)  # send -> the alert handed to the router's producer
    confirmed_s: dict[str, float] = field(default_factory=dict)  # send -> the broker confirmed the incident
    measured: set[str] = field(default_factory=set)
    alerted: set[str] = field(default_factory=set)  # every incident with an alert read, measured or not
    latencies: dict[str, float] = field(default_factory=dict)
    events: int = 0
    flowing: bool = True

    def topic(self, declared: str) -> str:
        return self.settings.topic_prefix + declared

    async def send(self, declared: str, key: bytes, value: bytes) -> Any:
        self.events += 1
        return await self.producer.send(self.topic(declared), value, key=key)


async def positions(flow: Flow, rate: int, topic: str, record: Callable[[int], tuple[bytes, bytes]]) -> None:
    """``rate`` positions a second onto ``topic`` in ticks of 10 ms, until the flow stops; ``record(k)`` makes the
    k-th (key, value)."""
    started, k = time.perf_counter(), 0
    pending: list[Any] = []
    while flow.flowing:
        due = int((time.perf_counter() - started) * rate)
        while k < due:
            key, value = record(k)
            pending.append(await flow.send(topic, key, value))
            k += 1
        if len(pending) > 500:
            await asyncio.gather(*pending)
            pending.clear()
        await asyncio.sleep(TICK_S)
    await asyncio.gather(*pending)


async def _incidents(flow: Flow, fleet: Fleet, open_incidents: int, seconds: float) -> None:
    """Every 0.5 s: close the oldest incident, open a new one (measured)."""
    i = open_incidents
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        key, value = fleet.incident(i - open_incidents, "closed")
        await flow.send("canon.incident", key, value)
        key, value = fleet.incident(i, "open")
        flow.sent_at[f"DA-{i}"] = time.perf_counter()
        flow.sent_wall[f"DA-{i}"] = time.time()
        flow.measured.add(f"DA-{i}")
        sent = await flow.send("canon.incident", key, value)
        sent.add_done_callback(partial(_confirmed, flow, f"DA-{i}"))
        i += 1
        await asyncio.sleep(SPACING_S)


def _confirmed(flow: Flow, incident: str, sent: asyncio.Future[Any]) -> None:
    """The broker took the incident: how long after its send."""
    flow.confirmed_s[incident] = time.perf_counter() - flow.sent_at[incident]


async def _alerts(flow: Flow, consumer: AIOKafkaConsumer) -> None:
    """Read alerts; the first of each measured incident gives its latency."""
    while True:
        batches = await consumer.getmany(timeout_ms=50)
        now = time.perf_counter()
        for records in batches.values():
            for record in records:
                incident = CloudEvent.from_bytes(record.value).data.get("incident_id")
                flow.alerted.add(incident)
                if incident in flow.measured and incident not in flow.latencies:
                    flow.latencies[incident] = now - flow.sent_at[incident]
                    flow.router_s[incident] = record.timestamp / 1e3 - flow.sent_wall[incident]


def _taken_in(router: StageProcess) -> float:
    return router.counter("hub_events_in_total", stage="router")


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


async def _case(settings: Settings, router: StageProcess, open_incidents: int, rate: int, seconds: float) -> dict:
    bootstrap = settings.bootstrap()
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    consumer = AIOKafkaConsumer(
        *(settings.topic_prefix + f"alerts.{d}" for d in ("havag", "polizei", "ordnungsamt")),
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=10,
    )
    await producer.start()
    await consumer.start()
    fleet, flow = Fleet.create(), Flow(settings, producer)
    reader = asyncio.create_task(_alerts(flow, consumer))
    try:
        for key, value in fleet.units():
            await flow.send("canon.unit-status", key, value)
        for k in range(len(fleet.trams)):
            await flow.send("canon.vehicle-position", *fleet.position(k))
        opening = time.perf_counter()
        for i in range(open_incidents):
            await flow.send("canon.incident", *fleet.incident(i, "open"))
        await producer.flush()
        flowing = asyncio.create_task(positions(flow, rate, "canon.vehicle-position", fleet.position))
        # The measured incidents start once the router has alerted every open one (the opening burst is not what
        # is measured: an incident sent while the router still works through it waits behind it), and the flow
        # has run for a second.
        opened = {f"DA-{i}" for i in range(open_incidents)}
        while not opened <= flow.alerted and time.perf_counter() < opening + 60:
            await asyncio.sleep(0.01)
        opened_s = time.perf_counter() - opening
        await asyncio.sleep(WARM_S)
        await _incidents(flow, fleet, open_incidents, seconds)
        flow.flowing = False
        await flowing
        stopped = time.perf_counter()
        while _taken_in(router) < flow.events and time.perf_counter() < stopped + 60:
            await asyncio.sleep(0.02)
        drain_s = time.perf_counter() - stopped
        while len(flow.latencies) < len(flow.measured) and time.perf_counter() < stopped + 30:
            await asyncio.sleep(0.05)
    finally:
        reader.cancel()
        await consumer.stop()
        await producer.stop()
    ms = [v * 1e3 for v in flow.latencies.values()]
    router_ms = [v * 1e3 for v in flow.router_s.values()]
    confirmed_ms = [v * 1e3 for v in flow.confirmed_s.values()]
    return {
        "open_incidents": open_incidents,
        "positions_per_s": rate,
        "seconds": seconds,
        "incidents_measured": len(flow.measured),
        "alerted": len(ms),
        "p50_ms": percentile(ms, 0.5) if ms else None,
        "p95_ms": percentile(ms, 0.95) if ms else None,
        "p99_ms": percentile(ms, 0.99) if ms else None,
        "max_ms": max(ms) if ms else None,
        "mean_ms": statistics.fmean(ms) if ms else None,
        "confirmed_p50_ms": percentile(confirmed_ms, 0.5) if confirmed_ms else None,
        "confirmed_p99_ms": percentile(confirmed_ms, 0.99) if confirmed_ms else None,
        "router_p50_ms": percentile(router_ms, 0.5) if router_ms else None,
        "router_p99_ms": percentile(router_ms, 0.99) if router_ms else None,
        "drain_s": drain_s,
        "opened_s": opened_s,
        "events_sent": flow.events,
    }


def latency_case(settings: Settings, work: Path, open_incidents: int, rate: int, seconds: float) -> dict:
    """One case on a fresh topic prefix (``settings``): a router worker started, measured, stopped; prints it."""
    router = StageProcess(settings, "router", free_port(), work / f"{settings.topic_prefix}router.log")
    router.start()
    try:
        router.wait_ready(timeout_s=90)
        case = asyncio.run(_case(settings, router, open_incidents, rate, seconds))
        router.check_alive()
    finally:
        router.stop()
    case["producer_buffer_full_warnings"] = router.log_path.read_text(errors="replace").count("producer buffer full")

    def f(key: str) -> str:
        return "-" if case[key] is None else f"{case[key]:.0f}"

    print(
        f"  {open_incidents:>4} open incidents: p50 {f('p50_ms')} ms  p95 {f('p95_ms')} ms  p99 {f('p99_ms')} ms  "
        f"max {f('max_ms')} ms  (until the broker confirmed the incident: p50 {f('confirmed_p50_ms')} ms  "
        f"p99 {f('confirmed_p99_ms')} ms; until the router sends: p50 {f('router_p50_ms')} ms  "
        f"p99 {f('router_p99_ms')} ms; "
        f"{case['alerted']}/{case['incidents_measured']} alerted, the {open_incidents} opened alerted within "
        f"{case['opened_s']:.2f} s, "
        f"drained {case['drain_s']:.2f} s after the flow, {case['producer_buffer_full_warnings']} 'producer buffer "
        "full' warnings)"
    )
    return case
