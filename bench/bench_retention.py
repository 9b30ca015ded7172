"""What the retention purge leaves on disk: the events table's size and how many purged values its file still holds
after the purge, after a plain VACUUM, after new rows, and after VACUUM FULL (with how long that holds its lock).

    .venv/bin/python -m bench.bench_retention [--rows 100000]

Runs its own embedded PostgreSQL; half the rows are expired unit-status events carrying a canary each.
"""

from __future__ import annotations

import argparse
import re
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import psycopg
from psycopg.types.json import Jsonb

from hub.devstack import EmbeddedStack
from hub.privacy.retention import RetentionPeriods
from hub.processes import free_port
from hub.store.migrate import migrate
from hub.store.retention import purge, reclaim, table_sizes

NOW = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
PERIODS = RetentionPeriods(timedelta(days=30), timedelta(days=180), timedelta(days=730), timedelta(days=1095))


def _insert(conninfo: str, prefix: str, rows: int, time_: datetime) -> None:
    pad = "x" * 600  # about the size of a canonical unit status with its envelope
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.executemany(
            "INSERT INTO events (id, kind, type, source, source_record_id, time, envelope, kafka_topic,"
            " kafka_partition, kafka_offset, stored_at)"
            " VALUES (%s, 'unit-status', 't', '/polizei/tetra', %s, %s, %s, 'canon', 0, %s, %s)",
            [
                (
                    f"{prefix}{n}",
                    f"{prefix}{n}",
                    time_,
                    Jsonb({"data": {"note": f"C-{prefix}{n:07d}-E", "p": pad}}),
                    n,
                    time_,
                )
                for n in range(rows)
            ],
        )


def _canaries(conninfo: str, prefix: str, rows: int) -> int:
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        path = conn.execute("SELECT pg_relation_filepath('events')").fetchone()
        size = conn.execute("SELECT pg_relation_size('events')").fetchone()
        assert path is not None
        assert size is not None
        data = b""
        for segment in range(int(size[0]) // (1 << 30) + 1):  # 1 GB segment files
            name = path[0] if segment == 0 else f"{path[0]}.{segment}"
            row = conn.execute("SELECT pg_read_binary_file(%s)", (name,)).fetchone()
            data += bytes(row[0]) if row else b""
    found = set(re.findall(rb"C-" + prefix.encode() + rb"(\d{7})-E", data))
    return len(found)


def run(rows: int, state: Path) -> None:
    with EmbeddedStack(state, broker_port=None, postgres_port=free_port()) as ep:
        url = str(ep.database_url)
        migrate(url)
        half = rows // 2
        _insert(url, "old", half, NOW - timedelta(days=40))
        _insert(url, "new", half, NOW - timedelta(days=1))
        mb = lambda: table_sizes(url, ["events"])["events"] / 1e6  # noqa: E731
        print(f"{rows:,} events, {half:,} of them expired")
        print(
            f"  before the purge          {mb():8.1f} MB   purged values in the file: {_canaries(url, 'old', half):,}"
        )
        purged = purge(url, PERIODS, NOW)
        print(
            f"  after the purge (DELETE)  {mb():8.1f} MB   purged values in the file: {_canaries(url, 'old', half):,}"
        )
        started = time.perf_counter()
        reclaim(url, purged, "plain")
        took = time.perf_counter() - started
        print(
            f"  after VACUUM              {mb():8.1f} MB   purged values in the file: {_canaries(url, 'old', half):,}"
            f"   ({took:.2f} s, no blocking lock)"
        )
        _insert(url, "more", half, NOW)
        print(
            f"  after {half:,} new rows     {mb():8.1f} MB   purged values in the file: {_canaries(url, 'old', half):,}"
        )
        with psycopg.connect(url) as conn:
            conn.execute("DELETE FROM events WHERE id LIKE 'more%'")
        started = time.perf_counter()
        reclaim(url, [p for p in purged if p.table == "events"], "full")
        took = time.perf_counter() - started
        print(
            f"  after VACUUM FULL         {mb():8.1f} MB   purged values in the file: {_canaries(url, 'old', half):,}"
            f"   ({took:.2f} s holding ACCESS EXCLUSIVE)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hub-bench-retention-") as tmp:
        run(args.rows, Path(tmp))


if __name__ == "__main__":
    main()
