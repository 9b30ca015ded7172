"""The router's state survives its worker: after a crash (SIGKILL) a new router worker takes the vehicles, units,
open incidents and alerts over from its faust tables (the ``state.router.*`` changelogs) and goes on where the
first stopped: the police's acknowledgement of an alert the first worker sent gives the next revision."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kafka import KafkaProducer

from hub.config import Settings
from hub.intercept_demo import driver_alarm, send, send_all, tram_positions, unit_report, wait_for_events
from hub.network.tram import load_tram_network
from hub.processes import StageProcess
from hub.router.core import ACK_INPUTS, ROUTER_INPUTS
from hub.schemas import CloudEvent
from hub.topology import qualified
from tests.helpers.kafka import wait_committed
from tests.helpers.waiting import wait_until
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration


@pytest.fixture
def routed(settings: Settings) -> Settings:
    """The test's settings with the demo keys (the router's HAVAG reference tokens)."""
    return settings.model_copy(update={"pseudonym_keys": "demo"})


def _taken_over(log: Path) -> dict[str, int]:
    """The table sizes the worker logged when it took the state over (empty until it did)."""
    for line in log.read_text().splitlines():
        if line.startswith("{") and "router state taken over" in line:
            entry = json.loads(line)
            return {k: entry[k] for k in ("vehicles", "units", "trips", "incidents", "alerts", "desk")}
    return {}


def _entries(router: StageProcess, table: str) -> float:
    """The entries of the router's ``table`` by its metrics."""
    return router.counter("hub_stage_state_entries", stage="router", table=table)


def test_a_new_router_worker_takes_over_after_a_crash(routed: Settings, start_workers: WorkerFactory) -> None:
    """Alert from worker one; worker one killed once its offsets are committed (so nothing is read twice); worker
    two holds the tram, the units, the incident and the alert, and acknowledges it with the next revision."""
    workers = start_workers("normalise", "router", pseudonym_keys="demo")
    first = workers["router"]
    stops = load_tram_network().direction("2", 0).stops
    a, b = stops[1], stops[2]
    now = datetime.now(UTC)
    producer = KafkaProducer(bootstrap_servers=routed.bootstrap())
    live = send_all(producer, routed, tram_positions(now, a, b))
    far = stops[5]
    live += send(producer, routed, "unit-report-polizei", unit_report("Leopard 12/1", 1, far.lat + 0.002, far.lon, now))
    live += send(producer, routed, "unit-report-polizei", unit_report("Leopard 12/3", 2, far.lat, far.lon + 0.004, now))
    producer.flush()
    workers.wait_for_count("router", "hub_events_in_total", live, stage="router")  # the live state, then the alarm
    send(producer, routed, "driver-alarm", driver_alarm("654-restart-1", a, b, now))
    producer.flush()
    police = wait_for_events(routed, "alerts.polizei")[-1]
    assert police.data["recommended_unit"] in {"Leopard 12/1", "Leopard 12/3"}

    # Killed once it committed every record it read (faust commits every 2.8 s): the new worker must not simply read
    # the alarm again.
    wait_committed(routed, "router", [*ROUTER_INPUTS, *ACK_INPUTS])
    assert first.kill() != 0
    second = start_workers("router", pseudonym_keys="demo")["router"]
    try:
        sizes = wait_until(lambda: _taken_over(second.log_path), 30, "the new worker did not take the state over")
        assert sizes["vehicles"] == 1
        assert sizes["units"] == 2
        assert sizes["incidents"] == 1
        assert sizes["alerts"] >= 2, "the police and the HAVAG alert"
        assert (_entries(second, "vehicles"), _entries(second, "incidents")) == (1, 1), "and its metrics say so"

        ack = {"alert_id": police.data["alert_id"], "by": "ELS Halle", "at": datetime.now(UTC).isoformat()}
        producer.send(
            qualified(routed.topic_prefix, "acks.polizei"),
            key=police.data["alert_id"].encode(),
            value=json.dumps(ack).encode(),
        )
        producer.flush()
        producer.close()

        def acknowledged(events: list[CloudEvent]) -> bool:
            return any(e.data["state"] == "acknowledged" for e in events)

        revisions = [
            e for e in wait_for_events(routed, "alerts.polizei", until=acknowledged) if e.subject == police.subject
        ]
        numbers = [e.data["revision"] for e in revisions]
        assert numbers == sorted(set(numbers)), "no revision is sent twice, none goes back"
        acked = revisions[-1]
        assert acked.data["state"] == "acknowledged"
        assert acked.data["revision"] == police.data["revision"] + 1
        assert acked.data["recommended_unit"] == police.data["recommended_unit"], "the plan survived the crash"
    finally:
        assert second.stop() == 0
