"""The router's state survives its worker: after a crash (SIGKILL) a new router worker takes the vehicles, units,
open incidents and alerts over from its faust tables (the ``state.router.*`` changelogs) and goes on where the
first stopped: the police's acknowledgement of an alert the first worker sent gives the next revision."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from kafka import KafkaProducer

from hub.config import Settings
from hub.intercept_demo import driver_alarm, send, send_all, tram_positions, unit_report, wait_for_events
from hub.network.tram import load_tram_network
from hub.processes import StageProcess, free_port
from hub.schemas import CloudEvent
from hub.topology import qualified
from tests.helpers.waiting import wait_until

pytestmark = pytest.mark.integration


@pytest.fixture
def routed(settings: Settings) -> Settings:
    return settings.model_copy(update={"pseudonym_keys": "demo"})


@pytest.fixture
def normaliser(routed: Settings, tmp_path: Path) -> Iterator[StageProcess]:
    proc = StageProcess(routed, "normalise", free_port(), tmp_path / "normalise.log")
    proc.start()
    try:
        proc.wait_ready(timeout_s=60)
        yield proc
    finally:
        assert proc.stop() == 0


def _router(settings: Settings, log: Path) -> StageProcess:
    proc = StageProcess(settings, "router", free_port(), log)
    proc.start()
    proc.wait_ready(timeout_s=60)
    return proc


def _taken_over(log: Path) -> dict[str, int]:
    """The table sizes the worker logged when it took the state over (empty until it did)."""
    for line in log.read_text().splitlines():
        if line.startswith("{") and "router state taken over" in line:
            entry = json.loads(line)
            return {k: entry[k] for k in ("vehicles", "units", "trips", "incidents", "alerts", "desk")}
    return {}


def _entries(router: StageProcess, table: str) -> float:
    return router.counter("hub_stage_state_entries", stage="router", table=table)


def test_a_new_router_worker_takes_over_after_a_crash(
    routed: Settings, normaliser: StageProcess, tmp_path: Path
) -> None:
    """Alert from worker one; worker one killed once its offsets are committed (so nothing is read twice); worker
    two holds the tram, the units, the incident and the alert, and acknowledges it with the next revision."""
    first_log, second_log = tmp_path / "router-1.log", tmp_path / "router-2.log"
    first = _router(routed, first_log)
    stops = load_tram_network().direction("2", 0).stops
    a, b = stops[1], stops[2]
    now = datetime.now(UTC)
    producer = KafkaProducer(bootstrap_servers=routed.bootstrap())
    send_all(producer, routed, tram_positions(now, a, b))
    far = stops[5]
    send(producer, routed, "unit-report-polizei", unit_report("Leopard 12/1", 1, far.lat + 0.002, far.lon, now))
    send(producer, routed, "unit-report-polizei", unit_report("Leopard 12/3", 2, far.lat, far.lon + 0.004, now))
    producer.flush()
    time.sleep(2.0)  # the live state first, then the alarm
    send(producer, routed, "driver-alarm", driver_alarm("654-restart-1", a, b, now))
    producer.flush()
    police = wait_for_events(routed, "alerts.polizei")[-1]
    assert police.data["recommended_unit"] in {"Leopard 12/1", "Leopard 12/3"}

    time.sleep(4.0)  # past faust's commit interval (2.8 s): the new worker must not simply read the alarm again
    assert first.kill() != 0
    second = _router(routed, second_log)
    try:
        sizes = wait_until(lambda: _taken_over(second_log), 30, "the new worker did not take the state over")
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
