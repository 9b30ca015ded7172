"""The pure core of ``hub report``: Gi* as PySAL documents it, the grid neighbourhood, BH-corrected hot cells, the
standing published figures, periods, the hour-of-week bands, the patrol plan with its hours and the page
(self-contained, no small count on it)."""

from __future__ import annotations

import math
import re
from datetime import datetime
from pathlib import Path

import pytest
from scipy.stats import norm

from hub.errors import ConfigError
from hub.network.tram import load_tram_network
from hub.privacy.aggregates import BANDS, LOCAL_TIME, MIN_COUNT, Aggregate, Cell, cell_of
from hub.reports.hotspots import (
    ALPHA,
    PlannedEvent,
    band_profile,
    build_report,
    gi_star,
    hot_cells,
    incident_categories,
    neighbours,
    patrol_plan,
    study_area,
)
from hub.reports.published import Period, parse_week, published
from hub.reports.render import patrol_table, render_html
from hub.reports.run import load_exposure, places
from tests.unit.reports.scene import HOT, MARKT, QUIET, build

NETWORK = load_tram_network()
STOPS = places(NETWORK)


def test_gi_star_reproduces_the_worked_example_of_the_esda_documentation() -> None:
    """The example of ``esda.getisord.G_Local``'s docstring (PySAL esda 2.x, "Applying Getis and Ord local G* test
    using a binary weights object"): six points, a 15-unit distance band, y = 2, 3, 3.2, 5, 8, 7. Our wrapper, given
    the same neighbours as an adjacency list, must give the documented z-scores."""
    points = [(10, 10), (20, 10), (40, 10), (15, 20), (30, 20), (30, 30)]
    adjacency = {i: [j for j, q in enumerate(points) if j != i and math.dist(p, q) <= 15] for i, p in enumerate(points)}
    z = gi_star([2, 3, 3.2, 5, 8, 7], adjacency)
    documented = [-1.39727626, -0.28917762, 0.65064964, -0.28917762, 1.23452088, 2.02424331]
    assert z == pytest.approx(documented, abs=1e-6)


def test_gi_star_of_nothing_is_no_hot_spot() -> None:
    assert gi_star([0, 0, 0], {0: [1], 1: [0, 2], 2: [1]}) == [0.0, 0.0, 0.0]


def test_neighbours_are_the_eight_cells_around_one_on_the_fixed_grid() -> None:
    area = study_area([MARKT], margin_m=1500)
    adjacency = neighbours(area)
    centre = next(n for n, c in enumerate(area) if c.id == cell_of(*MARKT).id)
    row, col = (int(x) for x in area[centre].id.split(":")[1:])
    around = {area[m].id for m in adjacency[centre]}
    assert around == {f"500m:{row + dr}:{col + dc}" for dr in (-1, 0, 1) for dc in (-1, 0, 1) if dr or dc}
    assert all(len(v) <= 8 for v in adjacency.values())


def test_hot_cells_are_the_busy_block_after_benjamini_hochberg() -> None:
    scene = build()
    found = published(scene.messages)
    area = study_area([(s.lat, s.lon) for s in STOPS], found.cells.values())
    period = Period.between("2026-W46", "2026-W47")
    result = hot_cells(found, period, area, incident_categories(found), places=STOPS)
    hot = {c.cell.id for c in result.hot}
    assert cell_of(*MARKT).id in hot
    assert not hot & {c.id for c in QUIET}
    raw = sum(1 for c in result.cells if c.z > 0 and 2 * norm.sf(c.z) <= ALPHA)
    assert len(hot) <= raw  # the correction only removes
    assert all(c.q <= ALPHA and c.z > 0 for c in result.hot)
    markt = next(c for c in result.cells if c.cell.id == cell_of(*MARKT).id)
    assert markt.place == "Marktplatz"
    assert markt.was_hot
    assert markt.trend == "still"
    # Every number is a sum of standing published figures of the period and categories.
    for cell in result.cells:
        assert cell.count == sum(f.count for f in cell.figures)
        assert {f.week for f in cell.figures} <= set(period.weeks)
        assert {f.week for f in cell.previous_figures} <= set(period.previous().weeks)
        assert cell.count == 0 or cell.count >= MIN_COUNT


