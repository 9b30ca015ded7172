"""A stage's database writes: transient errors waited out and counted, permanent ones refusing only their row, a
blocked stage logged and counted, and a stop while blocked ending the worker instead of acknowledging the batch."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import structlog
from prometheus_client import CollectorRegistry
from psycopg import errors

from hub.config import Settings
from hub.deadletter import parse_headers
from hub.metrics import StageMetrics
from hub.retry import Backoff
from hub.workers.database import BatchWriter, DatabaseWait, stage_conninfo
from hub.workers.shell import StageShell
from tests.helpers.messages import FakeMessage

DOWN = psycopg.OperationalError("connection failed: Connection refused")


@pytest.fixture
def registry() -> CollectorRegistry:
    """The metrics registry of the test's shell."""
    return CollectorRegistry()


@pytest.fixture
def shell(tmp_path: Path, registry: CollectorRegistry) -> StageShell:
    """A sink shell with a faust app that never connects (nothing is started)."""
    settings = Settings(kafka_bootstrap="nowhere:1", topic_prefix="t1.", state_dir=tmp_path)
    return StageShell(settings, "sink", StageMetrics.create(registry))


def _fast() -> Backoff:
    return Backoff(base_s=0.001, cap_s=0.001)


def _wait(shell: StageShell, **kwargs: Any) -> DatabaseWait:
    return DatabaseWait(shell, backoff=_fast, **kwargs)


def _failing(*failures: BaseException, result: str = "stored") -> tuple[Callable[[], Awaitable[str]], list[int]]:
    """An attempt that raises ``failures`` one by one, then returns ``result``; and its call count."""
    pending, calls = list(failures), [0]

    async def attempt() -> str:
        calls[0] += 1
        if pending:
            raise pending.pop(0)
        return result

    return attempt, calls


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    return float(registry.get_sample_value(name, {"stage": "sink", **labels}) or 0.0)


def test_transient_errors_are_retried_counted_and_logged(shell: StageShell, registry: CollectorRegistry) -> None:
    """A connection failure and a deadlock are retried until the write succeeds; each is counted as a transient
    error and a retry, and logged as "database unavailable, retrying" without the server's message."""
    attempt, calls = _failing(DOWN, errors.DeadlockDetected("deadlock detected\nDETAIL: Erika"))
    with structlog.testing.capture_logs() as logs:
        assert asyncio.run(_wait(shell).run(attempt)) == "stored"
    assert calls == [3]
    assert _value(registry, "hub_database_errors_total", kind="transient") == 2
    assert _value(registry, "hub_database_retries_total") == 2
    assert [e["error"] for e in logs if e["event"] == "database unavailable, retrying"] == [
        "OperationalError: connection failed: Connection refused",
        "DeadlockDetected (SQLSTATE 40P01)",
    ]


def test_a_permanent_error_is_raised_at_once_and_counted(shell: StageShell, registry: CollectorRegistry) -> None:
    """A row the database refuses for good is not tried again: the error is raised to the caller and counted as
    permanent."""
    attempt, calls = _failing(errors.UntranslatableCharacter("unsupported Unicode escape sequence"))
    with pytest.raises(errors.UntranslatableCharacter):
        asyncio.run(_wait(shell).run(attempt))
    assert calls == [1]
    assert _value(registry, "hub_database_errors_total", kind="permanent") == 1
    assert _value(registry, "hub_database_retries_total") == 0


def test_a_bug_is_raised_at_once_and_not_counted_as_a_database_error(
    shell: StageShell, registry: CollectorRegistry
) -> None:
    """An exception that is no database error is raised without a retry and without a database error counted."""
    attempt, calls = _failing(KeyError("caller"))
    with pytest.raises(KeyError):
        asyncio.run(_wait(shell).run(attempt))
    assert calls == [1]
    assert _value(registry, "hub_database_errors_total", kind="permanent") == 0


