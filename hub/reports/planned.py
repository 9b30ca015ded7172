"""Planned events for ``hub report``, as the analytics domain may see them: the venue's position on the 250 m grid
(its 500 m cell), start and end to the hour, the expected attendance, and no text (the policy withholds the title
and drops the organiser and the venue's name: ``[domains.analytics.fields]`` of ``hub/privacy/default_policy.toml``;
a unit test holds this projection to the policy's own transform). Pure: the stored latest state in, the report's
``PlannedEvent`` out.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from hub.privacy.aggregates import LOCAL_TIME
from hub.privacy.transform import bucket_time, snap_to_grid
from hub.reports.hotspots import PlannedEvent

__all__ = ["ANALYTICS_GRID_M", "ANALYTICS_MINUTES", "as_analytics_sees_it", "planned_events"]

ANALYTICS_GRID_M = 250
"""``planned-event.place.position`` for analytics: generalised to this grid."""

ANALYTICS_MINUTES = 60
"""``planned-event.starts_at`` and ``ends_at`` for analytics: generalised to the hour."""


def as_analytics_sees_it(payload: Mapping[str, Any]) -> PlannedEvent | None:
    """The report's event for one planned event's latest state (the canonical payload): position on the analytics
    grid, times floored to the hour, attendance; no title. None when the event is cancelled or has no position (it
    cannot be put on a cell). An event without an end ends, for the report, when it starts."""
    if payload.get("status") == "cancelled":
        return None
    place = payload.get("place") or {}
    position = place.get("position") if isinstance(place, Mapping) else None
    if not isinstance(position, Mapping):
        return None
    lat, lon = snap_to_grid(float(position["lat"]), float(position["lon"]), ANALYTICS_GRID_M)
    start = bucket_time(_moment(payload["starts_at"]), ANALYTICS_MINUTES)
    end = bucket_time(_moment(payload["ends_at"]), ANALYTICS_MINUTES) if payload.get("ends_at") else start
    attendance = payload.get("expected_attendance")
    return PlannedEvent(None, lat, lon, start, end, int(attendance) if attendance is not None else None)


def planned_events(payloads: Iterable[Mapping[str, Any]]) -> list[PlannedEvent]:
    """``as_analytics_sees_it`` of each, those that can be shown, by start and cell."""
    found = [e for p in payloads if (e := as_analytics_sees_it(p)) is not None]
    return sorted(found, key=lambda e: (e.start, e.cell))


def _moment(value: object) -> datetime:
    """A payload time in Halle's local time (the payload carries the venue's offset)."""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.astimezone(LOCAL_TIME)
