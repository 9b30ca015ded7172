"""Writing a stage's rows to PostgreSQL without losing any and without stopping on any: the batch at once, held and
retried while the database is away (transient errors); when the database refuses the batch (a permanent error),
row by row, and the refused rows become dead letters. Every wait is counted, logged once it lasts, and ends the
worker promptly when it is asked to stop.

Why a stop while blocked ends the process at once: faust acknowledges a batch's messages when the agent leaves it
(also by an exception) and, on a stop, waits for every message handed out to be acknowledged. A batch held for
the database could only be given up by acknowledging it, i.e. losing it; leaving the process instead keeps it
unacknowledged, so the next worker reads it again (at-least-once; the sinks are idempotent).
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool

from hub.config import Settings
from hub.messages import Message, OutRecord
from hub.retry import Backoff, retry
from hub.store.errors import error_kind, error_summary
from hub.workers.shell import EventStream, StageShell

R = TypeVar("R")
T = TypeVar("T")

#: Writes rows on a connection, in transactions of its own choosing; raises psycopg errors.
RowWriter = Callable[[psycopg.AsyncConnection[Any], list[R]], Awaitable[None]]

BLOCKED_AFTER_S = 5.0
"""A write that has not succeeded after this long makes the stage blocked: a warning, then one when it goes on."""
_TICK_S = 0.2


def stage_conninfo(conninfo: str, settings: Settings) -> str:
    """``conninfo`` with the workers' connect timeout and statement timeout from ``settings`` added (options it
    already has are kept)."""
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


def exit_at_once() -> None:
    """Leave the process without faust's shutdown (see the module docstring), after the log is written out."""
    logging.shutdown()
    os._exit(0)


@dataclass
class _Wait:
    """One write's wait: since when, how much of it is counted, whether the stage was said to be blocked."""

    started: float
    counted_until: float
    warned: bool = False
    watch: asyncio.Task[None] | None = None


class DatabaseWait:
    """How a stage waits for its database: ``run(attempt)`` retries transient errors with backoff (counted in
    ``hub_database_errors_total{kind="transient"}`` and ``hub_database_retries_total``) and raises a permanent
    error or a bug at once (the caller refuses the row). A write that fails or hangs is watched: its seconds are
    counted in ``hub_database_blocked_seconds_total``, after ``blocked_after_s`` the stage logs that it is blocked
    (and later that it goes on), and if the worker is asked to stop meanwhile, ``abandon`` ends it at once."""

    def __init__(
        self,
        shell: StageShell,
        *,
        blocked_after_s: float = BLOCKED_AFTER_S,
        stopping: Callable[[], bool] | None = None,
        abandon: Callable[[], None] = exit_at_once,
        backoff: Callable[[], Backoff] = lambda: Backoff(base_s=0.5, cap_s=10.0),
    ) -> None:
        self.shell = shell
        self.blocked_after_s = blocked_after_s
        self.stopping = stopping if stopping is not None else lambda: bool(shell.app.should_stop)
        self.abandon = abandon
        self.backoff = backoff
        self.metrics = shell.metrics
        self.stage = shell.stage

    async def run(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """``await attempt()`` until it succeeds or fails for good (see the class docstring)."""
        now = time.monotonic()
        wait = _Wait(started=now, counted_until=now)
        # A write that hangs (a database that accepts and never answers) is watched too, not only one that fails.
        timer = asyncio.get_running_loop().call_later(self.blocked_after_s, self._watch, wait)
        try:
            return await retry(
                attempt,
                retry_on=Exception,
                transient=lambda exc: error_kind(exc) == "transient",
                on_retry=partial(self._retrying, wait),
                backoff=self.backoff(),
            )
        except Exception as exc:
            if error_kind(exc) == "permanent":
                self.metrics.database_errors.labels(self.stage, "permanent").inc()
            raise
        finally:
            timer.cancel()
            self._done(wait)

    def _retrying(self, wait: _Wait, exc: BaseException, delay: float) -> None:
        self.metrics.database_errors.labels(self.stage, "transient").inc()
        self.metrics.database_retries.labels(self.stage).inc()
        self.shell.log.warning("database unavailable, retrying", error=error_summary(exc), retry_in_s=round(delay, 3))
        self._watch(wait)

    def _watch(self, wait: _Wait) -> None:
        if wait.watch is None:
            wait.watch = asyncio.get_running_loop().create_task(self._watching(wait))

    async def _watching(self, wait: _Wait) -> None:
        """Count the blocked seconds, say once that the stage is blocked, and end the worker if it must stop."""
        while True:
            now = self._count(wait)
            if not wait.warned and now - wait.started >= self.blocked_after_s:
                wait.warned = True
                self.shell.log.warning("stage blocked on the database", blocked_s=round(now - wait.started, 1))
            if self.stopping():
                self.shell.log.warning(
                    "stopping while blocked on the database: the batch held is left unacknowledged and is read "
                    "again when the stage runs next",
                    blocked_s=round(now - wait.started, 1),
                )
                self.abandon()
                return
            await asyncio.sleep(_TICK_S)

    def _count(self, wait: _Wait) -> float:
        now = time.monotonic()
        self.metrics.database_blocked_seconds.labels(self.stage).inc(now - wait.counted_until)
        wait.counted_until = now
        return now

    def _done(self, wait: _Wait) -> None:
        if wait.watch is None:
            return
        wait.watch.cancel()
        now = self._count(wait)
        if wait.warned:
            self.shell.log.info("database answering again, stage goes on", blocked_s=round(now - wait.started, 1))


class BatchWriter(Generic[R]):
    """A stage's writer: ``write`` (the store function) on a small pool of the stage's database, waiting as
    ``DatabaseWait`` does."""

    def __init__(self, shell: StageShell, conninfo: str, write: RowWriter[R], wait: DatabaseWait | None = None):
        self.shell = shell
        self.write = write
        self.pool = stage_pool(conninfo, shell.settings)
        self.wait = wait if wait is not None else DatabaseWait(shell)

    @asynccontextmanager
    async def opened(self) -> AsyncIterator[BatchWriter[R]]:
        """The pool open (connecting in the background) for as long as the stage's agent runs."""
        await self.pool.open(wait=False)
        try:
            yield self
        finally:
            await self.pool.close()

    async def consume(self, stream: EventStream, read: Callable[[Message], R]) -> None:
        """The agent of a storing stage: each batch read into rows (bad messages dead-lettered), stored, and its
        dead letters sent before the batch is acknowledged."""
        async with self.opened():
            async for messages in self.shell.batches(stream):
                handled = self.shell.handle(messages, read)
                refused = await self.store(handled.results)
                produced = len(handled.results) - len(refused)
                await self.shell.send_all(handled.dead + [letter for _, letter in refused], produced=produced)

    async def store(self, batch: list[tuple[Message, R]]) -> list[tuple[Message, OutRecord]]:
        """Store the batch's rows; the rows refused, each with its dead letter: ``store_rejected`` when the database
        refuses it for good, ``processing_error`` when the write met a bug. Returns only once every other row is
        stored: a transient error is waited out."""
        if not batch:
            return []
        try:
            await self.wait.run(partial(self._write, [row for _, row in batch]))
        except Exception:
            return await self._row_by_row(batch)  # one row spoiled the batch's transaction: find it
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
