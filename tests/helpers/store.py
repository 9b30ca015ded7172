"""Writing the privacy tables of a test's database as the pseudonymise worker does."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import datetime

import psycopg

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
