"""Integration tests of hub.devstack: the real Tansu broker and PostgreSQL as child processes, in a temporary folder
on free ports; each test checks that no child outlives it."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import psutil  # type: ignore[import-untyped]  # comes with pgserver, ships no stubs
import psycopg
import pytest
from kafka import KafkaAdminClient, KafkaConsumer, KafkaProducer, TopicPartition
from kafka.admin import NewTopic

from hub.devstack import EmbeddedStack
from hub.devstack.postgres import LOG_SETTINGS
from hub.errors import StackError
from hub.processes import free_port
from tests.helpers.waiting import wait_until

pytestmark = pytest.mark.integration


def _gone(pid: int) -> bool:
    """True when ``pid`` no longer runs; a zombie waiting for init to reap it counts as gone."""
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def _assert_all_gone(pids: Iterable[int], within_s: float = 10.0) -> None:
    """Every process of ``pids`` is gone within ``within_s``."""
    left = set(pids)

    def gone() -> bool:
        left.difference_update({pid for pid in left if _gone(pid)})
        return not left

    wait_until(gone, within_s, lambda: f"processes still running: {sorted(left)}", interval_s=0.05)


def _tree(pid: int) -> set[int]:
    """``pid`` and all its descendants (PostgreSQL's server processes are children of the postmaster)."""
    return {pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))}


def _death_noticed(stack: EmbeddedStack, within_s: float = 5.0) -> str:
    """The message of the StackError check_alive raises once a child has died."""

    def message() -> str | None:
        try:
            stack.check_alive()
        except StackError as exc:
            return str(exc)
        return None

    return wait_until(message, within_s, "check_alive noticed no dead child", interval_s=0.02)


def _produce_and_consume_one(bootstrap: str) -> bytes:
    """Create a topic, produce one message to it and read it back; returns its value."""
    topic = f"devstack-{uuid.uuid4().hex[:8]}"
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        admin.create_topics([NewTopic(topic, num_partitions=1, replication_factor=1)])
    finally:
        admin.close()
    # Tansu does not support the idempotent producer.
    producer = KafkaProducer(bootstrap_servers=bootstrap, enable_idempotence=False)
    try:
        producer.send(topic, key=b"k", value=b"hello from the devstack test").get(timeout=10)
    finally:
        producer.close()
    # Assigned, not subscribed: a consumer group would take seconds to form on this broker.
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, fetch_max_wait_ms=10)
    try:
        consumer.assign([TopicPartition(topic, 0)])
        consumer.seek_to_beginning()

        def first() -> bytes | None:
            for records in consumer.poll(timeout_ms=200).values():
                value: bytes = records[0].value
                return value
            return None

        return wait_until(first, 10, "the produced message was not consumed", interval_s=0)
    finally:
        consumer.close()


