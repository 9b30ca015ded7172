"""Time to the operator (issue 17, item 5): from a tram driver's alarm to the intercept recommendation on the police
console, with the pipeline under load.

Run: .venv/bin/python -m bench.bench_alarm_to_console [--seconds 30] [--rate 1000] [--clients 20] [--open 20]
     [--quick] [--out DIR] [--kafka-bootstrap HOST:PORT --database-url URL]   (a running stack, not an embedded one)

On the embedded broker and PostgreSQL (a fresh topic prefix), the stages run as real processes: ``hub worker
normalise`` (the batch shell), ``hub worker router``, ``hub worker alert-store`` and ``hub console`` with
``--clients`` police event streams (``GET /api/stream``). Trams and units are placed as in
``bench.pipeline_latency`` (200 trams along the Halle lines, 150 units beside them; the units' states go straight to
``canon.unit-status``). The trams' positions flow at ``--rate`` a second onto ``raw.havag.gtfsrt-vehicle-positions``
as GTFS-RT records (one entity each, as the connector cuts a feed), so the normaliser works under load too. GTFS-RT
stamps whole seconds: of a tram's reports within one second the router folds in the first and ignores the rest as not
newer; the normaliser decodes every one.

``--open`` silent driver alarms are raised first (not measured), and the measurement starts once the router has
taken them and every tram's and unit's first report in (its count stood still for half a second). Then every 0.5 s
the oldest is cleared down and a new one raised, as the on-board unit sends it: the JSON webhook body cut by the
driver-alarm format onto ``raw.havag.driver-alarm``. For each raised alarm, from just before its send (one clock,
this process):

  (a) its canonical incident is read from ``canon.incident`` (the normaliser's output),
  (b) the first police alert about it is read from ``alerts.polizei`` (the router's output),
  (b') the first revision with a recommended unit is read from ``alerts.polizei``,
  (c) that revision reaches each console client over Server-Sent Events (alert-store -> PostgreSQL NOTIFY ->
      console -> SSE).

Printed: p50/p95/p99/max per stage boundary and end to end (alarm -> recommendation on the console, over every
(alarm, client) pair and for the first client), the load average before and after, how long the normaliser took
after the flow to take in everything sent, and each process's CPU during the flow. Everything, the clients and this
process included, shares the machine: read the figures as an upper bound for these processes on this machine.
Writes ``bench/results/alarm_to_console.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from google.transit import gtfs_realtime_pb2 as pb

from bench.bench_console import TOKEN, Clients, run_clients
from bench.bench_pipeline import cpu_seconds, machine, stack
from bench.pipeline_latency import SPACING_S, Fleet, Flow, percentile, positions
from hub.config import Settings
from hub.devstack.process import Child
from hub.formats.driver_alarm import DriverAlarmFormat
from hub.kafka_admin import apply_topology
from hub.logging import configure_logging
from hub.processes import StageProcess, free_port, spawn_console
from hub.schemas import CloudEvent
from hub.store.migrate import migrate

RAW_POSITIONS = "raw.havag.gtfsrt-vehicle-positions"
RAW_ALARMS = "raw.havag.driver-alarm"
STAGES = ("normalise", "router", "alert-store")
#: The stage boundaries and end-to-end spans reported, in order (keys of ``Stamps.spans``).
SPANS = (
    "alarm -> canon.incident",
    "canon.incident -> alerts.polizei (first alert)",
    "alarm -> alerts.polizei (first alert)",
    "alarm -> alerts.polizei (recommendation)",
    "alerts.polizei -> console client (recommendation)",
    "alarm -> console, first client (recommendation)",
    "alarm -> console, every client (recommendation)",
)
PROGRESS_S = 5.0


def _now() -> datetime:
    return datetime.now(UTC)


class Alarms:
    """The driver alarms of one run, as HAVAG's on-board units send them (``DriverAlarm`` JSON), cut into raw
    records by the driver-alarm format as the webhook connector does."""

    def __init__(self, fleet: Fleet, tag: str) -> None:
        self.fleet = fleet
        self.tag = tag
        self.format = DriverAlarmFormat()
        self.raised_at: dict[int, datetime] = {}

    def alarm_id(self, i: int) -> str:
        return f"{self.tag}-{i}"

    def incident_id(self, i: int) -> str:
        """The canonical incident the format makes of alarm ``i``."""
        return f"driver-alarm:{self.alarm_id(i)}"

    def records(self, i: int, state: str) -> list[tuple[bytes, bytes]]:
        """(key, value) of alarm ``i`` raised or cleared, from the tram ``pipeline_latency`` would pick, where it is."""
        vehicle, direction = self.fleet.trams[(i * 7) % len(self.fleet.trams)]
        lat, lon = direction.point_at(self.fleet.offsets[vehicle])
        now = _now()
        alarm: dict[str, Any] = {
            "alarm_id": self.alarm_id(i),
            "vehicle": vehicle,
            "line": direction.line,
            "mode": "silent",
            "state": state,
            "position": {"lat": lat, "lon": lon, "accuracy_m": 15.0},
            "time": now.isoformat(),
        }
        if state == "raised":
            self.raised_at[i] = now
        else:
            alarm["raised_at"] = self.raised_at.pop(i, now).isoformat()
        return [(r.key, r.value) for r in self.format.split(json.dumps(alarm).encode())]


def gtfsrt_position(fleet: Fleet, k: int) -> tuple[bytes, bytes]:
    """Tram ``k`` advanced, as a raw GTFS-RT record: a FeedMessage with one VehiclePositions entity, keyed by the car
    number (what the connector cuts from a feed). Route ids are HAVAG's GTFS ones (``HAT___<line>``)."""
    vehicle, direction, lat, lon = fleet.advance(k)
    stamp = int(time.time())
    entity = pb.FeedEntity(
        id=f"v{vehicle}",
        vehicle=pb.VehiclePosition(
            trip=pb.TripDescriptor(route_id=f"HAT___{direction.line}", direction_id=direction.direction),
            vehicle=pb.VehicleDescriptor(id=vehicle, label=vehicle),
            position=pb.Position(latitude=lat, longitude=lon),
            timestamp=stamp,
        ),
    )
    header = pb.FeedHeader(gtfs_realtime_version="2.0", timestamp=stamp)
    return vehicle.encode(), pb.FeedMessage(header=header, entity=[entity]).SerializeToString()