def test_a_long_wait_is_logged_counted_and_its_end_logged(shell: StageShell, registry: CollectorRegistry) -> None:
    """A write that fails for longer than ``blocked_after_s`` makes the stage say it is blocked, count the
    seconds, and say when it goes on."""
    gate = asyncio.Event()

    async def attempt() -> str:
        if not gate.is_set():
            raise DOWN
        return "stored"

    async def scenario() -> str:
        wait = DatabaseWait(shell, blocked_after_s=0.05, backoff=lambda: Backoff(base_s=0.01, cap_s=0.01))
        task = asyncio.create_task(wait.run(attempt))
        while not any(e["event"] == "stage blocked on the database" for e in logs):
            await asyncio.sleep(0.01)
        gate.set()
        return await task

    with structlog.testing.capture_logs() as logs:
        assert asyncio.run(scenario()) == "stored"
    events = [e["event"] for e in logs]
    assert events.index("stage blocked on the database") < events.index("database answering again, stage goes on")
    assert _value(registry, "hub_database_blocked_seconds_total") >= 0.05


@pytest.mark.parametrize("hangs", [False, True], ids=["failing", "hanging"])
def test_a_stop_while_blocked_abandons_the_batch_instead_of_finishing_it(shell: StageShell, hangs: bool) -> None:
    """Asked to stop while a write fails again and again (or hangs), the stage calls ``abandon`` (the worker
    leaves without acknowledging the batch) and the write never returns."""
    abandoned = asyncio.Event()

    async def attempt() -> str:
        if hangs:
            await asyncio.Event().wait()
        raise DOWN

    async def scenario() -> bool:
        wait = _wait(shell, blocked_after_s=0.05, stopping=lambda: True, abandon=abandoned.set)
        task = asyncio.create_task(wait.run(attempt))
        await abandoned.wait()
        done = task.done()
        task.cancel()
        return done

    with structlog.testing.capture_logs() as logs:
        assert asyncio.run(scenario()) is False, "the batch is held, not finished"
    assert any(e["event"].startswith("stopping while blocked on the database") for e in logs)


def test_a_quick_write_is_not_watched(shell: StageShell, registry: CollectorRegistry) -> None:
    """A write that succeeds at once is neither counted as blocked nor abandoned on a stop."""
    attempt, _ = _failing()
    abandoned: list[bool] = []
    wait = _wait(shell, stopping=lambda: True, abandon=lambda: abandoned.append(True))
    assert asyncio.run(wait.run(attempt)) == "stored"
    assert abandoned == []
    assert _value(registry, "hub_database_blocked_seconds_total") == 0


class _Pool:
    """Stands in for the connection pool: the fake writes below take no connection."""

    @asynccontextmanager
    async def connection(self) -> AsyncIterator[None]:
        yield None


def _writer(shell: StageShell, refuse: dict[str, BaseException], stored: list[str]) -> BatchWriter[str]:
    """A writer whose write stores all its rows or, like a transaction, none: a row in ``refuse`` raises its error
    (once, for a transient one)."""

    async def write(conn: Any, rows: list[str]) -> None:
        for row in rows:
            if row in refuse:
                exc = refuse[row]
                if isinstance(exc, psycopg.OperationalError):
                    del refuse[row]
                raise exc
        stored.extend(rows)

    writer = BatchWriter(shell, "postgresql://nowhere/db", write, wait=_wait(shell))
    writer.pool = _Pool()  # type: ignore[assignment]
    return writer


def _batch(*rows: str) -> list[tuple[FakeMessage, str]]:
    return [(FakeMessage("t1.canon.incident", 0, offset, b"k", row.encode()), row) for offset, row in enumerate(rows)]


def test_a_refused_row_is_dead_lettered_and_the_rest_of_the_batch_stored(shell: StageShell) -> None:
    """The batch fails on one row; row by row, the others are stored and the refused one becomes a
    ``store_rejected`` dead letter naming the error class and SQLSTATE, with its original bytes."""
    stored: list[str] = []
    refuse: dict[str, BaseException] = {"b": errors.UntranslatableCharacter("unsupported Unicode escape sequence")}
    writer = _writer(shell, refuse, stored)
    refused = asyncio.run(writer.store(_batch("a", "b", "c")))  # type: ignore[arg-type]
    assert stored == ["a", "c"]
    [(message, letter)] = refused
    assert (message.offset, letter.value, letter.dead_letter_code) == (1, b"b", "store_rejected")
    reason = parse_headers(letter.headers)["reason"]
    assert reason == "the database refused the row: UntranslatableCharacter (SQLSTATE 22P05)"


