"""CAP areas to one point with an uncertainty radius: circle centre and radius, polygon centroid and reach.

Several shapes are merged into one circle that encloses them all. Geocodes (warn cells, FIPS, AGS) are not
resolved: that needs a gazetteer, and the hub keeps mapping pure; an area of geocodes only gives no location.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from hub.errors import InvalidEventError
from hub.formats.cap.model import CapArea

__all__ = ["Circle", "area_circle", "distance_m", "enclosing", "parse_circle", "parse_polygon", "polygon_circle"]

EARTH_RADIUS_M = 6_371_008.8  # mean Earth radius (IUGG); haversine error stays below 0.5 %


@dataclass(frozen=True)
class Circle:
    """A centre (WGS84 degrees) and a radius in metres within which the incident lies."""

    lat: float
    lon: float
    radius_m: float


def distance_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres (haversine)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


def _point(text: str, what: str) -> tuple[float, float]:
    # Real feeds write "+41.12,-117.61" and trailing commas ("-118.09,"); both are harmless.
    lat_s, sep, lon_s = text.strip(",").partition(",")
    try:
        lat, lon = float(lat_s), float(lon_s)
    except ValueError:
        raise InvalidEventError(f"area: a {what} point is not 'lat,lon'", "schema_violation") from None
    if not sep or not (math.isfinite(lat) and math.isfinite(lon)) or abs(lat) > 90 or abs(lon) > 180:
        raise InvalidEventError(f"area: a {what} point is not a WGS84 'lat,lon'", "schema_violation")
    return lat, lon


def parse_circle(text: str) -> Circle:
    """``"lat,lon radius"`` with the radius in kilometres (CAP), as a ``Circle`` in metres."""
    parts = text.split()
    if len(parts) != 2:
        raise InvalidEventError("area: a circle is not 'lat,lon radius'", "schema_violation")
    lat, lon = _point(parts[0], "circle")
    try:
        radius_km = float(parts[1])
    except ValueError:
        raise InvalidEventError("area: a circle radius is not a number", "schema_violation") from None
    if not math.isfinite(radius_km) or radius_km < 0:
        raise InvalidEventError("area: a circle radius is negative or not finite", "schema_violation")
    return Circle(lat, lon, radius_km * 1000.0)


def parse_polygon(text: str) -> list[tuple[float, float]]:
    """The vertices of ``"lat,lon lat,lon ..."``; at least three distinct points."""
    points = [_point(pair, "polygon") for pair in text.split()]
    if len(set(points)) < 3:
        raise InvalidEventError("area: a polygon has fewer than three distinct points", "schema_violation")
    return points


def polygon_circle(points: Sequence[tuple[float, float]]) -> Circle:
    """Area centroid of the polygon (planar, in a local equirectangular frame) and its farthest vertex."""
    lat0 = sum(p[0] for p in points) / len(points)
    scale = math.cos(math.radians(lat0))
    xy = [(lon * scale, lat) for lat, lon in points]
    if xy[0] != xy[-1]:
        xy.append(xy[0])
    area2 = cx = cy = 0.0
    for (x1, y1), (x2, y2) in itertools.pairwise(xy):
        cross = x1 * y2 - x2 * y1
        area2 += cross
        cx += (x1 + x2) * cross
        cy += (y1 + y2) * cross
    if abs(area2) < 1e-12:  # degenerate (all points on a line): the vertex mean is the best centre there is
        lat_c, lon_c = lat0, sum(p[1] for p in points) / len(points)
    else:
        lat_c, lon_c = cy / (3 * area2), cx / (3 * area2) / scale
    reach = max(distance_m(lat_c, lon_c, lat, lon) for lat, lon in points)
    return Circle(lat_c, lon_c, reach)


def enclosing(circles: Sequence[Circle]) -> Circle:
    """One circle around several: centre at the mean of the centres, radius reaching the farthest edge."""
    if len(circles) == 1:
        return circles[0]
    lat = sum(c.lat for c in circles) / len(circles)
    lon = sum(c.lon for c in circles) / len(circles)
    return Circle(lat, lon, max(distance_m(lat, lon, c.lat, c.lon) + c.radius_m for c in circles))


def area_circle(areas: Sequence[CapArea]) -> Circle | None:
    """The circle enclosing every polygon and circle of ``areas``; None when they carry no shape."""
    shapes = [parse_circle(text) for area in areas for text in area.circles]
    shapes += [polygon_circle(parse_polygon(text)) for area in areas for text in area.polygons]
    return enclosing(shapes) if shapes else None
