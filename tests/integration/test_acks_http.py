"""``hub acks serve`` against the real broker: an acknowledgement POSTed over HTTP is on the prefixed acks topic
once the answer is 202; and, end to end, the police acknowledge the router's alert over HTTP and the router issues
the acknowledged revision on alerts.polizei."""

from __future__ import annotations

import json
import os
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from kafka import KafkaProducer

from hub.config import Settings
from hub.devstack.process import Child
from hub.intercept_demo import send, unit_report, wait_for_events
from hub.kafka_read import read_topic
from hub.processes import free_port, settings_env
from hub.router.core import ACK_INPUTS, parse_ack
from hub.schemas import CloudEvent
from hub.topology import qualified
from tests.helpers.kafka import dead_letters
from tests.helpers.stack import Topics
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration

POLIZEI = "polizei-ack-token-7d1e03b5c2"
HAVAG = "havag-ack-token-19f04c6ea8b3"


@dataclass
class AckServer:
    """A running ``hub acks serve`` child process."""

    url: str
    metrics_url: str
    child: Child

    def post(self, domain: str, body: dict[str, Any], token: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        """(status, JSON body, headers) of one POST /acks/<domain>."""
        request = urllib.request.Request(
            f"{self.url}/acks/{domain}",
            data=json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return resp.status, json.loads(resp.read()), dict(resp.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read()), dict(exc.headers)

    def counter(self, domain: str, outcome: str) -> float:
        """The server's count of requests for ``domain`` with ``outcome``."""
        with urllib.request.urlopen(self.metrics_url, timeout=5) as resp:
            text = resp.read().decode()
        line = f'hub_ack_requests_total{{domain="{domain}",outcome="{outcome}"}} '
        [value] = [row.removeprefix(line) for row in text.splitlines() if row.startswith(line)]
        return float(value)


def _healthy(url: str, broker: bool) -> str | None:
    """None once /healthz answers (and, with ``broker``, says the broker is connected); else why not yet."""
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=2) as resp:
            health = json.loads(resp.read())
    except OSError as exc:
        return f"/healthz: {exc}"
    return None if health["broker"] == "connected" or not broker else "broker not connected yet"


@contextmanager
def running(env: dict[str, str], tmp_path: Path, *, broker: bool = True) -> Iterator[AckServer]:
    """``hub acks serve`` for polizei (token in the environment) and havag (token in a file); none for ordnungsamt.
    Ready once /healthz answers (``broker``: and says the broker is connected). Stopped with SIGTERM at the end:
    it must exit 0, say what it served, and no token may be in its output."""
    (tmp_path / "havag.token").write_text(HAVAG + "\n")
    port, metrics_port = free_port(), free_port()
    child_env = {**os.environ, **env}
    child_env.update(
        HUB_ACK_TOKEN_POLIZEI=POLIZEI,
        HUB_ACK_TOKEN_HAVAG_FILE=str(tmp_path / "havag.token"),
        HUB_METRICS_PORT=str(metrics_port),
        HUB_LOG_FORMAT="json",
    )
    log_path = tmp_path / "acks.log"
    argv = [sys.executable, "-m", "hub", "acks", "serve", "--port", str(port)]
    child = Child.spawn("ack server", argv, log_path, env=child_env)
    server = AckServer(f"http://127.0.0.1:{port}", f"http://127.0.0.1:{metrics_port}/metrics", child)
    try:
        child.wait_ready(lambda: _healthy(server.url, broker), timeout_s=60, interval_s=0.2)
        yield server
    finally:
        child.signal_stop()
        child.wait_or_kill(20)
    output = log_path.read_text()
    assert child.exit_code == 0, output
    assert f"serving acknowledgements of polizei: POST {server.url}/acks/polizei" in output
    assert f"serving acknowledgements of havag: POST {server.url}/acks/havag" in output
    assert "not serving ordnungsamt" in output
    for token in (POLIZEI, HAVAG):
        assert token not in output


@pytest.fixture
def ack_server(settings: Settings, topics: Topics, tmp_path: Path) -> Iterator[AckServer]:
    """``hub acks serve`` on the test's broker and topic prefix, its acks topics created."""
    topics(*ACK_INPUTS)
    with running(settings_env(settings), tmp_path) as server:
        yield server


def test_an_acknowledgement_posted_over_http_is_on_the_prefixed_acks_topic(
    settings: Settings, ack_server: AckServer
) -> None:
    """202 only once stored: the record is on <prefix>acks.polizei keyed by alert id, as the router parses it.
    HAVAG's token on the police endpoint (401), HAVAG's token for a police alert (403) and the unserved
    Ordnungsamt (404) leave every acks topic as it was; the metrics count each outcome."""
    alert = "al-polizei-0123456789abcdef01234567"
    at = datetime.now(UTC).isoformat()
    status, body, _ = ack_server.post("polizei", {"alert_id": alert, "by": "ELS Halle", "at": at}, POLIZEI)
    assert (status, body) == (202, {"accepted": True, "alert_id": alert})

    status, body, headers = ack_server.post("polizei", {"alert_id": alert, "by": "HAVAG Leitstelle", "at": at}, HAVAG)
    assert status == 401
    assert headers["WWW-Authenticate"].startswith("Bearer")
    status, body, _ = ack_server.post("havag", {"alert_id": alert, "by": "HAVAG Leitstelle", "at": at}, HAVAG)
    assert (status, body["code"]) == (403, "unsupported")
    status, body, _ = ack_server.post("ordnungsamt", {"alert_id": "al-ordnungsamt-1", "by": "x", "at": at}, POLIZEI)
    assert status == 404

    topic = qualified(settings.topic_prefix, "acks.polizei")
    [record] = read_topic(settings.bootstrap(), topic, idle_s=0.5)
    assert record.key == alert.encode()
    message = parse_ack("acks.polizei", record.value)
    assert (message.alert_id, message.by, message.at) == (alert, "ELS Halle", datetime.fromisoformat(at))
    for other in ("acks.havag", "acks.ordnungsamt"):
        assert read_topic(settings.bootstrap(), qualified(settings.topic_prefix, other), idle_s=0.5) == []
    assert ack_server.counter("polizei", "accepted") == 1
    assert ack_server.counter("polizei", "unauthorized") == 1
    assert ack_server.counter("havag", "other_domain") == 1
    assert ack_server.counter("ordnungsamt", "not_served") == 1


def test_police_acknowledge_the_routers_alert_over_http(
    settings: Settings, start_workers: WorkerFactory, ack_server: AckServer
) -> None:
    """A driver alarm through the normaliser and the router gives a police alert in state new proposing the one
    available police unit; the police acknowledge it over HTTP; the router's next revision of that alert is
    acknowledged, keeps the proposed unit, and names who acknowledged."""
    start_workers("normalise", "router", pseudonym_keys="demo")  # the demo keys for the router's tokens
    now = datetime.now(UTC)
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap())
    send(producer, settings, "unit-report-polizei", unit_report("Leopard 12/1", 1, 51.4850, 11.9700, now))
    producer.flush()
    alarm = {
        "alarm_id": "654-acks-http-1",
        "vehicle": "654",
        "line": "2",
        "mode": "silent",
        "state": "raised",
        "position": {"lat": 51.4830, "lon": 11.9750},
        "time": now.isoformat(),
    }
    send(producer, settings, "driver-alarm", json.dumps(alarm).encode())
    producer.flush()
    producer.close()

    def proposed(events: list[CloudEvent]) -> bool:
        return any(e.data["recommended_unit"] == "Leopard 12/1" for e in events)

    police = [e for e in wait_for_events(settings, "alerts.polizei", until=proposed) if e.data["recommended_unit"]][-1]
    assert police.data["state"] == "new"
    alert_id = police.data["alert_id"]

    status, body, _ = ack_server.post(
        "polizei", {"alert_id": alert_id, "by": "ELS Halle", "at": datetime.now(UTC).isoformat()}, POLIZEI
    )
    assert (status, body) == (202, {"accepted": True, "alert_id": alert_id})

    def acknowledged(events: list[CloudEvent]) -> bool:
        return any(e.subject == police.subject and e.data["state"] == "acknowledged" for e in events)

    revisions = [
        e for e in wait_for_events(settings, "alerts.polizei", until=acknowledged) if e.subject == police.subject
    ]
    [acked] = [e for e in revisions if e.data["state"] == "acknowledged"]
    assert acked.data["alert_id"] == alert_id
    assert acked.data["revision"] > police.data["revision"]
    assert acked.data["recommended_unit"] == "Leopard 12/1", "the accepted plan stays"
    assert acked.data["acknowledged_by"] == "ELS Halle"
    assert dead_letters(settings, "router", idle_s=0.5) == []


def test_while_the_broker_is_away_acknowledgements_get_503(tmp_path: Path) -> None:
    """Started with no broker at its address, the server still comes up, refuses nothing silently: a valid
    acknowledgement is answered 503 (send again) instead of waiting for the broker, and SIGTERM still stops it."""
    env = {"HUB_KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}", "HUB_ACKS_PRODUCE_TIMEOUT_S": "2"}
    with running(env, tmp_path, broker=False) as server:
        at = datetime.now(UTC).isoformat()
        # post() gives up after 30 s: a server that waited for the broker instead of answering fails here.
        status, body, _ = server.post("polizei", {"alert_id": "al-polizei-1", "by": "ELS Halle", "at": at}, POLIZEI)
        assert (status, body["code"]) == (503, "broker_unavailable")
        assert server.counter("polizei", "broker_unavailable") == 1
