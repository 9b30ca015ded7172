"""Unit status and LIP-style position reports to UnitStatus, with the agency's configurable status code list."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings

from hub.errors import ConfigError, InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES
from hub.formats.registry import FORMATS
from hub.formats.unit_report import UnitReport, UnitReportFormat
from hub.schemas import POLIZEI_STATUS_CODES, StatusCode, StatusCodeList, UnitStatus
from tests.unit.formats.fuzz import mutated, survives

POLIZEI = UnitReportFormat("polizei")


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


REPORT: dict[str, Any] = {
    "unit": "Leo Halle 12/3",
    "time": "2026-11-20T22:01:00+01:00",
    "status": 3,
    "location": {
        "lat": 51.4828,
        "lon": 11.9697,
        "position_error_m": 20,
        "velocity_kmh": 36,
        "direction_deg": 112.5,
        "time_elapsed_s": 5,
    },
    "incident_ref": "leitstelle@polizei.halle.example,E-1",
}


def mapped(report: dict[str, Any], fmt: UnitReportFormat = POLIZEI) -> dict[str, Any]:
    [record] = fmt.split(json.dumps(report).encode())
    [out] = fmt.to_canonical(record.value)
    return out.event.data


def refused(report: Any, fmt: UnitReportFormat = POLIZEI) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as caught:
        fmt.to_canonical(json.dumps(report).encode())
    return caught.value


def test_both_agencies_are_registered_on_their_raw_topics() -> None:
    """One class, two registered formats: police unit status and Ordnungsamt patrol status."""
    assert FORMATS["unit-report-polizei"].raw_topic == "raw.polizei.unit-status"
    assert FORMATS["unit-report-ordnungsamt"].raw_topic == "raw.ordnungsamt.patrol-status"


def test_report_maps_to_unit_status_with_lip_fields_in_si_units() -> None:
    """Status digit, position error, speed (km/h to m/s), direction and fix age arrive in the canonical fix."""
    out = mapped(REPORT)
    status = UnitStatus.model_validate(out)
    assert (status.agency, status.unit, status.status_code, status.emergency) == ("polizei", "Leo Halle 12/3", 3, False)
    assert status.position is not None
    assert (status.position.error_m, status.position.heading_deg, status.position.fix_age_s) == (20, 112.5, 5)
    assert status.position.speed_mps == pytest.approx(10.0)
    assert status.incident_ref == REPORT["incident_ref"]


def test_record_is_keyed_by_unit_and_versioned_by_report_time() -> None:
    """record_id and key are the call sign, version the report time; the event key is agency:unit."""
    [record] = POLIZEI.split(json.dumps(REPORT).encode())
    assert (record.record_id, record.version, record.key) == ("Leo Halle 12/3", REPORT["time"], b"Leo Halle 12/3")
    [out] = POLIZEI.to_canonical(record.value)
    assert out.key == b"polizei:Leo Halle 12/3"
    assert out.event.hubsourceid == f"Leo Halle 12/3@{REPORT['time']}"


def test_unknown_status_digit_is_refused_naming_agency_and_digit() -> None:
    """Digit 8 is not in the police default list: schema_violation with agency, digit and the known digits."""
    err = refused({**REPORT, "status": 8})
    assert err.code == "schema_violation"
    assert err.reason == "status: digit 8 is not in the polizei status code list (known: 0, 1, 2, 3, 4, 5, 6, 7)"


def test_a_deployment_code_list_replaces_the_default() -> None:
    """With the agency's own list digit 8 is valid, and a digit it lacks is refused."""
    codes = StatusCodeList(
        agency="polizei",
        codes=(*POLIZEI_STATUS_CODES.codes[1:], StatusCode(digit=8, meaning="Streife zu Fuß", available=True)),
    )
    fmt = UnitReportFormat("polizei", codes)
    assert mapped({**REPORT, "status": 8}, fmt)["status_code"] == 8
    assert "digit 0 is not in the polizei" in refused({**REPORT, "status": 0}, fmt).reason


def test_ordnungsamt_reports_use_their_own_list_topic_and_source() -> None:
    """The Ordnungsamt list has no 7: a patrol reporting 7 is refused, a 4 maps under agency ordnungsamt."""
    fmt = UnitReportFormat("ordnungsamt")
    assert (fmt.name, fmt.source) == ("unit-report-ordnungsamt", "/ordnungsamt/patrol-status")
    assert mapped({**REPORT, "status": 4}, fmt)["agency"] == "ordnungsamt"
    assert "ordnungsamt status code list" in refused({**REPORT, "status": 7}, fmt).reason


