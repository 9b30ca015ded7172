"""The shipped tram network: line structure, both directions, stops that join the GTFS data, and snapping."""

from __future__ import annotations

import itertools
import json
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.errors import NetworkDataError, SnapError, UnknownLineError
from hub.network.gtfs_static import default_gtfs
from hub.network.tram import (
    LINES_FILE,
    META_FILE,
    LineDirection,
    LineStop,
    TramNetwork,
    haversine_m,
    load_tram_network,
    read_tram_network,
)

SHIPPED = Path(__file__).resolve().parents[3] / "hub" / "data" / "halle" / "tram"
REGULAR_LINES = ["1", "2", "3", "4", "5", "7", "8", "9", "10", "12", "16", "94", "95"]
NET = load_tram_network()
DIRECTIONS = [d for line in NET.lines.values() for d in line.directions]


def _names(direction: LineDirection) -> list[str]:
    return [stop.name.removeprefix("Halle (Saale), ") for stop in direction.stops]


def test_network_has_the_thirteen_regular_lines_and_no_pseudo_or_special_ones() -> None:
    """Exactly the regular MDV tram routes are modelled; pseudo segments (8E, E) and the special S are not."""
    assert list(NET.lines) == REGULAR_LINES
    for dropped in ("8E", "E", "S"):
        with pytest.raises(UnknownLineError):
            NET.line(dropped)


def test_variants_resolve_to_their_parent_line() -> None:
    """A vehicle reported on 3E, 3E/16 or 7E is placed on line 3 or 7, whose track it runs on."""
    assert NET.line("3E") is NET.line("3")
    assert NET.line("3E/16") is NET.line("3")
    assert NET.line("7E") is NET.line("7")


def test_line_1_runs_frohe_zukunft_to_suedstadt_in_its_known_order() -> None:
    """Line 1 keeps the OSM stop order from Frohe Zukunft via Marktplatz and Böllberg to Südstadt, and back."""
    there = NET.direction("1", 0)
    assert _names(there) == [
        "Frohe Zukunft",
        "Kornblumenweg",
        "Gertraudenfriedhof",
        "S-Bahnhof Dessauer Brücke (Tram)",
        "Äußere Hordorfer Str.",
        "Am Wasserturm",
        "Am Steintor",
        "Joliot-Curie-Platz",
        "Marktplatz",
        "Franckeplatz",
        "Rannischer Platz",
        "Kurt-Tucholsky-Str.",
        "Ludwigstr.",
        "Böllberg",
        "Passendorfer Weg",
        "Diesterwegstr.",
        "Wiener Str.",
        "Wörmlitz",
        "S-Bahnhof Südstadt (Tram/Bus)",
        "Südstadt",
    ]
    assert _names(NET.direction("1", 1)) == list(reversed(_names(there)))
    assert there.length_m == 9033.0  # the sum of the 19 OSM segments' straight lines


@pytest.mark.parametrize("direction", DIRECTIONS, ids=repr)
def test_every_direction_is_the_other_reversed_with_rising_distances(direction: LineDirection) -> None:
    """Each direction starts at 0 m, rises strictly stop by stop, and mirrors the other direction's distances."""
    other = NET.line(direction.line).directions[1 - direction.direction]
    assert [s.stop_id for s in direction.stops] == [s.stop_id for s in reversed(other.stops)]
    distances = [s.distance_m for s in direction.stops]
    assert distances[0] == 0.0
    assert all(b > a for a, b in itertools.pairwise(distances))
    assert direction.length_m == other.length_m
    for mine, theirs in zip(direction.stops, reversed(other.stops), strict=True):
        assert mine.distance_m == pytest.approx(direction.length_m - theirs.distance_m)


@pytest.mark.parametrize("direction", DIRECTIONS, ids=repr)
def test_no_stop_is_served_twice_in_one_direction(direction: LineDirection) -> None:
    """Each direction is one simple path over stops: no stop appears twice."""
    ids = [s.stop_id for s in direction.stops]
    assert len(ids) == len(set(ids))


def test_line_lengths_are_plausible_for_halle() -> None:
    """City lines are 5-25 km; line 5 runs on to Bad Dürrenberg and is longer (the source says over 30 km)."""
    for name, line in NET.lines.items():
        low, high = (25_000, 40_000) if name == "5" else (5_000, 25_000)
        assert low <= line.length_m <= high, name


