"""The retention purge: deletes every expired row of ``events``, the vault, the transfer register, the
re-identification audit, the alert store and the aggregates' bookkeeping in one transaction and says what it
deleted, per table and class; ``reclaim`` then vacuums the tables it deleted from. A time a row carries from its
source (an event's time, an alert's issue time, an action's time) counts only up to the time the row was stored, so
an event dated 2099 expires by when it arrived. The periods and the class of an event are pure, in
``hub.privacy.retention``; an alert's class is set when it is stored (``hub.store.alerts``).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any, Literal

import psycopg
from psycopg import sql

from hub.errors import StoreError
from hub.privacy.retention import (
    CLASSES,
    FALLBACK_CLASS,
    KIND_RETENTION,
    REGISTER_CLASS,
    Purged,
    Reclaimed,
    RetentionPeriods,
)

__all__ = ["purge", "reclaim", "table_sizes"]

VacuumMode = Literal["plain", "full"]


def _event_class_sql() -> tuple[str, list[str]]:
    """SQL for an ``events`` row's retention class, mirroring ``retention_class_of``, with its parameters."""
    whens = " ".join("WHEN %s THEN %s" for _ in KIND_RETENTION)
    params = [x for pair in KIND_RETENTION.items() for x in pair]
    known = ", ".join("%s" for _ in CLASSES)
    sql = (
        "CASE WHEN envelope #>> '{data,retention_class}' IN (" + known + ") "
        "THEN envelope #>> '{data,retention_class}' "
        "ELSE (CASE kind " + whens + " ELSE %s END) END"
    )
    return sql, [*CLASSES, *params, FALLBACK_CLASS]


def purge(conninfo: str, periods: RetentionPeriods, now: datetime, *, dry_run: bool = False) -> list[Purged]:
    """Delete every expired row of ``events``, the vault, the transfer register, the audit and the alert store;
    report per table and class. One transaction: either all of it is deleted or nothing. ``dry_run`` counts and
    deletes nothing."""
    class_sql, class_params = _event_class_sql()
    results: list[Purged] = []
    try:
        with psycopg.connect(conninfo) as conn, conn.transaction():
            for cls in CLASSES:
                cutoff = now - periods.of(cls)
                where = f"({class_sql}) = %s AND LEAST(time, stored_at) < %s"
                count = _run(conn, "events", where, [*class_params, cls, cutoff], dry_run)
                results.append(Purged("events", cls, count, cutoff))
            # A vault row lives exactly as long as the longest-lived event it re-identifies (its expires_at), and
            # never longer than its class's period after it was last seen (an event time in the future).
            for cls in CLASSES:
                where = "retention_class = %s AND LEAST(expires_at, last_seen + %s) <= %s"
                count = _run(conn, "police_pseudonym_vault", where, [cls, periods.of(cls), now], dry_run)
                results.append(Purged("police_pseudonym_vault", cls, count, None))
            cutoff = now - periods.register
            count = _run(conn, "transfer_register", "delivered_at < %s", [cutoff], dry_run)
            results.append(Purged("transfer_register", REGISTER_CLASS, count, cutoff))
            # The audit is append-only: only its purge function deletes, oldest rows first, keeping the chain's anchor.
            found = conn.execute("SELECT hub_purge_reidentification_audit(%s, %s)", (cutoff, dry_run)).fetchone()
            count = int(found[0]) if found else 0
            results.append(Purged("reidentification_audit", REGISTER_CLASS, count, cutoff))
            results += _purge_alerts(conn, periods, now, dry_run)
            results += _purge_aggregates(conn, periods, now, dry_run)
            # A planned event's state goes a standard period after it ended; an end the source dates far ahead counts
            # only up to a year past its last update (an announcement is rarely made earlier).
            cutoff = now - periods.standard
            where = "LEAST(COALESCE(ends_at, starts_at), updated_at + interval '1 year') < %s"
            count = _run(conn, "planned_events", where, [cutoff], dry_run)
            results.append(Purged("planned_events", "standard", count, cutoff))
    except psycopg.Error as exc:
        raise StoreError(f"retention purge failed: {exc}") from exc
    return results


# An alert goes whole, with its revisions and actions, once its last revision is older than its class's period
# (the class is the alert's: hub.store.alerts sets it). Actions on an alert never stored go by their own time, under
# the fallback class. Deleted in this order: the alert's row says whether its revisions and actions expired.
_EXPIRED_ALERT = (
    "alert_id IN (SELECT alert_id FROM alerts WHERE retention_class = %s AND LEAST(issued_at, updated_at) < %s)"
)
_ORPHAN_ACTION = (
    "NOT EXISTS (SELECT 1 FROM alerts a WHERE a.alert_id = alert_actions.alert_id) AND LEAST(at, stored_at) < %s"
)
_ALERT_TABLES = (
    ("alert_actions", _EXPIRED_ALERT),
    ("alert_revisions", _EXPIRED_ALERT),
    ("alerts", "retention_class = %s AND LEAST(issued_at, updated_at) < %s"),
)


