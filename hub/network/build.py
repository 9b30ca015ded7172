"""Derive the shipped tram network (``hub/data/halle/tram/``) from the OpenStreetMap stop-to-stop segments.

Run as ``python -m hub.network.build SOURCE_DIR OUT_DIR [--check]``; the result is deterministic, byte for byte.
The rules (which lines, how gaps are joined, which stops are corrected) are constants here, each with its reason.
"""

from __future__ import annotations

import argparse
import csv
import functools
import io
import itertools
import json
import math
import sys
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hub.errors import NetworkDataError
from hub.network.tram import LINES_COLUMNS, LINES_FILE, META_FILE, haversine_m, network_from_texts

__all__ = ["build", "main", "write"]

SEGMENTS_FILE = "halle_tram_segments.csv"
NODES_FILE = "halle_tram_stop_nodes.csv"

#: Lines in the source that are not modelled, and why.
DROPPED_LINES: dict[str, str] = {
    "8E": "pseudo segment: one 6.7 km straight line across the city, no stops in between",
    "E": "pseudo segment: one 7.8 km straight line across the city, no stops in between",
    "S": "special service: not a route of the MDV GTFS feed, and its stops mix lines 3, 7 and 8",
}

#: Variant services that run on part of a regular line: a vehicle reporting the variant is snapped to the parent.
#: The build checks that every stop of the variant is a stop of the parent.
VARIANTS: dict[str, str] = {"3E": "3", "3E/16": "3", "7E": "7"}

#: Gaps between a line's pieces are joined nearest terminus to nearest terminus, up to this straight-line distance
#: (a gap at a multi-platform stop is a few hundred metres at most); a larger gap needs an explicit bridge below.
JOIN_CAP_M = 600

#: Gaps known in the source and bridged on purpose: (line, OSM node, OSM node) -> why.
EXPLICIT_BRIDGES: dict[tuple[str, int, int], str] = {
    ("5", 254034302, 259155205): "known gap in the OSM route between Daspig (Leuna) and Leuna, Kröllwitz",
}

#: Nodes whose nearest MDV stop is not the tram stop: OSM node -> (DHID, MDV stop name, why).
STOP_OVERRIDES: dict[int, tuple[str, str, str]] = {
    140424648: (
        "de:15002:11316",
        "Halle (Saale), Hauptbahnhof (Tram/Bus)",
        "nearest is the bus station Hauptbahnhof/ZOB (66 m); this is the second platform of the tram stop "
        "Hauptbahnhof (90 m), whose other platform is node 1906954653",
    ),
    10658462868: (
        "de:15002:5009",
        "Halle (Saale), S-Bahnhof Rosengarten (Tram/Bus)",
        "nearest is the DB S-Bahn station Halle Rosengarten (107 m); the HAVAG tram stop is 109 m away",
    ),
    249432530: (
        "de:15002:5044",
        "Halle (Saale), Beesen",
        "terminal loop of lines 2, 3 and 16, whose published terminus is Beesen (217 m); Brühlstr. is 191 m",
    ),
    249432290: (
        "de:15002:16754",
        "Halle (Saale), Soltauer Str.",
        "terminus of lines 2 and 9, published as Soltauer Straße (108 m); Mindener Str. is 98 m",
    ),
    249432376: (
        "de:15002:5180",
        "Halle (Saale), Göttinger Bogen",
        "terminus of lines 10 and 16, published as Göttinger Bogen (135 m); An der Eselsmühle is 121 m",
    ),
}

#: Stops a line may serve twice in one direction (a loop); none so far.
DOCUMENTED_LOOPS: dict[str, frozenset[str]] = {}

#: Plausible line lengths in km: a Halle city line is roughly 5-25 km; line 5 runs on to Bad Dürrenberg.
LENGTH_RANGE_KM: tuple[float, float] = (5.0, 25.0)
LONG_LINES_KM: dict[str, tuple[float, float]] = {"5": (25.0, 40.0)}