@dataclass
class Stamps:
    """When (perf_counter) each measured alarm was sent and each of its boundaries was seen."""

    sent: dict[str, float] = field(default_factory=dict)  # incident id -> send
    canon: dict[str, float] = field(default_factory=dict)
    alert: dict[str, float] = field(default_factory=dict)  # first alert on alerts.polizei
    recommended: dict[str, tuple[str, int, float]] = field(default_factory=dict)  # (alert id, revision, read at)
    # (incident id, alert id, revision) -> arrival at each client of a revision that carries a recommendation
    console: dict[tuple[str, str, int], list[float]] = field(default_factory=dict)

    def on_console(self, incident: str) -> list[float]:
        """Arrivals at the clients of the revision first read with a recommendation from ``alerts.polizei``."""
        if incident not in self.recommended:
            return []
        alert_id, revision, _ = self.recommended[incident]
        return self.console.get((incident, alert_id, revision), [])

    def row(self, incident: str) -> dict[str, Any]:
        """One alarm: the milliseconds from its send to each boundary (None when not seen)."""
        sent = self.sent[incident]

        def ms(at: float | None) -> float | None:
            return None if at is None else (at - sent) * 1e3

        recommended = self.recommended.get(incident)
        arrivals = sorted(self.on_console(incident))
        return {
            "incident_id": incident,
            "canon_ms": ms(self.canon.get(incident)),
            "alert_ms": ms(self.alert.get(incident)),
            "recommendation_alert_ms": ms(recommended[2] if recommended else None),
            "recommendation_revision": recommended[1] if recommended else None,
            "console_ms": [ms(at) for at in arrivals],
        }

    def spans(self, rows: list[dict[str, Any]]) -> dict[str, list[float]]:
        """The milliseconds of every span in ``SPANS`` over ``rows`` (a span is left out where a boundary is)."""
        out: dict[str, list[float]] = {name: [] for name in SPANS}
        for row in rows:
            canon, alert, rec = row["canon_ms"], row["alert_ms"], row["recommendation_alert_ms"]
            if canon is not None:
                out[SPANS[0]].append(canon)
            if canon is not None and alert is not None:
                out[SPANS[1]].append(alert - canon)
            if alert is not None:
                out[SPANS[2]].append(alert)
            if rec is not None:
                out[SPANS[3]].append(rec)
                out[SPANS[4]] += [at - rec for at in row["console_ms"]]
            if row["console_ms"]:
                out[SPANS[5]].append(row["console_ms"][0])
                out[SPANS[6]] += row["console_ms"]
        return out


