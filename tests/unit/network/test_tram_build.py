"""Deriving the tram network: each build rule (dropping, joining pieces, bridging, merging platforms, validating)
behaves as documented, on small made-up data."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest

from hub.errors import NetworkDataError
from hub.network import build as build_mod
from hub.network.build import build, main
from hub.network.tram import LINES_FILE, META_FILE, network_from_texts

SEGMENT_COLUMNS = [
    "source_order",
    "line",
    "line_color",
    "from_osm_node_id",
    "to_osm_node_id",
    "from_lon",
    "from_lat",
    "to_lon",
    "to_lat",
    "straight_line_m",
    "from_stop_name_guess",
    "to_stop_name_guess",
]
NODE_COLUMNS = ["osm_node_id", "lon", "lat", "lines", "nearest_mdv_stop_id", "nearest_mdv_stop_name", "dist"]
LAT = 51.48
KX = 1 / (111_195 * math.cos(math.radians(LAT)))  # degrees of longitude per metre


def _node(node_id: int, east_m: float, north_m: float = 0.0, stop: str | None = None) -> dict[str, str]:
    stop_id = stop or f"de:0:{node_id}"
    return {
        "osm_node_id": str(node_id),
        "lon": f"{11.9 + east_m * KX:.6f}",
        "lat": f"{LAT + north_m / 111_195:.6f}",
        "lines": "1",
        "nearest_mdv_stop_id": stop_id,
        "nearest_mdv_stop_name": f"Stop {stop_id}",
        "dist": "0",
    }


def _source(tmp_path: Path, nodes: list[dict[str, str]], segments: list[tuple[str, int, int]]) -> Path:
    """Write a source folder: nodes as given, segments (line, from, to) with their straight-line lengths."""
    by_id = {int(n["osm_node_id"]): n for n in nodes}
    with (tmp_path / build_mod.NODES_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, NODE_COLUMNS)
        writer.writeheader()
        writer.writerows(nodes)
    with (tmp_path / build_mod.SEGMENTS_FILE).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, SEGMENT_COLUMNS)
        writer.writeheader()
        for order, (line, a, b) in enumerate(segments):
            na, nb = by_id[a], by_id[b]
            dx = (float(nb["lon"]) - float(na["lon"])) / KX
            dy = (float(nb["lat"]) - float(na["lat"])) * 111_195
            writer.writerow(
                {
                    "source_order": order,
                    "line": line,
                    "line_color": "#123456",
                    "from_osm_node_id": a,
                    "to_osm_node_id": b,
                    "from_lon": na["lon"],
                    "from_lat": na["lat"],
                    "to_lon": nb["lon"],
                    "to_lat": nb["lat"],
                    "straight_line_m": round(math.hypot(dx, dy)),
                    "from_stop_name_guess": "",
                    "to_stop_name_guess": "",
                }
            )
    return tmp_path


@pytest.fixture(autouse=True)
def _plain_rules(monkeypatch: pytest.MonkeyPatch) -> None:
    """Made-up data has none of Halle's special cases: no overrides or bridges, and any length is plausible."""
    monkeypatch.setattr(build_mod, "STOP_OVERRIDES", {})
    monkeypatch.setattr(build_mod, "EXPLICIT_BRIDGES", {})
    monkeypatch.setattr(build_mod, "LENGTH_RANGE_KM", (0.0, 100.0))


def _stops(built: dict[str, str], direction: int = 0) -> list[tuple[str, float]]:
    rows = csv.DictReader(built[LINES_FILE].splitlines())
    return [
        (r["stop_id"], float(r["distance_m"])) for r in rows if r["line"] == "1" and r["direction"] == str(direction)
    ]