#: The path turning back by more than this at a stop is listed as a reversal in the metadata (see docs/network.md).
REVERSAL_DEG = 120

_MAX_PIECES = 6  # chaining tries every order and orientation of a line's pieces: keep that small


@dataclass(frozen=True, slots=True)
class _Node:
    node_id: int
    lat: float
    lon: float
    stop_id: str
    stop_name: str


@dataclass(frozen=True, slots=True)
class _Segment:
    order: int
    line: str
    color: str
    a: int
    b: int
    length_m: int


@dataclass(frozen=True, slots=True)
class _Join:
    a: int
    b: int
    distance_m: int
    rule: str


def _read_csv(path: Path) -> list[dict[str, str]]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            return list(csv.DictReader(handle))
    except OSError as exc:
        raise NetworkDataError(f"cannot read {path}: {exc}") from exc


def _nodes(path: Path) -> dict[int, _Node]:
    nodes = {}
    for row in _read_csv(path):
        node_id = int(row["osm_node_id"])
        stop_id, name = row["nearest_mdv_stop_id"], row["nearest_mdv_stop_name"]
        if node_id in STOP_OVERRIDES:
            stop_id, name, _ = STOP_OVERRIDES[node_id]
        nodes[node_id] = _Node(node_id, float(row["lat"]), float(row["lon"]), stop_id, name)
    missing = sorted(set(STOP_OVERRIDES) - set(nodes))
    if missing:
        raise NetworkDataError(f"{path}: stop overrides name OSM nodes the source does not have: {missing}")
    return nodes


def _segments(path: Path) -> dict[str, list[_Segment]]:
    by_line: dict[str, list[_Segment]] = defaultdict(list)
    for row in _read_csv(path):
        seg = _Segment(
            order=int(row["source_order"]),
            line=row["line"],
            color=row["line_color"],
            a=int(row["from_osm_node_id"]),
            b=int(row["to_osm_node_id"]),
            length_m=int(row["straight_line_m"]),
        )
        by_line[seg.line].append(seg)
    for segs in by_line.values():
        segs.sort(key=lambda s: s.order)
    return dict(by_line)


def _line_key(name: str) -> tuple[int, str]:
    return (int(name), "") if name.isdigit() else (10**9, name)


def _walk(adjacent: Mapping[int, list[int]], start: int, avoid: int | None = None) -> list[int]:
    """The nodes from ``start`` along a simple path until it ends, never stepping back nor onto ``avoid``."""
    path = [start]
    prev = None
    while True:
        step = [n for n in adjacent[path[-1]] if n != prev and n != avoid]
        if not step:
            return path
        prev = path[-1]
        path.append(step[0])


def _pieces(line: str, segs: Sequence[_Segment]) -> list[list[int]]:
    """The line's segments as simple paths of OSM nodes, each oriented as its first segment in source order."""
    adjacent: dict[int, list[int]] = defaultdict(list)
    for seg in segs:
        adjacent[seg.a].append(seg.b)
        adjacent[seg.b].append(seg.a)
    for node, others in adjacent.items():
        if len(others) > 2 or len(set(others)) != len(others):
            raise NetworkDataError(f"line {line}: OSM node {node} has neighbours {others}; expected a simple path")
    pieces: list[list[int]] = []
    seen: set[int] = set()
    for seg in segs:  # source order, so pieces come out in a stable order
        if seg.a in seen:
            continue
        path = _walk(adjacent, seg.a, avoid=seg.a)  # walk to one end, then collect the whole piece from there
        if path[-1] in adjacent[path[0]] and len(path) > 2:
            raise NetworkDataError(f"line {line}: the segments around OSM node {seg.a} form a cycle")
        piece = _walk(adjacent, path[-1])
        if piece.index(seg.a) > piece.index(seg.b):
            piece.reverse()
        seen.update(piece)
        pieces.append(piece)
    return pieces


