"""/livez, /readyz and /metrics of hub.health over real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from prometheus_client import CollectorRegistry, Counter

from hub.health import Readiness
from hub.metrics import serve_metrics


def _get(port: int, path: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def test_readyz_follows_the_checks_and_names_the_failing_one() -> None:
    registry = CollectorRegistry()
    Counter("hub_probe_test", "a counter", registry=registry).inc()
    readiness = Readiness()
    partitions = readiness.flag("partitions", "no partitions assigned yet")
    readiness.add("database", lambda: (True, ""))
    port = serve_metrics(registry, "127.0.0.1", 0, readiness)

    status, body = _get(port, "/readyz")
    assert status == 503
    report = json.loads(body)
    assert report["checks"]["partitions"] == {"ok": False, "detail": "no partitions assigned yet"}
    assert report["checks"]["database"] == {"ok": True}

    partitions.set(True)
    status, body = _get(port, "/readyz")
    assert (status, json.loads(body)["status"]) == (200, "ready")

    assert _get(port, "/livez")[0] == 200
    status, body = _get(port, "/metrics")
    assert status == 200
    assert b"hub_probe_test_total 1.0" in body
    assert _get(port, "/")[0] == 404


def test_a_check_that_raises_is_a_failed_check_not_a_failed_probe() -> None:
    readiness = Readiness()

    def broken() -> tuple[bool, str]:
        raise RuntimeError("secret detail")

    readiness.add("broken", broken)
    ready, body = readiness.report()
    assert not ready
    assert body["checks"]["broken"] == {"ok": False, "detail": "check failed: RuntimeError"}


def test_no_checks_is_not_ready() -> None:
    assert Readiness().report()[0] is False


def test_a_watch_keeps_its_checks_last_result_and_reachable_tells_an_open_port_from_a_closed_one() -> None:
    import socket
    import time

    from hub.health import Watch, reachable

    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(1)
    port = listening.getsockname()[1]
    try:
        assert reachable(f"127.0.0.1:{port}") == (True, "")
        watch = Watch(lambda: reachable(f"127.0.0.1:{port}"), interval_s=0.05).start()
        deadline = time.monotonic() + 10
        while not watch()[0] and time.monotonic() < deadline:
            time.sleep(0.02)
        assert watch() == (True, "")
    finally:
        listening.close()
    ok, detail = reachable(f"127.0.0.1:{port}, 127.0.0.1:{port}")  # closed now
    assert not ok
    assert detail.startswith("broker unreachable (127.0.0.1:")
    while watch()[0] and time.monotonic() < deadline:
        time.sleep(0.02)
    assert watch()[0] is False
    watch.stop()


def test_process_registries_carry_process_and_build_metrics_and_no_created_series() -> None:
    from prometheus_client import generate_latest

    from hub.metrics import StageMetrics, process_registry

    registry = process_registry()
    metrics = StageMetrics.create(registry)
    metrics.events_in.labels("sink").inc()
    metrics.batch_seconds.labels("sink").observe(0.1)
    text = generate_latest(registry).decode()
    for name in ("process_resident_memory_bytes", "process_cpu_seconds_total", "process_start_time_seconds"):
        assert f"\n{name} " in text
    assert 'hub_build_info{python="' in text
    assert "_created" not in text
