"""Writing a stage's rows to PostgreSQL without losing any: the batch at once, held and retried while the database
is unreachable; when the database refuses the batch, row by row, and the refused rows become dead letters."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from functools import partial
from typing import Any, Generic, TypeVar

import psycopg
from psycopg_pool import AsyncConnectionPool

from hub.messages import Message, OutRecord
from hub.retry import retry
from hub.workers.shell import EventStream, StageShell

R = TypeVar("R")

#: Writes rows on a connection, in transactions of its own choosing; raises psycopg errors.
RowWriter = Callable[[psycopg.AsyncConnection[Any], list[R]], Awaitable[None]]


class BatchWriter(Generic[R]):
    """A stage's writer: ``write`` (the store function) on a small connection pool of the stage's database."""

    def __init__(self, shell: StageShell, conninfo: str, write: RowWriter[R]) -> None:
        self.shell = shell
        self.write = write
        self.pool = AsyncConnectionPool(conninfo, min_size=1, max_size=2, open=False)

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
                rejected = await self.store(handled.results)
                produced = len(handled.results) - len(rejected)
                await self.shell.send_all(handled.dead + rejected, produced=produced)

    async def store(self, batch: list[tuple[Message, R]]) -> list[OutRecord]:
        """Store the batch's rows; the dead letters (``store_rejected``) of the rows the database refuses."""
        if not batch:
            return []
        try:
            await self._patiently([row for _, row in batch])
            return []
        except psycopg.Error:
            pass
        # One row spoiled the batch's transaction: store row by row to find it.
        dead: list[OutRecord] = []
        for message, row in batch:
            try:
                await self._patiently([row])
            except psycopg.Error as exc:
                dead.append(self.shell.dead("store_rejected", f"{type(exc).__name__}: {exc}", message))
        return dead

    async def _patiently(self, rows: list[R]) -> None:
        """``write`` retried while the database is unreachable (the batch is held; nothing is lost)."""
        await retry(partial(self._write, rows), retry_on=psycopg.OperationalError, on_retry=self._unavailable)

    async def _write(self, rows: list[R]) -> None:
        async with self.pool.connection() as conn:
            await self.write(conn, rows)

    def _unavailable(self, exc: BaseException, delay: float) -> None:
        self.shell.log.warning("database unavailable, retrying", error=str(exc), retry_in_s=round(delay, 3))
