"""What an agency is shown: views with stop names, local times and groups; the changes between revisions; the map;
and the separation's second lock: a HAVAG view never holds a field marked sensitive, whatever the alert holds."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.console.feeds import cap_document
from hub.console.models import AlertView
from hub.console.places import default_places
from hub.console.source import Fix, StoredAction, StoredAlert
from hub.console.testing import sample_alert
from hub.console.views import (
    action_view,
    alert_view,
    changes,
    hidden_fields,
    map_view,
    redacted_alert,
    revision_changes,
)
from hub.schemas import sensitive_fields
from hub.schemas.alert import Alert

PLACES = default_places()
STORED_AT = datetime(2026, 11, 20, 20, 50, 1, tzinfo=UTC)


def stored(alert: Alert) -> StoredAlert:
    """``alert`` as the store returns it."""
    return StoredAlert(alert, STORED_AT, f"alerts.{alert.recipient}")


def test_havag_is_denied_every_field_marked_sensitive_and_the_others_see_all() -> None:
    """HAVAG's hidden fields are exactly the Alert's fields marked operational_secret, police_assessment or
    personal; police and Ordnungsamt are denied none."""
    marked = {path for path, mark in sensitive_fields(Alert).items()}
    assert set(hidden_fields("havag")) == marked
    assert {"recommended_unit", "acknowledged_by"} <= marked
    assert hidden_fields("polizei") == ()
    assert hidden_fields("ordnungsamt") == ()


def test_a_view_has_stop_names_local_times_group_and_store_time() -> None:
    """Stop names from the shipped GTFS stops, times in Europe/Berlin as HH:MM:SS, HAVAG's line group; the view
    validates as the API's AlertView."""
    view = alert_view(stored(sample_alert("havag")), "havag", PLACES)
    assert view["stop_name"] == "Halle (Saale), Zentrum Neustadt"
    assert view["intercept_stop_name"] == "Halle (Saale), Rennbahnkreuz"
    assert (view["issued_at_local"], view["unit_eta_local"], view["vehicle_eta_local"]) == (
        "21:50:00",
        "21:54:00",
        "21:53:30",
    )
    assert view["group"] == "line 2"
    assert view["stored_at"] == "2026-11-20T20:50:01+00:00"
    AlertView.model_validate(view)


def test_summer_times_are_local_too_and_police_alerts_group_by_incident() -> None:
    """A UTC time in July is shown in CEST; a police alert's group is its incident."""
    alert = sample_alert("polizei", issued_at="2026-07-01T12:00:00Z", unit_eta=None, vehicle_eta=None)
    view = alert_view(stored(alert), "polizei", PLACES)
    assert (view["issued_at_local"], view["unit_eta_local"]) == ("14:00:00", None)
    assert view["group"] == alert.incident_id
    assert view["recommended_unit"] == "Saale 21/1"


def test_an_alert_is_never_shown_to_another_agency() -> None:
    """Building a view, a map or an action of another agency's alert fails instead of showing it."""
    police = stored(sample_alert("polizei"))
    for build in (
        lambda: alert_view(police, "havag", PLACES),
        lambda: map_view(police, "ordnungsamt", PLACES, None, None),
        lambda: redacted_alert(police.alert, "havag"),
    ):
        with pytest.raises(PermissionError):
            build()
    action = StoredAction(
        "al-polizei-1", "polizei", "note", 1, "x (y)", STORED_AT, "n", STORED_AT, ("acks.polizei", 0, 0)
    )
    with pytest.raises(PermissionError):
        action_view(action, "havag")


SECRET = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789", min_size=12, max_size=40).map(lambda s: f"SECRET{s}")


@given(
    unit=SECRET,
    by=SECRET,
    state=st.sampled_from(["new", "acknowledged"]),
    priority=st.integers(1, 5),
    hold=st.booleans(),
    instructions=st.none()
    | st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=50),  # NUL is refused
)
def test_a_havag_view_never_holds_a_sensitive_field_whatever_the_alert_holds(
    unit: str, by: str, state: str, priority: int, hold: bool, instructions: str | None
) -> None:
    """Even a HAVAG alert that (wrongly) carries a call sign and a person's name is shown without them: not as a
    key, not as a value anywhere in the view, the map, the redacted alert or the CAP document."""
    alert = sample_alert(
        "havag",
        recommended_unit=unit,
        acknowledged_by=by,
        state=state,
        priority=priority,
        instructions=instructions,
        hold_request=None if not hold else {"action": "hold_at_stop", "max_hold_s": 30},
    )
    view = alert_view(stored(alert), "havag", PLACES)
    shown = json.dumps(
        [
            view,
            map_view(stored(alert), "havag", PLACES, None, None),
            redacted_alert(alert, "havag").model_dump(mode="json"),
        ]
    )
    cap = cap_document(stored(alert), None, "havag", PLACES).decode()
    assert not set(hidden_fields("havag")) & set(view)
    for secret in (unit, by):
        assert secret not in shown
        assert secret not in cap


