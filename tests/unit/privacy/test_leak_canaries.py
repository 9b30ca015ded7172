"""The leak test over the pure transform (issue 12): a canary in every text field of every kind, in the envelope's
source and source id, and exact positions and times; every non-police share is searched for each, and a canary may
appear only where the shipped policy shares that field (keep, or scrub for free text), each under its domain's
legal basis. The real-pipeline run is tests/integration/test_privacy_leak.py."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS, Rule, default_policy, leaf_fields
from hub.privacy.transform import TransformContext, for_domain
from hub.schemas import KINDS, CloudEvent, wrap
from hub.topology import CANONICAL_KINDS

POLICY = default_policy()
KEYS = demo_keyring(DOMAINS)
CONTEXT = TransformContext(unit_assigned=True, scrubber=lambda text: "[scrubbed]")
EXACT_LAT, EXACT_LON = 51.4823417, 11.9693381  # 7 decimals: no generalisation ends on them
EXACT_TIME = "2026-11-20T22:17:31+01:00"


def _c(n: int) -> str:
    """Canary number n: unique, no canary a prefix of another, fits every length limit (16) and id pattern."""
    return f"KX7Q{n:02d}Z"


# Canary payloads: each text field gets its own canary (the key is the field path), shaped to pass validation.
PAYLOADS: dict[str, tuple[dict[str, Any], dict[str, str]]] = {
    "incident": (
        {
            "incident_id": _c(1),
            "mode": "actual",
            "origin": "citizen_call",
            "type_code": f"PUBLIC_ORDER/{_c(2)}",
            "priority": 2,
            "status": "open",
            "reported_at": EXACT_TIME,
            "location": {"lat": EXACT_LAT, "lon": EXACT_LON, "uncertainty_m": 7.0, "address": f"{_c(3)} 4"},
            "area": f"{_c(62)} 5",
            "expires_at": "2026-11-21T06:00:00+01:00",
            "stop_dhid": f"de:15002:{_c(4)}",
            "line": _c(5),
            "vehicle": _c(6),
            "references": [{"agency": _c(7).lower(), "ref_id": _c(8)}],
            "confidentiality": "restricted",  # so HAVAG (vehicle) and the Ordnungsamt (PUBLIC_ORDER) are sent it
            "legal_basis": _c(9),
            "retention_class": "standard",
            "description": _c(10),
            "caller": {"name": _c(11), "phone": _c(12)},
            "assessment": _c(13),
        },
        {
            "incident_id": _c(1),
            "type_code": _c(2),
            "location.address": _c(3),
            "area": _c(62),
            "stop_dhid": _c(4),
            "line": _c(5),
            "vehicle": _c(6),
            "references.agency": _c(7).lower(),
            "references.ref_id": _c(8),
            "legal_basis": _c(9),
            "description": _c(10),
            "caller.name": _c(11),
            "caller.phone": _c(12),
            "assessment": _c(13),
        },
    ),
    "vehicle-position": (
        {
            "vehicle": _c(20),
            "line": _c(21),
            "direction": _c(22),
            "trip_id": _c(23),
            "run": _c(24),
            "lat": EXACT_LAT,
            "lon": EXACT_LON,
            "observed_at": EXACT_TIME,
            "current_stop_dhid": f"de:15002:{_c(25)}",
            "next_stop_dhid": f"de:15002:{_c(26)}",
        },
        {
            "vehicle": _c(20),
            "line": _c(21),
            "direction": _c(22),
            "trip_id": _c(23),
            "run": _c(24),
            "current_stop_dhid": _c(25),
            "next_stop_dhid": _c(26),
        },
    ),
    "trip-update": (
        {
            "trip_id": _c(30),
            "line": _c(31),
            "direction": _c(32),
            "start_date": "20261120",
            "vehicle": _c(33),
            "stop_updates": [{"stop_id": _c(34), "stop_dhid": f"de:15002:{_c(35)}", "arrival_time": EXACT_TIME}],
            "observed_at": EXACT_TIME,
        },
        {
            "trip_id": _c(30),
            "line": _c(31),
            "direction": _c(32),
            "start_date": "20261120",
            "vehicle": _c(33),
            "stop_updates.stop_id": _c(34),
            "stop_updates.stop_dhid": _c(35),
        },
    ),
    "transit-disruption": (
        {
            "disruption_id": _c(40),
            "lines": [_c(41)],
            "stop_dhids": [f"de:15002:{_c(42)}"],
            "severity": "warning",
            "summary": _c(43),
            "valid_from": EXACT_TIME,
            "status": "open",
        },
        {"disruption_id": _c(40), "lines": _c(41), "stop_dhids": _c(42), "summary": _c(43)},
    ),
    "unit-status": (
        {
            "agency": "polizei",
            "unit": _c(50),
            "status_code": 3,
            "position": {"lat": EXACT_LAT, "lon": EXACT_LON, "error_m": 5.0},
            "observed_at": EXACT_TIME,
            "incident_ref": _c(51),
        },
        {"unit": _c(50), "incident_ref": _c(51)},
    ),
    "planned-event": (
        {
            "event_id": _c(70),
            "title": _c(71),
            "description": _c(72),
            "organiser": {
                "name": _c(73),
                "contact_name": _c(74),
                "contact_phone": _c(75),
                "contact_email": f"{_c(76)}@example.org",
            },
            "place": {
                "name": _c(77),
                "position": {"lat": EXACT_LAT, "lon": EXACT_LON},
                "nearest_stops": [f"de:15002:{_c(78)}"],
            },
            "starts_at": EXACT_TIME,
            "ends_at": EXACT_TIME,
            "expected_attendance": 5000,
            "status": "confirmed",
            "sequence": 2,
            "modified_at": EXACT_TIME,
        },
        {
            "event_id": _c(70),
            "title": _c(71),
            "description": _c(72),
            "organiser.name": _c(73),
            "organiser.contact_name": _c(74),
            "organiser.contact_phone": _c(75),
            "organiser.contact_email": _c(76),
            "place.name": _c(77),
            "place.nearest_stops": _c(78),
        },
    ),
}
ENVELOPE = {"source": f"/polizei/{_c(60)}", "hubsourceid": _c(61)}


def _event(kind: str) -> CloudEvent:
    data, _ = PAYLOADS[kind]
    payload = KINDS[kind].model.model_validate(data)
    return wrap(
        payload,
        source=ENVELOPE["source"],
        source_record_id=ENVELOPE["hubsourceid"],
        time=datetime(2026, 11, 20, 21, 17, 31, tzinfo=UTC),
    )


def _effective(rules: Any, path: str) -> Rule:
    parts = path.split(".")
    for n in range(len(parts), 0, -1):
        rule = rules.get(".".join(parts[:n]))
        if rule is not None:
            return rule
    raise AssertionError(f"no rule for {path}")


@pytest.mark.parametrize("kind", CANONICAL_KINDS)
def test_every_text_field_carries_a_canary(kind: str) -> None:
    """The canary payloads cover every text field of every kind (so a field added later must get one)."""
    texts = {path for path, is_text in leaf_fields(KINDS[kind].model) if is_text}
    assert set(PAYLOADS[kind][1]) == texts


@pytest.mark.parametrize("kind", CANONICAL_KINDS)
@pytest.mark.parametrize("domain", [d for d in DOMAINS if d != "polizei"])
def test_no_canary_outside_the_police_but_where_the_policy_shares_it(domain: str, kind: str) -> None:
    """Each canary is in a non-police share only when the policy keeps (or scrubs) its field, under the domain's
    legal basis; exact positions and times only where they are kept; the police share carries them all."""
    event = _event(kind)
    share = for_domain(event, domain, POLICY, KEYS, context=CONTEXT)
    domain_policy = POLICY.domain(domain)
    if share is None:
        assert not domain_policy.receives(kind) or not domain_policy.admits(kind, event.data)
        return
    plan = domain_policy.plan(kind)
    assert plan is not None
    assert domain_policy.legal_basis
    text = share.to_bytes().decode() + (share.subject or "")
    for path, canary in PAYLOADS[kind][1].items():
        rule = _effective(plan.rules, path)
        if canary in text:
            assert rule.action in ("keep", "scrub"), (domain, kind, path, rule)
    for attribute, canary in ENVELOPE.items():
        assert canary not in text, (domain, kind, attribute)
    for exact, what in ((str(EXACT_LAT), "lat"), (EXACT_TIME[:19], "time")):
        if exact in text:
            assert all(r.action == "keep" for p, r in plan.rules.items() if p.endswith(what) or "position" in p)


@pytest.mark.parametrize("kind", CANONICAL_KINDS)
def test_the_police_share_carries_every_canary(kind: str) -> None:
    """The police domain owns the data: its share keeps every canary (the test above would pass on an empty share)."""
    share = for_domain(_event(kind), "polizei", POLICY, KEYS, context=CONTEXT)
    assert share is not None
    text = share.to_bytes().decode()
    assert all(canary in text for canary in PAYLOADS[kind][1].values())
    assert all(canary in text for canary in ENVELOPE.values())


def test_shared_canaries_are_the_ones_the_policy_lists() -> None:
    """What reaches each non-police domain, summed up: exactly the kept or scrubbed text fields, nothing else."""
    found: dict[str, set[str]] = {}
    for kind in CANONICAL_KINDS:
        for domain in DOMAINS:
            if domain == "polizei":
                continue
            share = for_domain(_event(kind), domain, POLICY, KEYS, context=CONTEXT)
            if share is None:
                continue
            text = share.to_bytes().decode()
            found.setdefault(domain, set()).update(f"{kind}.{p}" for p, c in PAYLOADS[kind][1].items() if c in text)
    # Planned events are public: title, organisation, venue and stops go to HAVAG and the Ordnungsamt; the contact
    # person behind the organiser (name, phone, e-mail) reaches no one but the police.
    planned = {"planned-event.title", "planned-event.organiser.name", "planned-event.place.name"}
    planned |= {"planned-event.place.nearest_stops"}
    assert found["havag"] == {"incident.stop_dhid", "incident.line", "incident.vehicle", *planned}
    assert found["analytics"] == {
        "transit-disruption.lines",
        "transit-disruption.stop_dhids",
        "planned-event.place.nearest_stops",
    }
    assert found["ordnungsamt"] == {
        "incident.stop_dhid",
        "incident.line",
        "incident.vehicle",
        "incident.references.agency",
        "vehicle-position.vehicle",
        "vehicle-position.line",
        "vehicle-position.current_stop_dhid",
        "vehicle-position.next_stop_dhid",
        "trip-update.line",
        "trip-update.start_date",
        "trip-update.vehicle",
        "trip-update.stop_updates.stop_dhid",
        "transit-disruption.lines",
        "transit-disruption.stop_dhids",
        *planned,
    }