def _chain(line: str, pieces: list[list[int]], nodes: dict[int, _Node]) -> tuple[list[int], list[_Join]]:
    """Join the pieces into one path: the order and orientations with the shortest total gap (nearest termini)."""
    if len(pieces) > _MAX_PIECES:
        raise NetworkDataError(f"line {line} falls into {len(pieces)} pieces; at most {_MAX_PIECES} can be chained")

    @functools.cache
    def gap(a: int, b: int) -> int:
        return round(haversine_m(nodes[a].lat, nodes[a].lon, nodes[b].lat, nodes[b].lon))

    # Every order and orientation of the pieces, keeping the first with the shortest total gap (a chain and its
    # reverse tie, and the earlier one in this enumeration wins, so the result is deterministic).
    best: tuple[int, list[list[int]]] | None = None
    for order in itertools.permutations(range(len(pieces))):
        for flips in itertools.product((False, True), repeat=len(pieces)):
            arranged = [list(reversed(pieces[i])) if flip else pieces[i] for i, flip in zip(order, flips, strict=True)]
            total = sum(gap(x[-1], y[0]) for x, y in itertools.pairwise(arranged))
            if best is None or total < best[0]:
                best = (total, arranged)
    assert best is not None
    _, arranged = best
    path: list[int] = list(arranged[0])
    joins: list[_Join] = []
    for piece in arranged[1:]:
        a, b = path[-1], piece[0]
        bridge = EXPLICIT_BRIDGES.get((line, a, b)) or EXPLICIT_BRIDGES.get((line, b, a))
        distance = gap(a, b)
        if bridge is None and distance > JOIN_CAP_M:
            raise NetworkDataError(
                f"line {line}: nearest gap between its pieces is {distance} m ({nodes[a].stop_name} - "
                f"{nodes[b].stop_name}), over the {JOIN_CAP_M} m cap and not an explicit bridge"
            )
        joins.append(_Join(a, b, distance, "explicit bridge" if bridge else "nearest termini"))
        path.extend(piece)
    return path, joins


@dataclass(frozen=True, slots=True)
class _Stop:
    stop_id: str
    name: str
    lat: float
    lon: float
    distance_m: float
    nodes: tuple[int, ...]


def _stops(line: str, path: list[int], lengths: dict[frozenset[int], int], nodes: dict[int, _Node]) -> list[_Stop]:
    """Map the node path to stops: consecutive nodes of one stop (platforms) merge at their midpoint."""
    cumulative = [0]
    for a, b in itertools.pairwise(path):
        cumulative.append(cumulative[-1] + lengths[frozenset((a, b))])
    groups: list[list[int]] = []  # indexes into path
    for i, node in enumerate(path):
        if groups and nodes[path[groups[-1][0]]].stop_id == nodes[node].stop_id:
            groups[-1].append(i)
        else:
            groups.append([i])
    stops = []
    for group in groups:
        members = [nodes[path[i]] for i in group]
        stops.append(
            _Stop(
                stop_id=members[0].stop_id,
                name=members[0].stop_name,
                lat=round(sum(m.lat for m in members) / len(members), 6),
                lon=round(sum(m.lon for m in members) / len(members), 6),
                # A merged stop sits halfway between its platforms, so the line keeps its whole length.
                distance_m=(cumulative[group[0]] + cumulative[group[-1]]) / 2,
                nodes=tuple(m.node_id for m in members),
            )
        )
    seen: set[str] = set()
    for stop in stops:
        if stop.stop_id in seen and stop.stop_id not in DOCUMENTED_LOOPS.get(line, frozenset()):
            raise NetworkDataError(f"line {line} serves {stop.name} ({stop.stop_id}) twice in one direction")
        seen.add(stop.stop_id)
    low, high = LONG_LINES_KM.get(line, LENGTH_RANGE_KM)
    length_km = stops[-1].distance_m / 1000
    if not low <= length_km <= high:
        raise NetworkDataError(f"line {line} is {length_km:.1f} km long, outside the plausible {low}-{high} km")
    return stops