def test_every_stop_is_an_mdv_stop_with_the_same_name() -> None:
    """Every stop id is a DHID of the shipped GTFS stops, under the same name, within 300 m of its position."""
    gtfs_stops = default_gtfs().stops
    for stop in NET.stops().values():
        assert stop.stop_id in gtfs_stops, stop
        assert gtfs_stops[stop.stop_id].name == stop.name
        mdv = gtfs_stops[stop.stop_id]
        assert haversine_m(stop.lat, stop.lon, mdv.lat, mdv.lon) < 300, stop.name


def test_hauptbahnhof_platforms_merge_into_one_stop() -> None:
    """The two OSM platforms of Hauptbahnhof are one stop of line 5, placed halfway between them."""
    line5 = NET.direction("5", 0)
    hbf = line5.stops[line5.index_of("de:15002:11316")]
    assert hbf.osm_node_ids == (140424648, 1906954653)
    assert _names(line5).count("Hauptbahnhof (Tram/Bus)") == 1


def test_line_5_gap_is_bridged_and_runs_to_bad_duerrenberg() -> None:
    """Line 5 runs Kröllwitz to Bad Dürrenberg, with Daspig followed directly by Leuna, Kröllwitz (the bridged gap)."""
    line5 = NET.direction("5", 0)
    assert line5.origin.name == "Halle (Saale), Kröllwitz"
    assert line5.destination.name == "Bad Dürrenberg, Bahnhof (Tram/Bus)"
    daspig = line5.index_of("de:15088:4991")
    assert line5.stops[daspig + 1].name == "Leuna, Kröllwitz"
    gap = line5.stops[daspig + 1].distance_m - line5.stops[daspig].distance_m
    assert 1000 < gap < 1300


def test_direction_towards_picks_the_direction_ending_at_a_stop() -> None:
    """A trip whose last stop is Frohe Zukunft runs in direction 1 of line 1; an intermediate stop is refused."""
    assert NET.direction_towards("1", "de:15002:5177").direction == 1
    assert NET.direction_towards("1", "de:15002:5211").direction == 0
    with pytest.raises(UnknownLineError):
        NET.direction_towards("1", "de:15002:5232")


def test_unknown_line_direction_and_stop_are_refused_with_clear_errors() -> None:
    """Asking for a line, direction or stop the network lacks raises UnknownLineError naming it."""
    with pytest.raises(UnknownLineError, match="no tram line '6'"):
        NET.line("6")
    with pytest.raises(UnknownLineError, match="direction"):
        NET.direction("1", 2)  # type: ignore[arg-type]
    with pytest.raises(UnknownLineError, match="de:15002:9999"):
        NET.direction("1", 0).index_of("de:15002:9999")


def test_lines_at_names_the_lines_serving_a_stop() -> None:
    """Marktplatz is served by most lines; Frohe Zukunft only by line 1."""
    assert NET.lines_at("de:15002:5177") == ["1"]
    assert {"1", "2", "3", "5", "7", "8", "9", "10", "16", "94", "95"} <= set(NET.lines_at("de:15002:5232"))


def test_load_is_cached() -> None:
    """Loading twice gives the same object: the files are read once per process."""
    assert load_tram_network() is load_tram_network()


# --- snapping -------------------------------------------------------------------------------------------------


def test_point_on_a_segment_snaps_onto_it() -> None:
    """The midpoint between two stops snaps to the first of them with fraction 0.5 and the middle distance."""
    line1 = NET.direction("1", 0)
    a, b = line1.stops[4], line1.stops[5]
    snap = NET.snap((a.lat + b.lat) / 2, (a.lon + b.lon) / 2, "1", 0)
    assert snap.last_stop_index == 4
    assert snap.fraction == pytest.approx(0.5, abs=1e-3)
    assert snap.distance_m == pytest.approx((a.distance_m + b.distance_m) / 2, abs=1.0)
    assert snap.offset_m < 1.0


