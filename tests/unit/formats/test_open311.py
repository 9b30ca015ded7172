"""Open311 GeoReport v2: requests in XML and JSON to incidents; lists, definitions, tokens and errors refused."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.errors import ConfigError, InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES, SourceRecord
from hub.formats.open311 import DEFAULT_SERVICE_TYPES, Open311Format, ServiceRule, ServiceTypeTable
from hub.formats.registry import FORMATS
from tests.unit.formats.fuzz import mutated, survives

FMT = Open311Format()


def request_xml(rid: str | None = "HAL-2026-311", **fields: str | None) -> str:
    values: dict[str, str | None] = {
        "service_request_id": rid,
        "status": "open",
        "service_name": "Straßenbeleuchtung defekt",
        "service_code": "SL-01",
        "description": "Laterne vor der Haltestelle ist aus.",
        "requested_datetime": "2026-11-20T21:40:00+01:00",
        "updated_datetime": "2026-11-20T22:05:00+01:00",
        "address": "Am Steintor 1, Halle (Saale)",
        "lat": "51.4882",
        "long": "11.9781",
        **fields,
    }
    body = "".join(f"<{k}>{v}</{k}>" if v is not None else f"<{k}/>" for k, v in values.items())
    return f"<request>{body}</request>"


def requests_xml(*requests: str) -> bytes:
    return f'<?xml version="1.0" encoding="utf-8"?><service_requests>{"".join(requests)}</service_requests>'.encode()


SEEDS = {
    "xml": requests_xml(request_xml("A-1"), request_xml("A-2")),
    "json": b'[{"service_request_id":"1","status":"open","service_name":"Graffiti","requested_datetime":'
    b'"2026-11-20T21:40:00+01:00","lat":51.48,"long":11.96}]',
}


def one(document: bytes) -> dict[str, Any]:
    [record] = FMT.split(document)
    [out] = FMT.to_canonical(record.value)
    return out.event.data


def split_refused(document: bytes) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as caught:
        FMT.split(document)
    return caught.value


def record_refused(document: bytes) -> InvalidEventError:
    [record] = FMT.split(document)
    with pytest.raises(InvalidEventError) as caught:
        FMT.to_canonical(record.value)
    return caught.value


def test_registered_under_its_name_and_raw_topic() -> None:
    """The registry offers the Open311 format bound to raw.ordnungsamt.open311."""
    assert isinstance(FORMATS["open311"], Open311Format)
    assert FORMATS["open311"].raw_topic == "raw.ordnungsamt.open311"


def test_xml_requests_become_records_keyed_by_request_id_with_utc_version() -> None:
    """One record per <request>: id, the update time in UTC as version, the id as key, standalone XML as value."""
    records = FMT.split(requests_xml(request_xml("A-1"), request_xml("A-2", updated_datetime=None)))
    assert [(r.record_id, r.version, r.key) for r in records] == [
        ("A-1", "2026-11-20T21:05:00Z", b"A-1"),
        ("A-2", "2026-11-20T20:40:00Z", b"A-2"),
    ]
    assert records[0].value.startswith(b"<request>")


def test_request_maps_to_an_open311_incident() -> None:
    """Type from the service table, position with 25 m, address and description kept, the city's id as reference."""
    out = one(requests_xml(request_xml()))
    assert (out["incident_id"], out["origin"], out["mode"], out["status"]) == (
        "open311:HAL-2026-311",
        "open311",
        "actual",
        "open",
    )
    assert (out["type_code"], out["priority"]) == ("TECHNICAL/LIGHTING", 4)
    assert out["location"] == {
        "lat": 51.4882,
        "lon": 11.9781,
        "uncertainty_m": 25.0,
        "address": "Am Steintor 1, Halle (Saale)",
    }
    assert out["description"] == "Laterne vor der Haltestelle ist aus."
    assert out["reported_at"] == "2026-11-20T21:40:00+01:00"
    assert out["references"] == [{"agency": "ordnungsamt", "ref_id": "HAL-2026-311"}]
    assert (out["confidentiality"], out["retention_class"]) == ("restricted", "standard")


def test_json_requests_map_like_xml() -> None:
    """The JSON answer (an array of request objects, numbers as numbers) gives the same incident."""
    doc = json.dumps(
        [
            {
                "service_request_id": 311,
                "status": "closed",
                "service_name": "Lärmbelästigung",
                "service_code": "N-7",
                "description": None,
                "requested_datetime": "2026-11-20T23:10:00+01:00",
                "updated_datetime": "2026-11-21T01:00:00+01:00",
                "address": None,
                "lat": 51.4828,
                "long": 11.9697,
                "media_url": "",
            }
        ]
    ).encode()
    [record] = FMT.split(doc, "application/json")
    assert (record.record_id, record.version) == ("311", "2026-11-21T00:00:00Z")
    [out] = FMT.to_canonical(record.value)
    assert (out.event.data["type_code"], out.event.data["status"]) == ("PUBLIC_ORDER/NUISANCE", "closed")
    assert out.event.data["location"]["address"] is None