class ConsoleClients(Clients):
    """Police event streams recording, per revision with a recommended unit, when each client read it."""

    def __init__(self, url: str, count: int, stamps: Stamps) -> None:
        super().__init__(url, count)
        self.stamps = stamps

    def on_alert(self, data: dict[str, Any], arrived: float) -> None:
        incident = data.get("incident_id")
        if incident in self.stamps.sent and data.get("recommended_unit") is not None:
            key = (incident, data["alert_id"], data["revision"])
            self.stamps.console.setdefault(key, []).append(arrived)


async def read_outputs(stamps: Stamps, consumer: AIOKafkaConsumer, canon_topic: str) -> None:
    """Read ``canon.incident`` and ``alerts.polizei``: the first incident, alert and recommendation of each alarm."""
    while True:
        batches = await consumer.getmany(timeout_ms=50)
        now = time.perf_counter()
        for records in batches.values():
            for record in records:
                data = CloudEvent.from_bytes(record.value).data
                incident = data.get("incident_id")
                if incident not in stamps.sent:
                    continue
                if record.topic == canon_topic:
                    stamps.canon.setdefault(incident, now)
                    continue
                stamps.alert.setdefault(incident, now)
                if data.get("recommended_unit") is not None and incident not in stamps.recommended:
                    stamps.recommended[incident] = (data["alert_id"], data["revision"], now)


@dataclass
class Run:
    """One measurement: the stack's settings, the processes, what to send and what was seen."""

    settings: Settings
    workers: dict[str, StageProcess]
    console: Child
    url: str
    args: argparse.Namespace
    stamps: Stamps = field(default_factory=Stamps)

    def alive(self) -> None:
        for worker in self.workers.values():
            worker.check_alive()
        if not self.console.running():
            raise self.console.failure(f"exited ({self.console.exit_description()})")

    def cpu(self) -> dict[str, float]:
        """CPU seconds so far of each process: the stages, the console and this one (producer and clients)."""
        pids = {stage: worker._started().pid for stage, worker in self.workers.items()}
        pids.update(console=self.console.pid, benchmark=os.getpid())
        return {name: cpu_seconds(pid) for name, pid in pids.items()}

    def normalised(self) -> float:
        return self.workers["normalise"].counter("hub_events_in_total", stage="normalise")

    def routed(self) -> float:
        return self.workers["router"].counter("hub_events_in_total", stage="router")


async def _send_alarms(run: Run, flow: Flow, alarms: Alarms) -> int:
    """Every 0.5 s for ``--seconds``: clear the oldest alarm, raise a new one (measured); returns how many raised."""
    opened, raised = run.args.open, 0
    deadline = time.perf_counter() + run.args.seconds
    while time.perf_counter() < deadline:
        i = opened + raised
        for key, value in alarms.records(i - opened, "cleared"):
            await flow.send(RAW_ALARMS, key, value)
        run.stamps.sent[alarms.incident_id(i)] = time.perf_counter()
        for key, value in alarms.records(i, "raised"):
            await flow.send(RAW_ALARMS, key, value)
        raised += 1
        await asyncio.sleep(SPACING_S)
    return raised


async def _progress(run: Run, flow: Flow) -> None:
    started = time.perf_counter()
    while True:
        await asyncio.sleep(PROGRESS_S)
        stamps = run.stamps
        on_console = sum(1 for incident in stamps.sent if stamps.on_console(incident))
        print(
            f"  {time.perf_counter() - started:4.0f} s: {flow.events:,} events sent, {len(stamps.sent)} alarms "
            f"raised, {len(stamps.canon)} normalised, {len(stamps.alert)} alerted, {on_console} on the console; "
            f"load {os.getloadavg()[0]:.1f}",
            flush=True,
        )
        run.alive()


async def _settled(count: Callable[[], float], at_least: float, timeout_s: float, check: Callable[[], None]) -> bool:
    """Wait until ``count()`` is at least ``at_least`` and has not moved for half a second (or ``timeout_s``)."""
    deadline, last, since = time.perf_counter() + timeout_s, -1.0, time.perf_counter()
    while time.perf_counter() < deadline:
        check()
        now, seen = time.perf_counter(), count()
        if seen != last:
            last, since = seen, now
        elif seen >= at_least and now - since >= 0.5:
            return True
        await asyncio.sleep(0.05)
    return False


async def _wait(condition: Callable[[], bool], timeout_s: float, check: Callable[[], None]) -> bool:
    """Wait until ``condition()`` holds (True) or ``timeout_s`` has passed (False), calling ``check`` meanwhile."""
    deadline = time.perf_counter() + timeout_s
    while not condition():
        if time.perf_counter() > deadline:
            return False
        check()
        await asyncio.sleep(0.05)
    return True


