"""Retention: the period of each class (settings ``HUB_RETENTION_*_DAYS``; defaults are assumptions to confirm with
the data protection officers) and which class an event falls in; ``hub.store.retention`` purges what has expired.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any, get_args

from hub.config import Settings
from hub.schemas import RetentionClass

__all__ = [
    "CLASSES",
    "FALLBACK_CLASS",
    "KIND_RETENTION",
    "REGISTER_CLASS",
    "Purged",
    "Reclaimed",
    "RetentionPeriods",
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
        # Announced events are public; kept as long as the incidents they are evaluated with.
        "planned-event": "standard",
    }
)
"""The class of kinds whose payload carries none (incidents carry ``retention_class`` themselves)."""

REGISTER_CLASS = "register"
"""The class the purge report gives the transfer register and the re-identification audit."""

FALLBACK_CLASS: RetentionClass = (
    "standard"  # an unknown kind or class (a newer hub's rows): neither the shortest nor longest
)


def retention_class_of(kind: str, data: Mapping[str, Any]) -> RetentionClass:
    """The retention class of an event: the payload's own ``retention_class``, else the kind's default."""
    own = data.get("retention_class")
    for cls in CLASSES:
        if own == cls:
            return cls
    return KIND_RETENTION.get(kind, FALLBACK_CLASS)


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


@dataclass(frozen=True)
class Reclaimed:
    """One table vacuumed after a purge: how (``plain`` or ``full``) and its size on disk before and after."""

    table: str
    mode: str
    bytes_before: int
    bytes_after: int
