"""GTFS static loading: the shipped HAVAG data, folders and zips, and errors that name the file and line."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from hub.errors import ConfigError
from hub.network.gtfs_static import GtfsStatic, Route, default_gtfs, load_gtfs

SHIPPED = Path(__file__).resolve().parents[3] / "hub" / "data" / "halle"
SHARED_GTFS = Path(__file__).resolve().parents[4] / "shared" / "data" / "halle" / "gtfs_mdv_havag_partial"

AGENCY = "agency_id,agency_name,agency_url,agency_timezone\n1,Test Verkehr,https://example.org,Europe/Berlin\n"
STOPS = (
    "stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station\n"
    'de:15002:1,"Markt, Nord",51.48,11.97,0,de:15002:9\n'
    "de:15002:9,Markt,51.48,11.97,1,\n"
    "node-1,,,,3,de:15002:9\n"
)
ROUTES = "route_id,agency_id,route_short_name,route_long_name,route_type\nT5,1,5,,0\nB,1,,Nachtbus Halle,3\n"


def _feed(folder: Path, **files: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in {"agency": AGENCY, "stops": STOPS, "routes": ROUTES, **files}.items():
        if text is not None:
            (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def test_default_gtfs_is_the_shipped_havag_subset() -> None:
    """The shipped data gives HAVAG's 374 DHID stops, 59 routes and its agency, with line names by route id."""
    gtfs = default_gtfs()
    assert len(gtfs.stops) == 374
    assert len(gtfs.routes) == 59
    assert [a.name for a in gtfs.agencies.values()] == ["Hallesche Verkehrs-AG"]
    assert gtfs.routes["HAT___5"] == Route("HAT___5", "5", "", 0, "00333")
    assert gtfs.routes["HAB___R21"].route_type == 715
    marktplatz = gtfs.stops["de:15002:5232"]
    assert (marktplatz.name, marktplatz.lat, marktplatz.lon) == ("Halle (Saale), Marktplatz", 51.482772, 11.969338)
    assert gtfs.feed_version == "2025-06-06 08:44:42"
    assert gtfs.publisher == "Mitteldeutscher Verkehrsverbund GmbH"


def test_default_gtfs_is_loaded_once_and_read_only() -> None:
    """Every caller shares one loaded feed, and nobody can change it under the others."""
    assert default_gtfs() is default_gtfs()
    with pytest.raises(TypeError):
        default_gtfs().routes["X"] = Route("X", "X", "", 0)  # type: ignore[index]


def test_shipped_data_credits_mdv() -> None:
    """The shipped copy carries the attribution the CC BY 4.0 licence asks for, word for word."""
    provenance = (SHIPPED / "PROVENANCE.md").read_text(encoding="utf-8")
    assert "Mitteldeutscher Verkehrsverbund GmbH (MDV), GTFS, Stand 2025-06-06" in provenance
    assert "CC BY 4.0" in provenance
    assert sorted(p.name for p in (SHIPPED / "gtfs").iterdir()) == [
        "agency.txt",
        "feed_info.txt",
        "routes.txt",
        "stops.txt",
        "transfers.txt",
    ]


def test_shipped_data_is_an_unchanged_copy_of_the_shared_set() -> None:
    """The five shipped files are byte-for-byte the team's trimmed MDV set."""
    if not SHARED_GTFS.is_dir():
        pytest.skip(f"{SHARED_GTFS} is absent (a user's clone has no ../shared)")
    for source in SHARED_GTFS.iterdir():
        assert (SHIPPED / "gtfs" / source.name).read_bytes() == source.read_bytes(), source.name


def test_load_folder_reads_quoted_fields_and_names(tmp_path: Path) -> None:
    """A folder feed loads stops (quoted names with commas), stations and routes with short or only long names."""
    gtfs = load_gtfs(_feed(tmp_path))
    assert isinstance(gtfs, GtfsStatic)
    assert gtfs.stops["de:15002:1"].name == "Markt, Nord"
    assert gtfs.stops["de:15002:1"].parent_station == "de:15002:9"
    assert gtfs.stops["de:15002:9"].location_type == 1
    assert gtfs.routes["T5"].name == "5"
    assert gtfs.routes["B"].name == "Nachtbus Halle"
    assert gtfs.feed_version is None


