"""Driver alarm webhook: raise and clear-down to one incident, silent or loud, and every fault named."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from hub.errors import InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES
from hub.formats.driver_alarm import DEFAULT_ACCURACY_M, DriverAlarm, DriverAlarmFormat
from hub.formats.registry import FORMATS
from tests.unit.formats.fuzz import mutated, survives

FMT = DriverAlarmFormat()


DOC = Path(__file__).resolve().parents[3] / "docs" / "formats" / "cap-open311-alarms-units.md"


def documented_example(heading: str) -> Any:
    """The first JSON block under ``heading`` in the format guide: the example message."""
    after = DOC.read_text(encoding="utf-8").split(f"\n{heading}", 1)[1]
    return json.loads(after.split("```json\n", 1)[1].split("\n```", 1)[0])


def documented_schema(name: str) -> Any:
    """The JSON Schema block that follows the ``json-schema: <name>`` marker in the format guide."""
    text = DOC.read_text(encoding="utf-8")
    after = text.split(f"<!-- json-schema: {name} ", 1)[1]
    return json.loads(after.split("```json\n", 1)[1].split("\n```", 1)[0])


RAISED: dict[str, Any] = {
    "alarm_id": "654-20261120-220007",
    "vehicle": "654",
    "line": "2",
    "run": "2-07",
    "mode": "silent",
    "state": "raised",
    "last_stop": "de:15002:5061",
    "next_stop": "de:15002:5227",
    "position": {"lat": 51.480783, "lon": 11.934780, "accuracy_m": 12.0},
    "time": "2026-11-20T22:00:07+01:00",
}
CLEARED: dict[str, Any] = {
    **RAISED,
    "state": "cleared",
    "time": "2026-11-20T22:04:30+01:00",
    "raised_at": "2026-11-20T22:00:07+01:00",
}


def body(*alarms: dict[str, Any]) -> bytes:
    return json.dumps(alarms[0] if len(alarms) == 1 else list(alarms)).encode()


def mapped(alarm: dict[str, Any]) -> dict[str, Any]:
    [record] = FMT.split(body(alarm))
    [out] = FMT.to_canonical(record.value)
    return out.event.data


def refused(alarm: Any) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as caught:
        FMT.to_canonical(json.dumps(alarm).encode())
    return caught.value


def test_registered_under_its_name_and_raw_topic() -> None:
    """The registry offers driver-alarm bound to raw.havag.driver-alarm."""
    assert isinstance(FORMATS["driver-alarm"], DriverAlarmFormat)
    assert FORMATS["driver-alarm"].raw_topic == "raw.havag.driver-alarm"


def test_raise_and_clear_share_the_incident_but_are_two_events() -> None:
    """The clear-down closes the incident the raise opened: same incident id and key, own event ids."""
    records = FMT.split(body(RAISED, CLEARED))
    assert [(r.record_id, r.version, r.key) for r in records] == [
        ("654-20261120-220007", "raised:2026-11-20T22:00:07+01:00", b"654"),
        ("654-20261120-220007", "cleared:2026-11-20T22:04:30+01:00", b"654"),
    ]
    raised, cleared = (FMT.to_canonical(r.value)[0] for r in records)
    assert raised.event.data["incident_id"] == cleared.event.data["incident_id"] == "driver-alarm:654-20261120-220007"
    assert raised.key == cleared.key
    assert raised.event.id != cleared.event.id
    assert (raised.event.data["status"], cleared.event.data["status"]) == ("open", "closed")
    assert cleared.event.data["reported_at"] == "2026-11-20T22:00:07+01:00"
    assert cleared.event.time.isoformat() == "2026-11-20T22:04:30+01:00"


def test_alarm_maps_vehicle_line_next_stop_and_position() -> None:
    """The incident says which car, which line, the next stop and where, with the unit's accuracy."""
    out = mapped(RAISED)
    assert (out["origin"], out["mode"], out["priority"], out["confidentiality"]) == (
        "driver_alarm",
        "actual",
        1,
        "restricted",
    )
    assert (out["vehicle"], out["line"], out["stop_dhid"]) == ("654", "2", "de:15002:5227")
    assert out["location"] == {"lat": 51.480783, "lon": 11.93478, "uncertainty_m": 12.0, "address": None}
    assert out["references"] == [{"agency": "havag", "ref_id": "654-20261120-220007"}]
    assert out["description"] is None


@pytest.mark.parametrize(
    ("mode", "code"), [("silent", "TRANSIT/DRIVER_ALARM/SILENT"), ("loud", "TRANSIT/DRIVER_ALARM/LOUD")]
)
def test_silent_and_loud_are_both_priority_one_and_told_apart(mode: str, code: str) -> None:
    """Silent or loud stays visible in the type code; both are the highest priority."""
    out = mapped({**RAISED, "mode": mode})
    assert (out["type_code"], out["priority"]) == (code, 1)