def test_same_request_version_gives_identical_event_and_a_new_version_a_new_one() -> None:
    """Same id and update time: same event bytes; a later update: same incident, new event."""
    first = FMT.to_canonical(FMT.split(requests_xml(request_xml()))[0].value)[0]
    again = FMT.to_canonical(FMT.split(requests_xml(request_xml()))[0].value)[0]
    later = FMT.to_canonical(
        FMT.split(requests_xml(request_xml(updated_datetime="2026-11-21T08:00:00+01:00", status="closed")))[0].value
    )[0]
    assert first.value() == again.value()
    assert later.event.id != first.event.id
    assert later.key == first.key == b"open311:HAL-2026-311"


def test_cursor_value_is_the_utc_update_time_or_nothing() -> None:
    """The connector's incremental cursor: UTC update time; a record without a readable time never moves it."""
    [good] = FMT.split(requests_xml(request_xml()))
    assert FMT.cursor_value(good) == "2026-11-20T21:05:00Z"
    [naive] = FMT.split(requests_xml(request_xml(updated_datetime="2026-11-20 22:05:00.1")))
    assert naive.version == "2026-11-20 22:05:00.1"
    assert FMT.cursor_value(naive) == ""
    assert FMT.cursor_value(SourceRecord("x", "", b"", b"")) == ""


@pytest.mark.parametrize(
    ("service_name", "code"),
    [
        ("Straßenbeleuchtung defekt", "TECHNICAL/LIGHTING"),
        ("Street Lights", "TECHNICAL/LIGHTING"),
        ("Angstraum / unsicherer Ort", "SAFETY/UNSAFE_PLACE"),
        ("Lärm", "PUBLIC_ORDER/NUISANCE"),
        ("Graffiti", "CRIME/PROPERTY_DAMAGE"),
        ("Illegal_Dumping", "PUBLIC_ORDER/LITTER"),
        ("Wilder Müll", "PUBLIC_ORDER/LITTER"),
        ("Potholes, Other Street Repair", "OTHER"),
    ],
)
def test_default_service_table(service_name: str, code: str) -> None:
    """The usual services map by keyword in German or English; anything else is OTHER."""
    assert DEFAULT_SERVICE_TYPES.rule_for("X", service_name).type_code == code


def test_a_deployment_table_maps_its_own_service_codes() -> None:
    """A code rule wins over keyword rules, so the city's own service list maps exactly."""
    table = ServiceTypeTable(
        [ServiceRule("SAFETY/UNSAFE_PLACE", 2, code="SL-01"), ServiceRule("TECHNICAL/LIGHTING", keyword="licht")]
    )
    out = Open311Format(table, confidentiality="public").to_canonical(FMT.split(requests_xml(request_xml()))[0].value)
    assert (out[0].event.data["type_code"], out[0].event.data["priority"]) == ("SAFETY/UNSAFE_PLACE", 2)
    assert out[0].event.data["confidentiality"] == "public"


@pytest.mark.parametrize(
    ("rules", "words"),
    [
        ([ServiceRule("NOISE", keyword="lärm")], "is not a type code"),
        ([ServiceRule("PUBLIC_ORDER", priority=9, keyword="lärm")], "priority 9"),
        ([ServiceRule("PUBLIC_ORDER")], "needs a code or a keyword"),
    ],
)
def test_bad_service_table_stops_start_up(rules: list[ServiceRule], words: str) -> None:
    """An invalid table is a ConfigError when built, not a dead letter for every request later."""
    with pytest.raises(ConfigError, match=words):
        ServiceTypeTable(rules)


def test_no_position_keeps_the_address_in_the_description() -> None:
    """0,0 means 'no position' on several servers: no location, and the address stays readable in the text."""
    out = one(requests_xml(request_xml(lat="0.0", long="0.0", address="  Markt   1 ")))
    assert out["location"] is None
    assert out["description"] == "Laterne vor der Haltestelle ist aus.\n\nAddress: Markt 1"


def test_capitalised_status_and_nil_update_time_are_understood() -> None:
    """'Open' means open; an xsi:nil updated_datetime is absent, so the request time is the version."""
    nil = '<updated_datetime xsi:nil="true" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"/>'
    req = request_xml(status="Open").replace("<updated_datetime>2026-11-20T22:05:00+01:00</updated_datetime>", nil)
    [record] = FMT.split(requests_xml(req))
    assert record.version == "2026-11-20T20:40:00Z"
    assert FMT.to_canonical(record.value)[0].event.data["status"] == "open"


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"requested_datetime": "2026-11-20 21:40:00"}, "requested_datetime: has no UTC offset"),
        ({"requested_datetime": None}, "requested_datetime: missing"),
        ({"updated_datetime": "later"}, "updated_datetime: not an ISO 8601"),
        ({"status": "in_progress"}, "status: missing or not one of open, closed"),
        ({"lat": "north"}, "lat: not a number"),
        ({"lat": "95.0"}, "location.lat: Input should be less than or equal to 90"),
    ],
)
def test_bad_requests_are_schema_violations(fields: dict[str, str | None], words: str) -> None:
    """Each fault of one request is refused by to_canonical naming the field; the rest of the list goes on."""
    err = record_refused(requests_xml(request_xml("HAL-2026-311", **fields)))
    assert err.code == "schema_violation"
    assert words in err.reason


