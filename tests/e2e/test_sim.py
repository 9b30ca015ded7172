"""The simulator through the real pipeline: its feeds polled and its pushes received by `hub connectors run` (a
subprocess with the generated config), normalised by the real worker; canonical events arrive, nothing is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.config import Settings
from hub.schemas import CloudEvent
from hub.sim.scenario import ScenarioConfig, build_scenario
from tests.helpers.kafka import dead_letters, events
from tests.helpers.sim import simulated
from tests.helpers.waiting import wait_until
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration

SEED = 7


def test_a_fast_forwarded_scenario_reaches_the_canonical_topics(
    settings: Settings, start_workers: WorkerFactory, tmp_path: Path
) -> None:
    """Two simulated minutes at 15x with many incidents: tram positions and trip updates, unit statuses and a driver
    alarm come out on canon.* through the generated connectors; every push is accepted, no dead letter is written."""
    scenario = build_scenario(SEED, ScenarioConfig(duration_s=120.0, incident_rate_per_h=240.0))
    alarms = [i for i in scenario.incidents if i.channel == "driver-alarm"]
    assert alarms, "the seed must give a driver alarm within the two minutes, or the test proves less"
    # The normaliser joins its group while the connectors start.
    normaliser = start_workers("normalise", ready=False)["normalise"]
    with simulated(scenario, settings, tmp_path, ready=lambda: normaliser.wait_ready(60.0)) as sim:
        assert sim.report.feed_requests["200"] > 0

        def canonical() -> tuple[list[CloudEvent], list[CloudEvent], list[CloudEvent]] | None:
            positions = events(settings, "canon.vehicle-position")
            statuses = events(settings, "canon.unit-status")
            incidents = events(settings, "canon.incident")
            driver_alarms = [e for e in incidents if e.source == "/havag/driver-alarm"]
            return (positions, statuses, driver_alarms) if positions and statuses and driver_alarms else None

        positions, statuses, driver_alarms = wait_until(
            canonical, 30, "positions, unit statuses and driver alarms did not all arrive", 0.5
        )

    lines = {e.data["line"] for e in positions}
    assert lines <= set(scenario.network.lines)
    assert len(lines) >= 10
    assert all(len(e.data["vehicle"]) == 3 for e in positions)
    assert {e.data["unit"].split(" ")[0] for e in statuses} == {"Leo", "Stadt"}
    first = alarms[0]
    assert first.tram is not None
    [raised] = [e for e in driver_alarms if e.data["vehicle"] == first.tram.car and e.data["status"] == "open"]
    assert raised.data["line"] == first.tram.line
    assert raised.data["type_code"] == first.event.type_code
    trip_updates = events(settings, "canon.trip-update")
    # Both feeds are polled on their own; a trip starting in the last moments may be in only one of them.
    on_trips = {e.data["trip_id"] for e in positions}
    assert len(on_trips & {e.data["trip_id"] for e in trip_updates}) >= 0.9 * len(on_trips)
    for stage in ("connectors", "normalise"):
        assert dead_letters(settings, stage, idle_s=0.5) == []
