"""The transform: what each domain sees of example events, and what never leaves the police domain."""

from __future__ import annotations

import copy
import dataclasses
import json
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.errors import ConfigError, InvalidEventError, PolicyViolation
from hub.privacy.keys import DomainKeys, KeyRing, SecretKey, demo_keyring
from hub.privacy.policy import DOMAINS, KindPlan, Policy, default_policy
from hub.privacy.pseudonym import is_pseudonym, pseudonymise
from hub.privacy.transform import (
    StopIndex,
    TransformContext,
    bucket_time,
    for_domain,
    share_record,
    snap_to_grid,
    unit_on_shared_incident,
)
from hub.schemas import KINDS, CloudEvent, UnitStatus, example_payload, unwrap, wrap
from hub.topology import CANONICAL_KINDS

POLICY = default_policy()
KEYS = demo_keyring(DOMAINS)
NON_POLICE = tuple(d for d in DOMAINS if d != "polizei")


@dataclasses.dataclass(frozen=True)
class _Stop:
    stop_id: str
    lat: float
    lon: float


# Real HAVAG stops (MDV GTFS, CC BY 4.0) around the city centre.
STOPS = StopIndex(
    [
        _Stop("de:15002:5232", 51.482772, 11.969338),  # Marktplatz
        _Stop("de:15002:5125", 51.478548, 11.969596),  # Franckeplatz
        _Stop("de:15002:5258", 51.474278, 11.969592),  # Rannischer Platz
        _Stop("de:15002:5061", 51.479943, 11.927757),  # Zentrum Neustadt
        _Stop("de:15002:11316", 51.478501, 11.985836),  # Hauptbahnhof
    ]
)


def _scrub(text: str) -> str:
    return "[scrubbed]"


CONTEXT = TransformContext(stops=STOPS, scrubber=_scrub)


def _event(kind: str, data: dict[str, Any], record: str = "r1") -> CloudEvent:
    payload = KINDS[kind].model.model_validate(data)
    return wrap(
        payload,
        source="/test/source",
        source_record_id=f"{kind}-{record}",
        time=datetime(2026, 11, 20, 22, 17, 31, tzinfo=UTC),
        subject=KINDS[kind].partition_key(payload),
    )


def _example(kind: str, i: int) -> CloudEvent:
    return _event(kind, example_payload(kind, i), str(i))


def _full_incident() -> CloudEvent:
    """Example 0 (a citizen call about a nuisance on a tram, with caller, description and assessment) plus a street
    address, restricted rather than confidential so that HAVAG and the Ordnungsamt are sent it."""
    data = {**example_payload("incident", 0), "confidentiality": "restricted"}
    data["location"] = {"lat": 51.4829, "lon": 11.9701, "uncertainty_m": 30.0, "address": "Leipziger Straße 12a, Halle"}
    return _event("incident", data)


def _share(event: CloudEvent, domain: str, context: TransformContext = CONTEXT) -> CloudEvent:
    share = for_domain(event, domain, POLICY, KEYS, context=context)
    assert share is not None
    return share


def _key(domain: str) -> SecretKey:
    return KEYS.for_domain(domain).active


def test_polizei_receives_everything_as_recorded() -> None:
    """The police domain owns the data: payload and source id unchanged, only id and recipient are new."""
    for kind in CANONICAL_KINDS:
        for i in range(12):
            event = _example(kind, i)
            share = _share(event, "polizei")
            assert share.data == event.data
            assert share.subject == event.subject
            assert share.hubsourceid == event.hubsourceid
            assert share.hubrecipient == "polizei"
            assert share.id != event.id
            assert share.time == event.time


def test_havag_incident_carries_only_what_the_control_room_acts_on() -> None:
    """HAVAG: no caller, description, address, references or assessment; the position moved to the nearest stop, the
    type to its top level, the incident id to HAVAG's pseudonym (the router's reference token), the source to the
    agency."""
    event = _full_incident()
    share = _share(event, "havag")
    data = share.data
    assert data["caller"] is None
    assert data["description"] is None
    assert data["assessment"] is None
    assert data["references"] == []
    assert data["location"] == {"lat": 51.482772, "lon": 11.969338, "uncertainty_m": 100.0, "address": None}
    for kept in ("priority", "status", "stop_dhid", "line", "vehicle", "legal_basis"):
        assert data[kept] == event.data[kept]
    assert data["type_code"] == "PUBLIC_ORDER"
    assert data["incident_id"] == pseudonymise(event.data["incident_id"], _key("havag"))
    assert share.subject == data["incident_id"]
    assert share.source == "/hub"  # "/test/source" names no agency
    assert share.hubsourceid != event.hubsourceid
    assert is_pseudonym(share.hubsourceid)


