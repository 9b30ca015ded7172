"""The transfer register in PostgreSQL (SOG LSA § 26 record, § 28 special register): ``record_transfers`` writes
idempotently by share id, ``transfers_since`` and ``transfer_counts`` read it back for the report and the demo.
What counts as a transfer and the report's formats are pure, in ``hub.privacy.register``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import psycopg

from hub.errors import StoreError
from hub.privacy.register import Transfer, TransferRow

__all__ = ["record_transfers", "record_transfers_sync", "transfer_counts", "transfers_since"]


_INSERT = """
INSERT INTO transfer_register (share_id, canonical_id, recipient, source_agency, kind, topic, purpose, legal_basis,
                               content_sha256, delivered_at)
VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (share_id) DO NOTHING
"""


#: ``_INSERT`` for a whole batch in one statement, its columns as arrays (in binary, which psycopg dumps far faster
#: than text arrays): parsed, planned and executed once.
_INSERT_ARRAYS = """
INSERT INTO transfer_register (share_id, canonical_id, recipient, source_agency, kind, topic, purpose, legal_basis,
                               content_sha256, delivered_at)
SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::text[],
                     %b::text[], %b::timestamptz[])
ON CONFLICT (share_id) DO NOTHING
"""


def _params(transfers: Sequence[Transfer], delivered_at: datetime) -> list[tuple[Any, ...]]:
    return [
        (
            t.share_id,
            t.canonical_id,
            t.recipient,
            t.source_agency,
            t.kind,
            t.topic,
            t.purpose,
            t.legal_basis,
            t.content_sha256,
            delivered_at,
        )
        for t in transfers
    ]


async def record_transfers(
    cur: psycopg.AsyncCursor[Any], transfers: Sequence[Transfer], delivered_at: datetime
) -> None:
    """Write ``transfers`` (inside the caller's transaction) in one statement; a redelivered share keeps its first
    row."""
    if transfers:
        columns = zip(*_params(transfers, delivered_at), strict=True)
        await cur.execute(_INSERT_ARRAYS, [list(column) for column in columns])


def record_transfers_sync(conninfo: str, transfers: Sequence[Transfer], delivered_at: datetime) -> None:
    """``record_transfers`` for commands (``hub aggregates publish``), in a transaction of its own."""
    try:
        with psycopg.connect(conninfo) as conn, conn.transaction(), conn.cursor() as cur:
            cur.executemany(_INSERT, _params(transfers, delivered_at))
    except psycopg.Error as exc:
        raise StoreError(f"writing the transfer register failed: {exc}") from exc


def transfers_since(
    conninfo: str, since: datetime, until: datetime | None = None, recipient: str | None = None
) -> list[TransferRow]:
    """Register rows delivered at or after ``since`` (and before ``until``), of one recipient if given, by time."""
    query = (
        "SELECT delivered_at, recipient, source_agency, kind, share_id, canonical_id, topic, purpose, legal_basis,"
        " content_sha256 FROM transfer_register WHERE delivered_at >= %s"
        " AND (%s::timestamptz IS NULL OR delivered_at < %s)"
        " AND (%s::text IS NULL OR recipient = %s)"
        " ORDER BY delivered_at, share_id"
    )
    try:
        with psycopg.connect(conninfo) as conn:
            rows = conn.execute(query, (since, until, until, recipient, recipient)).fetchall()
    except psycopg.Error as exc:
        raise StoreError(f"reading the transfer register failed: {exc}") from exc
    return [TransferRow(*row) for row in rows]


def transfer_counts(conninfo: str) -> dict[str, int]:
    """Register rows per recipient (for the demo's summary)."""
    try:
        with psycopg.connect(conninfo) as conn:
            rows = conn.execute("SELECT recipient, count(*) FROM transfer_register GROUP BY 1 ORDER BY 1").fetchall()
    except psycopg.Error as exc:
        raise StoreError(f"reading the transfer register failed: {exc}") from exc
    return {str(name): int(n) for name, n in rows}
