"""What the sink stores of one canon.* message: an events row for every kind, and for a planned event also its
planned_events row; a planned event whose payload is not one is refused (dead-lettered), not stored half."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from hub.errors import InvalidEventError
from hub.schemas import KINDS, example_payload, wrap
from hub.workers.sink import sink_row
from tests.helpers.messages import FakeMessage

TIME = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def _message(kind: str, data: dict[str, object] | None = None) -> FakeMessage:
    payload = KINDS[kind].model.model_validate(example_payload(kind, 2))
    value = wrap(payload, source="/events/ics", source_record_id="x@1", time=TIME).to_bytes()
    if data is not None:  # a payload the normaliser would never have let through
        envelope = json.loads(value)
        envelope["data"] = data
        value = json.dumps(envelope).encode()
    return FakeMessage(f"t1.canon.{kind}", 0, 7, b"k", value)


def test_a_planned_event_gets_both_rows_other_kinds_one() -> None:
    planned = sink_row(_message("planned-event"))
    assert planned.planned is not None
    assert planned.planned[1] == example_payload("planned-event", 2)["event_id"]
    assert planned.planned[11] == planned.event.event.id  # the events row of this version
    assert sink_row(_message("incident")).planned is None


def test_a_planned_event_without_a_valid_payload_is_refused() -> None:
    with pytest.raises(InvalidEventError, match="invalid planned-event") as caught:
        sink_row(_message("planned-event", {"event_id": "x", "title": "Konzert"}))
    assert caught.value.code == "schema_violation"