def test_havag_position_far_from_any_stop_or_without_stops_is_dropped() -> None:
    """No stop within 1 km, or no stop table at all: the exact position does not go out (fail closed)."""
    data = {**example_payload("incident", 0), "confidentiality": "restricted"}
    data["location"] = {"lat": 51.60, "lon": 11.80, "uncertainty_m": 10.0, "address": None}
    assert _share(_event("incident", data), "havag").data["location"] is None
    no_stops = TransformContext(scrubber=_scrub)
    assert _share(_full_incident(), "havag", no_stops).data["location"] is None


def test_havag_receives_incidents_only() -> None:
    """HAVAG gets no vehicle, trip, disruption or unit events back from the hub."""
    for kind in ("vehicle-position", "trip-update", "transit-disruption", "unit-status"):
        assert for_domain(_example(kind, 1), "havag", POLICY, KEYS, context=CONTEXT) is None


def test_ordnungsamt_incident() -> None:
    """Ordnungsamt: caller pseudonymised per domain, description scrubbed, house number removed, no assessment."""
    event = _full_incident()
    data = _share(event, "ordnungsamt").data
    key = _key("ordnungsamt")
    assert data["caller"] == {
        "name": pseudonymise("Erika Mustermann", key),
        "phone": pseudonymise("+49 30 23125 288", key),
    }
    assert data["description"] == "[scrubbed]"
    assert data["location"]["address"] == "Leipziger Straße"
    assert (data["location"]["lat"], data["location"]["lon"]) == (51.4829, 11.9701)
    assert data["assessment"] is None
    assert data["incident_id"] == pseudonymise(event.data["incident_id"], key)
    assert data["references"] == [{"agency": "havag", "ref_id": pseudonymise("HAVAG-EV-0000000", key)}]


def test_analytics_incident_is_statistical() -> None:
    """Analytics: ids pseudonymised, place on a 250 m grid, times to the hour, no person, no vehicle."""
    event = _full_incident()
    share = _share(event, "analytics")
    data = share.data
    key = _key("analytics")
    assert data["incident_id"] == pseudonymise(event.data["incident_id"], key)
    assert share.subject == data["incident_id"]
    assert data["references"] == []
    lat, lon = snap_to_grid(51.4829, 11.9701, 250)
    assert data["location"] == {"lat": lat, "lon": lon, "uncertainty_m": 250.0, "address": None}
    assert data["reported_at"] == "2025-06-02T06:00:00+02:00"
    assert share.time == datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
    assert data["caller"] is None
    assert data["description"] is None
    assert data["assessment"] is None
    assert data["vehicle"] is None
    assert data["line"] is None
    assert data["stop_dhid"] is None
    assert data["type_code"] == event.data["type_code"]


def test_praevention_receives_no_events() -> None:
    """Streetwork and the prevention council get no person-level event of any kind."""
    for kind in CANONICAL_KINDS:
        for i in range(5):
            assert for_domain(_example(kind, i), "praevention", POLICY, KEYS, context=CONTEXT) is None


@settings(max_examples=150)
@given(st.sampled_from(NON_POLICE), st.integers(min_value=0, max_value=5000), st.sampled_from(CANONICAL_KINDS))
def test_assessments_never_leave_the_police_domain(domain: str, i: int, kind: str) -> None:
    """For any example event and any non-police domain the share carries no assessment, not even as text."""
    event = _example(kind, i)
    share = for_domain(
        event, domain, POLICY, KEYS, context=TransformContext(unit_assigned=True, stops=STOPS, scrubber=_scrub)
    )
    if share is None:
        return
    assert share.data.get("assessment") is None
    assessment = event.data.get("assessment")
    if assessment:
        assert assessment not in share.to_bytes().decode()