def test_an_unknown_category_is_refused_not_reported_empty() -> None:
    found = published(build().messages)
    with pytest.raises(ConfigError, match="unknown category CRIMES; known: CRIME"):
        build_report(found, Period(("2026-W47",)), [], categories=["CRIMES"], patrol_week="2026-W48")


def test_rates_use_the_exposure_of_the_cell() -> None:
    scene = build()
    found = published(scene.messages)
    markt = cell_of(*MARKT).id
    result = hot_cells(found, Period(("2026-W47",)), list(found.cells.values()), ["CRIME"], exposure={markt: 20_000})
    cell = next(c for c in result.cells if c.cell.id == markt)
    assert cell.rate == pytest.approx(cell.count / 2)
    assert all(c.rate is None for c in result.cells if c.cell.id != markt)


def test_published_keeps_standing_figures_and_refuses_small_ones() -> None:
    cell = cell_of(*MARKT)
    table = Aggregate(
        week="2026-W47", area="cell", cell=cell.id, grid_m=500, lat=cell.lat, lon=cell.lon,
        counts={"CRIME": 7, "SAFETY": 5}, min_count=MIN_COUNT,
    )  # fmt: skip
    retraction = table.model_copy(update={"counts": {}, "retracted": ["SAFETY"]})
    found = published([retraction, table])
    assert [(f.category, f.count) for f in found.figures] == [("CRIME", 7)]
    with pytest.raises(ConfigError, match="below the threshold"):
        published([table.model_copy(update={"counts": {"CRIME": 4}})])


def test_periods_are_whole_weeks_and_the_previous_one_is_as_long() -> None:
    period = Period.between(parse_week("2026-11-18"), "2026-W48")
    assert period.weeks == ("2026-W47", "2026-W48")
    assert period.previous().weeks == ("2026-W45", "2026-W46")
    assert Period.between("2026-W01", "2026-W01").previous().weeks == ("2025-W52",)
    with pytest.raises(ConfigError):
        Period.between("2026-W48", "2026-W47")
    with pytest.raises(ConfigError):
        parse_week("last week")


def test_patrol_plan_puts_hot_cells_first_and_adds_planned_events_of_the_week() -> None:
    scene = build()
    found = published(scene.messages)
    quiet = cell_of(51.45, 12.02)
    concert = PlannedEvent(
        "Open-air concert", quiet.lat, quiet.lon,
        datetime(2026, 11, 27, 19, tzinfo=LOCAL_TIME), datetime(2026, 11, 27, 23, tzinfo=LOCAL_TIME),
    )  # fmt: skip
    later = PlannedEvent(
        "Christmas market", MARKT[0], MARKT[1],
        datetime(2026, 12, 7, 10, tzinfo=LOCAL_TIME), datetime(2026, 12, 7, 20, tzinfo=LOCAL_TIME),
    )  # fmt: skip
    plan = patrol_plan(found, "2026-W48", list(found.cells.values()), places=STOPS, events=[concert, later], top=30)
    hot = [p for p in plan if p.hot]
    assert hot
    assert plan[: len(hot)] == hot
    assert {p.cell.id for p in hot} <= {c.id for c in HOT} | {c.id for c in QUIET}
    [with_event] = [p for p in plan if p.events]
    assert with_event.cell.id == quiet.id
    assert with_event.events == (concert,)
    assert plan[len(hot)] == with_event  # events come right after the hot cells
    text = patrol_table("2026-W48", plan)
    assert "Open-air concert" in text
    assert "Christmas market" not in text


