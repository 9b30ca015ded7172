"""Payload models: the examples validate, and bad values are refused with messages naming the field."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, ValidationError

from hub.schemas import (
    KINDS,
    POLIZEI_STATUS_CODES,
    Alert,
    Incident,
    StatusCode,
    StatusCodeList,
    TransitDisruption,
    UnitStatus,
    example_payload,
    validation_reason,
)


def _reason(model: type[BaseModel], data: dict[str, Any], **context: Any) -> str:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data, context=context or None)
    return validation_reason(info.value)


@settings(database=None, max_examples=60)
@given(kind=st.sampled_from(sorted(KINDS)), i=st.integers(min_value=0, max_value=2**40))
def test_every_example_validates_and_survives_json(kind: str, i: int) -> None:
    """example_payload(kind, i) is valid for its model and unchanged by a JSON round trip of the model."""
    model = KINDS[kind].model
    payload = model.model_validate(example_payload(kind, i))
    assert model.model_validate_json(payload.model_dump_json()) == payload


def test_examples_are_deterministic_and_varied() -> None:
    """The same record number gives the same dict; a hundred records differ and cover every origin."""
    assert example_payload("incident", 7) == example_payload("incident", 7)
    incidents = [example_payload("incident", i) for i in range(100)]
    assert len({d["incident_id"] for d in incidents}) == 100
    assert len({d["origin"] for d in incidents}) == 8
    assert {d["mode"] for d in incidents} == {"actual", "exercise", "test"}
    assert any(d["location"] is None for d in incidents)
    assert any(d["caller"] for d in incidents)
    units = [example_payload("unit-status", i) for i in range(100)]
    assert {u["agency"] for u in units} == {"polizei", "ordnungsamt"}
    for kind in KINDS:
        assert len({str(example_payload(kind, i)) for i in range(20)}) == 20


def test_example_payload_refuses_unknown_kind_and_negative_numbers() -> None:
    """Asking for an unknown kind or a negative record number is an error, not a silent default."""
    with pytest.raises(KeyError, match="unknown kind 'weather'"):
        example_payload("weather", 0)
    with pytest.raises(ValueError, match=">= 0"):
        example_payload("incident", -1)


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"reported_at": "2025-06-02T06:00:00"}, "reported_at: timestamp must carry a UTC offset"),
        ({"priority": 0}, "priority: Input should be greater than or equal to 1"),
        ({"priority": 6}, "priority: Input should be less than or equal to 5"),
        ({"stop_dhid": "15002:5232"}, "stop_dhid: String should match pattern"),
        ({"stop_dhid": "de:15002"}, "stop_dhid: String should match pattern"),
        ({"type_code": "crime/assault"}, "type_code: String should match pattern"),
        ({"type_code": "CRIME/A/B/C/D"}, "type_code: String should match pattern"),
        ({"type_code": "WEATHER/STORM"}, "type_code: unknown top-level code 'WEATHER'"),
        ({"mode": "drill"}, "mode: Input should be 'actual', 'exercise' or 'test'"),
        ({"origin": "twitter"}, "origin: Input should be"),
        ({"confidentiality": "secret"}, "confidentiality: Input should be"),
        (
            {"location": {"lat": 91.0, "lon": 11.97, "uncertainty_m": 10}},
            "location.lat: Input should be less",
        ),
        (
            {"location": {"lat": 51.48, "lon": 11.97, "uncertainty_m": -1}},
            "location.uncertainty_m: Input should",
        ),
        (
            {"location": {"lat": float("nan"), "lon": 11.97, "uncertainty_m": 1}},
            "location.lat: Input should be",
        ),
        ({"references": [{"agency": "Polizei", "ref_id": "1"}]}, "references.0.agency: String should match"),
        ({"caller": {"name": "X", "email": "x@example.org"}}, "caller: holds a field that is not permitted"),
        ({"severity": "high"}, "(event): holds a field that is not permitted"),
    ],
)
def test_incident_rejects_bad_values_naming_the_field(changes: dict[str, Any], expected: str) -> None:
    """Each bad incident value fails with a message that starts with the field's dotted path."""
    assert expected in _reason(Incident, {**example_payload("incident", 1), **changes})


@pytest.mark.parametrize("code", ["CRIME", "CRIME/ASSAULT", "TRANSIT/DRIVER_ALARM", "OTHER/A/B_2/C3"])
def test_incident_accepts_cut_short_and_deep_type_codes(code: str) -> None:
    """Known top levels accept one to four levels, so a source can cut a code short when unsure."""
    assert Incident.model_validate({**example_payload("incident", 1), "type_code": code}).type_code == code


def test_models_are_frozen() -> None:
    """A validated payload cannot be changed in place."""
    incident = Incident.model_validate(example_payload("incident", 1))
    with pytest.raises(ValidationError, match="frozen"):
        incident.priority = 1  # type: ignore[misc]


def test_unit_status_digits_follow_the_agency_code_list() -> None:
    """Police use 7 but not 8; the Ordnungsamt default list has no 7; the reason lists the known digits."""
    police = {**example_payload("unit-status", 0), "agency": "polizei"}
    assert UnitStatus.model_validate({**police, "status_code": 7}).status_code == 7
    assert "status_code: status 8 is not in the polizei code list (known: 0, 1, 2, 3, 4, 5, 6, 7)" in _reason(
        UnitStatus, {**police, "status_code": 8}
    )
    assert "status_code: status 7 is not in the ordnungsamt code list" in _reason(
        UnitStatus, {**police, "agency": "ordnungsamt", "status_code": 7}
    )
    assert "status_code: Input should be less than or equal to 9" in _reason(UnitStatus, {**police, "status_code": 10})


