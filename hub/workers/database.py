"""Writing a stage's rows to PostgreSQL without losing any and without stopping on any: the batch at once, held and
retried while the database is away (transient errors); when the database refuses the batch (a permanent error),
row by row, and the refused rows become dead letters. Every wait is counted, logged once it lasts, and ends the
worker promptly when it is asked to stop (``hub.workers.blocked`` says why).

The writer keeps the stage's ``database`` readiness check (``hub.health``): false, with a one-line reason, while
writes fail or hang, or while a connection check fails; true after a successful write or check. While the stage has
nothing to write, it checks a connection every few seconds, so ``/readyz`` tells a database that went away also
on an idle stage.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, Generic, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool

from hub.config import Settings
from hub.errors import ConfigError
from hub.health import Flag, Readiness
from hub.messages import Message, OutRecord
from hub.retry import Backoff
from hub.store.errors import error_kind, error_summary
from hub.workers.blocked import BLOCKED_AFTER_S, BlockedWait, Dependency, exit_at_once
from hub.workers.shell import EventStream, StageBase, StageShell

R = TypeVar("R")

#: How often an idle writer checks that its database answers (and how recent a write must be to count as one).
DATABASE_CHECK_INTERVAL_S = 5.0
#: How often it checks while the database is not answering.
DATABASE_RECHECK_S = 1.0

#: Writes rows on a connection, in transactions of its own choosing; raises psycopg errors.
RowWriter = Callable[[psycopg.AsyncConnection[Any], list[R]], Awaitable[None]]


#: The URL schemes libpq reads; any other ``scheme://`` is not a PostgreSQL database.
POSTGRES_SCHEMES = ("postgresql", "postgres")


def database_target(conninfo: str) -> str:
    """``host:port/dbname`` of ``conninfo`` (never the user or password), for messages; ConfigError for a URL that
    is no PostgreSQL one (``mysql://...``) or that libpq cannot read."""
    scheme, sep, _ = conninfo.partition("://")
    if sep and scheme.lower() not in POSTGRES_SCHEMES:
        raise ConfigError(
            f"HUB_DATABASE_URL is a {scheme}:// URL: the hub stores in PostgreSQL only "
            "(postgresql://user@host:port/dbname or a libpq conninfo string)"
        )
    try:
        params = psycopg.conninfo.conninfo_to_dict(conninfo)
    except psycopg.ProgrammingError:
        # libpq's message quotes the string, password and all: not repeated.
        raise ConfigError("HUB_DATABASE_URL is neither a postgresql:// URL nor a libpq conninfo string") from None
    host = str(params.get("host") or params.get("hostaddr") or "localhost")
    return f"{host}:{params.get('port') or 5432}/{params.get('dbname') or params.get('user') or '?'}"


def stage_conninfo(conninfo: str, settings: Settings) -> str:
    """``conninfo`` with the workers' connect timeout and statement timeout from ``settings`` added (options it
    already has are kept); ConfigError for one that is no PostgreSQL URL or conninfo (``database_target``)."""
    database_target(conninfo)
    given = psycopg.conninfo.conninfo_to_dict(conninfo).get("options")
    timeout = f"-c statement_timeout={round(settings.database_statement_timeout_s * 1000)}"
    return psycopg.conninfo.make_conninfo(
        conninfo,
        connect_timeout=settings.database_connect_timeout_s,
        options=f"{given} {timeout}" if given else timeout,
    )


def stage_pool(conninfo: str, settings: Settings) -> AsyncConnectionPool[Any]:
    """A stage's small connection pool (not opened): its connections time out as ``stage_conninfo`` says, and a
    write waits for one no longer than two connect timeouts, so a database that is away shows as an error soon."""
    return AsyncConnectionPool(
        stage_conninfo(conninfo, settings),
        min_size=1,
        max_size=2,
        timeout=2.0 * settings.database_connect_timeout_s,
        open=False,
    )


class DatabaseWait(BlockedWait):
    """How a stage waits for its database: ``run(attempt)`` retries transient errors with backoff (counted in
    ``hub_database_errors_total{kind="transient"}`` and ``hub_database_retries_total``) and raises a permanent
    error or a bug at once (the caller refuses the row). A write that fails or hangs is watched: its seconds are
    counted in ``hub_database_blocked_seconds_total``, after ``blocked_after_s`` the stage logs that it is blocked
    (and later that it goes on), and if the worker is asked to stop meanwhile, ``abandon`` ends it at once."""

    def __init__(
        self,
        shell: StageBase,
        *,
        blocked_after_s: float = BLOCKED_AFTER_S,
        stopping: Callable[[], bool] | None = None,
        abandon: Callable[[], None] = exit_at_once,
        backoff: Callable[[], Backoff] = lambda: Backoff(base_s=0.5, cap_s=10.0),
        flag: Flag | None = None,
    ) -> None:
        metrics = shell.metrics
        database = Dependency(
            "database",
            error_kind,
            error_summary,
            metrics.database_errors,
            metrics.database_retries,
            metrics.database_blocked_seconds,
        )
        super().__init__(
            database,
            shell.stage,
            shell.log,
            stopping=stopping if stopping is not None else shell.stopping,
            blocked_after_s=blocked_after_s,
            abandon=abandon,
            backoff=backoff,
            flag=flag,
        )


class BatchWriter(Generic[R]):
    """A stage's writer: ``write`` (the store function) on a small pool of the stage's database, waiting as
    ``DatabaseWait`` does. ``readiness`` (the shell's by default) gets the ``database`` check; a ``Flag`` given
    instead is used as it is."""

    def __init__(
        self,
        shell: StageBase,
        conninfo: str,
        write: RowWriter[R],
        wait: DatabaseWait | None = None,
        readiness: Readiness | Flag | None = None,
    ):
        self.shell = shell
        self.write = write
        self.pool = stage_pool(conninfo, shell.settings)
        self.conninfo = stage_conninfo(conninfo, shell.settings)
        given = readiness if readiness is not None else shell.readiness
        self.ready = given if isinstance(given, Flag) else given.flag("database", "not connected yet")
        self.wait = wait if wait is not None else DatabaseWait(shell, flag=self.ready)
        if self.wait.flag is None:
            self.wait.flag = self.ready
        self._last_answer = 0.0
        self._writing = 0  # writes under way: they, not the idle check, say whether the database answers

    @asynccontextmanager
    async def opened(self) -> AsyncIterator[BatchWriter[R]]:
        """The pool open (connecting in the background) and the database checked while idle, for as long as the
        stage's agent runs."""
        await self.pool.open(wait=False)
        checking = asyncio.get_running_loop().create_task(self._check_while_idle())
        try:
            yield self
        finally:
            checking.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await checking
            await self.pool.close()

    async def check(self) -> bool:
        """Does a new connection open and answer? Sets the ``database`` readiness either way. A connection of its
        own, not the pool's: the pool waits out its reconnect backoff, so it would tell a database that went away,
        or came back, only many seconds late."""
        try:
            async with await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True) as conn:
                await conn.execute("SELECT 1")
        except Exception as exc:  # any failure to answer is the database being away, for readiness
            self._last_answer = time.monotonic()  # the time of the last look, so the next one waits its turn
            self.ready.set(False, f"database unavailable: {error_summary(exc)}")
            return False
        self._last_answer = time.monotonic()
        self.ready.set(True)
        return True

    async def _check_while_idle(self) -> None:
        """Check when nothing answered for ``DATABASE_CHECK_INTERVAL_S``; while not ready, every
        ``DATABASE_RECHECK_S`` (a database back is told soon)."""
        while True:
            due = DATABASE_CHECK_INTERVAL_S if self.ready()[0] else DATABASE_RECHECK_S
            if time.monotonic() - self._last_answer >= due and not self._writing:
                await self.check()
            await asyncio.sleep(DATABASE_RECHECK_S)

    async def consume(self, stream: EventStream, read: Callable[[Message], R]) -> None:
        """The faust agent of a storing stage: ``store_batch`` over each batch of the stream."""
        assert isinstance(self.shell, StageShell)
        async with self.opened():
            async for messages in self.shell.batches(stream):
                await self.store_batch(messages, read)

    async def store_batch(self, messages: Sequence[Message], read: Callable[[Message], R]) -> None:
        """One batch of a storing stage: ``store_rows``, and its dead letters sent; returns once all of it is
        confirmed, so the caller may acknowledge the batch."""
        dead, produced = await self.store_rows(messages, read)
        await self.shell.send_all(dead, produced=produced)

    async def store_rows(
        self, messages: Sequence[Message], read: Callable[[Message], R]
    ) -> tuple[list[OutRecord], int]:
        """One batch of a storing stage read into rows (bad messages dead-lettered) and stored; its dead letters
        (to be sent) and how many rows were stored."""
        handled = self.shell.handle(messages, read)
        refused = await self.store(handled.results)
        return handled.dead + [letter for _, letter in refused], len(handled.results) - len(refused)

    async def store(self, batch: list[tuple[Message, R]]) -> list[tuple[Message, OutRecord]]:
        """Store the batch's rows; the rows refused, each with its dead letter: ``store_rejected`` when the database
        refuses it for good, ``processing_error`` when the write met a bug. Returns only once every other row is
        stored: a transient error is waited out."""
        if not batch:
            return []
        self._writing += 1
        try:
            await self.wait.run(partial(self._write, [row for _, row in batch]))
        except Exception:
            return await self._row_by_row(batch)  # one row spoiled the batch's transaction: find it
        finally:
            self._writing -= 1
        self._last_answer = time.monotonic()
        return []

    async def _row_by_row(self, batch: list[tuple[Message, R]]) -> list[tuple[Message, OutRecord]]:
        refused: list[tuple[Message, OutRecord]] = []
        for message, row in batch:
            try:
                await self.wait.run(partial(self._write, [row]))
            except Exception as exc:
                refused.append((message, self._refusal(exc, message)))
        return refused

    def _refusal(self, exc: Exception, message: Message) -> OutRecord:
        if error_kind(exc) == "permanent":
            return self.shell.dead("store_rejected", f"the database refused the row: {error_summary(exc)}", message)
        # Not a database error: a bug in the stage's row or write code met this row (the traceback is logged).
        self.shell.log.exception("writing a row failed", topic=message.topic, offset=message.offset)
        return self.shell.dead("processing_error", f"{type(exc).__name__} (see the worker log)", message)

    async def _write(self, rows: list[R]) -> None:
        async with self.pool.connection() as conn:
            await self.write(conn, rows)
