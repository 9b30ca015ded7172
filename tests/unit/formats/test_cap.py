"""CAP alert to canonical Incident: lifecycle through references, mode, type code, priority, place, hub parameters."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from hub.errors import ConfigError, InvalidEventError
from hub.formats.base import CanonicalRecord
from hub.formats.cap import CapFormat, CapPolicy, priority_of
from hub.formats.registry import FORMATS
from hub.schemas import CloudEvent, Incident
from tests.unit.formats.test_cap_samples import SENDER, SENT, alert, area, info

FMT = CapFormat()


def one(document: bytes, fmt: CapFormat = FMT) -> CanonicalRecord:
    [record] = fmt.split(document)
    [out] = fmt.to_canonical(record.value)
    return out


def data(document: bytes, fmt: CapFormat = FMT) -> dict[str, Any]:
    return one(document, fmt).event.data


def refused(document: bytes, fmt: CapFormat = FMT) -> InvalidEventError:
    [record] = fmt.split(document)
    with pytest.raises(InvalidEventError) as caught:
        fmt.to_canonical(record.value)
    return caught.value


def test_registered_under_its_name_and_police_raw_topic() -> None:
    """The registry offers the CAP format by name, bound to raw.polizei.cap."""
    assert isinstance(FORMATS["cap"], CapFormat)
    assert FORMATS["cap"].raw_topic == "raw.polizei.cap"


def test_alert_update_and_cancel_share_the_incident_id_but_not_the_event_id() -> None:
    """An update and a cancel referencing the alert land on the original's incident id and key, as own events."""
    original = alert("E-1")
    update = alert("E-1.1", msg_type="Update", sent="2026-11-20T22:10:00+01:00", references=f"{SENDER},E-1,{SENT}")
    cancel = alert(
        "E-1.2",
        msg_type="Cancel",
        sent="2026-11-20T22:30:00+01:00",
        references=f"{SENDER},E-1,{SENT} {SENDER},E-1.1,2026-11-20T22:10:00+01:00",
    )
    events = [one(doc) for doc in (original, update, cancel)]
    assert {e.event.data["incident_id"] for e in events} == {f"{SENDER},E-1"}
    assert {e.key for e in events} == {f"{SENDER},E-1".encode()}
    assert [e.event.data["status"] for e in events] == ["open", "updated", "cancelled"]
    assert len({e.event.id for e in events}) == 3
    # reported_at stays the first report's time; the event time is each message's own.
    assert {e.event.data["reported_at"] for e in events} == {SENT}
    assert [e.event.time.isoformat() for e in events][1] == "2026-11-20T22:10:00+01:00"


def test_raw_records_of_one_incident_share_the_partition_key() -> None:
    """split keys an update by the original alert, so an incident's messages stay in order on the raw topic."""
    [first] = FMT.split(alert("E-1"))
    [later] = FMT.split(alert("E-1.1", msg_type="Update", references=f"{SENDER},E-1,{SENT}"))
    assert (first.record_id, first.version) == (f"{SENDER},E-1", SENT)
    assert later.record_id == f"{SENDER},E-1.1"
    assert first.key == later.key == f"{SENDER},E-1".encode()


def test_the_earliest_reference_is_the_original_whatever_the_order() -> None:
    """References are unordered by the standard; the one sent first names the incident."""
    refs = f"{SENDER},E-1.1,2026-11-20T22:10:00+01:00 {SENDER},E-1,2026-11-20T21:05:00Z"
    out = data(alert("E-1.2", msg_type="Update", references=refs))
    assert out["incident_id"] == f"{SENDER},E-1"
    assert out["reported_at"] == "2026-11-20T21:05:00Z"


def test_update_without_references_stands_alone() -> None:
    """An update naming no earlier message cannot be linked; it becomes its own incident, marked updated."""
    out = data(alert("E-9", msg_type="Update", references=""))
    assert (out["incident_id"], out["status"]) == (f"{SENDER},E-9", "updated")


def test_same_alert_gives_identical_event_bytes() -> None:
    """Mapping the same alert twice gives the same event id and bytes, so sinks stay idempotent."""
    a, b = one(alert()), one(alert())
    assert a.event.id == b.event.id
    assert a.value() == b.value()
    assert CloudEvent.from_bytes(a.value()) == a.event
    assert one(alert(sent="2026-11-20T22:00:08+01:00")).event.id != a.event.id


