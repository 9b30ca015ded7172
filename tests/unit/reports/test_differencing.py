"""Disclosure control of the reports (issue 16, item 5): every number a report shows is a sum of published
figures, so no combination of two or more reports (overlapping periods, other categories; cells, weeks and the
hour-of-week bands) recovers a count the aggregator kept back; a naive report over raw counts, the control, gives
them away."""

from __future__ import annotations

from collections.abc import Iterable

from hub.network.tram import load_tram_network
from hub.privacy.aggregates import MIN_COUNT
from hub.reports.hotspots import PLACE_REPORTS, HotspotReport, build_report, study_area
from hub.reports.published import Figure, Period, published
from hub.reports.run import places
from tests.helpers.differencing import recoverable, small_groups
from tests.unit.reports.scene import CATEGORIES, CELLS, WEEKS, Scene, build

STOPS = places(load_tram_network())


def _members(scene: Scene, figures: Iterable[Figure]) -> frozenset[str]:
    out: set[str] = set()
    for f in figures:
        out |= scene.figure_members(f.week, f.area, f.revision, f.category)
    return frozenset(out)


def _shown(scene: Scene, report: HotspotReport) -> list[frozenset[str]]:
    """Every number of the report as the set of incidents it counts, each checked against the number shown."""
    out = []
    numbers = [(c.count, c.figures) for c in report.hot.cells if c.figures]
    numbers += [(c.previous, c.previous_figures) for c in report.hot.cells if c.previous_figures]
    numbers += [(p.count, p.figures) for counts in report.reports.values() for p in counts]
    numbers += [(p.previous, p.previous_figures) for c in report.reports.values() for p in c if p.previous_figures]
    numbers += [(b.count, b.figures) for b in report.bands if b.figures]  # the chart by hour of week
    for shown, figures in numbers:
        members = _members(scene, figures)
        assert len(members) == shown >= MIN_COUNT
        out.append(members)
    for week in report.weeks:
        for category, shown in week.counts.items():
            members = frozenset(i.incident for i in scene.incidents[week.week].values() if i.category == category)
            assert len(members) == shown >= MIN_COUNT
            out.append(members)
    return out


def _secrets(scene: Scene) -> list[frozenset[str]]:
    """Counts below the threshold: per week, and over every run of weeks, per category and cell (or the city, or
    no cell), hour-of-week band (or none) and cell within band (``small_groups``)."""
    secrets = []
    for first in range(len(WEEKS)):
        for last in range(first, len(WEEKS)):
            items = [i for w in WEEKS[first : last + 1] for i in scene.incidents[w].values()]
            secrets += small_groups(items, MIN_COUNT)
    return secrets


def _reports(scene: Scene) -> list[HotspotReport]:
    found = published(scene.messages)
    area = study_area([(c.lat, c.lon) for c in CELLS.values()], margin_m=1000)  # small: the test stays fast
    out = []
    for first, last, categories in (
        ("2026-W46", "2026-W47", None),
        ("2026-W47", "2026-W47", None),
        ("2026-W45", "2026-W47", ["CRIME"]),
        ("2026-W46", "2026-W46", ["PUBLIC_ORDER"]),
    ):
        period = Period.between(first, last)
        out.append(build_report(found, period, area, categories=categories, places=STOPS, patrol_week="2026-W48"))
    return out


def test_no_two_reports_recover_a_suppressed_count() -> None:
    for seed in (1, 2):
        scene = build(seed)
        secrets = _secrets(scene)
        assert len(secrets) > 20, "the scene must hold small counts, or the test proves nothing"
        reports = _reports(scene)
        shown = [members for report in reports for members in _shown(scene, report)]
        assert len(shown) > 50
        assert sum(1 for r in reports for b in r.bands if b.figures) > 10, "the reports must show bands"
        assert recoverable(shown, secrets) == []


def test_a_naive_report_over_raw_counts_gives_small_counts_away() -> None:
    """The control: totals per cell over overlapping periods computed from the incidents (what an ad-hoc report
    would show) let the attacker recover small counts, so the check above can fail."""
    scene = build(1)
    shown = []
    for weeks in (WEEKS[1:], WEEKS[2:]):
        items = [i for w in weeks for i in scene.incidents[w].values()]
        for cell in CELLS:
            for category in CATEGORIES:
                members = frozenset(i.incident for i in items if i.cell == cell and i.category == category)
                if len(members) >= MIN_COUNT:
                    shown.append(members)
    assert recoverable(shown, _secrets(scene))


def test_victim_sensitive_and_unpositioned_incidents_stay_city_wide_and_sensitive_ones_in_no_band() -> None:
    scene = build(1)
    city_only = {i.incident for w in WEEKS for i in scene.incidents[w].values() if i.cell is None}
    in_no_band = {i.incident for w in WEEKS for i in scene.incidents[w].values() if i.band is None}
    assert in_no_band
    for report in _reports(scene):
        cell_members = [_members(scene, c.figures) for c in report.hot.cells]
        cell_members += [_members(scene, p.figures) for cat in PLACE_REPORTS for p in report.reports[cat]]
        assert not any(m & city_only for m in cell_members)
        assert not any(_members(scene, b.figures) & in_no_band for b in report.bands)
