"""Residents' initiatives report places where people feel unsafe, and broken lighting, through the city's Open311
service (issue 15): such a report becomes an incident that the shipped policy shares with the Ordnungsamt (its own
task: the city's security concept) and the analytics domain (hotspots, lighting), and not with HAVAG when no tram
is concerned; the reporter's words are scrubbed and the position generalised on the way."""

from __future__ import annotations

import pytest

from hub.formats.open311 import Open311Format, ServiceRule, ServiceTypeTable
from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS, default_policy
from hub.privacy.transform import TransformContext, for_domain
from hub.schemas import CloudEvent
from tests.unit.formats.test_open311 import request_xml, requests_xml

POLICY = default_policy()
KEYS = demo_keyring(DOMAINS)
CONTEXT = TransformContext(scrubber=lambda text: "[scrubbed]")
#: A deployment's service list with its own codes (hub.formats.open311: code rules come before keywords).
CODES = ServiceTypeTable(
    [ServiceRule("SAFETY/UNSAFE_PLACE", 3, code="UNSICHER-01"), ServiceRule("TECHNICAL/LIGHTING", 4, code="LICHT-02")]
)
REPORT = "Unterführung am Riebeckplatz abends völlig dunkel, man fühlt sich dort unsicher. Gemeldet von Erika M."


def _incident(fmt: Open311Format, service_name: str, service_code: str) -> CloudEvent:
    document = requests_xml(
        request_xml(
            "BI-2026-0042",
            service_name=service_name,
            service_code=service_code,
            description=REPORT,
            address="Riebeckplatz, Halle (Saale)",
            lat="51.4773417",
            long="11.9861381",
        )
    )
    [record] = fmt.split(document)
    [out] = fmt.to_canonical(record.value)
    return out.event


@pytest.mark.parametrize(
    ("fmt", "service_name", "service_code", "type_code"),
    [
        (Open311Format(), "Angstraum / unsicherer Ort melden", "BI-ANGST", "SAFETY/UNSAFE_PLACE"),
        (Open311Format(), "Angstort", "BI-ORT", "SAFETY/UNSAFE_PLACE"),
        (Open311Format(), "Straßenbeleuchtung defekt", "BI-LICHT", "TECHNICAL/LIGHTING"),
        (Open311Format(CODES), "Meldung Bürgerinitiative", "UNSICHER-01", "SAFETY/UNSAFE_PLACE"),
        (Open311Format(CODES), "Meldung Bürgerinitiative", "LICHT-02", "TECHNICAL/LIGHTING"),
    ],
)
def test_unsafe_place_and_lighting_reports_reach_the_ordnungsamt_and_analytics(
    fmt: Open311Format, service_name: str, service_code: str, type_code: str
) -> None:
    event = _incident(fmt, service_name, service_code)
    assert (event.data["type_code"], event.data["origin"]) == (type_code, "open311")

    amt = for_domain(event, "ordnungsamt", POLICY, KEYS, context=CONTEXT)
    assert amt is not None
    assert amt.data["type_code"] == type_code
    assert amt.data["description"] == "[scrubbed]"
    assert (amt.data["location"]["lat"], amt.data["location"]["lon"]) == (51.4773417, 11.9861381)

    analytics = for_domain(event, "analytics", POLICY, KEYS, context=CONTEXT)
    assert analytics is not None
    assert analytics.data["type_code"] == type_code
    assert analytics.data["location"]["lat"] != 51.4773417  # a 250 m cell, not the place reported
    assert analytics.data.get("description") is None
    assert "Erika" not in analytics.to_bytes().decode()
    assert "Erika" not in amt.to_bytes().decode()

    assert for_domain(event, "havag", POLICY, KEYS, context=CONTEXT) is None  # no stop, line or vehicle