@pytest.mark.parametrize(
    ("status", "mode", "retention"),
    [("Actual", "actual", "standard"), ("Exercise", "exercise", "short"), ("Test", "test", "short")],
)
def test_status_gives_the_mode_and_drills_are_kept_short(status: str, mode: str, retention: str) -> None:
    """Actual, Exercise and Test become the EMSI mode; drills and tests get the short retention class."""
    out = data(alert(status=status))
    assert (out["mode"], out["retention_class"]) == (mode, retention)


@pytest.mark.parametrize(
    ("changes", "code", "words"),
    [
        ({"status": "System"}, "unsupported", "status System"),
        ({"status": "Draft"}, "unsupported", "status Draft"),
        ({"status": "Rehearsal"}, "schema_violation", "status: not one of Actual"),
        ({"msg_type": "Ack"}, "unsupported", "msgType Ack"),
        ({"msg_type": "Error"}, "unsupported", "msgType Error"),
        ({"msg_type": "Notice"}, "schema_violation", "msgType: not one of"),
        ({"scope": None}, "schema_violation", "missing scope"),
        ({"scope": "Secret"}, "schema_violation", "scope: not one of"),
        ({"sent": "2026-11-20T22:00:07"}, "schema_violation", "sent: has no UTC offset"),
        ({"sent": "yesterday"}, "schema_violation", "sent: not an ISO 8601"),
        ({"msg_type": "Update", "references": "only-two,parts"}, "schema_violation", "references: entry 1"),
        ({"infos": ""}, "schema_violation", "Alert has no <info>"),
    ],
)
def test_header_faults_are_refused_with_a_precise_reason(changes: dict[str, Any], code: str, words: str) -> None:
    """Non-incident messages are unsupported; broken ones are schema violations naming the element."""
    err = refused(alert(**changes))
    assert err.code == code
    assert words in err.reason


def test_identifier_with_a_comma_is_refused_and_named_by_content() -> None:
    """CAP forbids commas in identifiers; split still passes the record on (content id), to_canonical refuses it."""
    doc = alert("bad, id")
    [record] = FMT.split(doc)
    assert record.record_id.startswith("sha256:")
    assert FMT.split(doc)[0].record_id == record.record_id
    err = refused(doc)
    assert (err.code, "space or comma" in err.reason) == ("schema_violation", True)


def test_cancel_without_info_cancels_the_original_incident() -> None:
    """A cancel may carry no <info>; it still withdraws the incident named by its reference."""
    out = data(alert("E-1.9", msg_type="Cancel", references=f"{SENDER},E-1,{SENT}", infos=""))
    assert (out["incident_id"], out["status"], out["type_code"], out["priority"]) == (
        f"{SENDER},E-1",
        "cancelled",
        "OTHER",
        5,
    )


def test_weather_warning_is_refused_as_unsupported_by_default() -> None:
    """A Met alert is a public weather warning, not a police incident: unsupported with the category named."""
    err = refused(alert(infos=info(category="Met", event="STARKREGEN")))
    assert err.code == "unsupported"
    assert "category Met (STARKREGEN)" in err.reason


def test_a_policy_may_accept_weather_warnings() -> None:
    """With no refused categories, a Met alert maps to SAFETY/WEATHER."""
    fmt = CapFormat(CapPolicy(refused_categories=frozenset()))
    assert data(alert(infos=info(category="Met", event="Sturm")), fmt)["type_code"] == "SAFETY/WEATHER"


def test_a_refused_alert_that_is_also_broken_is_reported_as_broken() -> None:
    """Missing urgency is named even on a weather alert, so the sender learns its CAP is invalid."""
    err = refused(alert(infos=info(category="Met", urgency="")))
    assert (err.code, err.reason) == ("schema_violation", "urgency: missing or empty")


def test_mixed_categories_use_the_first_accepted_one() -> None:
    """A fire alert also tagged Met is still a fire incident."""
    doc = alert(infos=info(category="Met</category><category>Fire", event="Brand"))
    assert data(doc)["type_code"] == "FIRE"