def test_final_check_stops_an_assessment_the_plan_lets_through() -> None:
    """Even a policy object built around validation (a plan with no steps for havag) cannot send an assessment."""
    havag = POLICY.domain("havag")
    leaky_plan = KindPlan("incident", MappingProxyType({}), (), None)
    leaky = dataclasses.replace(havag, plans=MappingProxyType({"incident": leaky_plan}))
    policy = Policy(MappingProxyType({**POLICY.domains, "havag": leaky}))
    with pytest.raises(PolicyViolation, match="police assessment 'assessment'"):
        for_domain(_full_incident(), "havag", policy, KEYS, context=CONTEXT)


def test_unit_call_sign_never_in_key_subject_or_share() -> None:
    """Ordnungsamt sees police units under pseudonyms: the call sign is in no key, subject, source id or byte."""
    for i in range(40):
        data = example_payload("unit-status", i)
        call_sign = data["unit"]
        event = _event("unit-status", data, record=f"{call_sign}@{i}")  # a TETRA feed may name records so
        record = share_record(event, "ordnungsamt", POLICY, KEYS, context=TransformContext(unit_assigned=True))
        assert record is not None
        assert record.topic == "share.ordnungsamt.unit-status"
        assert record.event.subject is not None
        assert record.key == record.event.subject.encode()
        assert call_sign not in record.key.decode()
        assert call_sign not in record.value().decode()
        assert record.event.subject == f"{event.data['agency']}:{pseudonymise(call_sign, _key('ordnungsamt'))}"
        assert call_sign in (event.subject or "")  # the canonical subject did carry it


def test_subject_comes_from_the_shared_payload_not_the_envelope() -> None:
    """A canonical subject that is not the payload's key (here a call sign) never reaches a share."""
    data = example_payload("vehicle-position", 3)
    event = _event("vehicle-position", data).model_copy(update={"subject": "Saale 12/1"})
    for domain in ("polizei", "ordnungsamt"):
        assert _share(event, domain).subject == data["vehicle"]


def test_unit_position_only_while_assigned() -> None:
    """A police unit's position reaches the Ordnungsamt only while on an incident it shares; otherwise dropped."""
    event = _example("unit-status", 7)  # polizei, status 4, on PI-HAL-E-0000004, with a position
    assert event.data["agency"] == "polizei"
    assert event.data["position"] is not None
    unassigned = _share(event, "ordnungsamt", TransformContext(unit_assigned=False))
    assigned = _share(event, "ordnungsamt", TransformContext(unit_assigned=True))
    assert unassigned.data["position"] is None
    assert assigned.data["position"] == event.data["position"]
    assert _share(event, "polizei", TransformContext()).data["position"] == event.data["position"]


def test_own_units_position_stays_with_own_agency() -> None:
    """An Ordnungsamt patrol's own position is not "another domain's" data for the Ordnungsamt domain."""
    event = _example("unit-status", 2)  # ordnungsamt, status 5, not on an incident
    assert event.data["agency"] == "ordnungsamt"
    assert event.data["position"] is not None
    assert _share(event, "ordnungsamt", TransformContext()).data["position"] == event.data["position"]


def test_unit_on_shared_incident() -> None:
    """Assigned means status 3 or 4, an incident reference, and the recipient involved in that incident."""
    involved = {"PI-HAL-E-0000004": {"polizei", "ordnungsamt"}}
    on_scene = UnitStatus.model_validate(example_payload("unit-status", 7))
    assert unit_on_shared_incident(on_scene, "ordnungsamt", involved)
    assert not unit_on_shared_incident(on_scene, "havag", involved)
    assert not unit_on_shared_incident(on_scene, "ordnungsamt", {})
    free = UnitStatus.model_validate({**example_payload("unit-status", 7), "status_code": 1})
    assert not unit_on_shared_incident(free, "ordnungsamt", involved)
    no_ref = UnitStatus.model_validate({**example_payload("unit-status", 7), "incident_ref": None})
    assert not unit_on_shared_incident(no_ref, "ordnungsamt", involved)


def test_share_ids_stable_and_distinct() -> None:
    """The same event gives the same share id per domain every time; domains and events get different ids."""
    event = _full_incident()
    ids = {d: _share(event, d).id for d in ("polizei", "havag", "ordnungsamt", "analytics")}
    assert ids == {d: _share(event, d).id for d in ids}
    assert len(set(ids.values())) == 4
    assert event.id not in ids.values()
    other = _example("incident", 1)
    assert _share(other, "havag").id != ids["havag"]


