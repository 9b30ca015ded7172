"""The console's ``AlertSource`` on PostgreSQL: the alert store's reads (``hub.store.alerts``) on a small
connection pool, its notifications on one LISTEN connection per console process, and the latest vehicle and unit
positions from the ``events`` table (``hub.store.events``). psycopg's errors become ``StoreError`` here.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg_pool import AsyncConnectionPool

from hub.config import Settings
from hub.console.source import ActionNotice, AlertNotice, Fix, Notice, StoredAction, StoredAlert
from hub.console.users import AGENCIES
from hub.errors import StoreError
from hub.router.core import AckAction
from hub.schemas.alert import AlertState
from hub.store import alerts as store
from hub.store.events import latest_unit_position, latest_vehicle_position

__all__ = ["PgAlertSource", "open_store"]

#: Connections for reads; the LISTEN connection is one more.
POOL_SIZE = 4


def _alert(row: store.RevisionRow) -> StoredAlert:
    return StoredAlert(row.alert, row.stored_at, row.topic)


def _action(row: store.ActionRow) -> StoredAction:
    action: AckAction = row.action  # type: ignore[assignment]  # the table's CHECK allows these three only
    return StoredAction(
        row.alert_id,
        row.recipient,
        action,
        row.revision,
        row.by,
        row.at,
        row.note,
        row.stored_at,
        (row.topic, row.partition, row.offset),
    )


def _notice(notice: store.AlertNotice) -> Notice | None:
    if notice.channel == store.ALERTS_CHANNEL and notice.revision is not None:
        return AlertNotice(notice.recipient, notice.alert_id, notice.revision)
    if notice.channel == store.ACTIONS_CHANNEL and None not in (notice.topic, notice.partition, notice.offset):
        key = (str(notice.topic), int(notice.partition or 0), int(notice.offset or 0))
        return ActionNotice(notice.recipient, notice.alert_id, key)
    return None


class PgAlertSource:
    """The alert store on a connection pool (autocommit reads); ``notices`` opens its own connection."""

    def __init__(self, pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]], conninfo: str) -> None:
        self.pool = pool
        self.conninfo = conninfo

    @contextlib.asynccontextmanager
    async def _conn(self) -> AsyncIterator[psycopg.AsyncConnection[Any]]:
        try:
            async with self.pool.connection() as conn:
                yield conn
        except (psycopg.Error, TimeoutError) as exc:  # psycopg_pool's PoolTimeout is a psycopg.Error
            raise StoreError(f"the alert store did not answer: {type(exc).__name__}") from exc

    async def board(
        self, recipient: str, *, states: Sequence[AlertState] | None = None, limit: int = 500
    ) -> list[StoredAlert]:
        async with self._conn() as conn:
            return [_alert(r) for r in await store.board(conn, recipient, states=states, limit=limit)]

    async def current(self, recipient: str, alert_id: str) -> StoredAlert | None:
        async with self._conn() as conn:
            row = await store.current(conn, recipient, alert_id)
        return None if row is None else _alert(row)

    async def revision(self, recipient: str, alert_id: str, number: int) -> StoredAlert | None:
        async with self._conn() as conn:
            row = await store.revision(conn, recipient, alert_id, number)
        return None if row is None else _alert(row)

    async def history(self, recipient: str, alert_id: str) -> list[StoredAlert]:
        async with self._conn() as conn:
            return [_alert(r) for r in await store.history(conn, recipient, alert_id)]

    async def actions(self, recipient: str, alert_id: str) -> list[StoredAction]:
        async with self._conn() as conn:
            return [_action(r) for r in await store.actions(conn, recipient, alert_id)]

    async def since(self, recipient: str, after: datetime, limit: int) -> list[StoredAlert]:
        async with self._conn() as conn:
            return [_alert(r) for r in await store.since(conn, recipient, after, limit)]

    async def vehicle_fix(self, vehicle: str) -> Fix | None:
        async with self._conn() as conn:
            found = await latest_vehicle_position(conn, vehicle)
        return None if found is None else Fix(*found)

    async def unit_fix(self, agency: str, unit: str) -> Fix | None:
        async with self._conn() as conn:
            found = await latest_unit_position(conn, agency, unit)
        return None if found is None else Fix(*found)

    async def ping(self) -> None:
        async with self._conn() as conn:
            await conn.execute("SELECT 1")

    async def notices(self) -> AsyncIterator[Notice]:
        try:
            conn = await psycopg.AsyncConnection.connect(self.conninfo, autocommit=True)
        except psycopg.Error as exc:
            raise StoreError(f"cannot listen to the alert store: {type(exc).__name__}") from exc
        try:
            async for notice in await store.listen(conn, AGENCIES):
                found = None if notice is None else _notice(notice)
                if found is not None:
                    yield found
        except psycopg.Error as exc:
            raise StoreError(f"the alert store's notifications stopped: {type(exc).__name__}") from exc
        finally:
            await conn.close()


@contextlib.asynccontextmanager
async def open_store(settings: Settings) -> AsyncIterator[PgAlertSource]:
    """The alert store of ``HUB_DATABASE_URL`` for the console's lifetime. The console starts while the database
    is away (``/healthz`` says so, the API answers 503) and uses it once it answers."""
    conninfo = settings.database_conninfo()
    pool: AsyncConnectionPool[psycopg.AsyncConnection[Any]] = AsyncConnectionPool(
        conninfo, min_size=1, max_size=POOL_SIZE, open=False, timeout=5.0, kwargs={"autocommit": True}
    )
    await pool.open(wait=False)
    try:
        yield PgAlertSource(pool, conninfo)
    finally:
        await pool.close()