@pytest.mark.parametrize(
    ("category", "event", "code"),
    [
        ("Security", "Körperverletzung", "CRIME/ASSAULT"),
        ("Security", "RAUB", "CRIME/ROBBERY"),
        ("Security", "Ruhestörung", "PUBLIC_ORDER/NUISANCE"),
        ("Security", "Schlägerei am Bahnsteig", "CRIME"),
        ("Rescue", "Vermisste Person", "SAFETY/MISSING_PERSON"),
        ("Transport", "Verkehrsunfall", "TRANSIT/TRAFFIC_ACCIDENT"),
        ("Health", "Notfall", "MEDICAL"),
        ("Infra", "Stromausfall", "TECHNICAL"),
        ("Other", "Sonstiges", "OTHER"),
    ],
)
def test_category_gives_the_top_level_and_known_events_refine_it(category: str, event: str, code: str) -> None:
    """The category maps onto a top-level code; an event name from the table gives the full code."""
    assert data(alert(infos=info(category=category, event=event)))["type_code"] == code


def test_event_code_hub_type_code_wins_over_event_and_category() -> None:
    """A sender that knows the hub's codes sets eventCode hub:type_code and gets exactly that code."""
    doc = alert(infos=info(event="Raub", event_codes={"hub:type_code": "CRIME/THREAT"}))
    assert data(doc)["type_code"] == "CRIME/THREAT"
    err = refused(alert(infos=info(event_codes={"hub:type_code": "WEATHER/STORM"})))
    assert err.code == "schema_violation"
    assert err.reason.startswith("invalid incident from CAP: eventCode hub:type_code or event:")


@pytest.mark.parametrize(
    ("urgency", "severity", "certainty", "priority"),
    [
        ("Immediate", "Extreme", "Observed", 1),
        ("Immediate", "Severe", "Observed", 1),
        ("Expected", "Severe", "Likely", 2),
        ("Expected", "Moderate", "Observed", 3),
        ("Unknown", "Unknown", "Unknown", 3),
        ("Future", "Moderate", "Possible", 5),
        ("Expected", "Minor", "Observed", 4),
        ("Past", "Minor", "Observed", 5),
        ("Immediate", "Minor", "Unlikely", 5),
    ],
)
def test_priority_table(urgency: str, severity: str, certainty: str, priority: int) -> None:
    """Priority is severity rank plus urgency and certainty shifts, clamped to 1..5 (the documented table)."""
    assert priority_of(urgency, severity, certainty) == priority
    doc = alert(infos=info(urgency=urgency, severity=severity, certainty=certainty))
    assert data(doc)["priority"] == priority


def test_circle_radius_in_kilometres_becomes_uncertainty_in_metres() -> None:
    """CAP circles give the radius in km; the incident's uncertainty is in metres, the address from areaDesc."""
    loc = data(alert())["location"]
    assert (loc["lat"], loc["lon"], loc["uncertainty_m"], loc["address"]) == (51.4828, 11.9697, 50.0, "Marktplatz")


def test_polygon_area_gives_its_centroid_and_reach() -> None:
    """A square polygon gives its centre and the distance to a corner (about 157 m for this one)."""
    lat, lon, dlat, dlon = 51.4828, 11.9697, 0.001, 0.0016
    ring = [(lat - dlat, lon - dlon), (lat - dlat, lon + dlon), (lat + dlat, lon + dlon), (lat + dlat, lon - dlon)]
    polygon = " ".join(f"{a},{b}" for a, b in [*ring, ring[0]])
    loc = data(alert(infos=info(areas=area(f"<polygon>{polygon}</polygon>", "Hallmarkt"))))["location"]
    assert loc["lat"] == pytest.approx(lat, abs=1e-6)
    assert loc["lon"] == pytest.approx(lon, abs=1e-6)
    # Independent estimate: metres per degree of latitude and of longitude at this latitude.
    corner = ((111_195 * dlat) ** 2 + (111_195 * 0.62288 * dlon) ** 2) ** 0.5
    assert loc["uncertainty_m"] == pytest.approx(corner, rel=0.005)


def test_area_without_shapes_gives_no_location() -> None:
    """Geocodes alone are not resolved (no gazetteer in a pure mapper): the incident has no location."""
    geocode = "<geocode><valueName>AGS</valueName><value>15002000</value></geocode>"
    assert data(alert(infos=info(areas=area(geocode, "Halle (Saale)"))))["location"] is None


def test_broken_polygon_is_a_schema_violation() -> None:
    """A polygon that is not lat,lon pairs is named as the faulty area."""
    err = refused(alert(infos=info(areas=area("<polygon>51.48,11.96 north,east 51.49,11.97</polygon>"))))
    assert (err.code, err.reason) == ("schema_violation", "area: a polygon point is not 'lat,lon'")