def test_a_transient_error_holds_the_batch_until_it_is_stored_whole(shell: StageShell) -> None:
    """A batch that meets a lost connection is written again, whole, and nothing is refused."""
    stored: list[str] = []
    writer = _writer(shell, {"b": errors.AdminShutdown("terminating connection")}, stored)
    assert asyncio.run(writer.store(_batch("a", "b", "c"))) == []  # type: ignore[arg-type]
    assert stored == ["a", "b", "c"]


def test_a_bug_while_writing_a_row_is_a_processing_error(shell: StageShell) -> None:
    """An exception that is no database error refuses its row as ``processing_error`` (traceback in the log); the
    other rows are stored."""
    stored: list[str] = []
    writer = _writer(shell, {"a": TypeError("Erika")}, stored)
    with structlog.testing.capture_logs() as logs:
        refused = asyncio.run(writer.store(_batch("a", "b")))  # type: ignore[arg-type]
    assert stored == ["b"]
    assert [(m.offset, letter.dead_letter_code) for m, letter in refused] == [(0, "processing_error")]
    assert parse_headers(refused[0][1].headers)["reason"] == "TypeError (see the worker log)"
    assert any(e["event"] == "writing a row failed" and e.get("exc_info") for e in logs)


def test_worker_connections_carry_a_connect_and_a_statement_timeout(tmp_path: Path) -> None:
    """The workers' conninfo adds connect_timeout and statement_timeout from the settings and keeps options the
    database URL already had."""
    settings = Settings(
        kafka_bootstrap="nowhere:1",
        state_dir=tmp_path,
        database_connect_timeout_s=3,
        database_statement_timeout_s=2.5,
    )
    info = psycopg.conninfo.conninfo_to_dict(stage_conninfo("postgresql://hub@db:5432/hub", settings))
    assert (info["connect_timeout"], info["options"]) == ("3", "-c statement_timeout=2500")
    kept = stage_conninfo("postgresql://hub@db/hub?options=-c%20search_path%3Dhub", settings)
    assert psycopg.conninfo.conninfo_to_dict(kept)["options"] == "-c search_path=hub -c statement_timeout=2500"


def test_the_database_readiness_follows_the_writes(shell: StageShell, registry: CollectorRegistry) -> None:
    """The writer's ``database`` check: not ready before anything answered, false with the error's summary while
    a write is retried, true once it succeeds; its counters exist at 0 from the start."""
    writer: BatchWriter[str] = BatchWriter(shell, "postgresql://nobody@127.0.0.1:1/none", _store_nothing)
    assert registry.get_sample_value("hub_database_errors_total", {"stage": "sink", "kind": "permanent"}) == 0
    assert registry.get_sample_value("hub_database_blocked_seconds_total", {"stage": "sink"}) == 0
    assert shell.readiness.report()[1]["checks"]["database"] == {"ok": False, "detail": "not connected yet"}
    seen: list[tuple[bool, str]] = []

    async def attempt() -> str:
        seen.append(writer.ready())
        if len(seen) == 1:
            raise DOWN
        return "stored"

    wait = DatabaseWait(shell, backoff=_fast, flag=writer.ready)
    assert asyncio.run(wait.run(attempt)) == "stored"
    assert seen[1] == (False, "database unavailable: OperationalError: connection failed: Connection refused")
    assert writer.ready() == (True, "")


def test_the_idle_check_tells_a_database_that_refuses(shell: StageShell) -> None:
    writer: BatchWriter[str] = BatchWriter(shell, "postgresql://nobody@127.0.0.1:1/none", _store_nothing)
    assert asyncio.run(writer.check()) is False
    ok, detail = writer.ready()
    assert not ok
    assert detail.startswith("database unavailable: OperationalError")


async def _store_nothing(conn: psycopg.AsyncConnection[Any], rows: list[str]) -> None:
    """A row writer never called by these tests."""
