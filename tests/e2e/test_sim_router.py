"""The simulator through the whole pipeline to the router: its feeds and pushes through `hub connectors run`, the real
normaliser and the real router worker on the event clock (HUB_ROUTER_CLOCK=event, the simulation runs at 15x). The
seed's driver alarm gives a police alert naming an available unit and an intercept stop ahead of the tram, and a
HAVAG alert that names no unit."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from hub.config import Settings
from hub.privacy.keys import demo_keyring
from hub.privacy.policy import DOMAINS
from hub.privacy.pseudonym import pseudonymise
from hub.schemas import CloudEvent
from hub.sim.scenario import ScenarioConfig, build_scenario
from tests.helpers.kafka import dead_letters, events
from tests.helpers.sim import simulated
from tests.helpers.waiting import wait_until
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration

# Seed 9 raises one driver alarm 70 simulated seconds in (line 2), when every unit has sent its first report
# (every 30-60 s); the other incidents of the two minutes are CAP alerts.
SEED = 9
AVAILABLE = frozenset({1, 2})  # free on radio, free at the station: both code lists


def test_simulated_driver_alarm_gives_police_intercept_and_havag_alert(
    settings: Settings, start_workers: WorkerFactory, tmp_path: Path
) -> None:
    """The seed's driver alarm, through connectors, normaliser and router on the event clock: the police alert names
    a unit whose last report before the alert was available, and a stop of the tram's line and direction ahead of
    where the tram was when the alarm was raised; HAVAG gets its alert under the incident's reference token, for the
    tram, with the police's hold request at a stop ahead, and no call sign."""
    scenario = build_scenario(SEED, ScenarioConfig(duration_s=120.0, incident_rate_per_h=240.0))
    [alarm] = [i for i in scenario.incidents if i.channel == "driver-alarm"]
    tram = alarm.tram
    assert tram is not None
    assert tram.next_stop_id is not None, "the tram is not at its terminus"
    direction = scenario.network.direction(tram.line, tram.direction)
    ahead = {s.stop_id for s in direction.stops[direction.index_of(tram.next_stop_id) :]}
    token = pseudonymise(alarm.incident_ref, demo_keyring(DOMAINS).for_domain("havag").active)
    # The router on the event clock and the demo keys (the normaliser reads neither).
    start_workers("normalise", "router", pseudonym_keys="demo", router_clock="event")

    with simulated(scenario, settings, tmp_path):

        def both() -> tuple[list[CloudEvent], list[CloudEvent]] | None:
            police = [
                e
                for e in events(settings, "alerts.polizei")
                if e.data["incident_id"] == alarm.incident_ref and e.data["recommended_unit"] is not None
            ]
            havag = [
                e
                for e in events(settings, "alerts.havag")
                if e.data["incident_id"] == token or token in (e.data["instructions"] or "")
            ]
            return (police, havag) if police and havag else None

        police, havag = wait_until(both, 30, "no police alert with a unit and HAVAG alert for the alarm", 0.5)

    first = min(police, key=lambda e: e.data["revision"])
    unit = first.data["recommended_unit"]
    issued = datetime.fromisoformat(first.data["issued_at"])
    # The event clock: the alert is dated in simulated time, at or after the alarm, not at the wall clock's now.
    assert scenario.clock.at(alarm.t) <= issued <= scenario.clock.at(scenario.start_s + 120.0)
    reports = [e for e in events(settings, "canon.unit-status") if e.data["unit"] == unit and e.time <= issued]
    assert reports, f"{unit} was proposed before the router heard of it"
    assert max(reports, key=lambda e: e.time).data["status_code"] in AVAILABLE, f"{unit} was not available"
    assert first.data["intercept_stop_dhid"] in ahead, "the intercept stop lies ahead of the tram on its line"
    assert first.data["unit_eta"] is not None
    assert first.data["vehicle_eta"] is not None

    lead = [e for e in havag if e.data["incident_id"] == token]
    assert lead, "the alarm leads its HAVAG alert (no other incident on line 2 before it)"
    assert {e.data["vehicle"] for e in lead} == {tram.car}
    holds = [e.data["hold_request"] for e in lead if e.data["hold_request"] is not None]
    assert holds, "the police meet the tram with a hold, and HAVAG is asked for it"
    assert all(h["stop_dhid"] in ahead for h in holds)
    assert all(h in [e.data["hold_request"] for e in police] for h in holds), "HAVAG's hold is the police proposal's"
    for e in events(settings, "alerts.havag"):
        assert e.data["recommended_unit"] is None
        text = e.to_bytes().decode()
        assert "Leo Halle" not in text
        assert "Stadt Halle" not in text
    assert dead_letters(settings, "router", idle_s=0.5) == []