def test_missing_next_stop_falls_back_to_last_stop_and_accuracy_to_default() -> None:
    """At a terminus there is no next stop: the last one is named; no accuracy means the default."""
    alarm = {**RAISED, "next_stop": None, "position": {"lat": 51.48, "lon": 11.93}}
    out = mapped(alarm)
    assert out["stop_dhid"] == "de:15002:5061"
    assert out["location"]["uncertainty_m"] == DEFAULT_ACCURACY_M
    assert mapped({k: v for k, v in RAISED.items() if k != "position"})["location"] is None


def test_drills_do_not_look_like_real_alarms() -> None:
    """context exercise or test becomes the incident mode, with the short retention class."""
    out = mapped({**RAISED, "context": "exercise"})
    assert (out["mode"], out["retention_class"]) == ("exercise", "short")


def test_same_message_gives_identical_event_bytes() -> None:
    """Replaying the webhook body gives the same event, so sinks stay idempotent."""
    a = FMT.to_canonical(body(RAISED))[0]
    b = FMT.to_canonical(body(RAISED))[0]
    assert (a.event.id, a.value()) == (b.event.id, b.value())


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"next_stop": "Steintor"}, "next_stop: String should match pattern"),
        ({"time": "2026-11-20T22:00:07"}, "time: timestamp must carry a UTC offset"),
        ({"mode": "panic"}, "mode: Input should be 'silent' or 'loud'"),
        ({"state": None}, "state: Input should be 'raised' or 'cleared'"),
        ({"alarm_id": "has space"}, "alarm_id: String should match pattern"),
        ({"position": {"lat": 95, "lon": 11.9}}, "position.lat: Input should be less than or equal to 90"),
        ({"driver_name": "x"}, "(event): holds a field that is not permitted"),
    ],
)
def test_bad_alarms_are_schema_violations_naming_the_field(changes: dict[str, Any], words: str) -> None:
    """Each fault is refused naming the JSON field, without quoting the value."""
    err = refused({**RAISED, **changes})
    assert err.code == "schema_violation"
    assert words in err.reason


def test_reasons_do_not_quote_the_values() -> None:
    """A refused value (here an address where a DHID belongs) does not end up in the dead-letter reason."""
    err = refused({**RAISED, "next_stop": "Geiststraße 12"})
    assert "Geiststraße" not in err.reason


def test_vehicle_is_required() -> None:
    """An alarm without a vehicle cannot be acted on."""
    err = refused({k: v for k, v in RAISED.items() if k != "vehicle"})
    assert (err.code, "vehicle: Field required" in err.reason) == ("schema_violation", True)


def test_array_element_without_id_is_passed_on_to_be_dead_lettered() -> None:
    """An array element without alarm_id is still a record (named by content) and refused by to_canonical."""
    records = FMT.split(json.dumps([RAISED, {"vehicle": "655"}, 7]).encode())
    assert records[0].record_id == RAISED["alarm_id"]
    assert records[1].record_id.startswith("sha256:")
    assert records[2].record_id.startswith("sha256:")
    assert records[1].version == ""
    with pytest.raises(InvalidEventError) as caught:
        FMT.to_canonical(records[2].value)
    assert caught.value.code == "malformed_json"


@pytest.mark.parametrize(
    ("document", "code"),
    [
        (b"not json", "malformed_json"),
        (b'"alarm"', "malformed_json"),
        (b"\xff\xfe", "undecodable"),
        (b" " * (MAX_DOCUMENT_BYTES + 1), "too_large"),
    ],
)
def test_bodies_that_are_not_alarms_fail_at_split(document: bytes, code: str) -> None:
    """A body that is not JSON, not an object or array, not UTF-8 or too large is refused whole."""
    with pytest.raises(InvalidEventError) as caught:
        FMT.split(document)
    assert caught.value.code == code


def test_documented_json_schema_is_the_one_enforced() -> None:
    """The JSON Schema in docs/formats/cap-open311-alarms-units.md is exactly what DriverAlarm validates."""
    assert documented_schema("DriverAlarm") == DriverAlarm.model_json_schema()


def test_documented_example_maps() -> None:
    """The example message in the format guide is valid and maps to one canonical event."""
    example = documented_example("## Driver alarm")
    DriverAlarm.model_validate(example)
    assert len(FMT.to_canonical(json.dumps(example).encode())) == 1


@settings(max_examples=200, deadline=None)
@given(mutated(json.dumps([RAISED, CLEARED]).encode()))
def test_damaged_bodies_never_escape_as_anything_but_a_reason(document: bytes) -> None:
    """Mutated webhook bodies only ever give records or InvalidEventError."""
    survives(FMT, document)


@pytest.mark.parametrize("field", ["vehicle", "run", "line"])
def test_a_nul_in_an_alarm_string_is_a_schema_violation_naming_the_field(field: str) -> None:
    """The alarm model refuses what no hub string may hold before the incident is built from it."""
    exc = refused({**RAISED, field: "6\x0054"})
    assert exc.code == "schema_violation"
    assert f"{field}:" in exc.reason
    assert "NUL" in exc.reason
