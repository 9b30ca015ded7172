"""The one check every position format makes before a coordinate pair becomes a canonical position: numbers, in
range, and no placeholder.

Systems without a fix send placeholders rather than nothing: ``0``/``0`` ("null island", also either coordinate
alone at exactly 0, which no float32 fix hits), latitude ``90`` with longitude ``180`` (the largest values a field
takes, seen in SIRI-VM feeds), or any pole or date-line edge. A tram, bus or patrol at one of them would be drawn at
the wrong end of the world and joined with incidents there, so the record is refused with a reason that says which
placeholder it is. Reasons quote the value only for a placeholder: a real position of a unit is not for logs.
"""

from __future__ import annotations

import math

from hub.errors import InvalidEventError

__all__ = ["check_position"]


def check_position(lat: float, lon: float, lat_name: str, lon_name: str) -> tuple[float, float]:
    """``(lat, lon)`` when they are a usable WGS84 position, else ``InvalidEventError`` (``schema_violation``)
    naming the field as the format calls it (``vehicle.position.latitude``, ``VehicleLocation/Latitude``)."""
    for value, name, limit in ((lat, lat_name, 90.0), (lon, lon_name, 180.0)):
        if not math.isfinite(value):
            raise InvalidEventError(f"{name} is not a finite number", "schema_violation")
        if abs(value) > limit:
            raise InvalidEventError(f"{name} is out of range (-{limit:g} to {limit:g})", "schema_violation")
    for value, name in ((lat, lat_name), (lon, lon_name)):
        if value == 0.0:
            raise InvalidEventError(
                f"{name} is exactly 0, the value feeds send for a position without a fix", "schema_violation"
            )
    if abs(lat) == 90.0 or abs(lon) == 180.0:
        name, value = (lat_name, lat) if abs(lat) == 90.0 else (lon_name, lon)
        raise InvalidEventError(
            f"{name} is {value:g}, the edge of its range: a placeholder systems send for a position they do not "
            "have (no vehicle or unit stands at a pole or on the date line's edge)",
            "schema_violation",
        )
    return lat, lon
