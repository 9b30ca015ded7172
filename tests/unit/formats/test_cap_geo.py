"""CAP area geometry: circles in km, polygon area centroid and reach, several shapes merged into one circle."""

from __future__ import annotations

import pytest

from hub.errors import InvalidEventError
from hub.formats.cap.geo import Circle, distance_m, enclosing, parse_circle, parse_polygon, polygon_circle


def test_distance_matches_a_known_one_degree_of_latitude() -> None:
    """One degree of latitude is about 111.2 km on the mean-radius sphere."""
    assert distance_m(51.0, 12.0, 52.0, 12.0) == pytest.approx(111_195, rel=1e-4)


def test_circle_radius_is_kilometres() -> None:
    """CAP writes the radius in kilometres; the circle keeps metres."""
    assert parse_circle("51.4828,11.9697 0.25") == Circle(51.4828, 11.9697, 250.0)


def test_area_centroid_ignores_extra_vertices_on_an_edge() -> None:
    """Collinear vertices along the south edge pull a vertex mean south, not the area centroid."""
    square = [(51.48, 11.96), (51.48, 11.9625), (51.48, 11.965), (51.48, 11.9675), (51.48, 11.97)]
    square += [(51.49, 11.97), (51.49, 11.96), (51.48, 11.96)]
    circle = polygon_circle(parse_polygon(" ".join(f"{a},{b}" for a, b in square)))
    assert circle.lat == pytest.approx(51.485, abs=1e-6)
    assert circle.lon == pytest.approx(11.965, abs=1e-6)
    corners = [(51.48, 11.96), (51.48, 11.97), (51.49, 11.97), (51.49, 11.96)]
    assert circle.radius_m == pytest.approx(max(distance_m(51.485, 11.965, a, b) for a, b in corners), rel=1e-4)


def test_degenerate_polygon_falls_back_to_the_vertex_mean() -> None:
    """Points on one line have no area; the centre is their mean and the reach covers them."""
    circle = polygon_circle([(51.48, 11.96), (51.49, 11.96), (51.50, 11.96)])
    assert circle.lat == pytest.approx(51.49)
    assert circle.lon == pytest.approx(11.96)
    assert circle.radius_m == pytest.approx(distance_m(51.49, 11.96, 51.50, 11.96))


def test_enclosing_circle_reaches_every_shape() -> None:
    """Merged shapes give one circle whose edge reaches the farthest edge of every shape."""
    a, b = Circle(51.48, 11.96, 100.0), Circle(51.49, 11.98, 500.0)
    merged = enclosing([a, b])
    for c in (a, b):
        assert distance_m(merged.lat, merged.lon, c.lat, c.lon) + c.radius_m <= merged.radius_m + 1e-6
    assert enclosing([a]) == a


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("51.48,11.96 51.49,11.96 51.48,11.96", "fewer than three distinct points"),
        ("51.48;11.96 51.49,11.96 51.49,11.97", "not 'lat,lon'"),
        ("91.0,11.96 51.49,11.96 51.49,11.97", "not a WGS84"),
    ],
)
def test_bad_polygons_are_schema_violations(text: str, words: str) -> None:
    """Too few points, bad separators and out-of-range coordinates are refused naming the polygon."""
    with pytest.raises(InvalidEventError) as caught:
        parse_polygon(text)
    assert caught.value.code == "schema_violation"
    assert words in caught.value.reason


@pytest.mark.parametrize("text", ["51.48,11.96", "51.48,11.96 -1", "51.48,11.96 wide", "51.48,11.96 inf"])
def test_bad_circles_are_schema_violations(text: str) -> None:
    """A circle needs a centre and a finite, non-negative radius."""
    with pytest.raises(InvalidEventError) as caught:
        parse_circle(text)
    assert caught.value.code == "schema_violation"


def test_trailing_commas_and_plus_signs_are_read() -> None:
    """Real NWS polygons write '+41.12,-117.61' and 'lat,lon,' and mean plain points."""
    assert parse_polygon("+41.12,-117.61 +41.06,-117.47, +40.91,-117.52 +41.12,-117.61")[1] == (41.06, -117.47)