def test_pieces_are_chained_at_their_nearest_termini(tmp_path: Path) -> None:
    """Two pieces 300 m apart become one path joined end to end, the second piece turned round to fit."""
    nodes = [_node(1, 0), _node(2, 1000), _node(3, 2000), _node(4, 2300), _node(5, 3300)]
    built = build(_source(tmp_path, nodes, [("1", 1, 2), ("1", 2, 3), ("1", 5, 4)]))
    assert _stops(built) == [
        ("de:0:1", 0.0),
        ("de:0:2", 1000.0),
        ("de:0:3", 2000.0),
        ("de:0:4", 2300.0),
        ("de:0:5", 3300.0),
    ]
    assert _stops(built, 1) == [
        ("de:0:5", 0.0),
        ("de:0:4", 1000.0),
        ("de:0:3", 1300.0),
        ("de:0:2", 2300.0),
        ("de:0:1", 3300.0),
    ]
    join = json.loads(built[META_FILE])["lines"]["1"]["joins"]
    assert join == [
        {
            "from_osm_node": 3,
            "to_osm_node": 4,
            "from_stop": "Stop de:0:3",
            "to_stop": "Stop de:0:4",
            "distance_m": 300,
            "rule": "nearest termini",
        }
    ]


def test_direction_0_runs_the_way_of_the_first_source_segment(tmp_path: Path) -> None:
    """When the line's first segment in the source runs 3 -> 2, direction 0 runs towards node 1."""
    nodes = [_node(1, 0), _node(2, 1000), _node(3, 2000)]
    built = build(_source(tmp_path, nodes, [("1", 3, 2), ("1", 2, 1)]))
    assert [s for s, _ in _stops(built)] == ["de:0:3", "de:0:2", "de:0:1"]