def _reversals(stops: Sequence[_Stop]) -> list[dict[str, object]]:
    """Stops where the path turns back sharply: mostly a line serving different stops in each direction (the source
    mixes both), or a diversion. Listed so that users of the model know where its distances run long."""
    found: list[dict[str, object]] = []
    for a, b, c in zip(stops, stops[1:], stops[2:], strict=False):
        k = math.cos(math.radians(b.lat))
        ux, uy = (b.lon - a.lon) * k, b.lat - a.lat
        vx, vy = (c.lon - b.lon) * k, c.lat - b.lat
        norm = math.hypot(ux, uy) * math.hypot(vx, vy)
        if norm == 0:
            continue
        turn = math.degrees(math.acos(max(-1.0, min(1.0, (ux * vx + uy * vy) / norm))))
        if turn > REVERSAL_DEG:
            found.append({"stop": b.name, "between": [a.name, c.name], "turn_deg": round(turn)})
    return found


def _orient(line: str, path: list[int], first: _Segment) -> list[int]:
    """Direction 0 runs the way the line's first segment in source order does."""
    i, j = path.index(first.a), path.index(first.b)
    if abs(i - j) != 1:
        raise NetworkDataError(f"line {line}: its first segment is not a step of the chained path")
    return path if i < j else list(reversed(path))


def _check_source(source: Path, by_line: Mapping[str, Sequence[_Segment]], nodes: Mapping[int, _Node]) -> None:
    """Every line is regular, dropped or a known variant, and uses only known stop nodes."""
    unknown = sorted(
        name for name in by_line if not name.isdigit() and name not in DROPPED_LINES and name not in VARIANTS
    )
    if unknown:
        raise NetworkDataError(f"{source}: lines {unknown} are neither regular, dropped nor known variants")
    for segs in by_line.values():
        for seg in segs:
            for node in (seg.a, seg.b):
                if node not in nodes:
                    raise NetworkDataError(f"{source}: line {seg.line} uses OSM node {node}, not in {NODES_FILE}")


def _build_line(
    name: str,
    segs: Sequence[_Segment],
    nodes: dict[int, _Node],
    writer: Any,
    used_bridges: set[tuple[str, int, int]],
) -> tuple[list[_Stop], dict[str, object]]:
    """One regular line: its rows (both directions) written, the bridges it used noted; its stops and metadata."""
    colors = {seg.color for seg in segs}
    if len(colors) != 1:
        raise NetworkDataError(f"line {name} has several colours: {sorted(colors)}")
    path, joins = _chain(name, _pieces(name, segs), nodes)
    path = _orient(name, path, segs[0])
    lengths = {frozenset((seg.a, seg.b)): seg.length_m for seg in segs}
    for join in joins:
        lengths[frozenset((join.a, join.b))] = join.distance_m
        for key in ((name, join.a, join.b), (name, join.b, join.a)):
            if key in EXPLICIT_BRIDGES:
                used_bridges.add(key)
    stops = _stops(name, path, lengths, nodes)
    total = stops[-1].distance_m
    for direction, ordered in ((0, stops), (1, list(reversed(stops)))):
        for seq, stop in enumerate(ordered):
            along = stop.distance_m if direction == 0 else total - stop.distance_m
            writer.writerow(
                [
                    name,
                    direction,
                    seq,
                    stop.stop_id,
                    stop.name,
                    f"{stop.lat:.6f}",
                    f"{stop.lon:.6f}",
                    f"{along:.1f}",
                    " ".join(str(n) for n in stop.nodes),
                ]
            )
    meta: dict[str, object] = {
        "color": colors.pop(),
        "length_m": total,
        "stops": len(stops),
        "origin": stops[0].name,
        "destination": stops[-1].name,
        "source_segments": len(segs),
        "reversals": _reversals(stops),
        "joins": [
            {
                "from_osm_node": join.a,
                "to_osm_node": join.b,
                "from_stop": nodes[join.a].stop_name,
                "to_stop": nodes[join.b].stop_name,
                "distance_m": join.distance_m,
                "rule": join.rule,
            }
            for join in joins
        ],
    }
    return stops, meta


