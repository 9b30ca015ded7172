"""The simulator through the real pipeline: its feeds polled and its pushes received by `hub connectors run` (a
subprocess with the generated config), normalised by the real worker; canonical events arrive, nothing is refused."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from hub.config import Settings
from hub.devstack.process import Child
from hub.kafka_read import read_topic
from hub.processes import StageProcess, free_port, settings_env
from hub.schemas import CloudEvent
from hub.sim.scenario import Scenario, ScenarioConfig, build_scenario
from hub.sim.serve import Simulator, write_connectors
from hub.topology import qualified
from tests.helpers.waiting import wait_until

pytestmark = pytest.mark.integration

SEED = 7
SPEED = 15.0  # 2 simulated minutes in 8 real seconds


@pytest.fixture
def normaliser(settings: Settings, tmp_path: Path) -> Iterator[StageProcess]:
    """The normalise stage as a real worker process."""
    proc = StageProcess(settings, "normalise", free_port(), tmp_path / "normalise.log")
    proc.start()
    try:
        yield proc
    finally:
        assert proc.stop() == 0


def events(settings: Settings, topic: str) -> list[CloudEvent]:
    """Every event now on the (prefixed) ``topic``."""
    records = read_topic(settings.bootstrap(), qualified(settings.topic_prefix, topic), idle_s=0.5)
    return [CloudEvent.from_bytes(r.value) for r in records]


@contextmanager
def simulated(
    scenario: Scenario, settings: Settings, tmp_path: Path, ready: Callable[[], None] | None = None
) -> Iterator[Simulator]:
    """Serve ``scenario`` at ``SPEED`` to `hub connectors run` (a subprocess with the generated config) until the
    simulation ends and every push was accepted; yields the simulator while the connectors still run (they deliver
    the last polls), then stops them. ``ready`` is waited for once the connectors started (a worker's readiness)."""
    sim = Simulator(scenario, secrets_by_channel={}, webhook_url=f"http://127.0.0.1:{free_port()}", speed=SPEED)
    config = tmp_path / "sim-connectors.toml"
    connectors: list[Child] = []

    async def run() -> None:
        await sim.start()
        try:
            sim.secrets = write_connectors(
                config, feed_url=sim.feed_url, webhook_url=sim.webhook_url, poll_interval_s=0.2
            )
            env = {**os.environ, **settings_env(settings), "HUB_METRICS_PORT": "0", "HUB_LOG_FORMAT": "json"}
            argv = [sys.executable, "-m", "hub", "connectors", "run", "--all", "--config", str(config)]
            connectors.append(Child.spawn("connectors", argv, tmp_path / "connectors.log", env=env))
            if ready is not None:
                await asyncio.to_thread(ready)
            await sim.run()  # waits for the connectors' webhook server before simulated time starts
        finally:
            await sim.close()

    try:
        asyncio.run(run())
        assert sim.report.all_accepted, sim.report.pushes
        yield sim
    finally:
        for child in connectors:
            child.signal_stop()
            child.wait_or_kill(20)


def test_a_fast_forwarded_scenario_reaches_the_canonical_topics(
    settings: Settings, normaliser: StageProcess, tmp_path: Path
) -> None:
    """Two simulated minutes at 15x with many incidents: tram positions and trip updates, unit statuses and a driver
    alarm come out on canon.* through the generated connectors; every push is accepted, no dead letter is written."""
    scenario = build_scenario(SEED, ScenarioConfig(duration_s=120.0, incident_rate_per_h=240.0))
    alarms = [i for i in scenario.incidents if i.channel == "driver-alarm"]
    assert alarms, "the seed must give a driver alarm within the two minutes, or the test proves less"
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
        assert read_topic(settings.bootstrap(), qualified(settings.topic_prefix, f"dlq.{stage}"), idle_s=0.5) == []
