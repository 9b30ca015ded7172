"""``hub demo``: the whole first path on the embedded stack, narrated.

Starts the broker and PostgreSQL (unless HUB_KAFKA_BOOTSTRAP / HUB_DATABASE_URL point elsewhere), creates topics
and schema, starts the normalise and sink workers as child processes, replays a sample file with valid and
malformed lines, waits until every line is accounted for, prints what happened and where to look, then stops.
"""

from __future__ import annotations

import signal
import sys
import time
from collections.abc import Callable
from typing import TextIO

from hub.config import Settings
from hub.connectors.replay import replay
from hub.devstack import stack_for
from hub.kafka_admin import apply_topology
from hub.kafka_read import read_topic
from hub.processes import StageProcess, free_port
from hub.samples import write_sample
from hub.store.events import count_events
from hub.store.migrate import migrate
from hub.streams.deadletter import parse_headers
from hub.topology import dlq_topic, qualified

WAIT_S = 60.0


def run_demo(settings: Settings, good: int, bad: int, keep_running: bool = False, out: TextIO = sys.stdout) -> int:
    def say(text: str) -> None:
        print(text, file=out, flush=True)

    started = time.monotonic()
    say("hub demo: NDJSON file -> raw topic -> faust normaliser -> canonical topics -> PostgreSQL")
    say("[1/6] starting the embedded stack (Tansu broker, PostgreSQL) ...")
    with stack_for(settings) as endpoints:
        settings = settings.with_endpoints(endpoints.kafka_bootstrap, endpoints.database_url)
        say(f"      broker {settings.bootstrap()}, database {settings.database_conninfo()}")

        say("[2/6] creating topics and the database schema ...")
        changes = apply_topology(settings.bootstrap(), settings.topic_prefix, settings.replication_factor)
        say(f"      {len(changes)} topics declared, {sum(c.action == 'created' for c in changes)} created")
        migrate(settings.database_conninfo())
        before = count_events(settings.database_conninfo())

        say("[3/6] starting the workers (faust: normalise, sink) ...")
        logs = settings.state_dir / "logs"
        workers = [
            StageProcess(settings, stage, free_port(), logs / f"worker-{stage}.log") for stage in ("normalise", "sink")
        ]
        try:
            for w in workers:
                w.start()
            for w in workers:
                w.wait_ready(timeout_s=60)
                say(f"      {w.stage:<9} ready, metrics at {w.metrics_url}, log {w.log_path}")

            sample = write_sample(settings.state_dir / "demo" / "sample.ndjson", good, bad)
            say(f"[4/6] replaying {sample} ({good} valid, {bad} malformed lines) ...")
            stats = replay(settings, sample)
            say(f"      {stats.produced} records produced to raw.replay.ndjson")

            say("[5/6] waiting until every record is stored or dead-lettered ...")
            normalise, sink = workers
            deadline = time.monotonic() + WAIT_S
            while True:
                n_in = normalise.counter("hub_events_in_total", stage="normalise")
                n_dead = normalise.counter("hub_events_dead_lettered_total", stage="normalise")
                n_stored = sink.counter("hub_events_out_total", stage="sink")
                say(f"      normalised {n_in - n_dead:>5.0f}  dead-lettered {n_dead:>4.0f}  stored {n_stored:>5.0f}")
                if n_in >= stats.produced and n_stored >= n_in - n_dead:
                    break
                if time.monotonic() > deadline:
                    say(f"      gave up after {WAIT_S:.0f}s; see the worker logs")
                    return 1
                for w in workers:
                    w.check_alive()
                time.sleep(1.0)
            rows = count_events(settings.database_conninfo())

            say("[6/6] what happened:")
            say(f"      {stats.produced} lines replayed")
            say(f"      {n_in - n_dead:.0f} normalised into canonical CloudEvents on canon.* topics")
            say(f"      {n_dead:.0f} dead-lettered on dlq.normalise, each with its reason, for example:")
            letters = read_topic(settings.bootstrap(), qualified(settings.topic_prefix, dlq_topic("normalise")))
            seen: set[str] = set()
            for letter in letters:
                h = parse_headers(letter.headers)
                if h.get("code") not in seen:
                    seen.add(h.get("code", ""))
                    say(f"        [{h.get('code')}] {h.get('reason', '')[:110]}")
            say(f"      {rows} rows in PostgreSQL table events ({rows - before} new in this run)")
            say("")
            say(f"logs: {logs}/ (worker-normalise.log, worker-sink.log, tansu.log, postgres.log)")
            if not keep_running:
                say("to look around while it runs: hub demo --keep-running")
            else:
                _look_around(settings, workers, say)
                _wait_for_signal(workers)
        finally:
            say("stopping workers and the embedded stack ...")
            for w in workers:
                w.stop()
    say(f"done in {time.monotonic() - started:.0f}s")
    return 0


def _look_around(settings: Settings, workers: list[StageProcess], say: Callable[[str], None]) -> None:
    say("")
    say("running until Ctrl-C; in another terminal:")
    say(f"  export HUB_KAFKA_BOOTSTRAP={settings.bootstrap()}")
    say(f"  export HUB_DATABASE_URL='{settings.database_conninfo()}'")
    say("  .venv/bin/hub dlq show --stage normalise      # dead letters with reason and origin")
    query = "select kind, count(*) from events group by 1"
    say(f"  psql \"$HUB_DATABASE_URL\" -c '{query}'")
    for w in workers:
        say(f"  curl {w.metrics_url}   # {w.stage} metrics")


def _wait_for_signal(workers: list[StageProcess]) -> None:
    stop = False

    def _stop(signum: int, frame: object) -> None:
        nonlocal stop
        stop = True

    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        while not stop:
            for w in workers:
                w.check_alive()
            time.sleep(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