def test_point_at_a_stop_has_passed_it() -> None:
    """A vehicle exactly at a stop reports that stop as its last passed stop, fraction 0; at the terminus, 1."""
    line1 = NET.direction("1", 0)
    stop = line1.stops[7]
    assert NET.snap(stop.lat, stop.lon, "1", 0)[:3] == (7, 0.0, stop.distance_m)
    end = line1.destination
    last = NET.snap(end.lat, end.lon, "1", 0)
    assert (last.last_stop_index, last.fraction) == (len(line1.stops) - 2, 1.0)


def test_snap_in_the_other_direction_mirrors_the_distance() -> None:
    """The same position lies at distance d in one direction and length - d in the other."""
    a, b = NET.direction("5", 0).stops[30], NET.direction("5", 0).stops[31]
    lat, lon = a.lat + 0.3 * (b.lat - a.lat), a.lon + 0.3 * (b.lon - a.lon)
    there = NET.snap(lat, lon, "5", 0)
    back = NET.snap(lat, lon, "5", 1)
    assert there.distance_m + back.distance_m == pytest.approx(NET.line("5").length_m, abs=0.5)
    assert back.fraction == pytest.approx(1 - there.fraction, abs=1e-6)


def test_point_far_from_the_line_is_refused() -> None:
    """A position in Leuna, far from line 1, raises SnapError naming the line, the limit and the distance."""
    leuna = NET.direction("5", 0).stops[50]
    with pytest.raises(SnapError, match=r"from line 1 direction 0 \(limit 500 m\)") as caught:
        NET.snap(leuna.lat, leuna.lon, "1", 0)
    assert caught.value.offset_m > 10_000


def test_max_snap_distance_is_configurable() -> None:
    """A point 150 m off the line is accepted by default and refused with a 100 m limit."""
    line1 = NET.direction("1", 0)
    a = line1.stops[2]
    lat = a.lat + 150 / 111_195  # 150 m north; line 1 runs roughly NE-SW here
    lon = a.lon - 150 / (111_195 * math.cos(math.radians(a.lat)))
    offset = NET.snap(lat, lon, "1", 0).offset_m
    assert 100 < offset < 213
    with pytest.raises(SnapError):
        NET.snap(lat, lon, "1", 0, max_distance_m=100)


def _out_and_back() -> LineDirection:
    """A synthetic line that runs 1 km east, then back west 30 m further north: two parallel segments."""
    k = 1 / 111_195
    kx = k / math.cos(math.radians(51.48))
    stops = [
        LineStop("s:a", "A", 51.48, 11.97, 0.0, (1,)),
        LineStop("s:b", "B", 51.48, 11.97 + 1000 * kx, 1000.0, (2,)),
        LineStop("s:c", "C", 51.48 + 30 * k, 11.97 + 1000 * kx, 1030.0, (3,)),
        LineStop("s:d", "D", 51.48 + 30 * k, 11.97, 2030.0, (4,)),
    ]
    return LineDirection("x", 0, stops)


def test_hint_decides_where_a_line_passes_close_to_itself() -> None:
    """Between two parallel legs 30 m apart, the nearest leg wins, unless the previous distance says otherwise."""
    line = _out_and_back()
    lat, lon = 51.48 + 10 / 111_195, 11.97 + 500 / (111_195 * math.cos(math.radians(51.48)))  # 10 m off leg 1
    assert line.snap(lat, lon).last_stop_index == 0
    assert line.snap(lat, lon, hint_m=1500.0).last_stop_index == 2
    assert line.snap(lat, lon, hint_m=400.0).last_stop_index == 0


@settings(max_examples=300, deadline=None)
@given(
    index=st.integers(0, len(DIRECTIONS) - 1),
    share=st.floats(0.0, 1.0),
)
def test_snapping_a_point_on_the_line_gives_back_its_distance(index: int, share: float) -> None:
    """point_at(d) snaps back to d (with d as the hint, since some lines pass close to themselves)."""
    direction = DIRECTIONS[index]
    distance = share * direction.length_m
    lat, lon = direction.point_at(distance)
    snap = direction.snap(lat, lon, hint_m=distance)
    assert snap.offset_m < 0.5
    assert snap.distance_m == pytest.approx(distance, abs=1.0)
    assert 0.0 <= snap.fraction <= 1.0
    stops = direction.stops
    assert stops[snap.last_stop_index].distance_m <= snap.distance_m + 1e-6
    assert snap.distance_m <= stops[snap.last_stop_index + 1].distance_m + 1e-6


