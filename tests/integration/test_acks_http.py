"""``hub acks serve`` against the real broker and alert store: the console without people. An acknowledgement of a
stored alert POSTed over HTTP is on the prefixed acks topic once the answer is 202; an unknown alert is 404, a stale
revision 409, an alert read from another prefix's topic 409; and, end to end, the police acknowledge the router's
alert (stored by the alert-store worker) over HTTP and the router issues the acknowledged revision on
alerts.polizei."""

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
from email.message import Message
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
from hub.schemas.alert import Alert
from hub.store.alerts import current
from hub.topology import qualified
from tests.helpers.alerts import alert, on_store, revision_row, store
from tests.helpers.kafka import dead_letters
from tests.helpers.stack import Topics
from tests.helpers.waiting import wait_until
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration

POLIZEI = "polizei-ack-token-7d1e03b5c2"
HAVAG = "havag-ack-token-19f04c6ea8b3"
ALERT = "al-polizei-0123456789abcdef01234567"


def stored(settings: Settings, *alerts: Alert) -> None:
    """``alerts`` in the alert store as read from the test's prefixed ``alerts.<domain>``."""
    prefix = settings.topic_prefix
    rows = [revision_row(a, f"{prefix}alerts.{a.recipient}", offset) for offset, a in enumerate(alerts)]
    store(settings.database_conninfo(), rows)


def acknowledgement(alert_id: str = ALERT, **fields: Any) -> dict[str, Any]:
    """An acknowledgement of ``alert_id`` by the police's control room, now."""
    return {"alert_id": alert_id, "by": "ELS Halle", "at": datetime.now(UTC).isoformat(), **fields}


@dataclass
class AckServer:
    """A running ``hub acks serve`` child process."""

    url: str
    metrics_url: str
    child: Child

    def post(self, domain: str, body: dict[str, Any] | bytes, token: str) -> tuple[int, dict[str, Any], dict[str, str]]:
        """(status, JSON body, headers by lower-case name) of one POST /acks/<domain> of ``body`` (bytes: as is)."""
        request = urllib.request.Request(
            f"{self.url}/acks/{domain}",
            data=body if isinstance(body, bytes) else json.dumps(body).encode(),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as resp:
                return resp.status, json.loads(resp.read()), _lower(resp.headers)
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read()), _lower(exc.headers)

    def counter(self, domain: str, outcome: str) -> float:
        """The server's count of requests for ``domain`` with ``outcome``."""
        with urllib.request.urlopen(self.metrics_url, timeout=5) as resp:
            text = resp.read().decode()
        line = f'hub_ack_requests_total{{domain="{domain}",outcome="{outcome}"}} '
        [value] = [row.removeprefix(line) for row in text.splitlines() if row.startswith(line)]
        return float(value)


def _lower(headers: Message) -> dict[str, str]:
    """Header names are case-insensitive (the server sends them in lower case): the headers by lower-case name."""
    return {name.lower(): value for name, value in headers.items()}


def _healthy(url: str, broker: bool) -> str | None:
    """None once /healthz says the database answers (and, with ``broker``, the broker is connected); else why not
    yet. The console's health: 200 when both are there, 503 naming the part that is away."""
    try:
        with urllib.request.urlopen(f"{url}/healthz", timeout=5) as resp:
            health = json.loads(resp.read())
    except urllib.error.HTTPError as exc:
        health = json.loads(exc.read())
    except OSError as exc:
        return f"/healthz: {exc}"
    if health["database"] != "ok":
        return f"/healthz: {health}"
    return None if health["broker"] == "connected" or not broker else "broker not connected yet"


@contextmanager
def running(env: dict[str, str], tmp_path: Path, *, broker: bool = True) -> Iterator[AckServer]:
    """``hub acks serve`` for polizei (token in the environment) and havag (token in a file); none for ordnungsamt.
    Ready once /healthz says the database answers (``broker``: and the broker is connected). Stopped with SIGTERM
    at the end: it must exit 0, say what it served, and no token may be in its output."""
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
    assert f"metrics: {server.metrics_url}" in output
    for token in (POLIZEI, HAVAG):
        assert token not in output


@pytest.fixture
def ack_server(settings: Settings, topics: Topics, tmp_path: Path) -> Iterator[AckServer]:
    """``hub acks serve`` on the test's broker, alert store and topic prefix, its acks topics created."""
    topics(*ACK_INPUTS)
    with running(settings_env(settings), tmp_path) as server:
        yield server


