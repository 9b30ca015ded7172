"""CAP messages marked Actual that are tests or drills become test or exercise incidents, never actual ones; real
alerts that merely mention a test stay actual."""

from __future__ import annotations

import json

import pytest

from hub.formats.cap import CapFormat
from tests.unit.formats.test_cap_samples import alert, info

FMT = CapFormat()


def mode_of(document: bytes) -> tuple[str, str]:
    [record] = FMT.split(document)
    [out] = FMT.to_canonical(record.value)
    return out.event.data["mode"], out.event.data["retention_class"]


@pytest.mark.parametrize(
    ("changes", "mode"),
    [
        ({"event_codes": {"SAME": "RMT"}, "event": "Required Monthly Test"}, "test"),
        ({"event_codes": {"SAME": "RWT"}}, "test"),  # the code alone is enough
        ({"event_codes": {"same": "npt"}}, "test"),  # any case
        ({"event_codes": {"SAME": "NAT"}}, "test"),
        ({"event_codes": {"EAS": "NST"}}, "test"),
        ({"event_codes": {"SAME": "DMO"}}, "exercise"),  # Practice/Demo Warning
        ({"headline": "THIS IS ONLY A TEST"}, "test"),
        ({"description": "This is a test of the Emergency Alert System. This is only a test."}, "test"),
        ({"headline": "ADR Test Message"}, "test"),
        ({"event": "Test"}, "test"),
        ({"event": "Probealarm"}, "test"),
        ({"headline": "Sirenentest in Halle (Saale)"}, "test"),
        ({"headline": "Bundesweiter Warntag 2026"}, "test"),
        ({"description": "Dies ist eine Probewarnung. Es besteht keine Gefahr."}, "test"),
        ({"event": "Übung"}, "exercise"),
        ({"headline": "Dies ist eine Übung: Großschadenslage am Hauptbahnhof"}, "exercise"),
        ({"description": "EXERCISE EXERCISE EXERCISE. Evacuation drill."}, "exercise"),
    ],
)
def test_actual_messages_that_are_tests_or_drills_get_that_mode(changes: dict[str, object], mode: str) -> None:
    """Well-known SAME test codes (IPAWS, NWS) and unmistakable texts, English and German."""
    assert mode_of(alert(infos=info(**changes))) == (mode, "short")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "changes",
    [
        {},
        {"event_codes": {"SAME": "CEM"}},  # Civil Emergency Message
        {"event_codes": {"profile:local": "RMT"}},  # not a SAME code, whatever its value
        {"description": "Nach einem positiven Corona-Test randalierte der Fahrgast."},
        {"headline": "Streit nach Testfahrt", "description": "Contest am Markt eskaliert."},
        {"description": "Der Täter nannte es eine Übungssache."},
    ],
)
def test_real_alerts_that_only_mention_a_test_stay_actual(changes: dict[str, object]) -> None:
    """A bare word "test" or "Übung" inside a word or a sentence is no sign: the incident stays actual."""
    assert mode_of(alert(infos=info(**changes))) == ("actual", "standard")  # type: ignore[arg-type]


def test_the_note_of_the_alert_counts_too() -> None:
    """CAP says an exercise's <note> identifies it; a sender marking it Actual still writes it there."""
    assert mode_of(alert(extra="<note>THIS IS A TEST</note>")) == ("test", "short")


def test_a_declared_status_is_never_overridden() -> None:
    """Status Exercise with a test phrase stays exercise; only Actual is inspected."""
    assert mode_of(alert(status="Exercise", infos=info(headline="THIS IS A TEST"))) == ("exercise", "short")


def test_the_json_form_is_recognised_alike() -> None:
    """BBK's JSON form: a MoWaS test message on the warning day."""
    document = {
        "identifier": "mow.DE-ST-HAL-W001-20260910-000",
        "sender": "DE-ST-HAL-W001",
        "sent": "2026-09-10T11:00:00+02:00",
        "status": "Actual",
        "msgType": "Alert",
        "scope": "Public",
        "info": [
            {
                "language": "DE",
                "category": ["Safety"],
                "event": "Probewarnung",
                "urgency": "Immediate",
                "severity": "Minor",
                "certainty": "Observed",
                "headline": "Probewarnung zum Bundesweiten Warntag",
            }
        ],
    }
    assert mode_of(json.dumps(document).encode()) == ("test", "short")
