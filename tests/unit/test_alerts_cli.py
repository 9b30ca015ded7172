"""The pure parts of ``hub alerts``: alert ids, local times, stop names, the tail line, changes, actions, and why an
acknowledgement is refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hub.alerts_cli import (
    ack_problem,
    action_line,
    change_lines,
    domain_of,
    local_time,
    show_lines,
    stop_name,
    tail_line,
)
from hub.network.gtfs_static import default_gtfs
from hub.store.alerts import AlertRow, Change, RevisionRow
from tests.helpers.alerts import T0, action_row, alert

STOPS = default_gtfs().stops
TOPIC = "t1.alerts.polizei"


def _row(revision: int = 1, topic: str = TOPIC, **fields: object) -> AlertRow:
    return AlertRow(alert(revision=revision, **fields), "ev", topic, 0, revision, T0, T0, T0)


def _stored(row: AlertRow) -> RevisionRow:
    return RevisionRow(row.alert, row.event_id, row.topic, row.partition, row.offset, row.stored_at)


@pytest.mark.parametrize(
    ("alert_id", "domain"),
    [
        ("al-polizei-0a1b2c", "polizei"),
        ("al-havag-x", "havag"),
        ("al-ordnungsamt-1", "ordnungsamt"),
        ("al-analytics-1", None),  # not an alert domain
        ("al-polizei-", None),
        ("ALR-0000001", None),
        ("al-polizei-1 2", None),
    ],
)
def test_domain_of_an_alert_id(alert_id: str, domain: str | None) -> None:
    """The domain is the second part of ``al-<domain>-…``, and only an alert domain counts."""
    assert domain_of(alert_id) == domain


def test_local_time_is_halle_time_in_winter_and_summer() -> None:
    """UTC instants are shown in Europe/Berlin: CET in November, CEST in June."""
    assert local_time(datetime(2026, 11, 20, 20, 50, tzinfo=UTC)) == "2026-11-20 21:50:00"
    assert local_time(datetime(2026, 6, 1, 20, 50, tzinfo=UTC)) == "2026-06-01 22:50:00"


def test_stop_names_from_the_shipped_stops() -> None:
    """A stop's DHID gives its name, a platform's DHID its stop area's name, an unknown DHID itself."""
    assert stop_name("de:15002:5232", STOPS) == "Halle (Saale), Marktplatz"
    assert stop_name("de:15002:5232:1:2", STOPS) == "Halle (Saale), Marktplatz"
    assert stop_name("de:15002:999999", STOPS) == "de:15002:999999"


def test_tail_line_and_its_colours() -> None:
    """One line: local time, priority, state, id, revision, stops by name, unit, hold; ANSI colour only if asked."""
    line = tail_line(_stored(_row()), STOPS)
    assert line == (
        "2026-11-20 21:50:00  P1  new           al-polizei-0001  r1  at Halle (Saale), Marktplatz"
        "  intercept Halle (Saale), Franckeplatz  unit Saale 12/1"
    )
    coloured = tail_line(_stored(_row()), STOPS, colour=True)
    assert "\x1b[1;31mP1\x1b[0m" in coloured
    assert "\x1b[" not in tail_line(_stored(_row()), STOPS)
    bare = alert("al-havag-0001", stop_dhid=None, intercept_stop_dhid=None)
    havag = tail_line(RevisionRow(bare, "ev", TOPIC, 0, 0, T0), STOPS)
    assert havag.endswith("r1  hold: hold_at_stop at Halle (Saale), Franckeplatz for at most 90 s")


def test_change_lines_show_stops_by_name_times_locally_and_absence_as_a_dash() -> None:
    """Values of a change are shown for people."""
    lines = change_lines(
        [
            Change("intercept_stop_dhid", "de:15002:5125", "de:15002:5232"),
            Change("unit_eta", "2026-11-20T20:54:00Z", None),
            Change("priority", 1, 2),
        ],
        STOPS,
    )
    assert lines == [
        "intercept_stop_dhid: Halle (Saale), Franckeplatz (de:15002:5125) -> Halle (Saale), Marktplatz (de:15002:5232)",
        "unit_eta: 2026-11-20 21:54:00 -> -",
        "priority: 1 -> 2",
    ]


def test_action_and_history_lines() -> None:
    """An action names its time, kind, revision (or the latest), person and note; the history lists each revision
    with what changed from the one before, then the actions."""
    assert action_line(action_row("al-polizei-0001", 1, note="unterwegs")) == (
        "2026-11-20 21:55:01  acknowledge  r1      by mueller  note: unterwegs"
    )
    assert action_line(action_row("al-polizei-0001", 0, "resolve", None)).endswith("resolve      latest  by mueller")
    rows = [_stored(_row(1)), _stored(_row(2, priority=2))]
    lines = show_lines(rows, [], STOPS, colour=False)
    assert lines[0] == "al-polizei-0001  (polizei, incident inc-al-polizei-0001, 2 revision(s))"
    assert lines[3:] == ["    priority: 1 -> 2", "actions: none"]


def test_an_acknowledgement_is_refused_unless_it_names_the_latest_revision_of_a_live_alert_of_this_hub() -> None:
    """Unknown, another deployment's, finished, a revision that does not exist, or stale (with what changed since):
    refused with the reason; the latest revision of an open alert: None."""
    latest = _row(3, unit_eta=T0 + timedelta(minutes=9))
    history = [_stored(_row(1)), _stored(latest)]  # revision 2 not stored
    assert ack_problem("al-polizei-0001", latest, history, 3, TOPIC, STOPS) is None
    assert "unknown alert al-polizei-0001" in str(ack_problem("al-polizei-0001", None, [], 1, TOPIC, STOPS))
    other = ack_problem("al-polizei-0001", _row(3, topic="alerts.polizei"), history, 3, TOPIC, STOPS)
    assert "was read from alerts.polizei, not t1.alerts.polizei" in str(other)
    finished = _row(3, state="expired", cleared_at=T0, clear_reason="expired")
    assert "is expired (r3)" in str(ack_problem("al-polizei-0001", finished, history, 3, TOPIC, STOPS))
    assert "has no revision 4: the latest is r3" in str(
        ack_problem("al-polizei-0001", latest, history, 4, TOPIC, STOPS)
    )
    stale = str(ack_problem("al-polizei-0001", latest, history, 2, TOPIC, STOPS))
    assert stale.splitlines() == [
        "al-polizei-0001 r2 is not the latest revision: r3 is. Changed since r2:",
        "    unit_eta: 2026-11-20 21:54:00 -> 2026-11-20 21:59:00",
        "look at it (hub alerts show al-polizei-0001) and give --revision 3",
    ]
