"""The planned_events row of a planned event: its columns, and no field the schema marks sensitive in its payload."""

from __future__ import annotations

from datetime import UTC, datetime

from hub.schemas import PlannedEvent, example_payload, wrap
from hub.store.planned import planned_row, without_sensitive


def test_the_row_leaves_out_the_contact_person_and_the_free_text() -> None:
    data = {
        **example_payload("planned-event", 0),
        "description": "Kontakt: Anna Schmidt, 0345 1234567",
        "organiser": {
            "name": "Peißnitzhaus e. V.",
            "contact_name": "Anna Schmidt",
            "contact_phone": "0345 1234567",
            "contact_email": "anna@example.org",
        },
    }
    payload = PlannedEvent.model_validate(data)
    event = wrap(payload, source="/events/ics", source_record_id="x@1", time=datetime(2026, 12, 1, tzinfo=UTC))
    row = planned_row(event, payload)
    assert row[:3] == ("/events/ics", payload.event_id, payload.sequence)
    assert row[4] == payload.status
    stored = row[10].obj  # type: ignore[attr-defined]
    assert stored["organiser"] == {
        "name": "Peißnitzhaus e. V.",
        "contact_name": None,
        "contact_phone": None,
        "contact_email": None,
    }
    assert stored["description"] is None
    assert stored["title"] == payload.title
    assert "Schmidt" not in str(stored)
    assert event.data["organiser"]["contact_name"] == "Anna Schmidt"  # the event itself is left as it is


def test_without_sensitive_takes_an_event_without_organiser() -> None:
    data = {**example_payload("planned-event", 1), "organiser": None}
    assert without_sensitive(data)["organiser"] is None