def test_code_list_of_another_agency_is_a_config_error() -> None:
    """Giving the police list to the Ordnungsamt feed stops start-up."""
    with pytest.raises(ConfigError, match="status code list of 'polizei' given for agency 'ordnungsamt'"):
        UnitReportFormat("ordnungsamt", POLIZEI_STATUS_CODES)
    with pytest.raises(ConfigError, match="no unit report feed"):
        UnitReportFormat("feuerwehr")  # type: ignore[arg-type]


def test_emergency_button_and_status_only_report() -> None:
    """A report without location is a status-only report; the emergency button is carried."""
    out = mapped({"unit": "Ordnung 7", "time": "2026-11-20T22:01:00Z", "status": 4, "emergency": True})
    assert (out["emergency"], out["position"]) == (True, None)


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"status": 12}, "status: Input should be less than or equal to 9"),
        ({"time": "22:01"}, "time:"),
        ({"unit": " Leo"}, "unit: String should match pattern"),
        ({"location": {"lat": 51.48}}, "location.lon: Field required"),
        ({"location": {**REPORT["location"], "direction_deg": 400}}, "location.direction_deg"),
        ({"issi": 262123}, "(event): holds a field that is not permitted"),
        ({"location": {"lat": 90, "lon": 180}}, "location.lat is 90, the edge of its range: a placeholder"),
        ({"location": {"lat": 0, "lon": 0}}, "location.lat is exactly 0, the value feeds send for a position"),
        ({"location": {"lat": 51.48, "lon": -180}}, "location.lon is -180, the edge of its range"),
    ],
)
def test_bad_reports_are_schema_violations(changes: dict[str, Any], words: str) -> None:
    """Each fault is named by its JSON field, with the agency in the reason."""
    err = refused({**REPORT, **changes})
    assert err.code == "schema_violation"
    assert err.reason.startswith("invalid polizei unit report: ")
    assert words in err.reason


def test_batch_of_reports_and_junk_in_it() -> None:
    """An array gives one record per report; an element without unit or time is passed on and refused later."""
    records = POLIZEI.split(
        json.dumps([REPORT, {**REPORT, "status": 4, "time": "2026-11-20T22:02:00+01:00"}, {}]).encode()
    )
    assert [r.version for r in records[:2]] == [REPORT["time"], "2026-11-20T22:02:00+01:00"]
    assert records[2].record_id.startswith("sha256:")
    err = refused({})
    assert "unit: Field required" in err.reason


def test_oversized_or_non_json_bodies_fail_at_split() -> None:
    """An oversized body is too_large, a JSON number malformed_json."""
    for document, code in ((b" " * (MAX_DOCUMENT_BYTES + 1), "too_large"), (b"3", "malformed_json")):
        with pytest.raises(InvalidEventError) as caught:
            POLIZEI.split(document)
        assert caught.value.code == code


def test_documented_json_schema_is_the_one_enforced() -> None:
    """The JSON Schema in docs/formats/cap-open311-alarms-units.md is exactly what UnitReport validates."""
    assert documented_schema("UnitReport") == UnitReport.model_json_schema()


def test_documented_example_maps() -> None:
    """The example message in the format guide is valid and maps to one canonical event."""
    example = documented_example("## Unit status and position reports")
    UnitReport.model_validate(example)
    assert len(POLIZEI.to_canonical(json.dumps(example).encode())) == 1


@settings(max_examples=200, deadline=None)
@given(mutated(json.dumps([REPORT, REPORT]).encode()))
def test_damaged_bodies_never_escape_as_anything_but_a_reason(document: bytes) -> None:
    """Mutated webhook bodies only ever give records or InvalidEventError."""
    survives(POLIZEI, document)


@pytest.mark.parametrize("field", ["unit", "incident_ref"])
def test_a_nul_in_a_report_string_is_a_schema_violation_naming_the_field(field: str) -> None:
    """The report model refuses what no hub string may hold, so the mapping never meets it (found by fuzzing)."""
    exc = refused({**REPORT, field: "Leo\x00Halle"})
    assert exc.code == "schema_violation"
    assert f"{field}: contains a NUL character (U+0000)" in exc.reason
