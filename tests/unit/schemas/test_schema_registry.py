"""The kind registry: names, CloudEvents types, partition keys, and wrapping payloads into envelopes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from hub.errors import InvalidEventError
from hub.schemas import (
    KINDS,
    CloudEvent,
    Incident,
    UnitStatus,
    VehiclePosition,
    event_id,
    example_payload,
    kind_for_model,
    kind_for_type,
    unwrap,
    wrap,
)


def test_kinds_and_types_are_the_declared_ones() -> None:
    """Seven kinds, each with a unique versioned CloudEvents type that maps back to it."""
    assert list(KINDS) == [
        "incident",
        "vehicle-position",
        "trip-update",
        "transit-disruption",
        "unit-status",
        "planned-event",
        "alert",
    ]
    for name, kind in KINDS.items():
        assert kind.name == name
        assert kind.ce_type == f"de.halle.hub.{name}.v1"
        assert kind_for_type(kind.ce_type) is kind
        assert kind_for_model(kind.model) is kind
    with pytest.raises(InvalidEventError, match="unknown event type") as info:
        kind_for_type("de.halle.hub.weather.v1")
    assert info.value.code == "unknown_kind"


def test_partition_keys_keep_ordered_things_together() -> None:
    """Incidents key by incident id, vehicles by car number, units by agency and call sign, alerts by id."""
    expected: dict[str, Callable[[dict[str, Any]], str]] = {
        "incident": lambda d: d["incident_id"],
        "vehicle-position": lambda d: d["vehicle"],
        "trip-update": lambda d: d["trip_id"],
        "transit-disruption": lambda d: d["disruption_id"],
        "unit-status": lambda d: f"{d['agency']}:{d['unit']}",
        "planned-event": lambda d: d["event_id"],
        "alert": lambda d: d["alert_id"],
    }
    for name, kind in KINDS.items():
        data = example_payload(name, 3)
        assert kind.partition_key(kind.model.model_validate(data)) == expected[name](data)
    unit = UnitStatus.model_validate(example_payload("unit-status", 2))
    assert re.fullmatch(r"ordnungsamt:Ordnung \d+", KINDS["unit-status"].partition_key(unit))


def test_partition_key_refuses_a_payload_of_another_kind() -> None:
    """Keying a vehicle position as an incident is a programming error, not a silent wrong key."""
    position = VehiclePosition.model_validate(example_payload("vehicle-position", 0))
    with pytest.raises(TypeError, match="expected a Incident payload"):
        KINDS["incident"].partition_key(position)


def test_wrap_and_unwrap_round_trip_through_bytes() -> None:
    """A wrapped payload has the stable id and kind's type, and comes back equal after to_bytes/from_bytes."""
    incident = Incident.model_validate(example_payload("incident", 5))
    time = datetime(2025, 6, 2, 4, 0, tzinfo=UTC)
    event = wrap(incident, source="/hub/polizei/cap", source_record_id="CAP-5", time=time, recipient="havag")
    assert event.id == event_id("/hub/polizei/cap", "CAP-5", "incident")
    assert (event.type, event.hubkind, event.hubsourceid, event.hubrecipient) == (
        "de.halle.hub.incident.v1",
        "incident",
        "CAP-5",
        "havag",
    )
    assert unwrap(CloudEvent.from_bytes(event.to_bytes())) == incident


def test_unwrap_refuses_mismatched_kind_and_bad_data() -> None:
    """An envelope whose hubkind contradicts its type, or whose data is invalid, raises with a reason."""
    incident = Incident.model_validate(example_payload("incident", 5))
    event = wrap(incident, source="/s", source_record_id="1", time=datetime(2025, 6, 2, tzinfo=UTC))
    with pytest.raises(InvalidEventError, match="does not match type"):
        unwrap(event.model_copy(update={"hubkind": "alert"}))
    with pytest.raises(InvalidEventError, match="invalid incident: priority: Input should be") as info:
        unwrap(event.model_copy(update={"data": {**event.data, "priority": 0}}))
    assert info.value.code == "schema_violation"