def build(source: Path) -> dict[str, str]:
    """The network files (name -> text) derived from ``halle_tram_segments.csv`` and ``halle_tram_stop_nodes.csv``."""
    nodes = _nodes(source / NODES_FILE)
    by_line = _segments(source / SEGMENTS_FILE)
    _check_source(source, by_line, nodes)
    rows = io.StringIO()
    writer = csv.writer(rows, lineterminator="\n")
    writer.writerow(LINES_COLUMNS)
    lines_meta: dict[str, object] = {}
    stop_sets: dict[str, set[str]] = {}
    used_bridges: set[tuple[str, int, int]] = set()
    for name in sorted((n for n in by_line if n.isdigit()), key=_line_key):
        stops, lines_meta[name] = _build_line(name, by_line[name], nodes, writer, used_bridges)
        stop_sets[name] = {stop.stop_id for stop in stops}
    unused = sorted(set(EXPLICIT_BRIDGES) - used_bridges)
    if unused:
        raise NetworkDataError(f"explicit bridges {unused} were not needed: the source changed, review them")
    for variant, parent in VARIANTS.items():
        if variant not in by_line:
            continue
        extra = {nodes[n].stop_id for seg in by_line[variant] for n in (seg.a, seg.b)} - stop_sets[parent]
        if extra:
            raise NetworkDataError(f"variant {variant} serves stops {sorted(extra)} that line {parent} does not")

    meta = {
        "about": "Halle tram lines as ordered stop sequences per direction, derived by hub.network.build",
        "licence": "ODbL-1.0",
        "attribution": "© OpenStreetMap contributors; stop-to-stop segments via FreiFahren (MIT); "
        "stop ids (DHID) and names from MDV GTFS (CC BY 4.0)",
        "distances": "straight lines between consecutive OSM stop positions (the source kept only the first "
        "and last vertex of each segment)",
        "join_cap_m": JOIN_CAP_M,
        "lines": lines_meta,
        "variants": {k: v for k, v in VARIANTS.items() if k in by_line},
        "dropped_lines": {k: v for k, v in DROPPED_LINES.items() if k in by_line},
        "stop_overrides": [
            {"osm_node": node, "stop_id": stop_id, "stop_name": stop_name, "reason": reason}
            for node, (stop_id, stop_name, reason) in sorted(STOP_OVERRIDES.items())
        ],
    }
    meta_text = json.dumps(meta, ensure_ascii=False, indent=2) + "\n"
    network_from_texts(json.loads(meta_text), rows.getvalue(), str(source))  # what we ship must load
    return {LINES_FILE: rows.getvalue(), META_FILE: meta_text}


def write(files: dict[str, str], out: Path) -> None:
    """Write the built files into ``out`` (created if missing), UTF-8 with LF line ends."""
    out.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (out / name).write_bytes(text.encode("utf-8"))


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hub.network.build", description=__doc__)
    parser.add_argument("source", type=Path, help="folder with halle_tram_segments.csv and halle_tram_stop_nodes.csv")
    parser.add_argument("out", type=Path, help="folder to write tram_lines.csv and tram_network.json into")
    parser.add_argument(
        "--check", action="store_true", help="only compare with the files in OUT; exit 1 if they differ"
    )
    args = parser.parse_args(argv)
    try:
        built = build(args.source)
    except NetworkDataError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.check:
        stale = [
            n for n, t in built.items() if not (args.out / n).is_file() or (args.out / n).read_bytes() != t.encode()
        ]
        for name in stale:
            print(f"{args.out / name} differs from a fresh build", file=sys.stderr)
        return 1 if stale else 0
    write(built, args.out)
    meta = json.loads(built[META_FILE])
    for name, info in meta["lines"].items():
        print(
            f"line {name:>3}: {info['stops']:>3} stops, {info['length_m'] / 1000:5.1f} km, "
            f"{info['origin']} -> {info['destination']}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
