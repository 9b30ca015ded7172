"""GTFS-RT TripUpdates: one entity's ``trip_update`` becomes one canonical ``TripUpdate`` with its stop updates.

Predictions the router cannot trust are refused: stops out of trip order, times running backwards, updates that
name no stop, service days that are no dates.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any, Literal

from google.transit.gtfs_realtime_pb2 import FeedEntity, FeedHeader, TripDescriptor
from google.transit.gtfs_realtime_pb2 import TripUpdate as PbTripUpdate

from hub.errors import InvalidEventError
from hub.formats.base import CanonicalRecord, canonical
from hub.formats.gtfsrt.feed import GtfsRtFormat
from hub.formats.gtfsrt.fields import header_time, is_dhid, line_name, optional_time, validate, vehicle_number
from hub.schemas.transit import TripUpdate
from hub.topology import raw_topic

__all__ = ["TripUpdatesFormat"]

_TRIP_RELATIONSHIP = {
    TripDescriptor.SCHEDULED: "scheduled",
    TripDescriptor.ADDED: "added",
    TripDescriptor.UNSCHEDULED: "unscheduled",
    TripDescriptor.CANCELED: "canceled",
    TripDescriptor.REPLACEMENT: "replacement",
    TripDescriptor.DUPLICATED: "duplicated",
    TripDescriptor.DELETED: "deleted",
    TripDescriptor.NEW: "new",
}
_STOP_RELATIONSHIP = {
    PbTripUpdate.StopTimeUpdate.SCHEDULED: "scheduled",
    PbTripUpdate.StopTimeUpdate.SKIPPED: "skipped",
    PbTripUpdate.StopTimeUpdate.NO_DATA: "no_data",
    PbTripUpdate.StopTimeUpdate.UNSCHEDULED: "unscheduled",
}
_FIELDS = {
    "trip_id": "trip_update.trip.trip_id",
    "line": "trip_update.trip.route_id",
    "direction": "trip_update.trip.direction_id",
    "start_date": "trip_update.trip.start_date",
    "vehicle": "trip_update.vehicle.label/id",
    "schedule_relationship": "trip_update.trip.schedule_relationship",
    "delay_s": "trip_update.delay",
    "observed_at": "trip_update.timestamp",
    "stop_updates": "trip_update.stop_time_update",
    "stop_updates.stop_sequence": "trip_update.stop_time_update[].stop_sequence",
    "stop_updates.stop_id": "trip_update.stop_time_update[].stop_id",
    "stop_updates.stop_dhid": "trip_update.stop_time_update[].stop_id",
    "stop_updates.arrival_time": "trip_update.stop_time_update[].arrival.time",
    "stop_updates.arrival_delay_s": "trip_update.stop_time_update[].arrival.delay",
    "stop_updates.departure_time": "trip_update.stop_time_update[].departure.time",
    "stop_updates.departure_delay_s": "trip_update.stop_time_update[].departure.delay",
    "stop_updates.schedule_relationship": "trip_update.stop_time_update[].schedule_relationship",
}


def _start_date(trip: TripDescriptor) -> str | None:
    value = trip.start_date
    if not value:
        return None
    if len(value) == 8 and value.isascii() and value.isdigit():
        try:
            date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            pass
        else:
            return value
    # The service day tells which run of a trip this is (trips after midnight); a wrong one matches the wrong run.
    raise InvalidEventError("trip_update.trip.start_date: not a date in YYYYMMDD form", "schema_violation")


#: Real feeds step back a few seconds where a delay is not carried on to the next stop (seen in BART's feed); that
#: is within any prediction's uncertainty. A larger step back means the predictions contradict each other.
_BACKWARDS_TOLERANCE = timedelta(seconds=60)


class _Order:
    """Checks that stop updates follow the trip: rising stop_sequence, predicted times not running backwards."""

    def __init__(self) -> None:
        self.sequence: int | None = None
        self.time: datetime | None = None

    def sequence_after(self, sequence: int | None, path: str) -> None:
        if sequence is None:
            return
        if self.sequence is not None and sequence <= self.sequence:
            raise InvalidEventError(
                f"{path}.stop_sequence: {sequence} after {self.sequence}; updates must be in trip order",
                "schema_violation",
            )
        self.sequence = sequence

    def time_after(self, time: datetime | None, path: str) -> None:
        if time is None:
            return
        if self.time is not None and time < self.time - _BACKWARDS_TOLERANCE:
            back = int((self.time - time).total_seconds())
            raise InvalidEventError(
                f"{path}: {back} s earlier than the time before it; predicted times must not run backwards along a "
                "trip (by more than 60 s)",
                "schema_violation",
            )
        self.time = max(time, self.time or time)


def _stop_update(update: PbTripUpdate.StopTimeUpdate, path: str, order: _Order) -> dict[str, Any]:
    sequence = update.stop_sequence if update.HasField("stop_sequence") else None
    stop_id = update.stop_id or None
    if sequence is None and stop_id is None:
        raise InvalidEventError(
            f"{path}: neither stop_sequence nor stop_id is set, so it names no stop", "schema_violation"
        )
    order.sequence_after(sequence, path)
    data: dict[str, Any] = {"stop_sequence": sequence, "stop_id": stop_id}
    if stop_id is not None and is_dhid(stop_id):
        data["stop_dhid"] = stop_id
    event: Literal["arrival", "departure"]
    for event in ("arrival", "departure"):
        if update.HasField(event):
            times = getattr(update, event)
            time = optional_time(times, "time", f"{path}.{event}.time")
            order.time_after(time, f"{path}.{event}.time")
            data[f"{event}_time"] = time
            data[f"{event}_delay_s"] = times.delay if times.HasField("delay") else None
    data["schedule_relationship"] = _STOP_RELATIONSHIP.get(update.schedule_relationship, "scheduled")
    return data


def map_trip_update(entity: FeedEntity, header: FeedHeader, format_: GtfsRtFormat) -> TripUpdate:
    """The canonical trip update in one TripUpdates entity; ``InvalidEventError`` naming the bad field."""
    tu = entity.trip_update
    trip = tu.trip
    observed_at = optional_time(tu, "timestamp", "trip_update.timestamp") or header_time(header)
    if observed_at is None:
        raise InvalidEventError(
            "no time: neither trip_update.timestamp nor header.timestamp is set", "schema_violation"
        )
    if not trip.trip_id:
        # Frequency-based or unscheduled trips may lack a trip_id in GTFS-RT; the canonical model keys on it.
        raise InvalidEventError(
            "trip_update.trip.trip_id is missing; the hub keys trip updates on it", "schema_violation"
        )
    order = _Order()
    updates = [
        _stop_update(update, f"trip_update.stop_time_update[{index}]", order)
        for index, update in enumerate(tu.stop_time_update)
    ]
    data = {
        "trip_id": trip.trip_id,
        "line": line_name(trip.route_id, format_.gtfs) if trip.route_id else None,
        "direction": str(trip.direction_id) if trip.HasField("direction_id") else None,
        "start_date": _start_date(trip),
        "vehicle": vehicle_number(tu.vehicle) if tu.HasField("vehicle") else None,
        "schedule_relationship": _TRIP_RELATIONSHIP.get(trip.schedule_relationship, "scheduled"),
        "delay_s": tu.delay if tu.HasField("delay") else None,
        "stop_updates": updates,
        "observed_at": observed_at,
    }
    return validate(TripUpdate, data, _FIELDS)


class TripUpdatesFormat(GtfsRtFormat):
    """GTFS-RT TripUpdates (binary, JSON or text) of HAVAG to canonical ``TripUpdate`` events."""

    name = "gtfsrt-trip-updates"
    raw_topic = raw_topic("havag", "gtfsrt-trip-updates")
    source = "/havag/gtfsrt/trip-updates"
    payload = "trip_update"

    def key_of(self, entity: FeedEntity) -> str | None:
        return entity.trip_update.trip.trip_id or None if entity.HasField("trip_update") else None

    def map_entity(self, entity: FeedEntity, header: FeedHeader, source_record_id: str) -> list[CanonicalRecord]:
        payload = map_trip_update(entity, header, self)
        return [canonical(payload, source=self.source, source_record_id=source_record_id, time=payload.observed_at)]