def test_the_page_is_self_contained_and_shows_no_small_count() -> None:
    scene = build()
    found = published(scene.messages)
    area = study_area([(s.lat, s.lon) for s in STOPS], found.cells.values())
    report = build_report(found, Period.between("2026-W46", "2026-W47"), area, places=STOPS, patrol_week="2026-W48")
    page = render_html(report, NETWORK, generated="test")
    assert re.findall(r"https?://[^\s\"']+", page) == ["http://www.w3.org/2000/svg"] * page.count("<svg")
    assert "<script" not in page
    assert " src=" not in page
    assert "<link" not in page
    assert page.count('class="tram"') == len(NETWORK.lines)
    assert page.count('class="stop"') > 100
    assert 'id="events-none"' in page  # no planned events: said so
    top = re.search(r'<table id="top-cells">(.*?)</table>', page, re.S)
    assert top is not None
    for row in re.findall(r"<tr><td>\d+</td>(.*?)</tr>", top[1]):
        shown = [int(v) for v in re.findall(r'<td class="n">(\d+)</td>', row)[:2]]
        assert all(v >= MIN_COUNT for v in shown), row
    assert page.count('class="cell hot"') == len(report.hot.hot)


def test_exposure_files_give_passengers_per_cell_by_stop_or_position(tmp_path: Path) -> None:
    markt = next(s for s in STOPS if s.name == "Marktplatz")
    stop_id = next(
        d.stops[i].stop_id
        for line in NETWORK.lines.values()
        for d in line.directions
        for i in range(len(d.stops))
        if d.stops[i].name.endswith("Marktplatz")
    )
    given = tmp_path / "passengers.csv"
    given.write_text(f"stop_id,lat,lon,count\n{stop_id},,,1200\n,{markt.lat},{markt.lon},300\n,51.51,12.01,50\n")
    exposure = load_exposure(given)
    assert exposure[cell_of(markt.lat, markt.lon).id] == 1500  # both rows in the Marktplatz cell
    assert exposure[cell_of(51.51, 12.01).id] == 50
    given.write_text("stop_id,count\nde:15002:0,5\n")
    with pytest.raises(ConfigError, match="unknown stop"):
        load_exposure(given)
    given.write_text("name,count\nMarkt,5\n")
    with pytest.raises(ConfigError, match="needs a count column"):
        load_exposure(given)
    given.write_text("lat,lon,count\n51.48,11.97,many\n")
    with pytest.raises(ConfigError, match=":2:"):
        load_exposure(given)


def test_the_page_shows_rates_where_an_exposure_file_was_given() -> None:
    found = published(build().messages)
    markt = cell_of(*MARKT).id
    area = list(found.cells.values())
    report = build_report(
        found, Period(("2026-W47",)), area, places=STOPS, exposure={markt: 40_000}, patrol_week="2026-W48"
    )
    page = render_html(report, NETWORK, generated="test")
    cell = next(c for c in report.hot.cells if c.cell.id == markt)
    assert "<th>per 10,000 passengers</th>" in page
    assert f'<td class="n">{cell.count / 4:.2f}</td>' in page
    assert "no exposure" in page  # the other cells: no figure given, no rate made up


def _profile_messages() -> list[Aggregate]:
    """Four weeks: CRIME 10 a week on weekend nights (1.25 per hour) and 20 on weekday afternoons (1.0 per hour),
    PUBLIC_ORDER 30 on weekday mornings; one cell with only CRIME, one with only PUBLIC_ORDER."""
    crime_cell, order_cell = cell_of(*MARKT), cell_of(51.45, 12.02)
    out = []
    for week in ("2026-W44", "2026-W45", "2026-W46", "2026-W47"):
        for cell, category in ((crime_cell, "CRIME"), (order_cell, "PUBLIC_ORDER")):
            out.append(
                Aggregate(week=week, area="cell", cell=cell.id, grid_m=500, lat=cell.lat, lon=cell.lon,
                          counts={category: 10}, min_count=MIN_COUNT)
            )  # fmt: skip
        out.append(Aggregate(week=week, area="city", counts={"CRIME": 30, "PUBLIC_ORDER": 30}, min_count=MIN_COUNT))
        for band, counts in (
            ("weekend:20-24", {"CRIME": 10}),
            ("weekday:16-20", {"CRIME": 20}),
            ("weekday:08-12", {"PUBLIC_ORDER": 30}),
        ):
            out.append(Aggregate(week=week, area="band", band=band, counts=counts, min_count=MIN_COUNT))
    return out


