"""Take-over: how long after a worker stops (SIGKILL or SIGTERM) its partitions are read again.

Run: .venv/bin/python -m bench.bench_takeover [--rounds 5] [--session-timeout 6] [--scenario ...]
Starts the embedded broker and real ``hub worker normalise`` processes (the stage needs no database), then per
round stops a worker and measures, from the signal:
- ``restart``: the stopped worker is replaced by a new process (started once the old one has exited; a crash or a
  deployment's restart): until the new one has its partitions, and until records produced right after the signal
  have been consumed;
- ``survivor``: two workers share the stage; one is stopped and not replaced: until the other holds every
  partition, and until the records produced after the signal have been consumed.
``cold start`` is a new worker of an idle group, from its spawn: the part of a restart that is process start-up
and joining, without a dead member to wait for. Prints p50 and max per scenario and signal. Before each round
the group has committed every record, so "consumed" counts only the new ones.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kafka import KafkaAdminClient

from hub.config import Settings
from hub.devstack import EmbeddedStack
from hub.kafka_admin import apply_topology
from hub.kafka_produce import make_producer
from hub.logging import configure_logging
from hub.processes import StageProcess, free_port
from hub.samples import good_record
from hub.streams.normalise import MAPPERS
from hub.topology import qualified, raw_topic, spec

STAGE = "normalise"
PROBES = 30
TOPIC = raw_topic("replay", "ndjson")


@dataclass
class Figures:
    """Seconds per round of one scenario: until the partitions were held, until the new records were consumed."""

    assigned: list[float] = field(default_factory=list)
    consumed: list[float] = field(default_factory=list)

    def line(self, title: str) -> str:
        def summary(values: list[float]) -> str:
            if not values:
                return "-"
            return f"p50 {statistics.median(values):5.2f} s  max {max(values):5.2f} s"

        return f"{title:<22} partitions held {summary(self.assigned)}   new records consumed {summary(self.consumed)}"


class Bench:
    """One embedded broker, the stage's topics under a fresh prefix, the workers started so far."""

    def __init__(self, settings: Settings, logs: Path) -> None:
        self.settings = settings
        self.logs = logs
        self.workers: list[StageProcess] = []
        self.produced = 0
        self.partitions = sum(spec(name).partitions for name in MAPPERS)
        self.producer = make_producer(settings.bootstrap(), "bench-takeover", linger_ms=0)
        self.admin = KafkaAdminClient(bootstrap_servers=settings.bootstrap())

    def start(self, instance: str | None = None) -> StageProcess:
        """A new worker of the stage (with a static group membership ``instance``, if given)."""
        settings = self.settings
        if instance is not None:
            settings = settings.model_copy(update={"consumer_group_instance_id": instance})
        proc = StageProcess(settings, STAGE, free_port(), self.logs / f"{STAGE}-{len(self.workers) + 1}.log")
        self.workers.append(proc)
        proc.start()
        return proc

    def produce(self, count: int) -> None:
        """``count`` valid replay records, spread over the topic's partitions."""
        topic = qualified(self.settings.topic_prefix, TOPIC)
        for i in range(count):
            line = good_record(self.produced + i)
            self.producer.send(topic, json.dumps(line).encode(), key=f"probe-{self.produced + i}".encode())
        self.producer.flush()
        self.produced += count

    def committed(self) -> int:
        """How many records of the probe topic the stage's group has committed."""
        group = f"{self.settings.topic_prefix}hub-{STAGE}"
        offsets = self.admin.list_group_offsets(group)[group]
        topic = qualified(self.settings.topic_prefix, TOPIC)
        return sum(meta.offset for tp, meta in offsets.items() if tp.topic == topic and meta.offset > 0)

    def settle(self, timeout_s: float = 60.0) -> None:
        """Wait until the group has committed every record produced so far."""
        wait(lambda: self.committed() >= self.produced, timeout_s, "the group did not commit every probe", 0.2)


def wait(done: Callable[[], bool], timeout_s: float, what: str, interval_s: float = 0.02) -> float:
    """Poll ``done`` until it holds; the seconds taken. RuntimeError saying ``what`` after ``timeout_s``."""
    started = time.monotonic()
    while not done():
        if time.monotonic() - started > timeout_s:
            raise RuntimeError(what)
        time.sleep(interval_s)
    return time.monotonic() - started


def stop(proc: StageProcess, how: signal.Signals) -> float:
    """Send ``how`` to the worker; return the monotonic time of the signal (waits for the exit)."""
    at = time.monotonic()
    if how == signal.SIGKILL:
        proc.kill()
    else:
        proc.stop(timeout_s=30)
    return at


def held_all(bench: Bench, proc: StageProcess) -> Callable[[], bool]:
    return lambda: proc.counter("hub_stage_assigned_partitions", stage=STAGE) >= bench.partitions


