"""The simulator against a test's pipeline: ``simulated`` serves a scenario to `hub connectors run` (a subprocess
with the generated connector config) on the test's settings."""

from __future__ import annotations

import asyncio
import math
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from hub.config import Settings
from hub.devstack.process import Child
from hub.processes import free_port, settings_env
from hub.sim.scenario import Scenario
from hub.sim.serve import Simulator, write_connectors

SPEED = 15.0  # 2 simulated minutes in 8 real seconds
COMPRESSED = math.inf  # every push as soon as the one before was accepted: a simulated month in a minute


@contextmanager
def simulated(
    scenario: Scenario,
    settings: Settings,
    tmp_path: Path,
    ready: Callable[[], None] | None = None,
    *,
    speed: float = SPEED,
) -> Iterator[Simulator]:
    """Serve ``scenario`` at ``speed`` (``SPEED``; ``COMPRESSED`` for long stretches) to `hub connectors run` (a
    subprocess with the generated config) until the simulation ends and every push was accepted; yields the
    simulator while the connectors still run (they deliver the last polls), then stops them. ``ready`` is waited
    for once the connectors started (a worker's readiness)."""
    sim = Simulator(scenario, secrets_by_channel={}, webhook_url=f"http://127.0.0.1:{free_port()}", speed=speed)
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