def test_shares_validate_and_round_trip() -> None:
    """Every share is a valid event of its kind: it survives the wire format and validates as its model."""
    for kind in CANONICAL_KINDS:
        for i in range(25):
            event = _example(kind, i)
            for domain in DOMAINS:
                record = share_record(event, domain, POLICY, KEYS, context=CONTEXT)
                if record is None:
                    continue
                back = CloudEvent.from_bytes(record.value())
                assert back == for_domain(event, domain, POLICY, KEYS, context=CONTEXT)
                assert back.hubrecipient == domain
                assert record.topic == f"share.{domain}.{kind}"
                assert record.key == (back.subject or "").encode()
                assert record.key == KINDS[kind].partition_key(unwrap(back)).encode()


def test_transform_never_mutates_its_input() -> None:
    """The canonical event, including its nested data, is the same after every domain's transform."""
    event = _full_incident()
    before = copy.deepcopy(event.data)
    dumped = event.model_dump()
    for domain in DOMAINS:
        for_domain(event, domain, POLICY, KEYS, context=CONTEXT)
    assert event.data == before
    assert event.model_dump() == dumped


def test_share_of_a_share_refused() -> None:
    """Transforming a share again would stack pseudonyms; it is refused."""
    share = _share(_full_incident(), "havag")
    with pytest.raises(ValueError, match="already a share"):
        for_domain(share, "analytics", POLICY, KEYS, context=CONTEXT)


def test_type_and_kind_mismatch_refused() -> None:
    """An envelope whose type does not match its kind is not a canonical event."""
    bad = _full_incident().model_copy(update={"type": "de.halle.hub.unit-status.v1"})
    with pytest.raises(InvalidEventError, match="does not match"):
        for_domain(bad, "havag", POLICY, KEYS, context=CONTEXT)


def test_missing_key_for_domain_is_config_error() -> None:
    """A domain without a key cannot receive shares; the error names it."""
    ring = KeyRing([DomainKeys("polizei", SecretKey("k1", b"\x01" * 32))])
    with pytest.raises(ConfigError, match="'havag'"):
        for_domain(_full_incident(), "havag", POLICY, ring, context=CONTEXT)


def test_rotation_changes_pseudonyms_and_shows_key_id() -> None:
    """After a key rotation new pseudonyms carry the new key id and differ from the old ones."""
    old = _share(_full_incident(), "ordnungsamt").data["caller"]["name"]
    rotated_keys = KeyRing(
        [DomainKeys("ordnungsamt", SecretKey("k2", b"\x02" * 32), (KEYS.for_domain("ordnungsamt").active,))]
    )
    new = for_domain(_full_incident(), "ordnungsamt", POLICY, rotated_keys, context=CONTEXT)
    assert new is not None
    assert new.data["caller"]["name"].startswith("ps1.k2.")
    assert new.data["caller"]["name"] != old


def test_scrub_goes_through_the_scrubber() -> None:
    """The description reaches the scrubber and only its output leaves; without a scrubber given, hub's own runs."""
    seen: list[str] = []

    def record(text: str) -> str:
        seen.append(text)
        return "scrubbed text"

    event = _full_incident()
    share = _share(event, "ordnungsamt", TransformContext(scrubber=record))
    assert seen == [event.data["description"]]
    assert share.data["description"] == "scrubbed text"


def test_default_scrubber_removes_canaries() -> None:
    """With no scrubber in the context, hub.privacy.scrub cleans the description for the Ordnungsamt."""
    pytest.importorskip("hub.privacy.scrub")
    data = {**example_payload("incident", 0), "confidentiality": "restricted"}
    data["description"] = "Anrufer Max Mustermann, Tel. 0345 1234567, wurde in der Bahn bedroht"
    share = _share(_event("incident", data), "ordnungsamt", TransformContext())
    assert "0345 1234567" not in json.dumps(share.data)
    assert "Mustermann" not in json.dumps(share.data)


def test_time_bucket_keeps_offset() -> None:
    """Time buckets floor to the bucket and keep the original UTC offset."""
    moment = datetime.fromisoformat("2025-06-02T06:47:12+02:00")
    assert bucket_time(moment, 60).isoformat() == "2025-06-02T06:00:00+02:00"
    assert bucket_time(moment, 15).isoformat() == "2025-06-02T06:45:00+02:00"