def consumed(proc: StageProcess, before: float) -> Callable[[], bool]:
    return lambda: proc.counter("hub_events_in_total", stage=STAGE) >= before + PROBES


def restart_round(
    bench: Bench, current: StageProcess, how: signal.Signals, figures: Figures, instance: str | None
) -> StageProcess:
    bench.settle()
    at = stop(current, how)
    bench.produce(PROBES)
    new = bench.start(instance)
    wait(held_all(bench, new), 120, "the restarted worker got no partitions")
    figures.assigned.append(time.monotonic() - at)
    wait(consumed(new, 0.0), 120, "the restarted worker did not consume the new records")
    figures.consumed.append(time.monotonic() - at)
    return new


def survivor_round(bench: Bench, how: signal.Signals, figures: Figures, instances: Sequence[str | None]) -> None:
    first = bench.start(instances[0])
    second = bench.start(instances[1])
    for proc in (first, second):
        wait(lambda p=proc: p.counter("hub_stage_assigned_partitions", stage=STAGE) > 0, 120, "no partitions")  # type: ignore[misc]
    # Both hold some partitions once the second's join has been answered; wait until they share all.
    wait(
        lambda: (
            sum(p.counter("hub_stage_assigned_partitions", stage=STAGE) for p in (first, second)) >= bench.partitions
        ),
        120,
        "the two workers do not share every partition",
    )
    bench.settle()
    before = second.counter("hub_events_in_total", stage=STAGE)
    at = stop(first, how)
    bench.produce(PROBES)
    wait(held_all(bench, second), 120, "the survivor did not get every partition")
    figures.assigned.append(time.monotonic() - at)
    wait(consumed(second, before), 120, "the survivor did not consume the new records")
    figures.consumed.append(time.monotonic() - at)
    second.stop(timeout_s=30)


def run(settings: Settings, logs: Path, rounds: int, scenarios: Sequence[str], static: bool) -> dict[str, Figures]:
    bench = Bench(settings, logs)
    results: dict[str, Figures] = {}
    instance = "bench-1" if static else None
    if "restart" in scenarios or "cold" in scenarios:
        cold = results.setdefault("cold start", Figures())
        for _ in range(rounds if "cold" in scenarios else 1):
            spawned = time.monotonic()
            proc = bench.start(instance)
            wait(held_all(bench, proc), 120, "the first worker got no partitions")
            cold.assigned.append(time.monotonic() - spawned)
            bench.produce(PROBES)
            wait(consumed(proc, 0.0), 120, "the first worker did not consume")
            cold.consumed.append(time.monotonic() - spawned)
            if "cold" in scenarios:
                bench.settle()
                proc.stop(timeout_s=30)
        if "restart" in scenarios:
            for how in (signal.SIGTERM, signal.SIGKILL):
                figures = results.setdefault(f"restart, {how.name}", Figures())
                for _ in range(rounds):
                    proc = restart_round(bench, proc, how, figures, instance)
        proc.stop(timeout_s=30)
    if "survivor" in scenarios:
        pair = ("bench-1", "bench-2") if static else (None, None)
        for how in (signal.SIGTERM, signal.SIGKILL):
            figures = results.setdefault(f"survivor, {how.name}", Figures())
            for _ in range(rounds):
                survivor_round(bench, how, figures, pair)
    bench.producer.close()
    bench.admin.close()
    return results


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5, help="rounds per scenario and signal")
    parser.add_argument("--session-timeout", type=float, default=6.0, help="HUB_CONSUMER_SESSION_TIMEOUT_S")
    parser.add_argument(
        "--scenario", action="append", choices=("restart", "survivor", "cold"), help="default: restart and survivor"
    )
    parser.add_argument("--static", action="store_true", help="static group membership (group instance ids)")
    args = parser.parse_args(argv)
    configure_logging(Settings(log_level="warning"))
    with tempfile.TemporaryDirectory(prefix="hub-bench-takeover-") as tmp:
        state = Path(tmp)
        with EmbeddedStack(state, broker_port=free_port(), postgres_port=None) as endpoints:
            settings = Settings(
                kafka_bootstrap=endpoints.kafka_bootstrap,
                topic_prefix=f"takeover{os.getpid()}.",
                state_dir=state / "hub",
                consumer_session_timeout_s=args.session_timeout,
                log_format="json",
            )
            apply_topology(settings.bootstrap(), settings.topic_prefix)
            results = run(settings, state, args.rounds, args.scenario or ["restart", "survivor"], args.static)
    print(f"take-over of `hub worker {STAGE}`, session timeout {args.session_timeout:g} s, {args.rounds} rounds")
    for title, figures in results.items():
        print(figures.line(title))


if __name__ == "__main__":
    main()
