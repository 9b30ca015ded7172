"""The hotspot report page in Chromium with the network switched off: it draws everything from itself (inline
SVG, no script, nothing fetched), so the map with the tram network, the hot cells, the chart by hour of week and the
tables all show. The screenshot is saved as ``test-artifacts/<test>.png`` (and is the one docs/hotspots.md shows)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Page, Request, expect

from hub.network.tram import load_tram_network
from hub.reports.hotspots import build_report, study_area
from hub.reports.published import Period, published
from hub.reports.render import render_html
from hub.reports.run import places, write_pdf
from tests.helpers.browser import ensure_chromium
from tests.unit.reports.scene import build

pytestmark = pytest.mark.integration


def test_the_report_opens_offline_and_shows_map_hot_cells_and_tables(
    new_page: Callable[..., Page], tmp_path: Path
) -> None:
    network = load_tram_network()
    stops = places(network)
    found = published(build().messages)
    area = study_area([(s.lat, s.lon) for s in stops], found.cells.values())
    report = build_report(found, Period.between("2026-W46", "2026-W47"), area, places=stops, patrol_week="2026-W48")
    target = tmp_path / "hotspots.html"
    target.write_text(render_html(report, network, generated="browser test"), encoding="utf-8")

    page = new_page(offline=True, viewport={"width": 1100, "height": 1400})
    requested: list[str] = []

    def seen(request: Request) -> None:
        requested.append(request.url)

    page.on("request", seen)
    page.goto(target.as_uri())
    assert requested == [target.as_uri()]  # the page itself, nothing else
    expect(page.locator("#hot-count")).to_have_text(str(len(report.hot.hot)))
    assert report.hot.hot
    expect(page.locator("rect.cell.hot")).to_have_count(len(report.hot.hot))
    expect(page.locator("polyline.tram")).to_have_count(len(network.lines))
    tram = page.locator("polyline.tram").first.bounding_box()
    assert tram is not None
    assert tram["width"] > 20
    assert tram["height"] > 20
    expect(page.locator("#top-cells tr")).to_have_count(1 + len(report.hot.top(15)))
    expect(page.locator("#patrol tr")).to_have_count(1 + len(report.patrol))
    expect(page.locator("#events-none")).to_be_visible()
    expect(page.locator("#weekly-chart rect")).not_to_have_count(0)
    # The chart by hour of week: a bar per band (six weekday, six weekend), drawn and labelled.
    expect(page.locator("#band-chart rect.band")).to_have_count(12)
    expect(page.locator("#band-chart rect.band.weekend")).to_have_count(6)
    chart = page.locator("#band-chart").bounding_box()
    assert chart is not None
    assert chart["width"] > 400
    tallest = max(
        (page.locator("#band-chart rect.band").nth(n).bounding_box() or {"height": 0.0})["height"] for n in range(12)
    )
    assert tallest > 50
    expect(page.locator("#bands tr")).to_have_count(7)
    assert any(b.figures for b in report.bands)
    expect(page.locator("#patrol th", has_text="Busiest hours")).to_be_visible()
    expect(page.locator("text=Methode und Grenzen")).to_be_visible()


def test_the_report_prints_to_pdf_with_chromium(tmp_path: Path) -> None:
    """``--pdf``: the same page printed by headless Chromium (installed first where possible, as for the pages)."""
    found_chromium = ensure_chromium()
    if isinstance(found_chromium, str):
        pytest.skip(found_chromium)
    network = load_tram_network()
    stops = places(network)
    found = published(build().messages)
    area = study_area([(s.lat, s.lon) for s in stops], found.cells.values())
    report = build_report(found, Period(("2026-W47",)), area, places=stops, patrol_week="2026-W48")
    page = tmp_path / "hotspots.html"
    page.write_text(render_html(report, network, generated="pdf test"), encoding="utf-8")
    said: list[str] = []
    pdf = write_pdf(page, said.append)
    assert pdf == tmp_path / "hotspots.pdf"
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert pdf.stat().st_size > 20_000
    assert said