def test_a_gap_over_the_cap_is_refused_unless_bridged(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A 1.5 km gap fails the build naming both stops; listed as an explicit bridge, it is joined and recorded."""
    nodes = [_node(1, 0), _node(2, 1000), _node(3, 2500), _node(4, 3500)]
    source = _source(tmp_path, nodes, [("1", 1, 2), ("1", 3, 4)])
    with pytest.raises(NetworkDataError, match=r"1500 m \(Stop de:0:2 - Stop de:0:3\), over the 600 m cap"):
        build(source)
    monkeypatch.setattr(build_mod, "EXPLICIT_BRIDGES", {("1", 3, 2): "test gap"})
    built = build(source)
    assert json.loads(built[META_FILE])["lines"]["1"]["joins"][0]["rule"] == "explicit bridge"
    assert _stops(built)[-1] == ("de:0:4", 3500.0)


def test_an_explicit_bridge_that_is_not_needed_fails_the_build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bridge whose gap no longer exists is reported, so that a changed source gets reviewed."""
    monkeypatch.setattr(build_mod, "EXPLICIT_BRIDGES", {("1", 7, 8): "stale"})
    source = _source(tmp_path, [_node(1, 0), _node(2, 1000)], [("1", 1, 2)])
    with pytest.raises(NetworkDataError, match="not needed"):
        build(source)


def test_consecutive_platforms_of_one_stop_merge_halfway(tmp_path: Path) -> None:
    """Two nodes of the same stop 200 m apart become one stop at their midpoint; the line keeps its length."""
    nodes = [_node(1, 0), _node(2, 1000, stop="de:0:hbf"), _node(3, 1200, stop="de:0:hbf"), _node(4, 2200)]
    built = build(_source(tmp_path, nodes, [("1", 1, 2), ("1", 2, 3), ("1", 3, 4)]))
    assert _stops(built) == [("de:0:1", 0.0), ("de:0:hbf", 1100.0), ("de:0:4", 2200.0)]
    row = next(r for r in csv.DictReader(built[LINES_FILE].splitlines()) if r["stop_id"] == "de:0:hbf")
    assert row["osm_node_ids"] == "2 3"
    assert float(row["lon"]) == pytest.approx(11.9 + 1100 * KX, abs=2e-6)


def test_a_stop_served_twice_is_refused(tmp_path: Path) -> None:
    """Two separate nodes of one stop on the same direction (not adjacent) fail the build as an undocumented loop."""
    nodes = [_node(1, 0, stop="de:0:x"), _node(2, 1000), _node(3, 2000, stop="de:0:x")]
    with pytest.raises(NetworkDataError, match="twice in one direction"):
        build(_source(tmp_path, nodes, [("1", 1, 2), ("1", 2, 3)]))


def test_a_branching_line_is_refused(tmp_path: Path) -> None:
    """A node with three neighbours on one line is not a simple path: the build names the node."""
    nodes = [_node(1, 0), _node(2, 1000), _node(3, 2000), _node(4, 1000, 1000)]
    with pytest.raises(NetworkDataError, match="OSM node 2 has neighbours"):
        build(_source(tmp_path, nodes, [("1", 1, 2), ("1", 2, 3), ("1", 2, 4)]))


def test_implausible_length_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With Halle's 5-25 km range, a 2 km line fails the build with its length."""
    monkeypatch.setattr(build_mod, "LENGTH_RANGE_KM", (5.0, 25.0))
    with pytest.raises(NetworkDataError, match=r"line 1 is 2\.0 km long"):
        build(_source(tmp_path, [_node(1, 0), _node(2, 1000), _node(3, 2000)], [("1", 1, 2), ("1", 2, 3)]))


def test_pseudo_lines_are_dropped_and_unknown_names_refused(tmp_path: Path) -> None:
    """8E is dropped without trace in the stops; a line name the build has no rule for stops the build."""
    nodes = [_node(1, 0), _node(2, 1000), _node(3, 9000)]
    built = build(_source(tmp_path, nodes, [("1", 1, 2), ("8E", 2, 3)]))
    assert {r["line"] for r in csv.DictReader(built[LINES_FILE].splitlines())} == {"1"}
    assert "8E" in json.loads(built[META_FILE])["dropped_lines"]
    with pytest.raises(NetworkDataError, match=r"\['9X'\] are neither regular"):
        build(_source(tmp_path, nodes, [("1", 1, 2), ("9X", 2, 3)]))


def test_a_variant_must_stay_on_its_parent_line(tmp_path: Path) -> None:
    """7E may only serve stops of line 7; a 7E stop off line 7 fails the build."""
    nodes = [_node(1, 0), _node(2, 1000), _node(3, 2000)]
    ok = build(_source(tmp_path, nodes, [("7", 1, 2), ("7", 2, 3), ("7E", 2, 3)]))
    assert json.loads(ok[META_FILE])["variants"] == {"7E": "7"}
    nodes.append(_node(4, 3000))
    with pytest.raises(NetworkDataError, match="variant 7E serves stops"):
        build(_source(tmp_path, nodes, [("7", 1, 2), ("7", 2, 3), ("7E", 3, 4)]))


def test_built_files_load_as_a_network(tmp_path: Path) -> None:
    """What build returns reads back as a network with the same stops and length."""
    nodes = [_node(1, 0), _node(2, 1000), _node(3, 2000)]
    built = build(_source(tmp_path, nodes, [("1", 1, 2), ("1", 2, 3)]))
    network = network_from_texts(json.loads(built[META_FILE]), built[LINES_FILE], "test")
    assert network.line("1").length_m == 2000.0
    assert network.direction("1", 1).origin.stop_id == "de:0:3"


def test_command_writes_then_checks_the_files(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The command writes the files and prints a line summary; --check passes on them, fails after an edit."""
    source = _source(tmp_path, [_node(1, 0), _node(2, 1000), _node(3, 2000)], [("1", 1, 2), ("1", 2, 3)])
    out = tmp_path / "out"
    assert main([str(source), str(out)]) == 0
    assert "line   1:   3 stops,   2.0 km" in capsys.readouterr().out
    assert main([str(source), str(out), "--check"]) == 0
    (out / LINES_FILE).write_text("changed\n", "utf-8")
    assert main([str(source), str(out), "--check"]) == 1
    assert "differs from a fresh build" in capsys.readouterr().err
    assert main([str(tmp_path / "missing"), str(out)]) == 2
