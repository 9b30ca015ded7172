"""Faults under load, on the real broker, database and worker processes: every stage killed with SIGKILL at random
moments, the database paused and refusing connections, the broker paused, poison records in the stream. After each,
every source record is accounted for exactly once (a stored event or a dead letter), every transfer share has its
register row, and every incident has one current alert per recipient; the report gives the duplicates seen on the
way and how long the pipeline took to balance its books after the fault ended."""

from __future__ import annotations

import json
import os
import random
import signal
import socket
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import psutil
import pytest

from hub.config import Settings
from hub.connectors.replay import replay
from hub.devstack import EmbeddedStack
from hub.devstack.process import Child
from hub.errors import InvalidEventError
from hub.formats.replay import map_replay_record
from hub.kafka_read import read_topic
from hub.processes import free_port, settings_env
from hub.samples import sample_lines
from hub.topology import dlq_topic, qualified
from tests.faults.ledger import RAW, Expected, Report, Row, poison_lines, settle, write_lines
from tests.helpers.stack import Topics
from tests.helpers.store import refusing
from tests.helpers.workers import WorkerFactory, Workers

pytestmark = pytest.mark.faults

STAGES = ("normalise", "pseudonymise", "sink", "router", "alert-store")
#: How long the books may take to balance once a fault has ended (the machine is shared; this bounds a hang).
SETTLE_S = 180.0


def valid_id(line: bytes) -> str | None:
    """The source record id a line must be stored under, or None when the normaliser must refuse it."""
    try:
        return map_replay_record(line)[0].event.hubsourceid
    except InvalidEventError:
        return None