def test_an_acknowledgement_of_a_stored_alert_is_on_the_prefixed_acks_topic(
    settings: Settings, ack_server: AckServer
) -> None:
    """The store holds two revisions of the alert. 202 only once stored: the record is on <prefix>acks.polizei keyed
    by alert id, as the router parses it. Revision 1 (stale: 409 with what changed), an alert the store does not
    hold (404), HAVAG's token on the police endpoint (401), HAVAG's token for a police alert (403), the unserved
    Ordnungsamt (404), a body that is no JSON (400), an invalid one (422) and one over 16 KiB (413) leave every acks
    topic as it was; the metrics count each outcome."""
    stored(settings, alert(ALERT, 1), alert(ALERT, 2, recommended_unit="Saale 14/2"))
    body = acknowledgement()
    status, answer, _ = ack_server.post("polizei", body, POLIZEI)
    assert (status, answer) == (202, {"accepted": True, "alert_id": ALERT})

    status, answer, _ = ack_server.post("polizei", acknowledgement(revision=1), POLIZEI)
    assert (status, answer["code"], answer["current"]["revision"]) == (409, "stale_revision", 2)
    assert [c["field"] for c in answer["changes"]] == ["recommended_unit"]
    status, answer, _ = ack_server.post("polizei", acknowledgement("al-polizei-0404"), POLIZEI)
    assert (status, answer["code"]) == (404, "unknown_alert")
    status, answer, headers = ack_server.post("polizei", {**body, "by": "HAVAG Leitstelle"}, HAVAG)
    assert status == 401
    assert headers["www-authenticate"].startswith("Bearer")
    status, answer, _ = ack_server.post("havag", {**body, "by": "HAVAG Leitstelle"}, HAVAG)
    assert (status, answer["code"]) == (403, "unsupported")
    status, answer, _ = ack_server.post("ordnungsamt", acknowledgement("al-ordnungsamt-1"), POLIZEI)
    assert (status, answer["code"]) == (404, "not_served")
    refused = [
        ack_server.post("polizei", b"{not json", POLIZEI),
        ack_server.post("polizei", {**body, "by": ""}, POLIZEI),
        ack_server.post("polizei", b" " * 20_000, POLIZEI),
    ]
    assert [(status, answer["code"]) for status, answer, _ in refused] == [
        (400, "malformed_json"),
        (422, "schema_violation"),
        (413, "too_large"),
    ]

    topic = qualified(settings.topic_prefix, "acks.polizei")
    [record] = read_topic(settings.bootstrap(), topic, idle_s=0.5)
    assert record.key == ALERT.encode()
    message = parse_ack("acks.polizei", record.value)
    assert (message.alert_id, message.by, message.at) == (ALERT, "ELS Halle", datetime.fromisoformat(body["at"]))
    for other in ("acks.havag", "acks.ordnungsamt"):
        assert read_topic(settings.bootstrap(), qualified(settings.topic_prefix, other), idle_s=0.5) == []
    counts = {
        ("polizei", "accepted"): 1,
        ("polizei", "stale_revision"): 1,
        ("polizei", "unknown_alert"): 1,
        ("polizei", "unauthorized"): 1,
        ("havag", "other_domain"): 1,
        ("ordnungsamt", "not_served"): 1,
        ("polizei", "malformed"): 1,
        ("polizei", "invalid"): 1,
        ("polizei", "too_large"): 1,
    }
    assert {key: ack_server.counter(*key) for key in counts} == counts


def test_a_server_on_another_prefix_refuses_the_alert_with_wrong_prefix(
    settings: Settings, topics: Topics, tmp_path: Path
) -> None:
    """The alert was read from <prefix>alerts.polizei; a server of another deployment on the same store (its prefix
    <prefix>elsewhere.) answers 409 wrong_prefix, since no router of its deployment would read the acknowledgement,
    and produces nothing: no acks topic under the test's prefix is written or made."""
    topics("acks.polizei")
    stored(settings, alert(ALERT, 1))
    elsewhere = f"{settings.topic_prefix}elsewhere."
    with running({**settings_env(settings), "HUB_TOPIC_PREFIX": elsewhere}, tmp_path) as server:
        status, answer, _ = server.post("polizei", acknowledgement(), POLIZEI)
        assert (status, answer["code"]) == (409, "wrong_prefix")
        assert f"{settings.topic_prefix}alerts.polizei" in answer["error"]
        assert (server.counter("polizei", "wrong_prefix"), server.counter("polizei", "accepted")) == (1, 0)
    assert read_topic(settings.bootstrap(), qualified(settings.topic_prefix, "acks.polizei"), idle_s=0.5) == []


def test_police_acknowledge_the_routers_alert_over_http(
    settings: Settings, start_workers: WorkerFactory, ack_server: AckServer
) -> None:
    """A driver alarm through the normaliser and the router gives a police alert in state new proposing the one
    available police unit, which the alert-store worker stores; the police acknowledge it over HTTP; the router's
    next revision of that alert is acknowledged, keeps the proposed unit, and names who acknowledged."""
    start_workers("normalise", "router", "alert-store", pseudonym_keys="demo")  # the demo keys for the router's tokens
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
    url = settings.database_conninfo()
    wait_until(lambda: on_store(url, lambda conn: current(conn, "polizei", alert_id)), 30, "the alert stored")

    status, body, _ = ack_server.post("polizei", acknowledgement(alert_id), POLIZEI)
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


def test_while_the_broker_is_away_acknowledgements_get_503(settings: Settings, tmp_path: Path) -> None:
    """Started with the store but no broker at its address, the server still comes up, refuses nothing silently:
    an acknowledgement of a stored alert is answered 503 (send again) instead of waiting for the broker, and
    SIGTERM still stops it."""
    stored(settings, alert(ALERT, 1))
    env = {
        **settings_env(settings),
        "HUB_KAFKA_BOOTSTRAP": f"127.0.0.1:{free_port()}",
        "HUB_ACKS_PRODUCE_TIMEOUT_S": "2",
    }
    with running(env, tmp_path, broker=False) as server:
        # post() gives up after 30 s: a server that waited for the broker instead of answering fails here.
        status, body, _ = server.post("polizei", acknowledgement(), POLIZEI)
        assert (status, body["code"]) == (503, "broker_unavailable")
        assert server.counter("polizei", "broker_unavailable") == 1