def test_request_with_only_a_token_is_named_by_it() -> None:
    """A queued request without an id yet is recorded under its token."""
    req = request_xml(None, token="tok-42").replace("<service_request_id/>", "")
    [record] = FMT.split(requests_xml(req, request_xml("B-1")))[:1]
    assert record.record_id == "tok-42"
    [out] = FMT.to_canonical(record.value)
    assert (out.event.data["incident_id"], out.event.data["references"]) == ("open311:tok-42", [])


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (
            b"<errors><error><code>403</code><description>Invalid api_key</description></error></errors>",
            "Open311 error response, no service requests: 403 Invalid api_key",
        ),
        (b"<error>Invalid api_key received</error>", "? Invalid api_key received"),
        (b'[{"code":404,"description":"Service request not found"}]', "404 Service request not found"),
        (b"<services><service><service_code>1</service_code></service></services>", "service list (1 services)"),
        (b'[{"service_code":"1","service_name":"Lampe","metadata":false}]', "service list (1 services)"),
        (b"<service_definition><service_code>1</service_code></service_definition>", "service definition"),
        (b"<discovery><endpoints/></discovery>", "discovery document"),
        (b'{"changeset":"2026-01-01","endpoints":[]}', "discovery document"),
        (
            b"<service_requests><request><service_request_id>1</service_request_id><token>t</token></request>"
            b"</service_requests>",
            "POST or token answer",
        ),
        (b'[{"token":"503fc045"}]', "POST or token answer"),
    ],
)
def test_documents_that_are_not_requests_are_unsupported_with_a_reason(document: bytes, words: str) -> None:
    """Errors, service lists, definitions, discovery and acknowledgements are refused whole, saying which."""
    err = split_refused(document)
    assert err.code == "unsupported"
    assert words in err.reason


@pytest.mark.parametrize(
    ("document", "code", "words"),
    [
        (
            b"HTTP/1.1 403 Forbidden\r\n\r\n<error>no</error>",
            "malformed_xml",
            "HTTP status line (status 403)",
        ),
        (b"<feed/>", "malformed_xml", "root element <feed>"),
        (b'{"hello":"world"}', "malformed_json", "holds no service requests"),
        (b"<service_requests><request>", "malformed_xml", "not well-formed"),
        (b"x" * (MAX_DOCUMENT_BYTES + 1), "too_large", "limit is"),
    ],
)
def test_broken_documents_are_refused_whole(document: bytes, code: str, words: str) -> None:
    """An HTTP head in the body, a foreign root, broken markup or an oversized body fail at split."""
    err = split_refused(document)
    assert (err.code, words in err.reason) == (code, True)


def test_empty_answer_has_no_records() -> None:
    """No new requests since the cursor is normal: no records, no error."""
    assert FMT.split(b"<service_requests/>") == []
    assert FMT.split(b"[]") == []
    assert FMT.split(b'{"service_requests":[]}') == []


def test_ack_record_smuggled_past_split_is_unsupported() -> None:
    """A mixed answer keeps real requests; an acknowledgement among them is refused on its own."""
    ack = "<request><service_request_id>9</service_request_id><token>t</token></request>"
    records = FMT.split(requests_xml(request_xml("A-1"), ack))
    assert [r.record_id for r in records] == ["A-1", "9"]
    with pytest.raises(InvalidEventError) as caught:
        FMT.to_canonical(records[1].value)
    assert caught.value.code == "unsupported"


def test_record_that_is_not_a_request_is_refused() -> None:
    """A raw record must be one <request> or one JSON object."""
    for raw, code in ((b"<services/>", "malformed_xml"), (b"[1]", "malformed_json"), (b"x" * 2_000_000, "too_large")):
        with pytest.raises(InvalidEventError) as caught:
            FMT.to_canonical(raw)
        assert caught.value.code == code


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["xml", "json"]).flatmap(lambda kind: mutated(SEEDS[kind])))
def test_damaged_answers_never_escape_as_anything_but_a_reason(document: bytes) -> None:
    """Mutated XML and JSON answers only ever give records or InvalidEventError."""
    survives(FMT, document)


def test_unknown_encoding_in_the_xml_declaration_is_undecodable() -> None:
    """An encoding Python does not know (found by fuzzing) is a reason, not a LookupError."""
    err = split_refused(requests_xml(request_xml()).replace(b'encoding="utf-8"', b'encoding="utf-88"'))
    assert err.code == "undecodable"
