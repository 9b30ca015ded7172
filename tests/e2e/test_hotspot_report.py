"""The hotspot report end to end (issue 16): a simulated month of the simulator's incidents through the real
connectors, normaliser and pseudonymiser to the analytics domain, ``hub aggregates publish`` for each of its four ISO
weeks, then ``hub report hotspots`` over them and ``hub report patrol`` for the week after, as commands. Every
number of the report, the cells' and the hour-of-week bands', is checked, week by week, against counts made here,
independently, from the simulator's own incidents.

The month (Monday 2026-11-02 to Sunday 2026-11-29, weeks W45 to W48, about 2,900 incidents) runs in the
simulator's compressed mode: every push as soon as the one before was accepted, each with its simulated times
(at the usual 15x it would take two days). Incidents at stops only, reported by phone (the CAP channel), and no
units: the simulated world has trams for one service day only, so incidents on trams would fall on its first day
alone; driver alarms are cleared down at another position, which would make the independent count model the
clear-down as well; units would add two million radio reports the report never reads. The simulator makes no
Open311 reports, so unsafe places and broken lighting are shared to analytics by the real transform beside it, and
checked the same way."""

from __future__ import annotations

import asyncio
import html
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import psycopg
import pytest
from kafka import KafkaProducer

from hub.config import Settings
from hub.jobs.aggregates import publish_week
from hub.privacy.aggregates import MIN_COUNT, cell_of, iso_week, week_bounds
from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS, default_policy
from hub.privacy.pseudonym import ID_KEYS
from hub.privacy.transform import TransformContext, share_record, snap_to_grid
from hub.processes import settings_env
from hub.reports.hotspots import PLACE_REPORTS, HotspotReport
from hub.reports.published import Period
from hub.reports.run import make_report
from hub.schemas import Incident, example_payload, top_level, wrap
from hub.schemas import PlannedEvent as PlannedEventPayload
from hub.sim.scenario import HALLE, Scenario, ScenarioConfig, build_scenario
from hub.store.planned import planned_row, upsert_planned_events
from hub.topology import qualified
from tests.helpers.kafka import events
from tests.helpers.sim import COMPRESSED, simulated
from tests.helpers.stack import Topics
from tests.helpers.waiting import wait_until
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration

SEED = 16
WEEKS = ("2026-W45", "2026-W46", "2026-W47", "2026-W48")
MONTH = ScenarioConfig(
    start=datetime(2026, 11, 2, tzinfo=HALLE),  # Monday of 2026-W45, 00:00
    duration_s=28 * 86_400.0,  # to Sunday 2026-11-29 24:00, the end of 2026-W48
    incident_rate_per_h=4.5,  # about 730 a week: busy stops reach the threshold of 5 in a week
    incident_mix=(("at_stop", 1.0),),
    police_cars=0,
    police_on_foot=0,
    ordnungsamt_cars=0,
    ordnungsamt_on_foot=0,
)
PLACES_WEEK = "2026-W47"  # the residents' reports below
ANALYTICS_GRID_M = 250  # the analytics domain sees positions on this grid (default_policy.toml)


