"""What changed between two revisions (``hub.store.alerts.changes``), as the console and the CLI show it."""

from __future__ import annotations

from datetime import timedelta

from hub.schemas.alert import HoldRequest
from hub.store.alerts import Change, changes
from tests.helpers.alerts import FRANCKEPLATZ, MARKTPLATZ, T0, alert


def test_changes_name_each_differing_field_in_model_order() -> None:
    """Changed fields come in the model's order with their JSON values; revision and issued_at are left out."""
    before = alert(revision=1)
    after = alert(revision=2, recommended_unit="Saale 14/2", unit_eta=T0 + timedelta(minutes=6), priority=2)
    assert changes(before, after) == [
        Change("priority", 1, 2),
        Change("recommended_unit", "Saale 12/1", "Saale 14/2"),
        Change("unit_eta", "2026-11-20T20:54:00Z", "2026-11-20T20:56:00Z"),
    ]


def test_changes_of_a_nested_model_field_by_field() -> None:
    """A hold request that appears, changes or goes is compared field by field (absent: None)."""
    first = alert("al-havag-0001", hold_request=None)
    held = alert("al-havag-0001", revision=2)
    longer = alert(
        "al-havag-0001",
        revision=3,
        hold_request=HoldRequest(action="hold_at_stop", stop_dhid=MARKTPLATZ, max_hold_s=120),
    )
    assert changes(first, held) == [
        Change("hold_request.action", None, "hold_at_stop"),
        Change("hold_request.stop_dhid", None, FRANCKEPLATZ),
        Change("hold_request.max_hold_s", None, 90),
    ]
    assert changes(held, longer) == [
        Change("hold_request.stop_dhid", FRANCKEPLATZ, MARKTPLATZ),
        Change("hold_request.max_hold_s", 90, 120),
    ]
    assert changes(longer, first.model_copy(update={"revision": 4}))[0] == Change(
        "hold_request.action", "hold_at_stop", None
    )


def test_no_changes_between_equal_revisions() -> None:
    """Two revisions that differ only in their bookkeeping have no changes; ``ignore`` can narrow what is left out."""
    assert changes(alert(revision=1), alert(revision=1).model_copy(update={"revision": 2})) == []
    assert changes(alert(revision=1), alert(revision=2), ignore=()) == [
        Change("revision", 1, 2),
        Change("issued_at", "2026-11-20T20:50:00Z", "2026-11-20T20:51:00Z"),
    ]
