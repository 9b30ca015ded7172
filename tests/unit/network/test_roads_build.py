"""tools/build_roads.py: which ways become edges, how they join, what is dropped; and that the shipped graph is
what the build makes of the shared OSM extract (skipped when ../shared is absent)."""

from __future__ import annotations

import gzip
import json
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np

from hub.network.roads import ROAD_CLASSES, RoadGraphRouter, read_road_graph
from tools.build_roads import build

SOURCE = "data/halle/roads_osm_stressmap/halle_ways_stressmap_2020-05-28.geojson.gz"


def _way(way_id: int, quality: int | None, lts: int, coords: list[tuple[float, float]]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {"osm_way_id": way_id, "quality": quality, "lts": lts},
        "geometry": {"type": "LineString", "coordinates": [list(c) for c in coords]},
    }


def _write(tmp_path: Path, features: list[dict[str, Any]]) -> Path:
    path = tmp_path / "ways.geojson.gz"
    with gzip.open(path, "wt", encoding="utf-8") as fh:
        json.dump({"type": "FeatureCollection", "features": features}, fh)
    return path


def test_car_ways_join_at_shared_vertices_and_the_rest_is_dropped(tmp_path: Path) -> None:
    a, b, c, d = (11.90, 51.48), (11.91, 51.48), (11.92, 51.48), (11.93, 51.48)
    far = [(12.00, 51.50), (12.01, 51.50)]  # a car road not joined to the rest: a second piece, dropped
    source = _write(
        tmp_path,
        [
            _way(1, 100, 2, [a, b]),  # local road
            _way(2, 1, 0, [b, c]),  # expressway, joined at b
            _way(3, 9, 1, [c, d]),  # footway: no car edge, so d is not a node
            _way(4, 100, 4, far),
            _way(5, 100, 3, [a, b]),  # a parallel main road: the faster edge is kept
        ],
    )
    arrays = build(source)
    assert len(arrays["lat_e7"]) == 3
    assert sorted(zip(arrays["lon_e7"].tolist(), arrays["lat_e7"].tolist(), strict=True)) == [
        (119_000_000, 514_800_000),
        (119_100_000, 514_800_000),
        (119_200_000, 514_800_000),
    ]
    assert sorted(ROAD_CLASSES[k] for k in arrays["edge_class"]) == ["expressway", "main"]
    assert np.all((arrays["edge_m"] > 690) & (arrays["edge_m"] < 700))  # 0.01 degree of longitude at 51.48 N
    path = tmp_path / "g.npz"
    np.savez_compressed(path, **arrays)  # type: ignore[arg-type]
    router = RoadGraphRouter(read_road_graph(path))
    assert router.travel_time_s(51.48, 11.90, 51.48, 11.92, "ordnungsamt_car") > 0


def test_the_shipped_graph_is_the_build_of_the_shared_extract(shared_dir: Path) -> None:
    """Rebuilding from ../shared gives the shipped file's arrays (so the file in the package is reproducible)."""
    rebuilt = build(shared_dir / SOURCE)
    with files("hub").joinpath("data", "roads", "halle_roads.npz").open("rb") as fh, np.load(fh) as shipped:
        for name, array in rebuilt.items():
            assert np.array_equal(shipped[name], array), name
