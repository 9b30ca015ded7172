"""A running stage worker's probes and signals (issue 14): ``/readyz`` of a real ``hub worker sink`` answers 503
naming the database while its database refuses connections and 200 once it takes them again; its ``/metrics``
carries the consumer lag, the process and build metrics and the database counters from the start, and no
``_created`` series."""

from __future__ import annotations

import pytest

from hub.config import Settings
from tests.helpers.probes import metrics_text, readyz
from tests.helpers.store import refusing
from tests.helpers.waiting import wait_until
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration


def test_a_sink_is_ready_only_while_its_database_answers_and_exports_its_signals(
    settings: Settings, start_workers: WorkerFactory
) -> None:
    sink = start_workers("sink")["sink"]
    _, body = wait_until(lambda: (s := readyz(sink))[0] == 200 and s, 30, lambda: f"sink not ready: {readyz(sink)}")
    assert set(body["checks"]) == {"partitions", "broker", "database"}  # a batch-shell stage has no faust tables

    lag = 'hub_consumer_lag{partition="0",stage="sink",topic="canon.'
    text = wait_until(lambda: lag in (t := metrics_text(sink)) and t, 30, "no hub_consumer_lag of the sink's inputs")
    for present in (
        "process_resident_memory_bytes ",
        "process_cpu_seconds_total ",
        "process_start_time_seconds ",
        'hub_build_info{python="',
        'hub_database_errors_total{kind="transient",stage="sink"} 0.0',
        'hub_database_blocked_seconds_total{stage="sink"} 0.0',
    ):
        assert present in text
    assert "_created" not in text

    with refusing(settings):
        _, down = wait_until(
            lambda: (s := readyz(sink))[0] == 503 and s,
            30,
            lambda: f"still ready with the database away: {readyz(sink)}",
        )
        assert down["checks"]["database"]["ok"] is False
        assert "database unavailable" in down["checks"]["database"]["detail"]
        assert down["checks"]["partitions"] == {"ok": True}
    wait_until(lambda: readyz(sink)[0] == 200, 30, lambda: f"not ready again: {readyz(sink)}")
