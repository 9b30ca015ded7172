"""The pipeline benchmark (issue 13): how many vehicle positions a second each stage keeps up with, next to the floor
and the naive baseline, and how long an incident takes to become an alert under load.

Run: .venv/bin/python -m bench.bench_pipeline [--records N] [--rounds R] [--quick] [--out DIR]
     [--scale-out] [--skip-latency | --skip-throughput] [--scenarios S ...] [--open 20 100] [--rate 1000]
     [--latency-s 40]
     [--kafka-bootstrap HOST:PORT --database-url URL]   (a running stack instead of an embedded one)

Part 1, throughput. On one embedded broker and PostgreSQL, the same N vehicle positions (replay records, each run its
own ids and topic prefix) go through, in interleaved rounds:
  (a) a raw aiokafka consume -> produce loop that does no work (``bench.pipeline_loops raw``),
  (b) a naive faust agent, one event at a time with ``topic.send`` (``bench.pipeline_loops faust``),
  (c) each hub stage alone as a real ``hub worker`` process: normalise, pseudonymise, sink,
  (d) normalise + pseudonymise + sink together,
  and with ``--scale-out`` (e) each stage as two workers in one consumer group ("normalise x2", ...), so the gain of
  a second worker over one shows in the same run (the inputs have 3 (replay) and 6 (canonical) partitions).
The input is on the broker before the process starts. The clock starts when the first output is confirmed and stops
when the last is: for the loops the broker's acknowledgements they count, for the hub's workers their
``hub_events_out_total`` (counted after the broker, or for the sink the database, confirmed the batch). Worker CPU per
event is the process's user + system time from /proc over the same window. Printed: events/s (median of the
rounds), CPU per event, and the ratios to (a) and (b).

Part 2, incident -> alert latency (``bench.pipeline_latency``): the router as a real worker while positions flow at
1,000/s, with 20 and with 100 incidents open; p50/p95/p99/max from an incident's send until its first alert is read
from ``alerts.*``.

Writes ``bench/results/pipeline.json`` and ``bench/results/pipeline.png`` (matplotlib: the ``plot`` extra).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from kafka import KafkaProducer

from bench.pipeline_latency import latency_case
from hub.config import Settings
from hub.devstack import EmbeddedStack
from hub.formats.replay import map_replay_record
from hub.kafka_admin import apply_topology
from hub.logging import configure_logging
from hub.network.gtfs_static import default_gtfs
from hub.privacy.retention import RetentionPeriods
from hub.privacy.setup import stage_keys, stage_policy, stage_scrubber
from hub.privacy.transform import StopIndex
from hub.processes import StageProcess, free_port
from hub.schemas import example_payload
from hub.store.migrate import migrate
from hub.streams.pseudonymise import Pseudonymiser

RAW = "raw.replay.ndjson"
CANON = "canon.vehicle-position"
SCENARIOS = ("raw loop", "naive faust agent", "normalise", "pseudonymise", "sink", "normalise+pseudonymise+sink")
#: Two workers of one stage in one consumer group (``--scale-out``, Deliver 5 of issue 13).
SCALE_OUT = ("normalise x2", "pseudonymise x2", "sink x2")
_EPOCH = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
_TICK = os.sysconf("SC_CLK_TCK")
_TTY = sys.stdout.isatty()
POLL_MIN_S = 0.01
POLL_MAX_S = 0.25


@dataclass
class Run:
    """One scenario in one round."""

    scenario: str
    round: int
    events: int
    seconds: float
    events_per_s: float
    cpu_us_per_event: float


# --- input --------------------------------------------------------------------------------------------------------


def replay_lines(n: int, tag: str) -> list[tuple[bytes, bytes]]:
    """(key, line) of ``n`` vehicle-position replay records with ids unique to ``tag``."""
    out = []
    for i in range(n):
        record = {
            "kind": "vehicle-position",
            "source": "/havag/itcs",
            "id": f"vp-{tag}-{i:07d}",
            "time": (_EPOCH + timedelta(milliseconds=i)).isoformat(),
            "data": example_payload("vehicle-position", i),
        }
        out.append((record["id"].encode(), json.dumps(record).encode()))  # type: ignore[union-attr]
    return out


def canonical(lines: list[tuple[bytes, bytes]]) -> list[tuple[bytes, bytes]]:
    """The ``canon.vehicle-position`` records of ``lines`` (what the normaliser makes of them)."""
    out = []
    for _, line in lines:
        for record in map_replay_record(line):
            out.append((record.key, record.value()))
    return out


def preload(bootstrap: str, topic: str, records: list[tuple[bytes, bytes]]) -> None:
    """Put ``records`` on ``topic`` and wait until the broker has them all."""
    producer = KafkaProducer(bootstrap_servers=bootstrap, acks="all", linger_ms=20, batch_size=262_144)
    try:
        for key, value in records:
            producer.send(topic, value=value, key=key)
        producer.flush(timeout=300)
    finally:
        producer.close()


# --- measuring ----------------------------------------------------------------------------------------------------


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (all its threads)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / _TICK


@dataclass
class Subject:
    """What a run watches: its processes, how far they are (events of the N confirmed), and a liveness check."""

    pids: Callable[[], list[int]]
    done: Callable[[], float]
    alive: Callable[[], None]


def measure(name: str, subject: Subject, n: int, timeout_s: float) -> tuple[float, float, float]:
    """(seconds, events/s, CPU us per event) from the first confirmed output until ``n``; prints progress."""
    deadline = time.monotonic() + timeout_s
    started, first = time.perf_counter(), 0.0
    while (first := subject.done()) <= 0:
        _check(subject, deadline, name, first, n)
        time.sleep(0.01)
    t0, cpu0 = time.perf_counter(), sum(cpu_seconds(p) for p in subject.pids())
    shown = time.monotonic()
    while (done := subject.done()) < n:
        _check(subject, deadline, name, done, n)
        if _TTY and time.monotonic() - shown > 1.0:
            print(f"\r    {name}: {done:,.0f} / {n:,}", end="", flush=True)
            shown = time.monotonic()
        time.sleep(_poll_s(done - first, time.perf_counter() - t0, n - done))
    seconds = time.perf_counter() - t0
    cpu = sum(cpu_seconds(p) for p in subject.pids()) - cpu0
    counted = n - first
    if counted <= 0 or seconds <= 0:  # all in the first batch (a tiny --quick run): from the start, with start-up
        seconds, counted, cpu = time.perf_counter() - started, n, sum(cpu_seconds(p) for p in subject.pids())
    if _TTY:
        print("\r" + " " * 60 + "\r", end="", flush=True)
    return seconds, counted / seconds, cpu / counted * 1e6


def _poll_s(counted: float, seconds: float, left: float) -> float:
    """How long to wait before looking again: a tenth of the time the ``left`` events should take at the rate so far,
    between ``POLL_MIN_S`` and ``POLL_MAX_S``. A look at a hub worker reads its whole ``/metrics`` page in the
    worker's process (a Prometheus server scrapes every 15 s or so): at a look every 20 ms, serving it was 4 % of a
    pseudonymise worker's profile samples, though an A/B run of normalise and the sink showed no difference in
    events/s. The end is still seen within ``POLL_MIN_S``."""
    if counted <= 0 or seconds <= 0:
        return POLL_MIN_S
    return min(POLL_MAX_S, max(POLL_MIN_S, left / (counted / seconds) / 10))


def _check(subject: Subject, deadline: float, name: str, done: float, n: int) -> None:
    subject.alive()
    if time.monotonic() > deadline:
        raise TimeoutError(f"{name}: {done:,.0f} of {n:,} events after the timeout")


# --- the runs -----------------------------------------------------------------------------------------------------


class Bench:
    """The stack's settings, the input size and the work folder of one benchmark."""

    def __init__(self, base: Settings, n: int, work: Path) -> None:
        self.base = base
        self.n = n
        self.work = work
        self.shares_per_event = self._shares_per_event()

    def _shares_per_event(self) -> int:
        settings = self.base.model_copy(update={"pseudonym_keys": "demo"})
        policy = stage_policy(settings)
        core = Pseudonymiser(
            policy,
            stage_keys(settings, policy, os.environ),
            RetentionPeriods.from_settings(settings),
            stops=StopIndex(default_gtfs().stops.values()),
            scrubber=stage_scrubber(policy),
        )
        return len(core.process(canonical(replay_lines(1, "probe"))[0][1]).shares)

    def settings(self) -> Settings:
        """Settings on a fresh topic prefix (so fresh topics and consumer groups), its topics created."""
        prefix = f"b{uuid.uuid4().hex[:8]}."
        settings = self.base.model_copy(update={"topic_prefix": prefix, "pseudonym_keys": "demo"})
        apply_topology(settings.bootstrap(), prefix)
        return settings

    def run(self, scenario: str, round_: int) -> Run:
        settings = self.settings()
        lines = replay_lines(self.n, settings.topic_prefix.rstrip("."))
        if scenario.split(" x")[0] in ("pseudonymise", "sink"):
            preload(settings.bootstrap(), settings.topic_prefix + CANON, canonical(lines))
        else:
            preload(settings.bootstrap(), settings.topic_prefix + RAW, lines)
        with self.started(scenario, settings) as subject:
            seconds, rate, cpu = measure(scenario, subject, self.n, timeout_s=120 + self.n / 200)
        return Run(scenario, round_, self.n, seconds, rate, cpu)

    @contextmanager
    def started(self, scenario: str, settings: Settings) -> Iterator[Subject]:
        if scenario in ("raw loop", "naive faust agent"):
            with self.loop("raw" if scenario == "raw loop" else "faust", settings) as subject:
                yield subject
        else:
            with self.workers(scenario.split("+"), settings) as subject:
                yield subject

    @contextmanager
    def loop(self, kind: str, settings: Settings) -> Iterator[Subject]:
        progress = self.work / f"{settings.topic_prefix}{kind}.count"
        log = (self.work / f"{settings.topic_prefix}{kind}.log").open("wb")
        argv = [sys.executable, "-m", "bench.pipeline_loops", kind, "--bootstrap", settings.bootstrap()]
        argv += ["--prefix", settings.topic_prefix, "--input", settings.topic_prefix + RAW]
        argv += ["--output", settings.topic_prefix + CANON, "--progress", str(progress)]
        proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT)

        def done() -> float:
            try:
                return float(progress.read_text() or 0)
            except (OSError, ValueError):
                return 0.0

        def alive() -> None:
            if proc.poll() is not None:
                raise RuntimeError(f"{kind} loop exited with {proc.returncode}; see {log.name}")

        try:
            yield Subject(lambda: [proc.pid], done, alive)
        finally:
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
            log.close()

    @contextmanager
    def workers(self, stages: list[str], settings: Settings) -> Iterator[Subject]:
        """The stages' workers; a stage written ``"<stage> x<n>"`` runs as n workers of one consumer group."""
        replicas = {s.split(" x")[0]: int(s.split(" x")[1]) if " x" in s else 1 for s in stages}
        stages = list(replicas)
        procs = {
            s: [
                StageProcess(settings, s, free_port(), self.work / f"{settings.topic_prefix}{s}-{i}.log")
                for i in range(n)
            ]
            for s, n in replicas.items()
        }
        for group in procs.values():
            for proc in group:
                proc.start()
        k = self.shares_per_event

        def out(stage: str) -> float:
            confirmed = sum(p.counter("hub_events_out_total", stage=stage) for p in procs[stage])
            return confirmed / k if stage == "pseudonymise" else confirmed

        def done() -> float:
            return min(out(s) for s in stages if s != "normalise" or len(stages) == 1)

        every = [proc for group in procs.values() for proc in group]

        def alive() -> None:
            for proc in every:
                proc.check_alive()

        try:
            yield Subject(lambda: [p._started().pid for p in every], done, alive)
        finally:
            for proc in every:
                proc.stop()


