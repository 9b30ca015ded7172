"""Build the shipped car graph of Halle (hub/data/roads/halle_roads.npz) from the stressmap OSM way extract.

Run: .venv/bin/python -m tools.build_roads [--source ../shared/data/halle/roads_osm_stressmap/...geojson.gz]
Keeps the ways a car can drive (``hub.network.roads.classify_way``), joins them at shared vertices (exact coordinate
equality, as OSM shares nodes), makes every consecutive vertex pair a two-way edge with its haversine length and
road class (parallel edges: the shortest time at the default speeds), keeps the largest connected piece, and writes
node positions as integer 1e-7 degrees. Run at build time only; the hub reads the result, never the source.
"""

from __future__ import annotations

import argparse
import gzip
import itertools
import json
from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from hub.network.roads import CLASS_SPEEDS_KMH, ROAD_CLASSES, classify_way
from hub.network.tram import haversine_m

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT.parent / "shared/data/halle/roads_osm_stressmap/halle_ways_stressmap_2020-05-28.geojson.gz"
OUT = ROOT / "hub/data/roads/halle_roads.npz"


def build(source: Path) -> dict[str, np.ndarray]:
    """The arrays of the npz file, from the GeoJSON (gzip) at ``source``."""
    with gzip.open(source, "rt", encoding="utf-8") as fh:
        features = json.load(fh)["features"]
    index: dict[tuple[float, float], int] = {}
    best: dict[tuple[int, int], tuple[float, float, int]] = {}  # (u, v) with u < v -> (seconds, metres, class)
    for feature in features:
        props = feature["properties"]
        road = classify_way(props.get("quality"), props.get("lts"))
        if road is None:
            continue
        code = ROAD_CLASSES.index(road)
        s_per_m = 3.6 / CLASS_SPEEDS_KMH[road]
        coords = [(float(x), float(y)) for x, y in feature["geometry"]["coordinates"]]
        for (lon_a, lat_a), (lon_b, lat_b) in itertools.pairwise(coords):
            a = index.setdefault((lon_a, lat_a), len(index))
            b = index.setdefault((lon_b, lat_b), len(index))
            if a == b:
                continue
            metres = haversine_m(lat_a, lon_a, lat_b, lon_b)
            key = (a, b) if a < b else (b, a)
            candidate = (metres * s_per_m, metres, code)
            if key not in best or candidate < best[key]:
                best[key] = candidate
    n = len(index)
    pairs = np.array(list(best), dtype=np.int64)
    values = list(best.values())
    metres = np.array([v[1] for v in values])
    classes = np.array([v[2] for v in values], dtype=np.uint8)
    adjacency = coo_matrix((np.ones(len(pairs)), (pairs[:, 0], pairs[:, 1])), shape=(n, n))
    _, label = connected_components(adjacency, directed=False)
    largest = np.bincount(label).argmax()
    keep = label == largest
    renumber = np.full(n, -1, dtype=np.int64)
    renumber[keep] = np.arange(int(keep.sum()))
    on = keep[pairs[:, 0]]  # both ends share a component
    positions = np.array(list(index), dtype=np.float64)[keep]  # (lon, lat)
    return {
        "lat_e7": np.round(positions[:, 1] * 1e7).astype(np.int32),
        "lon_e7": np.round(positions[:, 0] * 1e7).astype(np.int32),
        "edge_u": renumber[pairs[on, 0]].astype(np.int32),
        "edge_v": renumber[pairs[on, 1]].astype(np.int32),
        "edge_m": metres[on].astype(np.float32),
        "edge_class": classes[on],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--source", type=Path, default=SOURCE)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    arrays = build(args.source)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, **arrays)  # type: ignore[arg-type]
    counts = np.bincount(arrays["edge_class"], minlength=len(ROAD_CLASSES))
    km = np.bincount(arrays["edge_class"], weights=arrays["edge_m"], minlength=len(ROAD_CLASSES)) / 1000
    print(f"{args.out}: {len(arrays['lat_e7'])} nodes, {len(arrays['edge_u'])} edges, {args.out.stat().st_size} bytes")
    for name, count, length in zip(ROAD_CLASSES, counts, km, strict=True):
        print(f"  {name:<14}{count:>7} edges {length:>8.1f} km")


if __name__ == "__main__":
    main()
