"""GTFS-RT VehiclePositions: one entity's ``vehicle`` becomes one canonical ``VehiclePosition``.

Car number from the label (else the id), line from the route via GTFS static, stop DHIDs by ``current_status``.
"""

from __future__ import annotations

from typing import Literal

from google.transit.gtfs_realtime_pb2 import FeedEntity, FeedHeader, Position
from google.transit.gtfs_realtime_pb2 import VehiclePosition as PbVehiclePosition

from hub.errors import InvalidEventError
from hub.formats.base import CanonicalRecord, canonical
from hub.formats.gtfsrt.feed import GtfsRtFormat
from hub.formats.gtfsrt.fields import float32, header_time, is_dhid, line_name, optional_time, validate, vehicle_number
from hub.formats.position import check_position
from hub.schemas.transit import VehiclePosition
from hub.topology import raw_topic

__all__ = ["VehiclePositionsFormat"]

_FIELDS = {
    "vehicle": "vehicle.vehicle.label/id",
    "line": "vehicle.trip.route_id",
    "direction": "vehicle.trip.direction_id",
    "trip_id": "vehicle.trip.trip_id",
    "lat": "vehicle.position.latitude",
    "lon": "vehicle.position.longitude",
    "bearing": "vehicle.position.bearing",
    "speed_mps": "vehicle.position.speed",
    "observed_at": "vehicle.timestamp",
    "current_stop_dhid": "vehicle.stop_id",
    "next_stop_dhid": "vehicle.stop_id",
}


def _coordinate(position: Position, field: Literal["latitude", "longitude"]) -> float:
    if not position.HasField(field):
        raise InvalidEventError(f"vehicle.position.{field} is missing (required)", "schema_violation")
    value: float = getattr(position, field)
    return float32(value)


def map_vehicle(entity: FeedEntity, header: FeedHeader, format_: GtfsRtFormat) -> VehiclePosition:
    """The canonical position in one VehiclePositions entity; ``InvalidEventError`` naming the bad field."""
    vp = entity.vehicle
    observed_at = optional_time(vp, "timestamp", "vehicle.timestamp") or header_time(header)
    if observed_at is None:
        raise InvalidEventError("no time: neither vehicle.timestamp nor header.timestamp is set", "schema_violation")
    vehicle = vehicle_number(vp.vehicle)
    if vehicle is None:
        raise InvalidEventError(
            "vehicle.vehicle: neither label nor id holds a car number (1 to 16 characters)", "schema_violation"
        )
    if not vp.HasField("position"):
        raise InvalidEventError("vehicle.position is missing; a vehicle position needs one", "schema_violation")
    position, trip = vp.position, vp.trip
    lat, lon = check_position(
        _coordinate(position, "latitude"),
        _coordinate(position, "longitude"),
        "vehicle.position.latitude",
        "vehicle.position.longitude",
    )
    dhid = vp.stop_id if is_dhid(vp.stop_id) else None
    stopped = vp.current_status == PbVehiclePosition.STOPPED_AT
    data = {
        "vehicle": vehicle,
        "line": line_name(trip.route_id, format_.gtfs) if trip.route_id else None,
        "direction": str(trip.direction_id) if trip.HasField("direction_id") else None,
        "trip_id": trip.trip_id or None,
        "lat": lat,
        "lon": lon,
        "bearing": float32(position.bearing) if position.HasField("bearing") else None,
        "speed_mps": float32(position.speed) if position.HasField("speed") else None,
        "observed_at": observed_at,
        # current_status says how the vehicle relates to stop_id; unset means IN_TRANSIT_TO (the proto default).
        "current_stop_dhid": dhid if stopped else None,
        "next_stop_dhid": None if stopped else dhid,
    }
    return validate(VehiclePosition, data, _FIELDS)


class VehiclePositionsFormat(GtfsRtFormat):
    """GTFS-RT VehiclePositions (binary, JSON or text) of HAVAG to canonical ``VehiclePosition`` events."""

    name = "gtfsrt-vehicle-positions"
    raw_topic = raw_topic("havag", "gtfsrt-vehicle-positions")
    source = "/havag/gtfsrt/vehicle-positions"
    payload = "vehicle"

    def key_of(self, entity: FeedEntity) -> str | None:
        return vehicle_number(entity.vehicle.vehicle) if entity.HasField("vehicle") else None

    def map_entity(self, entity: FeedEntity, header: FeedHeader, source_record_id: str) -> list[CanonicalRecord]:
        payload = map_vehicle(entity, header, self)
        return [canonical(payload, source=self.source, source_record_id=source_record_id, time=payload.observed_at)]