async def measure(run: Run) -> dict[str, Any]:
    """Place the trams and units, raise the unmeasured alarms, then flow and measure; returns the figures."""
    settings, args, stamps = run.settings, run.args, run.stamps
    bootstrap, prefix = settings.bootstrap(), settings.topic_prefix
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=2)
    consumer = AIOKafkaConsumer(
        prefix + "canon.incident",
        prefix + "alerts.polizei",
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        fetch_max_wait_ms=10,
    )
    await producer.start()
    await consumer.start()
    fleet, flow = Fleet.create(), Flow(settings, producer)
    alarms = Alarms(fleet, prefix.rstrip("."))
    clients = ConsoleClients(run.url, args.clients, stamps)
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    readers = [
        asyncio.create_task(read_outputs(stamps, consumer, prefix + "canon.incident")),
        asyncio.create_task(run_clients(clients, done, settle_s=0.0)),
    ]
    try:
        for key, value in fleet.units():
            await flow.send("canon.unit-status", key, value)
        units = flow.events
        for k in range(len(fleet.trams)):
            await flow.send(RAW_POSITIONS, *gtfsrt_position(fleet, k))
        for i in range(args.open):
            for key, value in alarms.records(i, "raised"):
                await flow.send(RAW_ALARMS, key, value)
        await producer.flush()
        if not await _wait(lambda: run.normalised() >= flow.events - units, 60, run.alive):
            raise TimeoutError("the normaliser did not take in the trams' first positions within 60 s")
        # The router too: the first measured alarm would otherwise wait behind the trams' first positions and the
        # opened alarms (the router's first pass over every tram and unit), which is start-up, not load.
        if not await _settled(run.routed, units + len(fleet.trams), 60, run.alive):
            raise TimeoutError("the router did not take in the units' and trams' first reports within 60 s")
        if not await _wait(lambda: clients.connected >= clients.count, 30, run.alive):
            raise TimeoutError(f"{clients.connected} of {clients.count} console clients connected within 30 s")
        load_before = os.getloadavg()
        print(f"  flowing {args.rate:,} positions/s for {args.seconds:g} s, a driver alarm every {SPACING_S:g} s")
        progress = asyncio.create_task(_progress(run, flow))
        cpu_before, flow_started = run.cpu(), time.perf_counter()
        flowing = asyncio.create_task(positions(flow, args.rate, RAW_POSITIONS, lambda k: gtfsrt_position(fleet, k)))
        raised = await _send_alarms(run, flow, alarms)
        flow.flowing = False
        await flowing
        await producer.flush()
        stopped = time.perf_counter()
        cpu_after = run.cpu()
        drained = await _wait(lambda: run.normalised() >= flow.events - units, 60, run.alive)
        drain_s = time.perf_counter() - stopped if drained else None
        await _wait(lambda: all(len(stamps.on_console(i)) >= args.clients for i in stamps.sent), 30, run.alive)
        progress.cancel()
        load_after = os.getloadavg()
    finally:
        done.set_result(None)
        await asyncio.gather(*readers[1:], return_exceptions=True)
        readers[0].cancel()
        await asyncio.gather(readers[0], return_exceptions=True)
        await consumer.stop()
        await producer.stop()
    rows = [stamps.row(incident) for incident in stamps.sent]
    return {
        "alarms_raised": raised,
        "events_sent": flow.events,
        "normalise_drain_s": drain_s,
        "load_average_before": load_before,
        "load_average_after": load_after,
        # Share of one core each process used during the flow (2.0 would be both cores of this machine).
        "cpu_share_during_flow": {
            name: (cpu_after[name] - cpu_before[name]) / (stopped - flow_started) for name in cpu_before
        },
        "counts": {
            "normalised": sum(1 for r in rows if r["canon_ms"] is not None),
            "alerted": sum(1 for r in rows if r["alert_ms"] is not None),
            "recommended": sum(1 for r in rows if r["recommendation_alert_ms"] is not None),
            "on_console_pairs": sum(len(r["console_ms"]) for r in rows),
            "expected_console_pairs": len(rows) * args.clients,
        },
        "spans": {name: summary(values) for name, values in stamps.spans(rows).items()},
        "alarms": rows,
    }


def summary(values: list[float]) -> dict[str, float | int | None]:
    """n, p50, p95, p99, max and mean of ``values`` (ms); None for each figure when there are none."""
    if not values:
        return {"n": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None, "mean_ms": None}
    return {
        "n": len(values),
        "p50_ms": percentile(values, 0.5),
        "p95_ms": percentile(values, 0.95),
        "p99_ms": percentile(values, 0.99),
        "max_ms": max(values),
        "mean_ms": statistics.fmean(values),
    }