class _Python:
    """A Python child process whose output lines are collected by a thread, so reads can time out."""

    def __init__(self, code: str, *args: str) -> None:
        # The environment has no HUB_* setting (tests/helpers/environment.py): the child starts what the test says.
        self.proc = subprocess.Popen(
            [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        """Queue every output line, then None at the end of the output."""
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for(self, marker: str, timeout_s: float = 30.0) -> str:
        """The first output line containing ``marker``; fails with all output on timeout or exit."""
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                line = self._queue.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                output = "\n".join(self.lines)
                raise AssertionError(f"no {marker!r} within {timeout_s} s; output:\n{output}") from None
            if line is None:
                raise AssertionError(f"exited before {marker!r}; output:\n" + "\n".join(self.lines))
            self.lines.append(line)
            if marker in line:
                return line

    def finish(self, timeout_s: float = 30.0) -> tuple[int, str]:
        """Wait for exit; return the exit code and the whole output."""
        code = self.proc.wait(timeout=timeout_s)
        self._reader.join(timeout=5)
        while not self._queue.empty():
            line = self._queue.get()
            if line is not None:
                self.lines.append(line)
        assert self.proc.stdout is not None
        self.proc.stdout.close()
        return code, "\n".join(self.lines)

    def kill(self) -> None:
        """Kill the process if it still runs, and collect its output."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.finish()


def test_stack_serves_kafka_and_postgres_and_stops_without_leftovers(stack_dir: Path) -> None:
    """A started stack carries a Kafka message and answers on database hub; stop() leaves no process."""
    broker_port, postgres_port = free_port(), free_port()
    stack = EmbeddedStack(stack_dir / "state", broker_port=broker_port, postgres_port=postgres_port)
    with stack as endpoints:
        assert endpoints.kafka_bootstrap == f"127.0.0.1:{broker_port}"
        assert endpoints.database_url == f"postgresql://postgres@127.0.0.1:{postgres_port}/hub"
        assert _produce_and_consume_one(endpoints.kafka_bootstrap) == b"hello from the devstack test"
        with psycopg.connect(endpoints.database_url) as conn:
            assert conn.execute("select 1, current_database()").fetchone() == (1, "hub")
        stack.check_alive()
        pids = stack.pids
        assert set(pids) == {"broker", "postgres"}
        processes = _tree(pids["broker"]) | _tree(pids["postgres"])
    assert stack.pids == {}
    _assert_all_gone(processes, within_s=0.5)
    stack.stop()  # idempotent
    assert (stack_dir / "state" / "logs" / "tansu.log").read_text().count("hub starts broker") == 1


def test_embedded_postgres_logs_errors_tersely_without_statement_or_values(stack_dir: Path) -> None:
    """The embedded PostgreSQL runs with terse error logging and no failing statement: a unique violation and a
    failing statement leave their message in postgres.log (with the login), but neither the key nor the statement.
    (A message itself may quote a value, e.g. "invalid input syntax for type integer: ...": docs/privacy.md.)"""
    state = stack_dir / "state"
    with (
        EmbeddedStack(state, broker_port=None, postgres_port=free_port()) as endpoints,
        psycopg.connect(str(endpoints.database_url), autocommit=True) as conn,
    ):
        shown = {s: conn.execute(f"SHOW {s}").fetchone() for s in LOG_SETTINGS}
        conn.execute("CREATE TEMP TABLE t (name text PRIMARY KEY)")
        conn.execute("INSERT INTO t VALUES ('Erika Mustermann')")
        with pytest.raises(psycopg.errors.UniqueViolation):
            conn.execute("INSERT INTO t VALUES (%s)", ("Erika Mustermann",))
        with pytest.raises(psycopg.errors.DivisionByZero):
            conn.execute("SELECT 1 / 0 WHERE 'HAL-AB 123' <> ''")
    assert shown == {s: (v,) for s, v in LOG_SETTINGS.items()}
    log = (state / "logs" / "postgres.log").read_text()
    assert "duplicate key value violates unique constraint" in log
    assert "postgres@hub ERROR" in log
    assert "Mustermann" not in log, "no DETAIL quoting the key"
    assert "HAL-AB" not in log, "no STATEMENT quoting the literal"


def test_second_start_reuses_the_data_dir_and_keeps_its_data(stack_dir: Path) -> None:
    """A second start on the same state dir skips initdb and finds the rows the first run wrote."""
    state = stack_dir / "state"
    with EmbeddedStack(state, broker_port=None, postgres_port=free_port()) as first:
        assert first.kafka_bootstrap is None  # a part whose port is None is not started
        assert first.database_url is not None
        with psycopg.connect(first.database_url) as conn:
            conn.execute("create table kept (v text)")
            conn.execute("insert into kept values ('from run 1')")
    version_file = state / "postgres" / "data" / "PG_VERSION"
    inode = version_file.stat().st_ino
    with EmbeddedStack(state, broker_port=None, postgres_port=free_port()) as second:
        assert second.database_url is not None
        with psycopg.connect(second.database_url) as conn:
            assert conn.execute("select v from kept").fetchall() == [("from run 1",)]
    assert version_file.stat().st_ino == inode
    assert (state / "logs" / "postgres.log").read_text().count("hub starts initdb") == 1


def test_stale_postmaster_pid_from_a_killed_server_does_not_block_start(stack_dir: Path) -> None:
    """A SIGKILLed server is named by check_alive, and a new start recovers despite postmaster.pid."""
    state = stack_dir / "state"
    stack = EmbeddedStack(state, broker_port=None, postgres_port=free_port())
    stack.start()
    try:
        processes = _tree(stack.pids["postgres"])
        os.kill(stack.pids["postgres"], signal.SIGKILL)
        message = _death_noticed(stack)
        assert "postgres exited unexpectedly (killed by SIGKILL)" in message
        assert "database system is ready to accept connections" in message  # the log tail
    finally:
        stack.stop()
    _assert_all_gone(processes)  # server processes notice the dead postmaster and exit
    assert (state / "postgres" / "data" / "postmaster.pid").exists()
    with EmbeddedStack(state, broker_port=None, postgres_port=free_port()) as endpoints:
        assert endpoints.database_url is not None
        with psycopg.connect(endpoints.database_url) as conn:
            assert conn.execute("select 1").fetchone() == (1,)


def test_postgres_failing_to_start_reports_its_log_and_stops_the_broker(stack_dir: Path) -> None:
    """If postgres fails after the broker started, StackError has postgres's log tail and the broker stops."""
    data_dir = stack_dir / "state" / "postgres" / "data"
    data_dir.mkdir(parents=True, mode=0o700)
    (data_dir / "PG_VERSION").write_text("9\n")  # looks initialised, but is not a usable data dir
    stack = EmbeddedStack(stack_dir / "state", broker_port=free_port(), postgres_port=free_port())
    before = {p.pid for p in psutil.Process().children()}
    with pytest.raises(StackError) as info:
        stack.start()
    message = str(info.value)
    assert "the embedded postgres exited during start-up" in message
    assert "postgresql.conf" in message  # postgres's own complaint, from the tail of postgres.log
    assert stack.pids == {}
    started = {p.pid for p in psutil.Process().children()} - before
    _assert_all_gone(started, within_s=0.5)
    assert "hub starts broker" in (stack_dir / "state" / "logs" / "tansu.log").read_text()


_START_AND_HANG = """
import json, sys, time
from pathlib import Path
from hub.devstack import EmbeddedStack
from hub.devstack.postgres import LOG_SETTINGS
stack = EmbeddedStack(Path(sys.argv[1]), broker_port=int(sys.argv[2]), postgres_port=int(sys.argv[3]))
stack.start()
print("PIDS", json.dumps(stack.pids), flush=True)
time.sleep(600)
"""


def test_children_exit_when_the_parent_is_sigkilled(stack_dir: Path) -> None:
    """A hub process killed with SIGKILL (no clean-up runs) leaves no broker or postgres behind."""
    script = _Python(_START_AND_HANG, str(stack_dir / "state"), str(free_port()), str(free_port()))
    try:
        script.wait_for("PIDS")
        processes = _tree(script.proc.pid) - {script.proc.pid}
        assert len(processes) >= 3  # broker, postmaster and its server processes
        script.proc.send_signal(signal.SIGKILL)
        script.proc.wait(timeout=5)
        _assert_all_gone(processes, within_s=5)
    finally:
        script.kill()


_RUN_FOREGROUND = """
import sys
from hub.config import Settings
from hub.devstack import run_foreground
settings = Settings(state_dir=sys.argv[1], broker_port=int(sys.argv[2]), postgres_port=int(sys.argv[3]))
sys.exit(run_foreground(settings))
"""


def test_run_foreground_prints_exports_and_returns_0_on_sigterm_leaving_no_child(stack_dir: Path) -> None:
    """`hub dev up` prints pasteable export lines, and on SIGTERM stops everything and exits 0."""
    broker_port, postgres_port = free_port(), free_port()
    script = _Python(_RUN_FOREGROUND, str(stack_dir / "state"), str(broker_port), str(postgres_port))
    try:
        script.wait_for("press Ctrl+C to stop")
        output = "\n".join(script.lines)
        assert f"export HUB_KAFKA_BOOTSTRAP=127.0.0.1:{broker_port}" in output
        assert f"export HUB_DATABASE_URL=postgresql://postgres@127.0.0.1:{postgres_port}/hub" in output
        processes = _tree(script.proc.pid) - {script.proc.pid}
        assert len(processes) >= 3
        script.proc.send_signal(signal.SIGTERM)
        code, output = script.finish()
    finally:
        script.kill()
    assert code == 0, output
    assert "received SIGTERM" in output
    _assert_all_gone(processes, within_s=0.5)


_RUN_FOREGROUND_BROKER_ONLY = """
import sys
from hub.config import Settings
from hub.devstack import run_foreground
settings = Settings(state_dir=sys.argv[1], broker_port=int(sys.argv[2]), database_url="postgresql://unused/x")
sys.exit(run_foreground(settings))
"""


def test_run_foreground_returns_1_naming_the_part_that_died(stack_dir: Path) -> None:
    """When a child dies under `hub dev up`, it prints which part and its log tail, and exits 1."""
    script = _Python(_RUN_FOREGROUND_BROKER_ONLY, str(stack_dir / "state"), str(free_port()))
    try:
        script.wait_for("press Ctrl+C to stop")
        assert not any("HUB_DATABASE_URL" in line for line in script.lines)
        (broker_pid,) = _tree(script.proc.pid) - {script.proc.pid}
        os.kill(broker_pid, signal.SIGKILL)
        code, output = script.finish(timeout_s=10)
    finally:
        script.kill()
    assert code == 1, output
    assert "the embedded broker exited unexpectedly (killed by SIGKILL)" in output
    assert "ready in" in output  # the tail of tansu.log