def _profile_area() -> list[Cell]:
    return study_area([MARKT, (51.45, 12.02)], margin_m=1000)


def test_band_profile_sums_the_published_band_figures_of_the_period() -> None:
    found = published(_profile_messages())
    bands = band_profile(found, ["2026-W46", "2026-W47"], ["CRIME"])
    assert [b.band for b in bands] == list(BANDS)
    by_band = {b.band: b for b in bands}
    assert by_band["weekend:20-24"].count == 20
    assert by_band["weekend:20-24"].per_hour == pytest.approx(20 / (8 * 2))
    assert by_band["weekday:16-20"].count == 40
    assert by_band["weekday:16-20"].per_hour == pytest.approx(40 / (20 * 2))
    assert {f.week for f in by_band["weekday:16-20"].figures} == {"2026-W46", "2026-W47"}
    assert by_band["weekday:08-12"].figures == ()  # PUBLIC_ORDER is not asked for
    assert sum(b.count for b in bands) == 60
    # A retracted band figure no longer counts.
    retraction = Aggregate(week="2026-W47", area="band", band="weekend:20-24", counts={}, retracted=["CRIME"],
                           min_count=MIN_COUNT)  # fmt: skip
    again = band_profile(published([*_profile_messages(), retraction]), ["2026-W46", "2026-W47"], ["CRIME"])
    assert {b.band: b.count for b in again}["weekend:20-24"] == 10


def test_patrol_plan_names_the_citys_busiest_bands_for_the_cells_incidents() -> None:
    """The CRIME cell gets CRIME's busiest bands per hour (weekend nights before weekday afternoons, though these
    have more incidents: five days against two); the PUBLIC_ORDER cell its only band; the table says them."""
    found = published(_profile_messages())
    plan = patrol_plan(found, "2026-W48", _profile_area())
    by_cell = {p.cell.id: p for p in plan}
    crime, order = by_cell[cell_of(*MARKT).id], by_cell[cell_of(51.45, 12.02).id]
    assert crime.bands == ("weekend:20-24", "weekday:16-20")
    assert crime.hours == "Sa-So 20-24, Mo-Fr 16-20"
    assert order.bands == ("weekday:08-12",)
    text = patrol_table("2026-W48", plan)
    assert "Sa-So 20-24, Mo-Fr 16-20" in text
    assert "Mo-Fr 08-12" in text
    # Without band figures the plan still names cells, and says it has no hours.
    no_bands = published([m for m in _profile_messages() if m.area != "band"])
    assert all(p.bands == () and p.hours == "—" for p in patrol_plan(no_bands, "2026-W48", _profile_area()))


def test_the_page_charts_the_bands_with_dashes_for_unpublished_ones() -> None:
    found = published(_profile_messages())
    report = build_report(
        found, Period.between("2026-W46", "2026-W47"), _profile_area(), places=STOPS, patrol_week="2026-W48"
    )
    page = render_html(report, NETWORK, generated="test")
    chart = re.search(r'<svg[^>]*id="band-chart".*?</svg>', page, re.S)
    assert chart is not None
    assert chart[0].count('<rect class="band') == 12
    assert chart[0].count('<rect class="band weekend"') == 6
    table = re.search(r'<table id="bands">(.*?)</table>', page, re.S)
    assert table is not None
    rows = dict(
        (hours, cells)
        for hours, cells in (
            (m[0], re.findall(r'<td class="n">([^<]*)</td>', m[1]))
            for m in re.findall(r"<tr><td>(\d\d-\d\d)</td>(.*?)</tr>", table[1])
        )
    )
    assert rows["20-24"] == ["—", "20", "—", "1.25"]  # weekday nights: no figure; weekend nights 20, per hour
    assert rows["16-20"] == ["40", "—", "1.00", "—"]
    assert rows["08-12"] == ["60", "—", "1.50", "—"]
    assert rows["00-04"] == ["—", "—", "—", "—"]
    assert "Sa-So 20-24" in page  # the patrol plan's hours
    assert "carry no" not in page  # the old notes that the aggregates have no hours are gone
    assert "Es gibt keine Uhrzeit" not in page