@settings(max_examples=200, deadline=None)
@given(
    index=st.integers(0, len(DIRECTIONS) - 1),
    lat=st.floats(51.25, 51.56),
    lon=st.floats(11.82, 12.14),
)
def test_any_point_snaps_within_the_line_or_is_refused(index: int, lat: float, lon: float) -> None:
    """Any position in the Halle area either snaps to a place on the line no further than the limit, or is refused."""
    direction = DIRECTIONS[index]
    free = direction.snap(lat, lon, max_distance_m=math.inf)
    if free.offset_m > 2000:
        with pytest.raises(SnapError):
            direction.snap(lat, lon, max_distance_m=2000)
        return
    snap = direction.snap(lat, lon, max_distance_m=2000)
    assert snap == free
    assert 0.0 <= snap.distance_m <= direction.length_m
    assert snap.offset_m <= 2000
    on_line = direction.point_at(snap.distance_m)
    assert haversine_m(lat, lon, *on_line) == pytest.approx(snap.offset_m, rel=0.01, abs=1.0)


# --- geometry and files ---------------------------------------------------------------------------------------


def test_haversine_knows_a_degree_of_latitude_and_is_symmetric() -> None:
    """One degree of latitude is 111.2 km; the distance is the same both ways and zero to itself."""
    assert haversine_m(51.0, 12.0, 52.0, 12.0) == pytest.approx(111_195, abs=1)
    assert haversine_m(51.48, 11.97, 51.3, 12.07) == haversine_m(51.3, 12.07, 51.48, 11.97)
    assert haversine_m(51.48, 11.97, 51.48, 11.97) == 0.0


def test_shipped_files_read_from_a_folder_path(tmp_path: Path) -> None:
    """read_tram_network reads a copy of the shipped files from an ordinary folder to the same network."""
    for name in (LINES_FILE, META_FILE):
        (tmp_path / name).write_bytes((SHIPPED / name).read_bytes())
    copy = read_tram_network(tmp_path)
    assert list(copy.lines) == list(NET.lines)
    assert copy.line("5").length_m == NET.line("5").length_m


def _copy_with(tmp_path: Path, lines_text: str | None = None, meta: dict[str, object] | None = None) -> TramNetwork:
    (tmp_path / LINES_FILE).write_text(lines_text or (SHIPPED / LINES_FILE).read_text("utf-8"), "utf-8")
    meta_text = json.dumps(meta) if meta is not None else (SHIPPED / META_FILE).read_text("utf-8")
    (tmp_path / META_FILE).write_text(meta_text, "utf-8")
    return read_tram_network(tmp_path)


def test_broken_files_are_refused_with_the_reason(tmp_path: Path) -> None:
    """Missing files, wrong columns, a direction that is not the other reversed, or a wrong length are refused."""
    with pytest.raises(NetworkDataError, match="cannot read"):
        read_tram_network(tmp_path)
    shipped = (SHIPPED / LINES_FILE).read_text("utf-8")
    with pytest.raises(NetworkDataError, match="columns"):
        _copy_with(tmp_path, lines_text=shipped.replace("stop_name", "name", 1))
    rows = shipped.splitlines(keepends=True)
    header, body = rows[0], rows[1:]
    line1_back = [r for r in body if r.startswith("1,1,")]
    swapped = [r for r in body if not r.startswith("1,1,")]
    first, second = line1_back[0].split(",", 3), line1_back[1].split(",", 3)
    line1_back[0] = ",".join([*first[:3], second[3]])
    line1_back[1] = ",".join([*second[:3], first[3]])
    with pytest.raises(NetworkDataError, match="not direction 0 reversed"):
        _copy_with(tmp_path, lines_text=header + "".join(swapped + line1_back))
    meta = json.loads((SHIPPED / META_FILE).read_text("utf-8"))
    meta["lines"]["1"]["length_m"] = 1.0
    with pytest.raises(NetworkDataError, match="length differs"):
        _copy_with(tmp_path, meta=meta)
    meta = json.loads((SHIPPED / META_FILE).read_text("utf-8"))
    meta["variants"]["9E"] = "6"
    with pytest.raises(NetworkDataError, match="9E"):
        _copy_with(tmp_path, meta=meta)