# --- the report ---------------------------------------------------------------------------------------------------


def summary(runs: list[Run]) -> list[dict[str, Any]]:
    """Per scenario: the median events/s and CPU per event over the rounds, and the ratios to (a) and (b)."""
    rows = []
    for scenario in SCENARIOS + SCALE_OUT:
        mine = [r for r in runs if r.scenario == scenario]
        if mine:
            rate = statistics.median(r.events_per_s for r in mine)
            cpu = statistics.median(r.cpu_us_per_event for r in mine)
            rows.append({"scenario": scenario, "rounds": len(mine), "events_per_s": rate, "cpu_us_per_event": cpu})
    base = {row["scenario"]: row["events_per_s"] for row in rows}
    for row in rows:
        row["vs_raw_loop"] = row["events_per_s"] / base["raw loop"] if "raw loop" in base else None
        naive = base.get("naive faust agent")
        row["vs_naive_faust"] = row["events_per_s"] / naive if naive else None
        one = base.get(row["scenario"].split(" x")[0]) if " x" in row["scenario"] else None
        row["vs_one_worker"] = row["events_per_s"] / one if one else None
    return rows


def print_table(rows: list[dict[str, Any]]) -> None:
    print(f"\n{'what':<30} {'events/s':>10} {'CPU us/event':>13} {'vs naive faust':>15} {'vs raw loop':>12}")
    for row in rows:
        naive = f"{row['vs_naive_faust']:.2f}x" if row["vs_naive_faust"] else "-"
        raw = f"{row['vs_raw_loop']:.3f}" if row["vs_raw_loop"] else "-"
        print(
            f"{row['scenario']:<30} {row['events_per_s']:>10,.0f} {row['cpu_us_per_event']:>13.0f} "
            f"{naive:>15} {raw:>12}"
            + (f"   {row['vs_one_worker']:.2f}x one worker" if row.get("vs_one_worker") else "")
        )