def _expected(scenario: Scenario) -> Counter[tuple[str, str, str]]:
    """Incidents per (ISO week, 500 m cell, category) as the prevention domain may learn them, from the scenario
    alone: the week of the time the CAP alert was sent (the incident's ``reported_at``) in Halle; the position as
    the alert carries it (6 decimals), coarsened to the analytics grid as the policy says, its 500 m cell; the top
    level of the type code. Incidents reported after the simulation ends never arrive."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for incident in scenario.incidents:
        if incident.reported_s >= scenario.end_s:
            continue
        week = iso_week(scenario.clock.at(incident.reported_s))
        lat, lon = snap_to_grid(round(incident.lat, 6), round(incident.lon, 6), ANALYTICS_GRID_M)
        counts[(week, cell_of(lat, lon).id, top_level(incident.event.type_code))] += 1
    return counts


def _expected_bands(scenario: Scenario) -> Counter[tuple[str, str, str]]:
    """Incidents per (ISO week, hour-of-week band, category) from the scenario alone: the local time in Halle of
    the CAP alert's ``sent`` (whole seconds; the analytics domain has it to the hour, which keeps the hour), four
    hours a band, Saturday and Sunday the weekend."""
    counts: Counter[tuple[str, str, str]] = Counter()
    for incident in scenario.incidents:
        if incident.reported_s >= scenario.end_s:
            continue
        local = scenario.clock.at(incident.reported_s).astimezone(ZoneInfo("Europe/Berlin"))
        days = "weekend" if local.isoweekday() >= 6 else "weekday"
        start = local.hour - local.hour % 4
        counts[(iso_week(local), f"{days}:{start:02d}-{start + 4:02d}", top_level(incident.event.type_code))] += 1
    return counts


def _open311_reports(settings: Settings) -> Counter[tuple[str, str]]:
    """Residents' reports the simulator does not make: unsafe places and broken lighting as the Open311 format
    classifies them, shared to analytics by the real transform (demo keys, as the worker) beside the simulator's
    incidents: seven at the Steintor, six lights at Glaucha, and three and two more lights in two other cells: kept
    back, and together five, so the complement rule lets Glaucha's six stand (with one small cell it would not)."""
    ring = demo_keyring([*DOMAINS, ID_KEYS["analytics"][0]])
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap())
    counts: Counter[tuple[str, str]] = Counter()
    places = [
        ("SAFETY/UNSAFE_PLACE", (51.48820, 11.97809), 7),
        ("TECHNICAL/LIGHTING", (51.47600, 11.96300), 6),
        ("TECHNICAL/LIGHTING", (51.49600, 11.93000), 3),
        ("TECHNICAL/LIGHTING", (51.45000, 11.99000), 2),
    ]
    try:
        for type_code, (lat, lon), n in places:
            for k in range(n):
                data: dict[str, Any] = {
                    **example_payload("incident", 1),
                    "incident_id": f"OAHAL-{type_code[:4]}-{lat}-{k}",
                    "origin": "open311",
                    "type_code": type_code,
                    "reported_at": "2026-11-19T18:00:00+01:00",
                    "location": {"lat": lat, "lon": lon, "uncertainty_m": 20.0},
                }
                event = wrap(Incident.model_validate(data), source="/ordnungsamt/open311", source_record_id=f"{k}",
                             time=datetime(2026, 11, 19, 17, k, tzinfo=UTC))  # fmt: skip
                record = share_record(event, "analytics", default_policy(), ring, context=TransformContext())
                assert record is not None
                topic = qualified(settings.topic_prefix, record.topic)
                producer.send(topic, key=record.key, value=record.value()).get(timeout=30)
            snapped = snap_to_grid(lat, lon, ANALYTICS_GRID_M)
            counts[(cell_of(*snapped).id, type_code)] += n
    finally:
        producer.close()
    return counts


def _plan_a_concert(settings: Settings) -> str:
    """One planned event in the week after the month, stored as the sink stores a calendar's event (its latest
    state in ``planned_events``), beside a cancelled one and one after the weeks the report looks ahead; returns the
    500 m cell the analytics domain may place the concert in."""
    venue = {"name": "Marktplatz", "position": {"lat": 51.48262, "lon": 11.96977}, "nearest_stops": []}
    stored = [
        ("Adventskonzert auf dem Markt", "2026-12-05T16:00:00+01:00", "2026-12-05T22:30:00+01:00", "confirmed"),
        ("Abgesagter Markt", "2026-12-04T10:00:00+01:00", "2026-12-04T18:00:00+01:00", "cancelled"),
        ("Frühlingsfest", "2027-03-20T10:00:00+01:00", "2027-03-20T18:00:00+01:00", "confirmed"),
    ]
    rows = []
    for n, (title, start, end, status) in enumerate(stored, 1):
        data = {**example_payload("planned-event", n), "title": title, "place": venue, "starts_at": start,
                "ends_at": end, "status": status, "expected_attendance": 5000}  # fmt: skip
        payload = PlannedEventPayload.model_validate(data)
        event = wrap(payload, source="/events/ics/test", source_record_id=f"{payload.event_id}@{payload.sequence}",
                     time=datetime(2026, 11, 20, tzinfo=UTC))  # fmt: skip
        rows.append(planned_row(event, payload))

    async def store() -> None:
        async with await psycopg.AsyncConnection.connect(settings.database_conninfo()) as conn:
            await upsert_planned_events(conn, rows)

    asyncio.run(store())
    return cell_of(*snap_to_grid(51.48262, 11.96977, ANALYTICS_GRID_M)).id