def test_changes_name_each_field_that_changed_and_leave_out_revision_and_time() -> None:
    """Between two revisions: each changed field with its old and new value (a nested one dotted), as the alert
    store's ``changes`` says; per revision, the first has none."""
    first = sample_alert("havag")
    second = sample_alert("havag", revision=2, issued_at="2026-11-20T21:51:00+01:00", intercept_stop_dhid=None)
    third = sample_alert(
        "havag",
        revision=3,
        state="acknowledged",
        intercept_stop_dhid=None,
        hold_request={"action": "hold_at_stop", "stop_dhid": "de:15002:5235", "max_hold_s": 90},
    )
    assert changes(first, second, "havag") == [
        {"field": "intercept_stop_dhid", "before": "de:15002:5235", "after": None},
    ]
    assert revision_changes([first, second, third], "havag") == [
        [],
        [{"field": "intercept_stop_dhid", "before": "de:15002:5235", "after": None}],
        [
            {"field": "state", "before": "new", "after": "acknowledged"},
            {"field": "hold_request.max_hold_s", "before": 60, "after": 90},
        ],
    ]
    assert revision_changes([first], "havag") == [[]]


def test_changes_never_name_a_field_hidden_from_the_agency() -> None:
    """A call sign that changed between two HAVAG revisions is not among HAVAG's changes."""
    before = sample_alert("havag", recommended_unit="SECRETONE")
    after = sample_alert("havag", revision=2, recommended_unit="SECRETTWO", state="acknowledged")
    assert changes(before, after, "havag") == [{"field": "state", "before": "new", "after": "acknowledged"}]
    police = changes(
        sample_alert("polizei"), sample_alert("polizei", revision=2, recommended_unit="Saale 9/9"), "polizei"
    )
    assert police == [{"field": "recommended_unit", "before": "Saale 21/1", "after": "Saale 9/9"}]


def test_the_map_has_the_stops_ahead_the_intercept_and_the_own_unit_only() -> None:
    """Stops from the vehicle's stop to the intercept stop in running order; the intercept with both times and the
    hold; the police see their recommended unit's position, HAVAG never a unit."""
    vehicle = Fix("654", 51.48, 11.93, STORED_AT)
    unit = Fix("Saale 21/1", 51.47, 11.95, STORED_AT)
    police = map_view(stored(sample_alert("polizei")), "polizei", PLACES, vehicle, unit)
    assert police["stops_ahead"] == ["de:15002:5227", "de:15002:5030", "de:15002:5235"]
    assert police["vehicle"] == {"vehicle": "654", "lat": 51.48, "lon": 11.93, "at": STORED_AT.isoformat()}
    assert police["units"] == [{"unit": "Saale 21/1", "lat": 51.47, "lon": 11.95, "at": STORED_AT.isoformat()}]
    assert police["intercept"]["hold_s"] is None
    havag = map_view(stored(sample_alert("havag")), "havag", PLACES, vehicle, unit)
    assert havag["units"] == []
    assert havag["intercept"] == {
        "stop_dhid": "de:15002:5235",
        "unit_eta": "2026-11-20T21:54:00+01:00",
        "vehicle_eta": "2026-11-20T21:53:30+01:00",
        "hold_s": 60,
    }


def test_the_map_leaves_out_positions_older_than_the_alert_by_more_than_a_quarter_hour() -> None:
    """A vehicle or unit last heard long before the alert (a feed that stopped, old replayed data) is not drawn
    where it once was; one heard shortly before is."""
    issued = sample_alert("polizei").issued_at
    old = map_view(
        stored(sample_alert("polizei")),
        "polizei",
        PLACES,
        Fix("654", 51.48, 11.93, issued - timedelta(minutes=16)),
        Fix("Saale 21/1", 51.47, 11.95, issued - timedelta(hours=5)),
    )
    assert (old["vehicle"], old["units"]) == (None, [])
    recent = map_view(
        stored(sample_alert("polizei")),
        "polizei",
        PLACES,
        Fix("654", 51.48, 11.93, issued - timedelta(minutes=14)),
        None,
    )
    assert recent["vehicle"] is not None


@pytest.mark.parametrize(
    ("line", "here", "towards", "ahead"),
    [
        ("2", "de:15002:5235", "de:15002:5061", ["de:15002:5030", "de:15002:5227", "de:15002:5061"]),
        ("2", "de:15002:5061", None, []),
        ("99", "de:15002:5061", "de:15002:5235", []),
        (None, "de:15002:5061", "de:15002:5235", []),
        ("2", "de:15002:5061", "de:15002:9999", []),
    ],
)
def test_stops_ahead_follow_the_direction_the_two_stops_give(
    line: str | None, here: str, towards: str | None, ahead: list[str]
) -> None:
    """The other direction when the intercept lies behind; nothing when the line, the direction or a stop is
    unknown."""
    assert PLACES.stops_ahead(line, here, towards) == ahead


def test_a_platform_dhid_is_named_after_its_station() -> None:
    """de:15002:5061:1:2 is a platform of Zentrum Neustadt."""
    assert PLACES.stop_name("de:15002:5061:1:2") == "Halle (Saale), Zentrum Neustadt"
    assert PLACES.stop_name("de:15002:0000") is None


def test_the_network_document_has_every_line_with_colour_and_named_stops() -> None:
    """GET /api/network's body: 13 lines, each with its colour and stops in running order with DHID and name."""
    document: dict[str, Any] = json.loads(PLACES.network_document())
    names = [line["name"] for line in document["lines"]]
    assert "2" in names
    assert len(names) == 13
    line2 = next(line for line in document["lines"] if line["name"] == "2")
    assert line2["color"].startswith("#")
    assert line2["stops"][0] == {
        "dhid": "de:15002:16754",
        "name": "Halle (Saale), Soltauer Str.",
        "lat": line2["stops"][0]["lat"],
        "lon": line2["stops"][0]["lon"],
    }