def machine() -> dict[str, Any]:
    """What ran the benchmark: CPUs, model, load, Python."""
    model = next(
        (ln.split(":", 1)[1].strip() for ln in Path("/proc/cpuinfo").read_text().splitlines() if "model name" in ln),
        platform.processor(),
    )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "load_average": os.getloadavg(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def plot(result: dict[str, Any], path: Path) -> bool:
    """A PNG of the throughput table (and the latency percentiles when measured); False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        import matplotlib.ticker
    except ImportError:
        return False
    latency = result.get("latency") or []
    fig, axes = plt.subplots(1, 2 if latency else 1, figsize=(13 if latency else 8, 4.5), squeeze=False)
    rows = result["throughput"]
    ax = axes[0][0]
    if not rows:
        ax.set_axis_off()
    ax.barh([r["scenario"] for r in rows][::-1], [r["events_per_s"] for r in rows][::-1], color="tab:blue")
    ax.set_xscale("log")
    ax.xaxis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    ax.set_xlabel("events/s (median of rounds, log scale)")
    ax.set_title(f"{result['records']:,} vehicle positions, embedded broker")
    if latency:
        ax = axes[0][1]
        names = ("p50_ms", "p95_ms", "p99_ms", "max_ms")
        width = 0.8 / len(latency)
        for i, case in enumerate(latency):
            xs = [j + i * width for j in range(len(names))]
            ax.bar(xs, [case[k] for k in names], width, label=f"{case['open_incidents']} open incidents")
        ax.set_xticks([j + width * (len(latency) - 1) / 2 for j in range(len(names))], [n[:-3] for n in names])
        ax.set_ylabel("incident -> alert, ms")
        ax.set_title(f"router under {latency[0]['positions_per_s']:,} positions/s")
        ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return True


# --- main ---------------------------------------------------------------------------------------------------------


def throughput(bench: Bench, rounds: int, scenarios: tuple[str, ...] = SCENARIOS) -> list[Run]:
    runs = []
    for round_ in range(1, rounds + 1):
        for scenario in scenarios:
            print(f"  round {round_}/{rounds}  {scenario} ...", end="", flush=True)
            run = bench.run(scenario, round_)
            print(f" {run.events_per_s:,.0f} events/s, {run.cpu_us_per_event:.0f} us CPU/event")
            runs.append(run)
    return runs


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--records", type=int, default=50_000, help="vehicle positions per run (default 50,000)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (default 3)")
    parser.add_argument("--rate", type=int, default=1_000, help="positions/s in the latency part")
    parser.add_argument("--latency-s", type=float, default=40.0, help="seconds of flow per latency case")
    parser.add_argument("--open", type=int, nargs="+", default=[20, 100], help="open incidents per latency case")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 300 records, 1 round, 3 s of latency")
    parser.add_argument("--scale-out", action="store_true", help="also each stage as two workers in one group")
    parser.add_argument("--skip-latency", action="store_true", help="part 1 only")
    parser.add_argument("--skip-throughput", action="store_true", help="part 2 only")
    parser.add_argument(
        "--scenarios",
        nargs="+",
        choices=SCENARIOS,
        default=list(SCENARIOS),
        metavar="SCENARIO",
        help=f"part 1's scenarios to run, in this order each round (default all: {', '.join(SCENARIOS)})",
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    parser.add_argument("--kafka-bootstrap", help="a running broker (with --database-url), not an embedded one")
    parser.add_argument("--database-url", help="a PostgreSQL database to use (migrated here)")
    args = parser.parse_args()
    if args.quick:
        args.records, args.rounds, args.latency_s, args.rate, args.open = 300, 1, 3.0, 200, [2, 5]
    return args


@contextmanager
def stack(args: argparse.Namespace, work: Path) -> Iterator[tuple[str, str]]:
    """(bootstrap, database URL): the ones given, else an embedded stack's, started here and stopped after."""
    if args.kafka_bootstrap and args.database_url:
        yield args.kafka_bootstrap, args.database_url
        return
    with EmbeddedStack(work / "stack", broker_port=free_port(), postgres_port=free_port()) as ep:
        yield str(ep.kafka_bootstrap), str(ep.database_url)


def measure_all(args: argparse.Namespace, result: dict[str, Any], work: Path) -> None:
    """Both parts, their figures into ``result``."""
    with stack(args, work) as (bootstrap, database_url):
        base = Settings(
            kafka_bootstrap=bootstrap,
            database_url=database_url,  # type: ignore[arg-type]
            state_dir=work / "state",
            consumer_session_timeout_s=3.0,
            log_level="warning",
        )
        migrate(base.database_conninfo())
        bench = Bench(base, args.records, work)
        result["runs"], result["throughput"] = [], []
        if not args.skip_throughput:
            print(f"throughput: {args.records:,} vehicle positions per run, {args.rounds} round(s)")
            runs = throughput(bench, args.rounds, tuple(args.scenarios) + (SCALE_OUT if args.scale_out else ()))
            result["runs"] = [asdict(r) for r in runs]
            result["throughput"] = summary(runs)
            print_table(result["throughput"])
        result["latency"] = []
        if not args.skip_latency:
            print(f"\nincident -> alert latency at {args.rate:,} positions/s, {args.latency_s:g} s per case")
            for open_incidents in args.open:
                case = latency_case(bench.settings(), work, open_incidents, args.rate, args.latency_s)
                result["latency"].append(case)


def main() -> None:
    args = parse_args()
    configure_logging(Settings(log_level="warning"))
    logging.getLogger("kafka").setLevel(logging.ERROR)  # the preloading producer's event-loop warnings
    result: dict[str, Any] = {"date": datetime.now(UTC).isoformat(timespec="seconds"), "machine": machine()}
    result.update(records=args.records, rounds=args.rounds)
    with tempfile.TemporaryDirectory(prefix="hub-bench-") as tmp:
        measure_all(args, result, Path(tmp))
    result["machine"]["load_average_after"] = os.getloadavg()
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "pipeline.json").write_text(json.dumps(result, indent=2) + "\n")
    plotted = plot(result, args.out / "pipeline.png")
    print(f"\nwrote {args.out / 'pipeline.json'}" + (f" and {args.out / 'pipeline.png'}" if plotted else ""))


if __name__ == "__main__":
    main()
