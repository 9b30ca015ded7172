"""SIRI-VM: one record per ``VehicleActivity``, mapped to the canonical ``VehiclePosition``.

Record id is the VehicleRef (prefixed with the VehicleMonitoringRef when the server names one), version the
RecordedAtTime: every report of a vehicle is its own event, and a repeated report is the same event.
"""

from __future__ import annotations

from datetime import datetime, tzinfo
from typing import Final
from xml.etree.ElementTree import Element

from pydantic import ValidationError

from hub.errors import InvalidEventError
from hub.formats.base import CanonicalRecord, SourceRecord, canonical
from hub.formats.position import check_position
from hub.formats.siri.delivery import Service, data_elements, parse_record, path_text, response_time, standalone
from hub.formats.siri.values import (
    dhid_or_none,
    duration_seconds,
    line_name,
    localized_text,
    parse_datetime,
    quoted,
    record_identity,
)
from hub.formats.xml import child, children, text
from hub.schemas import VehiclePosition
from hub.schemas.common import validation_reason
from hub.topology import raw_topic

VM: Final = Service("SIRI-VM", "VehicleMonitoringDelivery", "VehicleActivity")
SOURCE: Final = "/havag/siri/vm"


def activity_identity(element: Element) -> tuple[str | None, str]:
    """(record id, version): [VehicleMonitoringRef/]VehicleRef and RecordedAtTime; id None without VehicleRef."""
    vehicle = path_text(element, "MonitoredVehicleJourney", "VehicleRef") or text(element, "VehicleRef")
    monitoring = text(element, "VehicleMonitoringRef")
    record_id = None if vehicle is None else (f"{monitoring}/{vehicle}" if monitoring else vehicle)
    return record_id, text(element, "RecordedAtTime") or ""


def _number(value: str | None, where: str, vehicle: str) -> float | None:
    if value is None:
        return None
    try:
        return float(value)
    except ValueError:
        raise InvalidEventError(f"vehicle {quoted(vehicle)}: {where} is not a number", "schema_violation") from None


def map_activity(element: Element, naive_tz: tzinfo | None = None) -> list[CanonicalRecord]:
    """One ``VehicleActivity`` to its ``VehiclePosition`` event."""
    record_id, version = activity_identity(element)
    journey = child(element, "MonitoredVehicleJourney")
    if journey is None:
        raise InvalidEventError("VehicleActivity has no MonitoredVehicleJourney", "schema_violation")
    vehicle = text(journey, "VehicleRef") or text(element, "VehicleRef")
    if vehicle is None or record_id is None:
        raise InvalidEventError("VehicleActivity has no VehicleRef: the vehicle is unknown", "schema_violation")
    if not version:
        raise InvalidEventError(f"vehicle {quoted(vehicle)}: VehicleActivity has no RecordedAtTime", "schema_violation")
    observed_at = parse_datetime(version, "RecordedAtTime", naive_tz)
    location = child(journey, "VehicleLocation")
    lat = _number(text(location, "Latitude"), "VehicleLocation/Latitude", vehicle)
    lon = _number(text(location, "Longitude"), "VehicleLocation/Longitude", vehicle)
    if lat is None or lon is None:
        raise InvalidEventError(
            f"vehicle {quoted(vehicle)}: VehicleLocation has no Latitude and Longitude (no position to report)",
            "schema_violation",
        )
    where = f"vehicle {quoted(vehicle)}: VehicleLocation"
    lat, lon = check_position(lat, lon, f"{where}/Latitude", f"{where}/Longitude")
    delay = text(journey, "Delay")
    call = child(journey, "MonitoredCall")
    stop = dhid_or_none(text(call, "StopPointRef"))
    # MonitoredCall is the stop the vehicle is at (VehicleAtStop) or, otherwise, the one it approaches next.
    at_stop = (text(call, "VehicleAtStop") or "").lower() == "true"
    try:
        payload = VehiclePosition(
            vehicle=vehicle,
            line=line_name(text(journey, "PublishedLineName"), text(journey, "LineRef")),
            direction=localized_text(children(journey, "DestinationName")) or text(journey, "DirectionRef"),
            trip_id=path_text(journey, "FramedVehicleJourneyRef", "DatedVehicleJourneyRef")
            or text(journey, "DatedVehicleJourneyRef"),
            run=text(journey, "BlockRef") or text(journey, "CourseOfJourneyRef"),
            lat=lat,
            lon=lon,
            bearing=_number(text(journey, "Bearing"), "Bearing", vehicle),
            delay_s=None if delay is None else duration_seconds(delay, f"vehicle {quoted(vehicle)}: Delay"),
            observed_at=observed_at,
            current_stop_dhid=stop if at_stop else None,
            next_stop_dhid=None if at_stop else stop,
        )
    except ValidationError as exc:
        raise InvalidEventError(f"vehicle {quoted(vehicle)}: {validation_reason(exc)}", "schema_violation") from exc
    return [canonical(payload, source=SOURCE, source_record_id=record_identity(record_id, version), time=observed_at)]


class SiriVmFormat:
    """SIRI-VM vehicle activities (``raw.havag.siri-vm``) to canonical ``VehiclePosition`` events.

    ``naive_tz`` is the time zone of a server that sends times without a UTC offset; without it such times are
    refused, because the canonical model takes no ambiguous local times.
    """

    name = "siri-vm"
    raw_topic = raw_topic("havag", "siri-vm")

    def __init__(self, naive_tz: tzinfo | None = None) -> None:
        self.naive_tz = naive_tz

    def split(self, document: bytes, content_type: str | None = None) -> list[SourceRecord]:
        records = []
        for position, element in enumerate(data_elements(document, VM), start=1):
            record_id, version = activity_identity(element)
            vehicle = path_text(element, "MonitoredVehicleJourney", "VehicleRef") or ""
            # Without a VehicleRef the record still travels, so the normaliser dead-letters it with the reason.
            ident = record_id or text(element, "ItemIdentifier") or f"activity-{position}"
            records.append(SourceRecord(ident, version, (vehicle or ident).encode("utf-8"), standalone(element)))
        return records

    def feed_timestamp(self, document: bytes, content_type: str | None = None) -> datetime | None:
        """The server's ``ResponseTimestamp`` (the newest), for the connector's ``stale_after_s`` check."""
        return response_time(document, self.naive_tz)

    def to_canonical(self, record: bytes) -> list[CanonicalRecord]:
        return map_activity(parse_record(record, VM), self.naive_tz)
