"""The console's seam to the alert store: ``AlertSource``, the reads of docs/console.md section 2 it uses (board,
current, revision, history, actions, since), the latest positions for the map, and the store's notifications. Every
read takes the recipient and returns that recipient's rows only. ``hub.console.pg`` is the real one on PostgreSQL,
``hub.console.testing`` an in-memory one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, Protocol

from hub.router.core import AckAction
from hub.schemas.alert import Alert, AlertState

__all__ = ["ActionNotice", "AlertNotice", "AlertSource", "Fix", "Notice", "StoredAction", "StoredAlert"]


@dataclass(frozen=True, slots=True)
class StoredAlert:
    """One stored revision: the Alert, when it was stored, and the (prefixed) topic it was read from."""

    alert: Alert
    stored_at: datetime
    topic: str


@dataclass(frozen=True, slots=True)
class StoredAction:
    """One record read from ``acks.<domain>``: who did what to which revision, when it was stored, and where it
    was read (topic with prefix, partition, offset: its key in the store)."""

    alert_id: str
    recipient: str
    action: AckAction
    revision: int | None
    by: str
    at: datetime
    note: str | None
    stored_at: datetime
    key: tuple[str, int, int]


@dataclass(frozen=True, slots=True)
class Fix:
    """A latest known position: of a vehicle (``vehicle-position``) or a unit (``unit-status``)."""

    ident: str
    lat: float
    lon: float
    at: datetime


@dataclass(frozen=True, slots=True)
class AlertNotice:
    """The store stored revision ``revision`` of ``alert_id`` for ``recipient`` (NOTIFY ``hub_alerts``)."""

    recipient: str
    alert_id: str
    revision: int
    kind: Literal["alert"] = "alert"


@dataclass(frozen=True, slots=True)
class ActionNotice:
    """The store stored the action read at ``key`` (topic, partition, offset) on ``alert_id`` of ``recipient``
    (NOTIFY ``hub_alert_actions``)."""

    recipient: str
    alert_id: str
    key: tuple[str, int, int]
    kind: Literal["action"] = "action"


Notice = AlertNotice | ActionNotice


class AlertSource(Protocol):
    """What the console reads. Every method takes the recipient and never returns another recipient's rows."""

    async def board(
        self, recipient: str, *, states: Sequence[AlertState] | None = None, limit: int = 500
    ) -> list[StoredAlert]:
        """The latest revision of each alert, most urgent first (priority ascending, then oldest first)."""
        ...

    async def current(self, recipient: str, alert_id: str) -> StoredAlert | None:
        """The latest revision of one alert, or None (unknown, or another recipient's)."""
        ...

    async def revision(self, recipient: str, alert_id: str, number: int) -> StoredAlert | None:
        """Revision ``number`` of one alert, or None."""
        ...

    async def history(self, recipient: str, alert_id: str) -> list[StoredAlert]:
        """Every stored revision of one alert, ascending."""
        ...

    async def actions(self, recipient: str, alert_id: str) -> list[StoredAction]:
        """Every action on one alert, in time order."""
        ...

    async def since(self, recipient: str, after: datetime, limit: int) -> list[StoredAlert]:
        """Revisions stored after ``after``, in the order stored (a reconnecting stream catches up with them)."""
        ...

    async def vehicle_fix(self, vehicle: str) -> Fix | None:
        """The latest ``vehicle-position`` of a vehicle, or None."""
        ...

    async def unit_fix(self, agency: str, unit: str) -> Fix | None:
        """The latest ``unit-status`` position of one of ``agency``'s own units, or None."""
        ...

    async def ping(self) -> None:
        """Return when the store answers; raise ``StoreError`` when it does not."""
        ...

    def notices(self) -> AsyncIterator[Notice]:
        """The store's notifications, as they come (one LISTEN connection); ends when the source closes."""
        ...