def test_hub_parameters_fill_stop_line_vehicle_and_context() -> None:
    """hub:* parameters carry what CAP has no element for; confidentiality can only be raised."""
    params = {
        "hub:stop_dhid": "de:15002:5237",
        "hub:line": "2",
        "hub:vehicle": "654",
        "hub:legal_basis": "SOG LSA § 26",
        "hub:origin": "citizen_call",
        "hub:confidentiality": "confidential",
        "hub:retention_class": "long",
        "hub:priority": "2",
        "hub:ref:feuerwehr": "F-2026-77",
        "Einsatzmittel": "ignored, not a hub parameter",
    }
    out = data(alert(infos=info(parameters=params)))
    assert (out["stop_dhid"], out["line"], out["vehicle"]) == ("de:15002:5237", "2", "654")
    assert (out["legal_basis"], out["origin"], out["retention_class"], out["priority"]) == (
        "SOG LSA § 26",
        "citizen_call",
        "long",
        2,
    )
    assert out["confidentiality"] == "confidential"
    assert out["references"] == [{"agency": "feuerwehr", "ref_id": "F-2026-77"}]


def test_defaults_without_hub_parameters() -> None:
    """Without parameters: origin other, legal basis SOG LSA § 27, scope Restricted gives restricted."""
    out = data(alert())
    assert (out["origin"], out["legal_basis"], out["confidentiality"]) == ("other", "SOG LSA § 27", "restricted")
    assert data(alert(scope="Public"))["confidentiality"] == "public"
    assert data(alert(scope="Private"))["confidentiality"] == "confidential"
    assert (
        data(alert(scope="Public", extra="<restriction>nur Polizei</restriction>"))["confidentiality"] == "restricted"
    )


def test_parameter_cannot_lower_confidentiality() -> None:
    """hub:confidentiality public on a Restricted alert keeps it restricted."""
    out = data(alert(infos=info(parameters={"hub:confidentiality": "public"})))
    assert out["confidentiality"] == "restricted"


@pytest.mark.parametrize(
    ("params", "words"),
    [
        ({"hub:stop": "de:15002:5237"}, "parameter hub:stop: not a hub parameter"),
        ({"hub:stop_dhid": "Marktplatz"}, "parameter hub:stop_dhid: String should match pattern"),
        ({"hub:origin": "anonymous"}, "parameter hub:origin:"),
        ({"hub:priority": "high"}, "parameter hub:priority: not a whole number"),
        ({"hub:priority": "7"}, "parameter hub:priority: Input should be less than or equal to 5"),
        ({"hub:confidentiality": "secret"}, "parameter hub:confidentiality: not one of"),
    ],
)
def test_bad_hub_parameters_are_named(params: dict[str, str], words: str) -> None:
    """A wrong hub parameter is a schema violation naming the parameter, not the hub field."""
    err = refused(alert(infos=info(parameters=params)))
    assert err.code == "schema_violation"
    assert words in err.reason


def test_parameter_given_twice_with_different_values_is_refused() -> None:
    """Two different values for one hub parameter leave the meaning open: refused."""
    twice = info(parameters={"hub:line": "2"}).replace(
        "</info>", "<parameter><valueName>hub:line</valueName><value>5</value></parameter></info>"
    )
    err = refused(alert(infos=twice))
    assert "hub:line: given twice" in err.reason


def test_incidents_element_becomes_the_police_reference() -> None:
    """<incidents> carries the control room's own incident numbers: they become polizei references."""
    out = data(alert(extra="<incidents>HAL-2026-4711 HAL-2026-4712</incidents>"))
    assert out["references"] == [
        {"agency": "polizei", "ref_id": "HAL-2026-4711"},
        {"agency": "polizei", "ref_id": "HAL-2026-4712"},
    ]


def test_german_info_is_preferred_over_english() -> None:
    """Of several languages the German block is mapped, whatever the order."""
    infos = info(language="en-US", headline="Fight on a tram") + info(language="de-DE", headline="Streit")
    assert data(alert(infos=infos))["description"].startswith("Streit")
    assert data(alert(infos=info(language="fr-FR", headline="Bagarre")))["description"].startswith("Bagarre")


def test_description_joins_headline_text_and_instruction_and_turns_br_into_newlines() -> None:
    """Free text keeps all three parts; escaped <br /> from HTML-minded senders becomes a line break."""
    doc = alert(
        infos=info(headline="Kopf", description="eins&lt;br /&gt;zwei").replace(
            "</info>", "<instruction>Abstand halten</instruction></info>"
        )
    )
    assert data(doc)["description"] == "Kopf\n\neins\nzwei\n\nAbstand halten"
    long_text = "x" * 5000
    assert len(data(alert(infos=info(description=long_text)))["description"]) == 4000


