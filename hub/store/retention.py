"""The retention purge: deletes every expired row of ``events``, the vault, the transfer register and the
re-identification audit in one transaction and says what it deleted, per table and class. The periods and the
class of an event are pure, in ``hub.privacy.retention``.
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
    """Delete every expired row of ``events``, the vault, the transfer register and the audit; report per table
    and class. One transaction: either all of it is deleted or nothing. ``dry_run`` counts and deletes nothing."""
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
            count = _run(conn, "reidentification_audit", "attempted_at < %s", [cutoff], dry_run)
            results.append(Purged("reidentification_audit", REGISTER_CLASS, count, cutoff))
    except psycopg.Error as exc:
        raise StoreError(f"retention purge failed: {exc}") from exc
    return results


def _run(conn: psycopg.Connection[Any], table: str, where: str, params: list[Any], dry_run: bool) -> int:
    # Table names and conditions come from this module only, never from input; values are parameters.
    if dry_run:
        sql = f"SELECT count(*) FROM {table} WHERE {where}"  # noqa: S608
    else:
        sql = f"WITH gone AS (DELETE FROM {table} WHERE {where} RETURNING 1) SELECT count(*) FROM gone"  # noqa: S608
    row = conn.execute(sql.encode(), params).fetchone()
    return int(row[0]) if row else 0
