"""The shipped tram network files: rebuilt from the shared OSM data they are identical, and they credit their
sources as the ODbL requires."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.network.build import build
from hub.network.tram import LINES_FILE, META_FILE

SHIPPED = Path(__file__).resolve().parents[3] / "hub" / "data" / "halle" / "tram"
SHARED = Path(__file__).resolve().parents[4] / "shared" / "data" / "halle" / "tram_osm_freifahren"


def test_build_from_shared_data_reproduces_the_shipped_files() -> None:
    """Building from ../shared/data/halle/tram_osm_freifahren gives exactly the committed files, byte for byte."""
    if not SHARED.is_dir():
        pytest.skip(f"{SHARED} is absent (a user's clone has no ../shared); the shipped files cannot be rebuilt")
    built = build(SHARED)
    assert sorted(built) == [LINES_FILE, META_FILE]
    for name, text in built.items():
        assert text.encode("utf-8") == (SHIPPED / name).read_bytes(), f"{name} differs: rerun hub.network.build"


def test_shipped_metadata_credits_openstreetmap_and_records_every_decision() -> None:
    """The metadata names the ODbL licence and attribution, the dropped lines, variants, joins and stop overrides."""
    meta = json.loads((SHIPPED / META_FILE).read_text("utf-8"))
    assert meta["licence"] == "ODbL-1.0"
    assert "© OpenStreetMap contributors" in meta["attribution"]
    assert set(meta["dropped_lines"]) == {"8E", "E", "S"}
    assert meta["variants"] == {"3E": "3", "3E/16": "3", "7E": "7"}
    bridges = [j for line in meta["lines"].values() for j in line["joins"] if j["rule"] == "explicit bridge"]
    assert [(j["from_osm_node"], j["to_osm_node"]) for j in bridges] == [(254034302, 259155205)]
    assert all(
        j["distance_m"] <= meta["join_cap_m"]
        for line in meta["lines"].values()
        for j in line["joins"]
        if j["rule"] == "nearest termini"
    )
    assert len(meta["stop_overrides"]) == 5
    provenance = (SHIPPED / "PROVENANCE.md").read_text("utf-8")
    assert "© OpenStreetMap contributors" in provenance
    assert "ODbL" in provenance
    assert "FreiFahren" in provenance