def _purge_alerts(
    conn: psycopg.Connection[Any], periods: RetentionPeriods, now: datetime, dry_run: bool
) -> list[Purged]:
    """The alert store's part of the purge, per table and class."""
    results: list[Purged] = []
    for table, expired in _ALERT_TABLES:
        for cls in CLASSES:
            cutoff = now - periods.of(cls)
            where, params = expired, [cls, cutoff]
            if table == "alert_actions" and cls == FALLBACK_CLASS:
                where, params = f"({expired}) OR ({_ORPHAN_ACTION})", [cls, cutoff, cutoff]
            results.append(Purged(table, cls, _run(conn, table, where, params, dry_run), cutoff))
    return results


def _purge_aggregates(
    conn: psycopg.Connection[Any], periods: RetentionPeriods, now: datetime, dry_run: bool
) -> list[Purged]:
    """Which incident each week's aggregates counted (analytics ids) is needed only while the week can still be
    corrected (7 days after it); kept for the short period. The messages sent are kept as long as the register
    entries they back."""
    cutoff = now - periods.short
    counted = _run(conn, "aggregate_counted", "counted_at < %s", [cutoff], dry_run)
    sent = _run(conn, "aggregate_messages", "published_at < %s", [now - periods.register], dry_run)
    return [
        Purged("aggregate_counted", "short", counted, cutoff),
        Purged("aggregate_messages", REGISTER_CLASS, sent, now - periods.register),
    ]


def table_sizes(conninfo: str, tables: Iterable[str]) -> dict[str, int]:
    """Bytes on disk of each table with its indexes and TOAST (``pg_total_relation_size``)."""
    try:
        with psycopg.connect(conninfo) as conn:
            return {
                t: int(conn.execute("SELECT pg_total_relation_size(%s::regclass)", (t,)).fetchone()[0])  # type: ignore[index]
                for t in tables
            }
    except psycopg.Error as exc:
        raise StoreError(f"reading table sizes failed: {exc}") from exc


def reclaim(conninfo: str, purged: Iterable[Purged], mode: VacuumMode = "plain") -> list[Reclaimed]:
    """VACUUM the tables the purge deleted rows from, and report their size before and after.

    ``plain``: the space of the deleted rows becomes reusable for new rows (the table files do not shrink, and
    the deleted values stay in them until new rows overwrite them); takes no lock that blocks reads or writes.
    ``full``: each table is rewritten into new files without the deleted rows, the old files are removed and the
    space goes back to the operating system; holds an ACCESS EXCLUSIVE lock on the table while it runs (writers
    and readers wait), so run it in a maintenance window. A table the login may not vacuum (PostgreSQL 16: only
    its owner or a superuser; ``hub_purge`` is neither) is reported with mode ``skipped``: autovacuum still makes
    its space reusable, and VACUUM FULL is then the schema owner's task."""
    tables = sorted({p.table for p in purged if p.rows > 0})
    statement = "VACUUM (FULL, ANALYZE) {}" if mode == "full" else "VACUUM (ANALYZE) {}"
    before = table_sizes(conninfo, tables)
    done: list[Reclaimed] = []
    try:
        # VACUUM cannot run inside a transaction block.
        with psycopg.connect(conninfo, autocommit=True) as conn:
            for table in tables:
                if not _may_vacuum(conn, table):
                    done.append(Reclaimed(table, "skipped", before[table], before[table]))
                    continue
                conn.execute(sql.SQL(statement).format(sql.Identifier(table)))
                done.append(Reclaimed(table, mode, before[table], 0))
    except psycopg.Error as exc:
        raise StoreError(f"VACUUM after the purge failed: {exc}") from exc
    after = table_sizes(conninfo, [r.table for r in done if r.mode != "skipped"])
    return [r if r.mode == "skipped" else Reclaimed(r.table, r.mode, r.bytes_before, after[r.table]) for r in done]


def _may_vacuum(conn: psycopg.Connection[Any], table: str) -> bool:
    """Whether this login may VACUUM ``table`` (its owner, a member of the owner's role, or a superuser); else
    PostgreSQL only warns and skips it."""
    row = conn.execute(
        "SELECT pg_has_role(current_user, c.relowner, 'USAGE')"
        " OR (SELECT rolsuper FROM pg_roles WHERE rolname = current_user)"
        " FROM pg_class c WHERE c.oid = %s::regclass",
        (table,),
    ).fetchone()
    return bool(row and row[0])


def _run(conn: psycopg.Connection[Any], table: str, where: str, params: list[Any], dry_run: bool) -> int:
    # Table names and conditions come from this module only, never from input; values are parameters.
    if dry_run:
        sql = f"SELECT count(*) FROM {table} WHERE {where}"  # noqa: S608
    else:
        sql = f"WITH gone AS (DELETE FROM {table} WHERE {where} RETURNING 1) SELECT count(*) FROM gone"  # noqa: S608
    row = conn.execute(sql.encode(), params).fetchone()
    return int(row[0]) if row else 0
