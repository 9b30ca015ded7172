"""Planned events in ``hub report``: read as the analytics domain may see them (the policy's own transform is the
reference), cancelled and unplaceable events left out, and the page and the patrol table naming them by cell, hour
and size, never by the organiser's title."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hub.network.tram import load_tram_network
from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS, WITHHELD_TEXT, default_policy
from hub.privacy.pseudonym import ID_KEYS
from hub.privacy.transform import TransformContext, for_domain
from hub.reports.hotspots import build_report, study_area
from hub.reports.planned import as_analytics_sees_it, planned_events
from hub.reports.published import Period, published
from hub.reports.render import patrol_table, render_html
from hub.reports.run import places
from hub.schemas import PlannedEvent, example_payload, wrap
from tests.unit.reports.scene import build

NETWORK = load_tram_network()
STOPS = places(NETWORK)


def _concert(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        **example_payload("planned-event", 1),
        "title": "Weihnachtskonzert Marktkirche",
        "place": {"name": "Marktplatz", "position": {"lat": 51.48262, "lon": 11.96977}, "nearest_stops": []},
        "starts_at": "2026-11-26T19:30:00+01:00",
        "ends_at": "2026-11-26T22:45:00+01:00",
        "expected_attendance": 3000,
    }
    return {**data, **changes}


def test_the_report_sees_a_planned_event_as_the_policy_shares_it_with_analytics() -> None:
    """Position, hours and size are what the pseudonymiser's transform gives the analytics domain; the title,
    withheld there, is not read at all."""
    data = _concert()
    event = wrap(PlannedEvent.model_validate(data), source="/events/ics/test", source_record_id="1@2",
                 time=datetime(2026, 11, 1, tzinfo=UTC))  # fmt: skip
    ring = demo_keyring([*DOMAINS, ID_KEYS["analytics"][0]])
    share = for_domain(event, "analytics", default_policy(), ring, context=TransformContext())
    assert share is not None
    seen = as_analytics_sees_it(data)
    assert seen is not None
    assert share.data["title"] == WITHHELD_TEXT
    assert seen.title is None
    assert (seen.lat, seen.lon) == (share.data["place"]["position"]["lat"], share.data["place"]["position"]["lon"])
    assert seen.start == datetime.fromisoformat(share.data["starts_at"])
    assert seen.end == datetime.fromisoformat(share.data["ends_at"])
    assert (seen.start.hour, seen.end.hour) == (19, 22)
    assert seen.attendance == share.data["expected_attendance"] == 3000


def test_cancelled_and_unplaced_events_are_left_out_and_an_open_end_is_the_start() -> None:
    cancelled = _concert(status="cancelled")
    nowhere = _concert(place={"name": "irgendwo", "position": None, "nearest_stops": []})
    open_end = _concert(ends_at=None, starts_at="2026-11-27T10:10:00+01:00")
    found = planned_events([cancelled, nowhere, open_end, _concert()])
    assert [(e.start.day, e.end.hour) for e in found] == [(26, 22), (27, 10)]
    assert found[1].start == found[1].end


def test_the_page_and_the_patrol_table_name_events_by_cell_hour_and_size_not_title() -> None:
    scene = build()
    found = published(scene.messages)
    area = study_area([(s.lat, s.lon) for s in STOPS], found.cells.values())
    [event] = planned_events([_concert()])
    report = build_report(found, Period.between("2026-W46", "2026-W47"), area, places=STOPS, events=[event],
                          patrol_week="2026-W48")  # fmt: skip
    page = render_html(report, NETWORK, generated="test")
    assert "Weihnachtskonzert" not in page
    assert 'id="events-none"' not in page
    assert f"<code>{event.cell}</code></td><td>2026-11-26 19:00</td><td>2026-11-26 22:00</td>" in page
    assert "3,000" in page
    [planned] = [p for p in report.patrol if p.events]
    assert planned.cell.id == event.cell
    assert "event, ~3,000 expected" in patrol_table("2026-W48", report.patrol)
