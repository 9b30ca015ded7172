"""GTFS-RT Alerts: one entity's ``alert`` becomes one canonical ``TransitDisruption``.

Lines and stop DHIDs from the informed entities, cause/effect/severity by name, the German header text as summary,
and one validity period spanning the alert's active periods.
"""

from __future__ import annotations

import contextlib
import hashlib
from datetime import datetime

from google.transit.gtfs_realtime_pb2 import Alert, FeedEntity, FeedHeader

from hub.errors import InvalidEventError
from hub.formats.base import CanonicalRecord, canonical
from hub.formats.gtfsrt.feed import GtfsRtFormat, non_utf8_field
from hub.formats.gtfsrt.fields import best_text, header_time, is_dhid, line_name, optional_time, validate
from hub.schemas.transit import DisruptionCause, DisruptionEffect, DisruptionSeverity, TransitDisruption
from hub.topology import raw_topic

__all__ = ["AlertsFormat"]

_CAUSE: dict[int, DisruptionCause] = {
    Alert.UNKNOWN_CAUSE: "unknown",
    Alert.OTHER_CAUSE: "other",
    Alert.TECHNICAL_PROBLEM: "technical_problem",
    Alert.STRIKE: "strike",
    Alert.DEMONSTRATION: "demonstration",
    Alert.ACCIDENT: "accident",
    Alert.HOLIDAY: "holiday",
    Alert.WEATHER: "weather",
    Alert.MAINTENANCE: "maintenance",
    Alert.CONSTRUCTION: "construction",
    Alert.POLICE_ACTIVITY: "police_activity",
    Alert.MEDICAL_EMERGENCY: "medical_emergency",
    Alert.SPECIAL_EVENT: "other",  # newer than the canonical code list
}
_EFFECT: dict[int, DisruptionEffect] = {
    Alert.NO_SERVICE: "no_service",
    Alert.REDUCED_SERVICE: "reduced_service",
    Alert.SIGNIFICANT_DELAYS: "significant_delays",
    Alert.DETOUR: "detour",
    Alert.ADDITIONAL_SERVICE: "additional_service",
    Alert.MODIFIED_SERVICE: "modified_service",
    Alert.OTHER_EFFECT: "other",
    Alert.UNKNOWN_EFFECT: "unknown",
    Alert.STOP_MOVED: "stop_moved",
    Alert.NO_EFFECT: "no_effect",
    Alert.ACCESSIBILITY_ISSUE: "accessibility_issue",
}
_SEVERITY: dict[int, DisruptionSeverity] = {
    Alert.UNKNOWN_SEVERITY: "unknown",
    Alert.INFO: "info",
    Alert.WARNING: "warning",
    Alert.SEVERE: "severe",
}
_FIELDS = {
    "disruption_id": "entity.id",
    "lines": "alert.informed_entity[].route_id",
    "stop_dhids": "alert.informed_entity[].stop_id",
    "summary": "alert.header_text",
    "valid_from": "alert.active_period.start",
    "valid_to": "alert.active_period.end",
}


def _period(alert: Alert, feed_time: datetime) -> tuple[datetime, datetime | None]:
    """One period spanning every active period; no period at all means "active while in the feed"."""
    starts: list[datetime] = []
    ends: list[datetime] = []
    open_start = open_end = not alert.active_period
    for index, period in enumerate(alert.active_period):
        path = f"alert.active_period[{index}]"
        start = optional_time(period, "start", f"{path}.start")
        end = optional_time(period, "end", f"{path}.end")
        if start is not None and end is not None and end < start:
            raise InvalidEventError(f"{path}: end is before start", "schema_violation")
        open_start |= start is None
        open_end |= end is None
        starts += [start] if start is not None else []
        ends += [end] if end is not None else []
    # An open start is "since before the feed said so": the feed time is the earliest moment the hub can vouch for.
    valid_from = min([*starts, feed_time] if open_start else starts)
    valid_to = None if open_end else max(ends)
    if valid_to is not None and valid_to < valid_from:
        valid_from = valid_to  # an open-start period that ended before the feed was written
    return valid_from, valid_to


def _unique(values: list[str | None]) -> list[str]:
    return list(dict.fromkeys(v for v in values if v))


def map_alert(entity: FeedEntity, header: FeedHeader, format_: GtfsRtFormat) -> TransitDisruption:
    """The canonical disruption in one Alerts entity; ``InvalidEventError`` naming the bad field."""
    alert = entity.alert
    feed_time = header_time(header)
    if feed_time is None:
        # Alerts carry no time of their own: the feed's timestamp versions them and says when they were current.
        raise InvalidEventError("header.timestamp is missing; alerts are versioned by it", "schema_violation")
    summary = best_text(alert.header_text) or best_text(alert.description_text)
    if summary is None:
        raise InvalidEventError(
            "alert.header_text is missing (and so is description_text); a disruption needs a text", "schema_violation"
        )
    valid_from, valid_to = _period(alert, feed_time)
    informed = alert.informed_entity
    routes = [ie.route_id or ie.trip.route_id for ie in informed]
    data = {
        "disruption_id": entity.id,
        "lines": _unique([line_name(route_id, format_.gtfs) for route_id in routes if route_id]),
        "stop_dhids": _unique([ie.stop_id for ie in informed if is_dhid(ie.stop_id)]),
        "cause": _CAUSE.get(alert.cause, "unknown"),
        "effect": _EFFECT.get(alert.effect, "unknown"),
        "severity": _SEVERITY.get(alert.severity_level, "unknown"),
        "summary": summary,
        "valid_from": valid_from,
        "valid_to": valid_to,
        # GTFS-RT has no lifecycle; an alert whose every period ended before the feed time is over.
        "status": "closed" if valid_to is not None and valid_to <= feed_time else "open",
    }
    return validate(TransitDisruption, data, _FIELDS)


class AlertsFormat(GtfsRtFormat):
    """GTFS-RT service alerts (binary, JSON or text) of HAVAG to canonical ``TransitDisruption`` events."""

    name = "gtfsrt-alerts"
    raw_topic = raw_topic("havag", "gtfsrt-alerts")
    source = "/havag/gtfsrt/alerts"
    payload = "alert"

    def version_of(self, entity: FeedEntity, header: FeedHeader) -> str:
        """A digest of the alert's content plus whether it has ended by the feed time.

        Alerts have no timestamp of their own; versioning them by the feed's timestamp would make every poll of an
        unchanged alert a new record (218 alerts polled every 30 s are 600,000 events a day). The status part makes
        the moment an unchanged alert runs out its own version, so its closing is still emitted.
        """
        digest = hashlib.sha256(entity.alert.SerializePartialToString(deterministic=True)).hexdigest()[:16]
        ended = False  # for a broken alert to_canonical reports the reason; its version only has to be stable
        if non_utf8_field(entity, "entity") is None and non_utf8_field(header, "header") is None:
            with contextlib.suppress(InvalidEventError):
                ended = map_alert(entity, header, self).status == "closed"
        return f"{digest}.{'closed' if ended else 'open'}"

    def map_entity(self, entity: FeedEntity, header: FeedHeader, source_record_id: str) -> list[CanonicalRecord]:
        payload = map_alert(entity, header, self)
        feed_time = header_time(header)
        assert feed_time is not None  # map_alert refuses alerts without it
        return [canonical(payload, source=self.source, source_record_id=source_record_id, time=feed_time)]