def _check_numbers(
    report: HotspotReport, expected: Counter[tuple[str, str, str]], reports: Counter[tuple[str, str]]
) -> dict[tuple[str, str, str], int]:
    """Every published figure on the report against the independent counts, week by week, and what is missing
    against the threshold and the complement rule; returns the figures shown, per (week, cell, category)."""
    city = Counter[tuple[str, str]]()
    for (week, _, category), n in expected.items():
        city[(week, category)] += n
    shown: dict[tuple[str, str, str], int] = {}
    for figures in [c.figures for c in report.hot.cells] + [p.figures for r in report.reports.values() for p in r]:
        for f in figures:
            shown[(f.week, f.area, f.category)] = shown.get((f.week, f.area, f.category), 0) + f.count
    assert {week for week, _, _ in shown} == set(WEEKS), "every week of the month has published cells"
    # The residents' reports: their own categories, beside the incidents; the five other lights are kept back.
    for category in PLACE_REPORTS:
        want = sorted((n, c) for (c, cat), n in reports.items() if cat == category and n >= MIN_COUNT)
        assert sorted((p.count, p.cell.id) for p in report.reports[category]) == want, category
    for key, count in shown.items():
        assert count == expected[key], key
    for cell in report.hot.cells:
        assert cell.count == sum(
            n for (_, c, cat), n in shown.items() if c == cell.cell.id and cat not in PLACE_REPORTS
        )
        assert cell.count == 0 or cell.count >= MIN_COUNT
    # Week by week, what is not shown is below the threshold, or kept back by the complement rule: then what is on
    # no shown cell of the category is 0 or at least the threshold city-wide.
    for week, category in city:
        big = {c for (w, c, cat), n in expected.items() if (w, cat) == (week, category) and n >= MIN_COUNT}
        on = {c: n for (w, c, cat), n in shown.items() if (w, cat) == (week, category)}
        rest = city[(week, category)] - sum(on.values())
        assert set(on) <= big, (week, category)
        assert rest == 0 or rest >= MIN_COUNT, (week, category)
        assert len(big) - len(on) <= 1, (week, category)
    for row in report.weeks:
        if row.week in WEEKS:
            here = {cat: n for (w, cat), n in city.items() if w == row.week}
            assert row.counts == {cat: n for cat, n in here.items() if n >= MIN_COUNT}, row.week
            assert set(row.suppressed) == {cat for cat, n in here.items() if 0 < n < MIN_COUNT}, row.week
    return shown


def _check_bands(report: HotspotReport, expected: Counter[tuple[str, str, str]]) -> dict[str, int]:
    """The chart by hour of week: every band figure on the report against the independent counts, week by week and
    category by category; what is not shown is below the threshold or held back, and what is in no shown band of a
    category is 0 or at least the threshold. Returns the report's band totals, checked against the figures."""
    city = Counter[tuple[str, str]]()
    for (week, _, category), n in expected.items():
        if category in report.hot.categories:  # the chart's categories: every incident category published
            city[(week, category)] += n
    shown: dict[tuple[str, str, str], int] = {}
    for band in report.bands:
        assert band.count == sum(f.count for f in band.figures)
        assert band.count == 0 or band.count >= MIN_COUNT
        for f in band.figures:
            assert f.band == band.band
            shown[(f.week, band.band, f.category)] = shown.get((f.week, band.band, f.category), 0) + f.count
    assert {week for week, _, _ in shown} == set(WEEKS), "every week of the month has published bands"
    for key, count in shown.items():
        assert count == expected[key], key
    for week, category in city:
        big = {b for (w, b, cat), n in expected.items() if (w, cat) == (week, category) and n >= MIN_COUNT}
        on = {b: n for (w, b, cat), n in shown.items() if (w, cat) == (week, category)}
        assert set(on) <= big, (week, category)
        rest = city[(week, category)] - sum(on.values())
        assert rest == 0 or rest >= MIN_COUNT or not on, (week, category)
    # The rules hold few bands back in a month this busy: most bands that reached the threshold are shown.
    big_all = {(w, b, cat) for (w, b, cat), n in expected.items() if n >= MIN_COUNT and (w, cat) in city}
    assert len(shown) >= 0.75 * len(big_all), (len(shown), len(big_all))
    return {band.band: band.count for band in report.bands}


