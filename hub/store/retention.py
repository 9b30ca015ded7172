"""The retention purge: deletes every expired row of ``events``, the vault, the transfer register, the
re-identification audit and the alert store in one transaction and says what it deleted, per table and class. The
periods and the class of an event are pure, in ``hub.privacy.retention``; an alert's class is set when it is stored
(``hub.store.alerts``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import psycopg

from hub.errors import StoreError
from hub.privacy.retention import CLASSES, FALLBACK_CLASS, KIND_RETENTION, REGISTER_CLASS, Purged, RetentionPeriods

__all__ = ["purge"]


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
                where = f"({class_sql}) = %s AND time < %s"
                count = _run(conn, "events", where, [*class_params, cls, cutoff], dry_run)
                results.append(Purged("events", cls, count, cutoff))
            # A vault row lives exactly as long as the longest-lived event it re-identifies (its expires_at).
            for cls in CLASSES:
                where = "retention_class = %s AND expires_at <= %s"
                count = _run(conn, "police_pseudonym_vault", where, [cls, now], dry_run)
                results.append(Purged("police_pseudonym_vault", cls, count, None))
            cutoff = now - periods.register
            count = _run(conn, "transfer_register", "delivered_at < %s", [cutoff], dry_run)
            results.append(Purged("transfer_register", REGISTER_CLASS, count, cutoff))
            # The audit is append-only: only its purge function deletes, oldest rows first, keeping the chain's anchor.
            found = conn.execute("SELECT hub_purge_reidentification_audit(%s, %s)", (cutoff, dry_run)).fetchone()
            count = int(found[0]) if found else 0
            results.append(Purged("reidentification_audit", REGISTER_CLASS, count, cutoff))
            results += _purge_alerts(conn, periods, now, dry_run)
    except psycopg.Error as exc:
        raise StoreError(f"retention purge failed: {exc}") from exc
    return results


# An alert goes whole, with its revisions and actions, once its last revision is older than its class's period
# (the class is the alert's: hub.store.alerts sets it). Actions on an alert never stored go by their own time, under
# the fallback class. Deleted in this order: the alert's row says whether its revisions and actions expired.
_EXPIRED_ALERT = "alert_id IN (SELECT alert_id FROM alerts WHERE retention_class = %s AND issued_at < %s)"
_ORPHAN_ACTION = "NOT EXISTS (SELECT 1 FROM alerts a WHERE a.alert_id = alert_actions.alert_id) AND at < %s"
_ALERT_TABLES = (
    ("alert_actions", _EXPIRED_ALERT),
    ("alert_revisions", _EXPIRED_ALERT),
    ("alerts", "retention_class = %s AND issued_at < %s"),
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


def _run(conn: psycopg.Connection[Any], table: str, where: str, params: list[Any], dry_run: bool) -> int:
    # Table names and conditions come from this module only, never from input; values are parameters.
    if dry_run:
        sql = f"SELECT count(*) FROM {table} WHERE {where}"  # noqa: S608
    else:
        sql = f"WITH gone AS (DELETE FROM {table} WHERE {where} RETURNING 1) SELECT count(*) FROM gone"  # noqa: S608
    row = conn.execute(sql.encode(), params).fetchone()
    return int(row[0]) if row else 0