def test_generic_nodes_without_position_are_left_out(tmp_path: Path) -> None:
    """Generic nodes (location_type 3) need no coordinates in GTFS and are not stops a vehicle can be at."""
    assert "node-1" not in load_gtfs(_feed(tmp_path)).stops


def test_byte_order_mark_is_tolerated(tmp_path: Path) -> None:
    """Files starting with a UTF-8 byte order mark (Excel exports) load with clean column names."""
    folder = _feed(tmp_path)
    (folder / "routes.txt").write_bytes(b"\xef\xbb\xbf" + ROUTES.encode())
    assert load_gtfs(folder).routes["T5"].short_name == "5"


def test_load_zip(tmp_path: Path) -> None:
    """A zipped feed (the form GTFS is published in) loads like a folder."""
    folder = _feed(tmp_path / "feed")
    archive = tmp_path / "feed.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in folder.iterdir():
            zf.write(path, path.name)
    gtfs = load_gtfs(archive)
    assert set(gtfs.routes) == {"T5", "B"}
    assert len(gtfs.stops) == 2


def test_missing_file_is_named(tmp_path: Path) -> None:
    """A feed without routes.txt is refused with the file's name."""
    folder = _feed(tmp_path)
    (folder / "routes.txt").unlink()
    with pytest.raises(ConfigError, match=r"routes\.txt is missing"):
        load_gtfs(folder)


def test_missing_column_is_named(tmp_path: Path) -> None:
    """A stops.txt without stop_lat is refused naming the file, the header line and the column."""
    folder = _feed(tmp_path, stops="stop_id,stop_name,stop_lon\nde:15002:1,Markt,11.97\n")
    with pytest.raises(ConfigError, match=r"stops\.txt line 1: missing column\(s\) stop_lat"):
        load_gtfs(folder)


def test_bad_number_names_file_and_line(tmp_path: Path) -> None:
    """A latitude that is not a number is refused naming the file and the line it is on."""
    folder = _feed(
        tmp_path, stops="stop_id,stop_name,stop_lat,stop_lon\nde:15002:1,A,51.4,11.9\nde:15002:2,B,north,11.9\n"
    )
    with pytest.raises(ConfigError, match=r"stops\.txt line 3: stop_lat 'north' is not a number"):
        load_gtfs(folder)


def test_line_numbers_count_multiline_quoted_fields(tmp_path: Path) -> None:
    """Line numbers in errors are physical lines, also after a quoted field that spans two lines."""
    stops = 'stop_id,stop_name,stop_lat,stop_lon\nde:15002:1,"Markt\nNord",51.4,11.9\nde:15002:1,B,51.4,11.9\n'
    with pytest.raises(ConfigError, match=r"stops\.txt line 4: stop_id 'de:15002:1' appears twice"):
        load_gtfs(_feed(tmp_path, stops=stops))


def test_wrong_field_count_is_refused(tmp_path: Path) -> None:
    """A row with more fields than the header is refused instead of shifting values into the wrong columns."""
    folder = _feed(tmp_path, routes="route_id,route_short_name,route_type\nT5,5,0,extra\n")
    with pytest.raises(ConfigError, match=r"routes\.txt line 2: 4 fields, the header has 3"):
        load_gtfs(folder)


def test_route_without_any_name_is_refused(tmp_path: Path) -> None:
    """A route with neither short nor long name has no line name to show and is refused."""
    folder = _feed(tmp_path, routes="route_id,route_short_name,route_long_name,route_type\nT5,,,0\n")
    with pytest.raises(ConfigError, match=r"routes\.txt line 2: route 'T5' has neither"):
        load_gtfs(folder)


def test_not_a_feed_is_refused(tmp_path: Path) -> None:
    """A path that is neither a folder nor a zip file is refused with its name."""
    path = tmp_path / "notes.txt"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"notes\.txt: not a folder or zip file"):
        load_gtfs(path)


def test_empty_file_is_refused(tmp_path: Path) -> None:
    """An empty agency.txt (no header row) is refused naming the file."""
    with pytest.raises(ConfigError, match=r"agency\.txt line 1: the file is empty"):
        load_gtfs(_feed(tmp_path, agency=""))