def _hub(settings: Settings, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **settings_env(settings)}
    return subprocess.run(
        [sys.executable, "-m", "hub", *argv], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_report_of_a_simulated_month_matches_the_simulators_incidents(
    settings: Settings, topics: Topics, start_workers: WorkerFactory, tmp_path: Path
) -> None:
    topics("share.analytics.incident", "share.praevention.aggregates")
    scenario = build_scenario(SEED, MONTH)
    expected = _expected(scenario)
    expected_bands = _expected_bands(scenario)
    total = sum(expected.values())
    assert {week for week, _, _ in expected} == set(WEEKS)
    assert total > 2500, "the month must give many incidents, or few cells reach the threshold"
    workers = start_workers("normalise", "pseudonymise", pseudonym_keys="demo", ready=False)
    with simulated(
        scenario,
        settings,
        tmp_path,
        ready=lambda: [w.wait_ready(60.0) for w in workers.values()],
        speed=COMPRESSED,
    ):

        def shared() -> int:
            return len({e.data["incident_id"] for e in events(settings, "share.analytics.incident")})

        wait_until(lambda: shared() >= total, 90, lambda: f"{shared()} of {total} incidents shared to analytics")

    reports = _open311_reports(settings)
    for week in WEEKS:  # each on the Monday after it, as scheduled
        assert publish_week(settings, week, now=week_bounds(week)[1].astimezone(UTC) + timedelta(hours=6)).sent

    concert = _plan_a_concert(settings)

    # The numbers, computed by the report's own reading shell from what was published.
    report, _ = make_report(settings, Period(WEEKS), progress=lambda _: None)
    assert report.patrol_week == "2026-W49"
    # The planned event, as analytics may see it: its cell, the hours, its size, no title; not the cancelled one,
    # nor the one after the four weeks ahead.
    [event] = report.events
    assert (event.cell, event.title, event.attendance) == (concert, None, 5000)
    assert (event.start.hour, event.end.hour) == (16, 22)
    expected.update({(PLACES_WEEK, cell, cat): n for (cell, cat), n in reports.items()})
    shown = _check_numbers(report, expected, reports)
    assert report.hot.hot, "a month of incidents at stops gives hot cells in the city centre"
    band_totals = _check_bands(report, expected_bands)
    assert all(p.bands for p in report.patrol), "the patrol plan names the busiest hours of every cell"

    # The commands: the page (progress on stderr) and the control room's table.
    done = _hub(
        settings, "report", "hotspots", "--from", "2026-11-02", "--to", WEEKS[-1], "--out", str(tmp_path / "out")
    )
    assert done.returncode == 0, done.stderr
    assert "Getis-Ord Gi*" in done.stderr
    page = (tmp_path / "out" / "hotspots.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr><td>\d+</td><td>[^<]*</td><td><code>([^<]+)</code></td><td class=\"n\">(\d+)</td>", page)
    assert rows
    for cell, count in rows:
        assert int(count) == sum(
            n for (_, c, cat), n in shown.items() if c == html.unescape(cell) and cat not in PLACE_REPORTS
        )
    assert f'<b id="hot-count">{len(report.hot.hot)}</b>' in page
    bands_table = re.search(r'<table id="bands">(.*?)</table>', page, re.S)
    assert bands_table is not None
    for hours, cells in re.findall(r"<tr><td>(\d\d-\d\d)</td>(.*?)</tr>", bands_table[1]):
        weekday, weekend = re.findall(r'<td class="n">([^<]*)</td>', cells)[:2]
        for days, text in (("weekday", weekday), ("weekend", weekend)):
            total = band_totals[f"{days}:{hours}"]
            assert text == (str(total) if total else "—"), (days, hours)
    assert "Adventskonzert" not in page
    assert f"<code>{concert}</code></td><td>2026-12-05 16:00</td><td>2026-12-05 22:00</td>" in page
    plan = _hub(settings, "report", "patrol", "--week", "2026-W49", "--top", "50")
    assert plan.returncode == 0, plan.stderr
    first = report.patrol[0]
    assert first.cell.id in plan.stdout.splitlines()[1]
    assert first.hours in plan.stdout.splitlines()[1]
    [line] = [line for line in plan.stdout.splitlines() if concert in line]
    assert "event, ~5,000 expected" in line