def test_unit_status_code_list_is_replaceable_per_agency() -> None:
    """A deployment's own list, passed as validation context, replaces the default for that agency."""
    police = {**example_payload("unit-status", 0), "agency": "polizei", "status_code": 9}
    custom = StatusCodeList(
        agency="polizei",
        codes=(*POLIZEI_STATUS_CODES.codes, StatusCode(digit=9, meaning="handover", available=False)),
    )
    assert UnitStatus.model_validate(police, context={"status_codes": {"polizei": custom}}).status_code == 9
    assert "status 9 is not in the polizei code list" in _reason(UnitStatus, police)
    assert "no status code list configured for agency polizei" in _reason(UnitStatus, police, status_codes={})


def test_status_code_list_refuses_duplicate_digits() -> None:
    """A code list that defines one digit twice is a configuration error."""
    one = StatusCode(digit=1, meaning="free", available=True)
    with pytest.raises(ValidationError, match="defines a digit twice"):
        StatusCodeList(agency="polizei", codes=(one, one))


def test_unit_position_must_be_plausible() -> None:
    """A TETRA fix with a negative error or a heading over 360 degrees is refused on that sub-field."""
    unit = example_payload("unit-status", 0)
    fix = {"lat": 51.48, "lon": 11.97}
    assert "position.error_m:" in _reason(UnitStatus, {**unit, "position": {**fix, "error_m": -2}})
    assert "position.heading_deg:" in _reason(UnitStatus, {**unit, "position": {**fix, "heading_deg": 361}})


def test_disruption_period_must_be_ordered() -> None:
    """A disruption that ends before it starts is refused on valid_to."""
    data = {
        **example_payload("transit-disruption", 1),
        "valid_from": "2025-06-02T10:00:00+02:00",
        "valid_to": "2025-06-02T09:59:00+02:00",
    }
    assert _reason(TransitDisruption, data) == "valid_to: valid_to is before valid_from"
    assert "stop_dhids.0: String should match" in _reason(TransitDisruption, {**data, "stop_dhids": ["Markt"]})


def test_alert_category_is_coarse_and_revision_positive() -> None:
    """An alert carries only a top-level category, and revisions start at 1."""
    alert = example_payload("alert", 1)
    assert "category: a category is a top-level code only" in _reason(Alert, {**alert, "category": "CRIME/ASSAULT"})
    assert "category: unknown top-level code 'WEATHER'" in _reason(Alert, {**alert, "category": "WEATHER"})
    assert "revision: Input should be greater than or equal to 1" in _reason(Alert, {**alert, "revision": 0})
    assert "recipient: Input should be" in _reason(Alert, {**alert, "recipient": "public"})


def test_alert_without_the_later_fields_still_validates() -> None:
    """An alert written before mode, escalation and clear-down existed validates, with the defaults."""
    old = (
        '{"alert_id": "al-polizei-0123456789abcdef01234567", "revision": 4, "incident_id": "E1", '
        '"recipient": "polizei", "state": "resolved", "category": "CRIME", "priority": 1, "vehicle": "654", '
        '"line": "5", "stop_dhid": "de:15002:3945", "recommended_unit": "POL-3", "intercept_stop_dhid": null, '
        '"unit_eta": null, "vehicle_eta": null, "hold_request": null, '
        '"instructions": "escalated to the supervisor: not acknowledged and no further unit to propose", '
        '"issued_at": "2026-11-25T22:40:00+00:00"}'
    )
    alert = Alert.model_validate_json(old)
    assert (alert.mode, alert.escalation, alert.escalated_to, alert.escalation_level) == ("actual", "none", None, 0)
    assert (alert.havag_unanswered, alert.cleared_at, alert.clear_reason) == (False, None, None)


def test_alert_clear_down_belongs_to_a_finished_alert() -> None:
    """cleared_at and clear_reason only on a resolved or expired alert, and 'expired' only on an expired one."""
    alert = {**example_payload("alert", 1), "state": "new", "cleared_at": None, "clear_reason": None}
    when = "2026-11-25T22:40:00+00:00"
    assert "belong to a resolved or expired alert" in _reason(Alert, {**alert, "cleared_at": when})
    assert "belong to a resolved or expired alert" in _reason(Alert, {**alert, "clear_reason": "incident_closed"})
    resolved = {**alert, "state": "resolved", "cleared_at": when}
    assert "does not match state 'resolved'" in _reason(Alert, {**resolved, "clear_reason": "expired"})
    assert "does not match state 'expired'" in _reason(
        Alert, {**resolved, "state": "expired", "clear_reason": "incident_closed"}
    )
    assert Alert.model_validate({**resolved, "clear_reason": "incident_cancelled"}).clear_reason == "incident_cancelled"
    assert "escalation: Input should be" in _reason(Alert, {**alert, "escalation": "mayor"})
    assert "escalation_level: Input should be greater than or equal to 0" in _reason(
        Alert, {**alert, "escalation_level": -1}
    )
    assert "mode: Input should be" in _reason(Alert, {**alert, "mode": "drill"})
