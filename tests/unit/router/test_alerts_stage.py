"""The router stage's core without faust: canonical events in, alert CloudEvents out to alerts.<domain>, with a
driver alarm on a tracked tram giving a police proposal and a HAVAG alert without personal data."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from prometheus_client import CollectorRegistry

from hub.config import Settings
from hub.errors import InvalidEventError
from hub.metrics import StageMetrics
from hub.network.tram import load_tram_network
from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS
from hub.privacy.pseudonym import is_pseudonym, pseudonymise
from hub.router.stage import ROUTER_INPUTS, RouterCore, router_stage
from hub.schemas import Alert, CloudEvent, wrap
from hub.schemas.incident import Incident
from hub.schemas.transit import TransitDisruption, VehiclePosition
from hub.schemas.units import GeoFix, UnitStatus
from hub.streams.stages import OutRecord

NETWORK = load_tram_network()
LINE5 = NETWORK.direction("5", 0)
T0 = 1_780_000_000.0
HAVAG_KEY = demo_keyring(DOMAINS).for_domain("havag").active


class Clock:
    """A settable clock."""

    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> float:
        return self.now


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def event(payload: object, n: int) -> bytes:
    return wrap(payload, source="/test", source_record_id=str(n), time=at(T0)).to_bytes()  # type: ignore[arg-type]


def alarm(status: str = "open") -> Incident:
    return Incident.model_validate(
        {
            "incident_id": "DA-1",
            "mode": "actual",
            "origin": "driver_alarm",
            "type_code": "TRANSIT/DRIVER_ALARM/SILENT",
            "priority": 1,
            "status": status,
            "reported_at": at(T0),
            "confidentiality": "restricted",
            "legal_basis": "SOG LSA § 27",
            "retention_class": "standard",
            "vehicle": "654",
            "line": "5",
            "description": "Fahrer meldet aggressiven Fahrgast, Mann mit Glatze",
            "caller": {"name": "Max Fahrer", "phone": "+49 345 9999"},
        }
    )


def alerts(records: list[OutRecord]) -> dict[str, Alert]:
    out = {}
    for record in records:
        ce = CloudEvent.from_bytes(record.value)
        assert record.topic == f"alerts.{ce.hubrecipient}"
        out[record.topic] = Alert.model_validate(ce.data)
    return out


@pytest.fixture
def core() -> tuple[RouterCore, Clock]:
    clock = Clock()
    router = RouterCore(network=NETWORK, clock=clock, reference=lambda v: pseudonymise(v, HAVAG_KEY))
    lat, lon = LINE5.point_at(3_000)
    tram = VehiclePosition(
        vehicle="654", line="5", direction=LINE5.destination.stop_id, lat=lat, lon=lon, observed_at=at(T0 - 5)
    )
    ulat, ulon = LINE5.point_at(5_000)
    units = [
        UnitStatus(
            agency="polizei",
            unit=call_sign,
            status_code=1,
            position=GeoFix(lat=ulat + 0.002 * i, lon=ulon),
            observed_at=at(T0 - 10),
        )
        for i, call_sign in enumerate(["POL-11", "POL-12", "POL-13"])
    ]
    assert router.process("canon.vehicle-position", event(tram, 1)) == []
    for i, unit in enumerate(units):
        assert router.process("canon.unit-status", event(unit, 10 + i)) == []
    return router, clock


def test_driver_alarm_gives_police_and_havag_alerts(core: tuple[RouterCore, Clock]) -> None:
    """A driver alarm on a tracked tram names an available unit and a stop ahead for the police, and gives HAVAG a
    reference token and no call sign, description or caller."""
    router, _ = core
    sent = alerts(router.process("canon.incident", event(alarm(), 100)))
    assert set(sent) == {"alerts.polizei", "alerts.havag"}
    police = sent["alerts.polizei"]
    assert police.recommended_unit in {"POL-11", "POL-12", "POL-13"}
    assert police.intercept_stop_dhid is not None
    assert police.intercept_stop_dhid in LINE5
    snap = router.state.vehicles["654"].snap
    assert snap is not None
    assert LINE5.index_of(police.intercept_stop_dhid) > snap.last_stop_index  # ahead of the tram
    havag = sent["alerts.havag"]
    assert havag.recommended_unit is None
    assert is_pseudonym(havag.incident_id)
    text = havag.model_dump_json()
    for secret in ("POL-1", "Glatze", "Max Fahrer", "9999", "DA-1"):
        assert secret not in text
    assert havag.unit_eta == police.unit_eta


def test_proposed_unit_is_marked_dispatched(core: tuple[RouterCore, Clock]) -> None:
    """The proposed unit is marked dispatched, so another incident does not get it proposed too."""
    router, _ = core
    police = alerts(router.process("canon.incident", event(alarm(), 100)))["alerts.polizei"]
    assert police.recommended_unit is not None
    assert router.state.units[police.recommended_unit].last_dispatched_at_s == T0


def test_tick_escalates_to_the_runner_up(core: tuple[RouterCore, Clock]) -> None:
    """Without acknowledgement the timer proposes another unit to the police."""
    router, clock = core
    first = alerts(router.process("canon.incident", event(alarm(), 100)))["alerts.polizei"]
    clock.now += 90
    police = [Alert.model_validate(CloudEvent.from_bytes(r.value).data) for r in router.tick()]
    escalated = next(a for a in police if a.recipient == "polizei")
    assert escalated.revision == first.revision + 1
    assert escalated.recommended_unit not in (None, first.recommended_unit)


def test_closed_alarm_resolves(core: tuple[RouterCore, Clock]) -> None:
    """Closing the alarm resolves both alerts and forgets the incident."""
    router, _ = core
    router.process("canon.incident", event(alarm(), 100))
    sent = alerts(router.process("canon.incident", event(alarm("closed"), 101)))
    assert {a.state for a in sent.values()} == {"resolved"}
    assert router.incidents == {}


def test_disruption_inhibits_havag(core: tuple[RouterCore, Clock]) -> None:
    """An open disruption on line 5 keeps the per-vehicle HAVAG alert back; the police alert still goes out."""
    router, _ = core
    disruption = TransitDisruption(
        disruption_id="S1", lines=["5"], severity="warning", summary="Störung", valid_from=at(T0), status="open"
    )
    assert router.process("canon.transit-disruption", event(disruption, 50)) == []
    assert set(alerts(router.process("canon.incident", event(alarm(), 100)))) == {"alerts.polizei"}


def test_undecodable_input_is_an_invalid_event(core: tuple[RouterCore, Clock]) -> None:
    """Bytes that are not a canonical CloudEvent raise InvalidEventError (the shell dead-letters them)."""
    router, _ = core
    with pytest.raises(InvalidEventError):
        router.process("canon.incident", b"not json")


def test_router_stage_shell_builds(monkeypatch: pytest.MonkeyPatch) -> None:
    """The faust shell builds with its agent on the five canonical inputs (demo keys, nothing connects)."""
    monkeypatch.delenv("HUB_PSEUDONYM_KEY_DIR", raising=False)
    shell = router_stage(
        Settings(pseudonym_keys="demo", kafka_bootstrap="nowhere:1"), StageMetrics.create(CollectorRegistry())
    )
    assert shell.stage == "router"
    assert len(ROUTER_INPUTS) == 5