class Load:
    """Replays sample lines (and poison) in chunks from a thread while a fault runs; ``expected`` says what the
    pipeline must end with."""

    def __init__(self, settings: Settings, tmp: Path, chunks: int, per_chunk: int, pause_s: float) -> None:
        self.settings = settings
        self.expected = Expected()
        self.files: list[Path] = []
        lines = sample_lines(chunks * per_chunk, chunks * max(1, per_chunk // 50), seed=11)
        size = len(lines) // chunks
        for n in range(chunks):
            chunk = lines[n * size : (n + 1) * size if n < chunks - 1 else len(lines)]
            poison = poison_lines(100_000 + 10 * n)
            self.expected.add(chunk, valid_id)
            self.expected.add(poison, lambda _line: None)
            self.files.append(write_lines(tmp / f"load-{n}.ndjson", [*chunk, *poison]))
        self.pause_s = pause_s
        self.done = threading.Event()
        self.errors: list[BaseException] = []

    def run(self) -> None:
        try:
            for path in self.files:
                replay(self.settings, path)
                time.sleep(self.pause_s)
        except BaseException as exc:  # reported by the test
            self.errors.append(exc)
        finally:
            self.done.set()

    @contextmanager
    def running(self) -> Iterator[None]:
        thread = threading.Thread(target=self.run, daemon=True)
        thread.start()
        yield
        assert self.done.wait(300), "the load did not finish"
        assert self.errors == [], self.errors


def pipeline(start_workers: WorkerFactory) -> Workers:
    """Every stage that takes the replay to the store, the shares, the register, the router and the alert store."""
    return start_workers(*STAGES, pseudonym_keys="demo", router_clock="event")


def test_sigkill_of_every_stage_at_random_moments_loses_and_doubles_nothing(
    settings: Settings, start_workers: WorkerFactory, tmp_path: Path, report: Report
) -> None:
    """Twelve SIGKILLs at random moments under load (every stage at least twice), each restarted at once:
    afterwards every valid record is stored once, every refused one dead-lettered once, every transfer registered,
    one alert per incident and recipient."""
    workers = pipeline(start_workers)
    load = Load(settings, tmp_path, chunks=6, per_chunk=500, pause_s=1.5)
    rng = random.Random(7)
    current = dict(workers)
    kills: list[str] = []
    order = [*STAGES, *STAGES, rng.choice(STAGES), rng.choice(STAGES)]  # every stage at least twice
    rng.shuffle(order)
    with load.running():
        for stage in order:
            time.sleep(rng.uniform(0.5, 2.5))
            current[stage].kill()
            kills.append(stage)
            current[stage] = start_workers(stage, ready=False, pseudonym_keys="demo", router_clock="event")[stage]
    ended = time.monotonic()
    books, _ = settle(settings, load.expected, SETTLE_S, Workers(current).check_alive)
    report.add(
        "kill -9 under load",
        load.expected,
        books,
        time.monotonic() - ended,
        f"{len(kills)} kills: " + ", ".join(kills),
    )


def _tree(pid: int) -> list[psutil.Process]:
    root = psutil.Process(pid)
    return [root, *root.children(recursive=True)]


@contextmanager
def paused(pid: int, seconds: float) -> Iterator[None]:
    """SIGSTOP a process and its children for ``seconds``, then SIGCONT them."""
    tree = _tree(pid)
    for proc in tree:
        proc.send_signal(signal.SIGSTOP)
    try:
        time.sleep(seconds)
        yield
    finally:
        for proc in tree:
            with suppress(psutil.NoSuchProcess):
                proc.send_signal(signal.SIGCONT)


@contextmanager
def refusing_for(settings: Settings, seconds: float) -> Iterator[None]:
    """The test's database refuses new connections and loses the open ones for ``seconds`` (as if stopped)."""
    with refusing(settings):
        time.sleep(seconds)
        yield


def test_a_paused_then_refusing_database_holds_the_stages_and_loses_nothing(
    settings: Settings, start_workers: WorkerFactory, tmp_path: Path, report: Report, fault_stack: EmbeddedStack
) -> None:
    """PostgreSQL frozen for 10 s, then refusing every connection for 10 s, under load: the sink, the register and
    the alert store hold their batches and catch up; nothing is lost, nothing stored twice."""
    workers = pipeline(start_workers)
    load = Load(settings, tmp_path, chunks=4, per_chunk=500, pause_s=2.0)
    with load.running():
        time.sleep(2.0)
        with paused(fault_stack.pids["postgres"], 10.0):
            pass
        with refusing_for(settings, 10.0):
            pass
    ended = time.monotonic()
    books, _ = settle(settings, load.expected, SETTLE_S, workers.check_alive)
    report.add("database paused 10 s, then refusing 10 s", load.expected, books, time.monotonic() - ended)


def test_a_paused_broker_holds_the_stages_and_loses_nothing(
    settings: Settings, start_workers: WorkerFactory, tmp_path: Path, report: Report, fault_stack: EmbeddedStack
) -> None:
    """The broker frozen for 12 s while the stages work through a backlog: they wait, reconnect and finish."""
    workers = pipeline(start_workers)
    load = Load(settings, tmp_path, chunks=2, per_chunk=1000, pause_s=0.0)
    with load.running():
        pass  # the backlog is on the broker; the stages work through it
    with paused(fault_stack.pids["broker"], 12.0):
        pass
    ended = time.monotonic()
    books, _ = settle(settings, load.expected, SETTLE_S, workers.check_alive)
    report.add("broker paused 12 s during a backlog", load.expected, books, time.monotonic() - ended)


def test_poison_records_alone_are_dead_lettered_and_the_stages_keep_going(
    settings: Settings, start_workers: WorkerFactory, tmp_path: Path, report: Report
) -> None:
    """A file of poison records (NUL, lone surrogate, 5,000-digit integer, a source with whitespace) between two
    files of valid ones: the poison is dead-lettered, everything after it stored."""
    workers = pipeline(start_workers)
    load = Load(settings, tmp_path, chunks=3, per_chunk=200, pause_s=0.5)
    started = time.monotonic()
    with load.running():
        pass
    books, _ = settle(settings, load.expected, SETTLE_S, workers.check_alive)
    report.add("poison records between valid ones", load.expected, books, time.monotonic() - started)


WEBHOOK_TOKEN = "fault-suite-webhook-token-7c21"


def _connectors(settings: Settings, tmp: Path, port: int, n: int) -> Child:
    """`hub connectors run` with one replay-format webhook on ``port`` (its checkpoints in ``tmp``)."""
    config = tmp / "connectors.toml"
    config.write_text(
        f'[server]\nhost = "127.0.0.1"\nport = {port}\n\n'
        f'[connectors.hook]\ntype = "webhook"\nformat = "replay-ndjson"\npath = "/hook"\nauth = "bearer"\n'
        'secret = { env = "FAULT_HOOK_TOKEN" }\n'
    )
    env = {**os.environ, **settings_env(settings), "HUB_METRICS_PORT": "0", "FAULT_HOOK_TOKEN": WEBHOOK_TOKEN}
    argv = [sys.executable, "-m", "hub", "connectors", "run", "hook", "--config", str(config)]
    return Child.spawn("connectors", argv, tmp / f"connectors-{n}.log", env=env)


def test_connectors_killed_during_webhook_load_keep_every_accepted_record_once(
    settings: Settings, topics: Topics, tmp_path: Path, report: Report
) -> None:
    """Clients post 600 records one request each and send again until answered 202; the connectors process is
    killed with SIGKILL three times meanwhile and restarted: the raw topic holds every record exactly once."""
    topics(RAW, dlq_topic("connectors"))
    port = free_port()
    lines = [line for line in sample_lines(600, 0, seed=5)]
    ids = {json.loads(line)["id"] for line in lines}
    clients = Posters(port, lines)

    children = [_connectors(settings, tmp_path, port, 0)]
    children[0].wait_ready(lambda: _listening(port), timeout_s=60, interval_s=0.1)
    posters = [threading.Thread(target=clients.post_all, daemon=True) for _ in range(4)]
    for thread in posters:
        thread.start()
    for n in range(1, 4):
        time.sleep(1.5)
        os.kill(children[-1].pid, signal.SIGKILL)
        children[-1].wait_or_kill(10)
        children.append(_connectors(settings, tmp_path, port, n))
    for thread in posters:
        thread.join(240)
    ended = time.monotonic()
    try:
        records = read_topic(settings.bootstrap(), qualified(settings.topic_prefix, RAW), idle_s=1.0)
        seen = [r for r in records if r.value]
        got = Counter(json.loads(r.value)["id"] for r in seen)
        assert set(got) == ids, f"{len(ids - set(got))} accepted records missing"
        doubled = {i: n for i, n in got.items() if n > 1}
        assert doubled == {}, f"{len(doubled)} records on the raw topic more than once"
    finally:
        for child in children:
            child.signal_stop()
            child.wait_or_kill(20)
    expected = Expected(good_ids=ids, raw_records=len(lines))
    report.rows.append(
        Row(
            "connectors killed 3x during webhook load",
            len(lines),
            f"{len(got)} of {len(ids)} records on the raw topic, each once",
            f"{clients.retries} client retries",
            time.monotonic() - ended,
        )
    )
    assert not clients.pending
    assert expected.raw_records == len(lines)


class Posters:
    """Clients that post each line once, in a request of its own, and send again until it is answered 202."""

    def __init__(self, port: int, lines: list[bytes]) -> None:
        self.url = f"http://127.0.0.1:{port}/hook"
        self.pending = list(lines)
        self.lock = threading.Lock()
        self.retries = 0

    def next_line(self) -> bytes | None:
        with self.lock:
            return self.pending.pop() if self.pending else None

    def post_all(self) -> None:
        headers = {"Authorization": f"Bearer {WEBHOOK_TOKEN}", "Content-Type": "application/json"}
        with httpx.Client(timeout=5) as client:
            while (line := self.next_line()) is not None:
                while not self._accepted(client, line, headers):
                    with self.lock:
                        self.retries += 1
                    time.sleep(0.1)

    def _accepted(self, client: httpx.Client, line: bytes, headers: dict[str, str]) -> bool:
        try:
            return client.post(self.url, content=line, headers=headers).status_code == 202
        except httpx.HTTPError:
            return False


def _listening(port: int) -> str | None:
    """None once something accepts connections on 127.0.0.1:``port``."""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return None
    except OSError as exc:
        return str(exc)
