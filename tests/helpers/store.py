"""Writing the privacy tables of a test's database as the pseudonymise worker does, log-in roles of the database
roles (migration 0004) for a test, and the test's database refusing connections for a while (``refusing``)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime

import psycopg
from psycopg import sql

from hub.config import Settings
from hub.privacy.register import Transfer
from hub.privacy.vault import VaultEntry
from hub.store.register import record_transfers
from hub.store.vault import store_entries


def store_rows(url: str, transfers: Sequence[Transfer], vault: Sequence[VaultEntry], at: datetime) -> None:
    """Register rows (delivered ``at``) and vault entries, written in one transaction."""

    async def write() -> None:
        async with await psycopg.AsyncConnection.connect(url) as conn, conn.transaction(), conn.cursor() as cur:
            await record_transfers(cur, transfers, at)
            await store_entries(cur, vault)

    asyncio.run(write())


@contextmanager
def login(admin_url: str, *groups: str) -> Iterator[str]:
    """The URL of ``admin_url``'s database for a new log-in role that is a member of ``groups`` only (no superuser,
    no password: the test clusters trust local connections); dropped afterwards. Roles belong to the cluster, so
    the name is unique to this call."""
    name = f"hub_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE").format(sql.Identifier(name)))
        for group in groups:
            conn.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(group), sql.Identifier(name)))
    try:
        yield psycopg.conninfo.make_conninfo(admin_url, user=name)
    finally:
        with psycopg.connect(admin_url, autocommit=True) as conn:
            # Its sessions first (a worker may still be closing its pool), then the role.
            conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
            conn.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


@contextmanager
def refusing(settings: Settings) -> Iterator[None]:
    """The test's database refuses new connections and loses the open ones (as if stopped), until the block ends."""
    url = settings.database_conninfo()
    name = psycopg.conninfo.conninfo_to_dict(url)["dbname"]
    admin = psycopg.conninfo.make_conninfo(url, dbname="postgres")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
    try:
        yield
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
