"""Retention: the period of each class (settings ``HUB_RETENTION_*_DAYS``; defaults are assumptions to confirm with
the data protection officers), which class an event falls in, and ``purge``, which deletes what has expired and
says what it deleted.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, get_args

import psycopg

from hub.config import Settings
from hub.errors import StoreError
from hub.schemas import RetentionClass

__all__ = [
    "CLASSES",
    "KIND_RETENTION",
    "REGISTER_CLASS",
    "Purged",
    "RetentionPeriods",
    "purge",
    "retention_class_of",
]

CLASSES: tuple[RetentionClass, ...] = get_args(RetentionClass)

KIND_RETENTION: Mapping[str, RetentionClass] = MappingProxyType(
    {
        # Officers' positions and vehicle movements are operational: needed while the incident runs, not after.
        "unit-status": "short",
        "vehicle-position": "short",
        "trip-update": "short",
        # Disruptions feed the evaluation of incidents on transit, like standard incidents.
        "transit-disruption": "standard",
    }
)
"""The class of kinds whose payload carries none (incidents carry ``retention_class`` themselves)."""

REGISTER_CLASS = "register"
"""The class the purge report gives the transfer register and the re-identification audit."""

_FALLBACK: RetentionClass = (
    "standard"  # an unknown kind or class (a newer hub's rows): neither the shortest nor longest
)


def retention_class_of(kind: str, data: Mapping[str, Any]) -> RetentionClass:
    """The retention class of an event: the payload's own ``retention_class``, else the kind's default."""
    own = data.get("retention_class")
    for cls in CLASSES:
        if own == cls:
            return cls
    return KIND_RETENTION.get(kind, _FALLBACK)


@dataclass(frozen=True)
class RetentionPeriods:
    """How long each class is kept, and how long the transfer register and the audit are kept."""

    short: timedelta
    standard: timedelta
    long: timedelta
    register: timedelta

    def __post_init__(self) -> None:
        # The register documents transfers of data; deleting it first would leave data nobody can account for.
        if self.register < max(self.short, self.standard, self.long):
            raise ValueError("the register must be kept at least as long as the longest retention class")

    @classmethod
    def from_settings(cls, settings: Settings) -> RetentionPeriods:
        return cls(
            short=timedelta(days=settings.retention_short_days),
            standard=timedelta(days=settings.retention_standard_days),
            long=timedelta(days=settings.retention_long_days),
            register=timedelta(days=settings.retention_register_days),
        )

    def of(self, retention_class: RetentionClass) -> timedelta:
        """The period of ``retention_class``."""
        period: timedelta = getattr(self, retention_class)
        return period

    def expires_at(self, kind: str, data: Mapping[str, Any], time: datetime) -> tuple[RetentionClass, datetime]:
        """The class of an event and when it expires: its time plus the class's period."""
        cls = retention_class_of(kind, data)
        return cls, time + self.of(cls)


@dataclass(frozen=True)
class Purged:
    """Rows of one table and class that the purge deleted (or, in a dry run, would delete)."""

    table: str
    retention_class: str
    rows: int
    cutoff: datetime | None  # rows older than this went; None where each row carries its own expiry


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
    return sql, [*CLASSES, *params, _FALLBACK]


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
