"""The hotspot report end to end (issue 16): the simulator's incidents through the real connectors, normaliser and
pseudonymiser to the analytics domain, ``hub aggregates publish`` for the week, then ``hub report hotspots`` and
``hub report patrol`` as commands. Every number of the report is checked against counts made here, independently,
from the simulator's own incidents.

The simulated period is four minutes of a Friday evening at a high incident rate (about 650 incidents arrive), not a
month: at the simulator's 15x speed a month would take two days. The CAP channel only (incidents at stops and on
trams reported by phone): driver alarms are cleared down at another position, which would make the independent
count model the clear-down as well. The simulator makes no Open311 reports, so unsafe places and broken lighting
are shared to analytics by the real transform beside it, and checked the same way."""

from __future__ import annotations

import html
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from hub.config import Settings
from hub.jobs.aggregates import publish_week
from hub.privacy.aggregates import MIN_COUNT, cell_of
from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS, default_policy
from hub.privacy.pseudonym import ID_KEYS
from hub.privacy.transform import TransformContext, share_record, snap_to_grid
from hub.processes import settings_env
from hub.reports.hotspots import PLACE_REPORTS
from hub.reports.published import Period
from hub.reports.run import make_report
from hub.schemas import Incident, example_payload, top_level, wrap
from hub.sim.scenario import Scenario, ScenarioConfig, build_scenario
from hub.topology import qualified
from tests.helpers.kafka import events
from tests.helpers.sim import simulated
from tests.helpers.stack import Topics
from tests.helpers.waiting import wait_until
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration

SEED = 16
WEEK = "2026-W47"  # the scenario's default start, Friday 2026-11-20 21:45
MIX = (("driver_alarm_silent", 0.0), ("driver_alarm_loud", 0.0), ("passenger_emergency", 0.15),
       ("assault_on_vehicle", 0.25), ("at_stop", 0.60))  # fmt: skip
ANALYTICS_GRID_M = 250  # the analytics domain sees positions on this grid (default_policy.toml)


def _expected(scenario: Scenario) -> Counter[tuple[str, str]]:
    """Incidents per (500 m cell, category) as the prevention domain may learn them, from the scenario alone: the
    position as the CAP alert carries it (6 decimals), coarsened to the analytics grid as the policy says, its
    500 m cell; the top level of the type code. Incidents reported after the simulation ends never arrive."""
    counts: Counter[tuple[str, str]] = Counter()
    for incident in scenario.incidents:
        if incident.reported_s >= scenario.end_s:
            continue
        lat, lon = snap_to_grid(round(incident.lat, 6), round(incident.lon, 6), ANALYTICS_GRID_M)
        counts[(cell_of(lat, lon).id, top_level(incident.event.type_code))] += 1
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


def _hub(settings: Settings, *argv: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **settings_env(settings)}
    return subprocess.run(
        [sys.executable, "-m", "hub", *argv], env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_report_of_a_simulated_evening_matches_the_simulators_incidents(
    settings: Settings, topics: Topics, start_workers: WorkerFactory, tmp_path: Path
) -> None:
    topics("share.analytics.incident", "share.praevention.aggregates")
    scenario = build_scenario(
        SEED,
        ScenarioConfig(duration_s=240.0, incident_rate_per_h=14_000.0, incident_mix=MIX),  # type: ignore[arg-type]
    )
    expected = _expected(scenario)
    total = sum(expected.values())
    assert total > 600, "the scenario must give many incidents, or few cells reach the threshold"
    workers = start_workers("normalise", "pseudonymise", pseudonym_keys="demo", ready=False)
    with simulated(scenario, settings, tmp_path, ready=lambda: [w.wait_ready(60.0) for w in workers.values()]):

        def shared() -> int:
            return len({e.data["incident_id"] for e in events(settings, "share.analytics.incident")})

        wait_until(lambda: shared() >= total, 60, lambda: f"{shared()} of {total} incidents shared to analytics")

    reports = _open311_reports(settings)
    assert publish_week(settings, WEEK, now=datetime(2026, 11, 23, 6, tzinfo=UTC)).sent

    # The numbers, computed by the report's own reading shell from what was published.
    report, _ = make_report(settings, Period((WEEK,)), progress=lambda _: None)
    expected.update(reports)
    city = Counter[str]()
    for (_, category), n in expected.items():
        city[category] += n
    shown = {(f.area, f.category): f.count for c in report.hot.cells for f in c.figures}
    shown |= {(f.area, f.category): f.count for counts in report.reports.values() for p in counts for f in p.figures}
    # The residents' reports: their own categories, beside the incidents; the five other lights are kept back.
    for category in PLACE_REPORTS:
        want = sorted((n, c) for (c, cat), n in reports.items() if cat == category and n >= MIN_COUNT)
        assert sorted((p.count, p.cell.id) for p in report.reports[category]) == want, category
    assert shown, "no cell reached the threshold: the scenario is too thin to test anything"
    for (cell, category), count in shown.items():
        assert count == expected[(cell, category)], (cell, category)
    for cell in report.hot.cells:
        assert cell.count == sum(n for (c, cat), n in shown.items() if c == cell.cell.id and cat not in PLACE_REPORTS)
        assert cell.count == 0 or cell.count >= MIN_COUNT
    # What is not shown is below the threshold, or kept back by the complement rule: then what is on no shown cell
    # of the category is 0 or at least the threshold city-wide.
    for category in city:
        big = {cell for (cell, cat), n in expected.items() if cat == category and n >= MIN_COUNT}
        on_shown = sum(n for (cell, cat), n in shown.items() if cat == category)
        rest = city[category] - on_shown
        assert {c for c, cat in shown if cat == category} <= big
        assert rest == 0 or rest >= MIN_COUNT, category
        assert len(big) - len({c for c, cat in shown if cat == category}) <= 1, category
    [week] = [w for w in report.weeks if w.week == WEEK]
    assert week.counts == {cat: n for cat, n in city.items() if n >= MIN_COUNT}
    assert set(week.suppressed) == {cat for cat, n in city.items() if 0 < n < MIN_COUNT}
    assert report.hot.hot, "a busy evening in the city centre gives hot cells"

    # The commands: the page (progress on stderr) and the control room's table.
    done = _hub(settings, "report", "hotspots", "--from", "2026-11-18", "--to", WEEK, "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    assert "Getis-Ord Gi*" in done.stderr
    page = (tmp_path / "out" / "hotspots.html").read_text(encoding="utf-8")
    rows = re.findall(r"<tr><td>\d+</td><td>[^<]*</td><td><code>([^<]+)</code></td><td class=\"n\">(\d+)</td>", page)
    assert rows
    for cell, count in rows:
        assert int(count) == sum(
            n for (c, cat), n in shown.items() if c == html.unescape(cell) and cat not in PLACE_REPORTS
        )
    assert f'<b id="hot-count">{len(report.hot.hot)}</b>' in page
    plan = _hub(settings, "report", "patrol", "--week", "2026-W48")
    assert plan.returncode == 0, plan.stderr
    first = report.patrol[0]
    assert first.cell.id in plan.stdout.splitlines()[1]