def test_cap_11_and_10_map_the_same_way() -> None:
    """CAP 1.1 and 1.0 namespaces are read alike; 1.0 writes parameters as name=value text."""
    out11 = data(alert(ns="urn:oasis:names:tc:emergency:cap:1.1"))
    assert out11["type_code"] == "CRIME/ASSAULT"
    v10 = alert(
        ns="http://www.incident.com/cap/1.0",
        infos=info().replace("</info>", "<parameter>hub:line=5</parameter></info>"),
    )
    assert data(v10)["line"] == "5"


def test_bbk_json_form_maps_like_xml() -> None:
    """The BBK/NINA JSON form of CAP (element names as keys) gives the same incident fields."""
    doc = (
        b'{"identifier":"E-7","sender":"leitstelle@polizei.halle.example","sent":"2026-11-20T22:00:07+01:00",'
        b'"status":"Actual","msgType":"Alert","scope":"Public","info":[{"language":"de","category":["Safety"],'
        b'"event":"Hilflose Person","urgency":"Immediate","severity":"Moderate","certainty":"Observed",'
        b'"headline":"Person &quot;hilflos&quot;<br/>am Steintor","area":[{"areaDesc":"Am Steintor",'
        b'"circle":["51.4882,11.9781 0.1"]}]}]}'
    )
    out = data(doc)
    assert (out["type_code"], out["priority"], out["confidentiality"]) == ("SAFETY/HELPLESS_PERSON", 2, "public")
    assert out["description"] == 'Person "hilflos"\nam Steintor'
    assert out["location"]["uncertainty_m"] == 100.0


def test_json_with_wrong_types_names_the_field() -> None:
    """A JSON CAP whose category is a number is refused naming info[0].category."""
    doc = b'{"identifier":"E-7","sender":"s","sent":"2026-11-20T22:00:07+01:00","info":[{"category":[7]}]}'
    err = refused(doc)
    assert (err.code, err.reason) == ("schema_violation", "info[0].category[0]: expected a string, got int")


def test_policy_is_checked_when_built() -> None:
    """A bad event table, category or origin stops start-up with a ConfigError, not the normaliser later."""
    with pytest.raises(ConfigError, match="not a type code"):
        CapPolicy(event_types={"sturm": "WEATHER/STORM"})
    with pytest.raises(ConfigError, match="not CAP categories"):
        CapPolicy(refused_categories=frozenset({"Weather"}))
    with pytest.raises(ConfigError, match="not an incident origin"):
        CapPolicy(default_origin="anonymous")  # type: ignore[arg-type]


def test_payload_is_a_valid_incident() -> None:
    """The event's data validates as the canonical Incident and its time is the alert's sent time."""
    out = one(alert())
    incident = Incident.model_validate(out.event.data)
    assert incident.reported_at == datetime.fromisoformat(SENT)
    assert out.event.time == datetime.fromisoformat(SENT)
    assert out.event.hubsourceid == f"{SENDER},E-2026-000123@{SENT}"


def test_area_description_is_carried_with_or_without_a_shape() -> None:
    """areaDesc becomes the incident's area, also for an area given by geocodes only (before, it was lost); with a
    shape it is also the location's address, as before."""
    geocode = "<geocode><valueName>AGS</valueName><value>15002000</value></geocode>"
    named_only = data(alert(infos=info(areas=area(geocode, "Halle (Saale)") + area(geocode, "Saalekreis"))))
    assert (named_only["area"], named_only["location"]) == ("Halle (Saale); Saalekreis", None)
    shaped = data(alert())
    assert shaped["area"] == shaped["location"]["address"] == "Marktplatz"
    assert data(alert(infos=info(areas="")))["area"] is None


def test_expires_is_carried_and_checked_like_sent() -> None:
    """<expires> becomes expires_at; one without a UTC offset is refused naming the element."""
    with_expiry = info().replace("<headline>", "<expires>2026-11-21T06:00:00+01:00</expires><headline>")
    assert data(alert(infos=with_expiry))["expires_at"] == "2026-11-21T06:00:00+01:00"
    assert data(alert())["expires_at"] is None
    local = info().replace("<headline>", "<expires>2026-11-21T06:00:00</expires><headline>")
    assert refused(alert(infos=local)).reason == "expires: has no UTC offset; CAP times must carry one"