def print_spans(result: dict[str, Any]) -> None:
    counts = result["counts"]
    print(
        f"\n{result['alarms_raised']} alarms measured: {counts['normalised']} normalised, {counts['alerted']} "
        f"alerted, {counts['recommended']} with a recommendation; {counts['on_console_pairs']} of "
        f"{counts['expected_console_pairs']} (alarm, client) arrivals on the console"
    )
    print(f"\n{'span (ms)':<52} {'n':>5} {'p50':>7} {'p95':>7} {'p99':>7} {'max':>7}")
    for name, row in result["spans"].items():
        figures = " ".join("      -" if row[k] is None else f"{row[k]:>7.0f}" for k in ("p50_ms", "p95_ms", "p99_ms"))
        top = "      -" if row["max_ms"] is None else f"{row['max_ms']:>7.0f}"
        print(f"{name:<52} {row['n']:>5} {figures} {top}")
    drain = result["normalise_drain_s"]
    before, after = result["load_average_before"], result["load_average_after"]
    print(
        f"\nnormaliser drained {'-' if drain is None else f'{drain:.2f}'} s after the flow; load average "
        f"{before[0]:.1f}/{before[1]:.1f}/{before[2]:.1f} before, {after[0]:.1f}/{after[1]:.1f}/{after[2]:.1f} after"
    )
    shares = ", ".join(f"{name} {share:.0%}" for name, share in result["cpu_share_during_flow"].items())
    print(f"CPU during the flow (share of one core): {shares}")


def run_all(args: argparse.Namespace, work: Path) -> dict[str, Any]:
    """Stack, topics, processes, the measurement; every process stopped after."""
    with stack(args, work) as (bootstrap, database_url):
        settings = Settings(
            kafka_bootstrap=bootstrap,
            database_url=database_url,  # type: ignore[arg-type]
            state_dir=work / "state",
            topic_prefix=f"a{uuid.uuid4().hex[:8]}.",
            consumer_session_timeout_s=3.0,
            log_level="warning",
            pseudonym_keys="demo",
        )
        apply_topology(settings.bootstrap(), settings.topic_prefix)
        migrate(settings.database_conninfo())
        workers = {s: StageProcess(settings, s, free_port(), work / f"{s}.log") for s in STAGES}
        print(f"starting {', '.join(STAGES)} and the console ({args.clients} police clients)", flush=True)
        try:
            for worker in workers.values():
                worker.start()
            for worker in workers.values():
                worker.wait_ready(timeout_s=90)
            console, url = spawn_console(
                settings, work / "console.log", env={"HUB_ACK_TOKEN_POLIZEI": TOKEN, "HUB_LOG_LEVEL": "warning"}
            )
            try:
                result = asyncio.run(measure(Run(settings, workers, console, url, args)))
            finally:
                console.signal_stop()
                console.wait_or_kill(20)
        finally:
            for worker in workers.values():
                worker.stop()
    return result


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds of flow (default 30)")
    parser.add_argument("--rate", type=int, default=1_000, help="vehicle positions a second (default 1,000)")
    parser.add_argument("--clients", type=int, default=20, help="police console event streams (default 20)")
    parser.add_argument("--open", type=int, default=20, help="alarms open before the measured ones (default 20)")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 3 s at 200/s, 2 clients, 2 open")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--kafka-bootstrap", help="a running broker (with --database-url), not an embedded one")
    parser.add_argument("--database-url", help="a PostgreSQL database to use (migrated here)")
    args = parser.parse_args()
    if args.quick:
        args.seconds, args.rate, args.clients, args.open = 3.0, 200, 2, 2
    if args.open < 1 or args.clients < 1:
        parser.error("--open and --clients must be at least 1 (each raised alarm clears the oldest open one)")
    return args


def main() -> None:
    args = parse_args()
    configure_logging(Settings(log_level="warning"))
    result: dict[str, Any] = {"date": _now().isoformat(timespec="seconds"), "machine": machine()}
    result.update(seconds=args.seconds, positions_per_s=args.rate, clients=args.clients, open_alarms=args.open)
    with tempfile.TemporaryDirectory(prefix="hub-bench-alarm-") as tmp:
        result.update(run_all(args, Path(tmp)))
    result["machine"]["load_average_after"] = os.getloadavg()
    print_spans(result)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "alarm_to_console.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
