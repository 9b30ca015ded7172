"""Space after the retention purge, in the real PostgreSQL: a plain VACUUM makes the deleted rows' space reusable
but leaves their values in the table file; VACUUM FULL gives the space back and the values are gone from it."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg.types.json import Jsonb

from hub.privacy.retention import RetentionPeriods
from hub.store.retention import purge, reclaim, table_sizes
from tests.helpers.store import login

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
PERIODS = RetentionPeriods(timedelta(days=30), timedelta(days=180), timedelta(days=730), timedelta(days=1095))
ROWS = 3000


def _insert(conn: psycopg.Connection[object], prefix: str, time: datetime) -> None:
    """``ROWS`` unit-status events (class short) at ``time``, each carrying a canary name of its own."""
    conn.cursor().executemany(
        "INSERT INTO events (id, kind, type, source, source_record_id, time, envelope, kafka_topic, kafka_partition,"
        " kafka_offset, stored_at) VALUES (%s, 'unit-status', 't', '/polizei/tetra', %s, %s, %s, 'canon', 0, %s, %s)",
        [
            (f"{prefix}{n}", f"{prefix}{n}", time, Jsonb({"data": {"note": f"CANARY-{prefix}{n:06d}-END"}}), n, time)
            for n in range(ROWS)
        ],
    )


def _canaries_in_file(conninfo: str, prefix: str) -> int:
    """How many of the ``prefix`` rows' canaries the events table's file holds, read as bytes after a checkpoint."""
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("CHECKPOINT")
        row = conn.execute("SELECT pg_read_binary_file(pg_relation_filepath('events'))").fetchone()
    assert row is not None
    data = bytes(row[0])
    return len(set(re.findall(rb"CANARY-" + prefix.encode() + rb"(\d{6})-END", data)))


def test_plain_vacuum_makes_space_reusable_and_full_vacuum_removes_it(database_url: str) -> None:
    """3,000 expired events are purged: after a plain VACUUM the table keeps its size and still holds their values
    until new rows take the space (3,000 new ones fit without growing it much); VACUUM FULL shrinks the table and
    none of the purged values is left in its file."""
    with psycopg.connect(database_url) as conn:
        _insert(conn, "old", NOW - timedelta(days=40))
        _insert(conn, "new", NOW - timedelta(days=1))
    before = table_sizes(database_url, ["events"])["events"]
    assert _canaries_in_file(database_url, "old") == ROWS

    purged = purge(database_url, PERIODS, NOW)
    assert {(p.table, p.retention_class): p.rows for p in purged}[("events", "short")] == ROWS
    [plain] = reclaim(database_url, purged, "plain")
    assert (plain.table, plain.bytes_before) == ("events", before)
    assert plain.bytes_after >= before * 0.95, "a plain VACUUM does not shrink the files"
    assert _canaries_in_file(database_url, "old") > ROWS * 0.9, "and the purged values are still in them"

    with psycopg.connect(database_url) as conn:
        _insert(conn, "more", NOW)
    assert table_sizes(database_url, ["events"])["events"] < before * 1.25, "new rows reuse the freed space"

    with psycopg.connect(database_url) as conn:
        conn.execute("DELETE FROM events WHERE id LIKE 'more%'")
    [full] = reclaim(database_url, [p for p in purged if p.table == "events"], "full")
    assert full.bytes_after < before * 0.6
    assert _canaries_in_file(database_url, "old") == 0


def test_a_purge_login_purges_and_leaves_the_vacuum_to_the_owner(database_url: str) -> None:
    """As a hub_purge login (not the tables' owner) the purge deletes, including rows it clamps by their stored
    time, and the VACUUM after it is reported skipped rather than silently doing nothing (PostgreSQL 16 lets only
    the owner vacuum)."""
    with psycopg.connect(database_url) as conn:
        _insert(conn, "old", NOW - timedelta(days=40))
    with login(database_url, "hub_purge") as purger:
        purged = purge(purger, PERIODS, NOW)
        assert {(p.table, p.retention_class): p.rows for p in purged}[("events", "short")] == ROWS
        [skipped] = reclaim(purger, purged, "full")
    assert (skipped.table, skipped.mode, skipped.bytes_after) == ("events", "skipped", skipped.bytes_before)
