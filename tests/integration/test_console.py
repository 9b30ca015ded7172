"""The console on the real alert store and broker: what each agency reads, acting on alerts (the AckMessage on the
prefixed acks topic once the answer is 202; 409 for a stale revision or another deployment's alert; the same
checks on ``POST /acks/<domain>``), the event stream fed by the store's NOTIFY with Last-Event-ID catch-up, and,
end to end with ``hub worker alert-store``, an acknowledgement given on the console coming back as an action."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from prometheus_client import CollectorRegistry
from psycopg.types.json import Jsonb

from hub.config import Settings
from hub.console.pg import open_store
from hub.console.server import Served, build_console, serve_console
from hub.console.testing import PASSWORD, in_thread, make_users
from hub.kafka_read import read_topic
from hub.processes import free_port, spawn_console
from hub.router.core import parse_ack
from hub.topology import qualified
from tests.helpers.alerts import FRANCKEPLATZ, T0, action_row, alert, revision_row, store
from tests.helpers.stack import Topics
from tests.helpers.waiting import wait_until
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration

TOKEN = "polizei-system-token-4e0b7d1c95"
POLICE = "al-polizei-0001"


@dataclass
class Console:
    """A served console, the settings it runs on, and the HTTP clients opened on it (closed with it)."""

    served: Served
    settings: Settings
    clients: list[httpx.Client] = field(default_factory=list)

    def _client(self, **options: Any) -> httpx.Client:
        client = httpx.Client(base_url=self.served.url, timeout=30, **options)
        self.clients.append(client)
        return client

    def browser(self, user: str) -> httpx.Client:
        """A client signed in as ``user``, sending the session's CSRF token."""
        client = self._client()
        answer = client.post("/api/session", json={"username": user, "password": PASSWORD})
        assert answer.status_code == 200, answer.text
        client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        return client

    def system(self) -> httpx.Client:
        """The police's system, with its bearer token."""
        return self._client(headers={"Authorization": f"Bearer {TOKEN}"})

    def acks(self, domain: str = "polizei") -> list[dict[str, object]]:
        """The JSON values on the prefixed ``acks.<domain>``."""
        topic = qualified(self.settings.topic_prefix, f"acks.{domain}")
        return [json.loads(r.value) for r in read_topic(self.settings.bootstrap(), topic, idle_s=0.5)]


@contextmanager
def console_on(settings: Settings) -> Iterator[Console]:
    """``hub console``'s parts on the test's database and broker, served from a thread; people erika (police) and
    hans (HAVAG), and the police's system token."""

    async def main(stop: asyncio.Event, started: Callable[[Served], None]) -> None:
        registry = CollectorRegistry()
        async with open_store(settings) as source:
            users = make_users(erika="polizei", hans="havag")
            console = build_console(settings, source, users, {"polizei": TOKEN.encode()}, registry)
            await serve_console(console, settings, "127.0.0.1", 0, stop, started, registry)

    with in_thread(main) as (served, _):
        console = Console(served, settings)
        try:
            yield console
        finally:
            for client in console.clients:
                client.close()


def stored_alerts(settings: Settings) -> None:
    """Two revisions of a police alert, a HAVAG alert carrying a call sign, and a police alert read from another
    deployment's topic (no prefix)."""
    prefix = settings.topic_prefix
    store(
        settings.database_conninfo(),
        [
            revision_row(alert(POLICE, 1, vehicle="654"), f"{prefix}alerts.polizei", 1),
            revision_row(alert(POLICE, 2, vehicle="654", recommended_unit="Saale 14/2"), f"{prefix}alerts.polizei", 2),
            revision_row(alert("al-havag-0001", recommended_unit="SECRETCALLSIGN"), f"{prefix}alerts.havag", 3),
            revision_row(alert("al-polizei-0002"), "alerts.polizei", 4),
        ],
        [action_row(POLICE, 5, note="unterwegs")],
    )


def positions(settings: Settings) -> None:
    """Events as the sink stores them: two positions of tram 654 (the later one counts), one of the police unit
    Saale 14/2, and one of an Ordnungsamt unit of the same call sign."""
    rows = [
        ("v1", "vehicle-position", "654", T0, {"vehicle": "654", "lat": 51.48, "lon": 11.97}),
        ("v2", "vehicle-position", "654", T0 + timedelta(seconds=20), {"vehicle": "654", "lat": 51.49, "lon": 11.96}),
        (
            "u1",
            "unit-status",
            "polizei:Saale 14/2",
            T0,
            {"unit": "Saale 14/2", "position": {"lat": 51.47, "lon": 11.95}},
        ),
        (
            "u2",
            "unit-status",
            "ordnungsamt:Saale 14/2",
            T0,
            {"unit": "Saale 14/2", "position": {"lat": 1.0, "lon": 1.0}},
        ),
    ]
    with psycopg.connect(settings.database_conninfo()) as conn:
        for event_id, kind, subject, at, data in rows:
            conn.execute(
                "INSERT INTO events (id, kind, type, source, source_record_id, subject, time, envelope, kafka_topic,"
                " kafka_partition, kafka_offset) VALUES (%s, %s, 't', 's', %s, %s, %s, %s, 'c', 0, 0)",
                (event_id, kind, event_id, subject, at, Jsonb({"data": data})),
            )


def test_each_agency_reads_its_own_alerts_from_the_store(settings: Settings, topics: Topics) -> None:
    """The police's board has their two alerts at their latest revision; the detail has both revisions with what
    changed, the stored action, and the map with the vehicle's latest position and their own unit's; HAVAG sees its
    alert without the call sign and none of the police's."""
    topics("acks.polizei")
    stored_alerts(settings)
    positions(settings)
    with console_on(settings) as console:
        police, havag = console.browser("erika"), console.browser("hans")
        board = police.get("/api/alerts").json()
        assert sorted((v["alert_id"], v["revision"]) for v in board) == [(POLICE, 2), ("al-polizei-0002", 1)]
        detail = police.get(f"/api/alerts/{POLICE}").json()
        assert [r["revision"] for r in detail["revisions"]] == [1, 2]
        changed = {c["field"]: (c["before"], c["after"]) for c in detail["changes"][1]}
        assert changed["recommended_unit"] == ("Saale 12/1", "Saale 14/2")
        assert [(a["action"], a["note"]) for a in detail["actions"]] == [("acknowledge", "unterwegs")]
        assert detail["alert"]["intercept_stop_name"] == "Halle (Saale), Franckeplatz"
        assert (detail["map"]["vehicle"]["lat"], detail["map"]["vehicle"]["lon"]) == (51.49, 11.96)
        assert [(u["unit"], u["lat"]) for u in detail["map"]["units"]] == [("Saale 14/2", 51.47)]
        text = havag.get("/api/alerts").text
        assert "al-havag-0001" in text
        assert "SECRETCALLSIGN" not in text
        assert "al-polizei" not in text
        assert havag.get(f"/api/alerts/{POLICE}").status_code == 404


def test_actions_reach_the_prefixed_acks_topic_only_when_the_store_agrees(settings: Settings, topics: Topics) -> None:
    """Acknowledging the latest revision: 202 and the AckMessage on <prefix>acks.polizei; revision 1 (stale): 409
    with what changed; another deployment's alert: 409 wrong_prefix; an unknown one: 404. The system's
    POST /acks/polizei gets the same checks."""
    topics("acks.polizei")
    stored_alerts(settings)
    with console_on(settings) as console:
        police, system = console.browser("erika"), console.system()
        accepted = police.post(f"/api/alerts/{POLICE}/acknowledge", json={"revision": 2})
        assert accepted.status_code == 202, accepted.text
        stale = police.post(f"/api/alerts/{POLICE}/resolve", json={"revision": 1})
        assert (stale.status_code, stale.json()["code"], stale.json()["current"]["revision"]) == (
            409,
            "stale_revision",
            2,
        )
        assert {c["field"] for c in stale.json()["changes"]} == {"recommended_unit"}
        wrong = police.post("/api/alerts/al-polizei-0002/acknowledge", json={"revision": 1})
        assert (wrong.status_code, wrong.json()["code"]) == (409, "wrong_prefix")
        assert police.post("/api/alerts/al-polizei-0404/notes", json={"text": "x"}).status_code == 404

        body = {"alert_id": POLICE, "by": "ELS Halle", "at": "2026-11-20T21:52:00+01:00"}
        answers = [
            system.post("/acks/polizei", json={**body, "revision": 1}),
            system.post("/acks/polizei", json={**body, "alert_id": "al-polizei-0404"}),
            system.post("/acks/polizei", json={**body, "revision": 2, "action": "resolve"}),
        ]
        assert [a.status_code for a in answers] == [409, 404, 202]
        values = console.acks()
    assert [(v["by"], v["revision"], v.get("action", "acknowledge")) for v in values] == [
        ("erika (leitstelle)", 2, "acknowledge"),
        ("ELS Halle", 2, "resolve"),
    ]
    for value in values:
        parse_ack("acks.polizei", json.dumps(value).encode())


def read_events(stream: Iterator[str], count: int) -> list[tuple[str, str, dict[str, object]]]:
    """The next ``count`` events of an SSE line stream as (id, event, data), pings skipped."""
    events: list[tuple[str, str, dict[str, object]]] = []
    fields: dict[str, str] = {}
    for line in stream:
        if line == "" and "event" in fields:
            events.append((fields.get("id", ""), fields["event"], json.loads(fields["data"])))
            fields = {}
            if len(events) == count:
                return events
        elif ": " in line and not line.startswith(":"):
            name, _, value = line.partition(": ")
            fields[name] = value
    raise AssertionError(f"the stream ended after {events}")


def test_the_stream_pushes_what_the_store_notifies_and_catches_up_after_a_reconnect(
    settings: Settings, topics: Topics
) -> None:
    """A police stream gets each revision and action the store notifies (HAVAG's revision not); reconnecting with
    the last event's id, it gets the revision stored while it was away."""
    topics("acks.polizei")
    prefix = settings.topic_prefix
    url = settings.database_conninfo()
    with console_on(settings) as console:
        police = console.browser("erika")
        with police.stream("GET", "/api/stream") as answer:
            lines = answer.iter_lines()
            assert next(lines) == "retry: 3000"
            store(url, [revision_row(alert("al-havag-0009"), f"{prefix}alerts.havag", 9)])
            store(url, [revision_row(alert(POLICE, 1), f"{prefix}alerts.polizei", 1)], [action_row(POLICE, 2)])
            events = read_events(lines, 2)
        assert [(kind, data["alert_id"]) for _, kind, data in events] == [("alert", POLICE), ("action", POLICE)]
        assert events[1][2]["by"] == "mueller"
        last_id = events[1][0]
        store(url, [revision_row(alert(POLICE, 2, state="acknowledged"), f"{prefix}alerts.polizei", 3)])
        with police.stream("GET", "/api/stream", headers={"Last-Event-ID": last_id}) as answer:
            [(_, kind, data)] = read_events(answer.iter_lines(), 1)
        assert (kind, data["revision"], data["state"]) == ("alert", 2, "acknowledged")


def test_an_acknowledgement_given_on_the_console_comes_back_as_an_action_on_the_stream(
    settings: Settings, start_workers: WorkerFactory
) -> None:
    """End to end with the alert-store worker: the router's alert (on <prefix>alerts.polizei) is stored and pushed
    to the police's board; acknowledging it on the console produces to <prefix>acks.polizei, the worker stores the
    action, and the stream pushes it with who acknowledged which revision."""
    from kafka import KafkaProducer

    from tests.helpers.alerts import record

    start_workers("alert-store")
    with console_on(settings) as console:
        police = console.browser("erika")
        with police.stream("GET", "/api/stream") as answer:
            lines = answer.iter_lines()
            next(lines)
            producer = KafkaProducer(bootstrap_servers=settings.bootstrap())
            topic = qualified(settings.topic_prefix, "alerts.polizei")
            producer.send(topic, key=POLICE.encode(), value=record(alert(POLICE, 1, intercept_stop_dhid=FRANCKEPLATZ)))
            producer.flush()
            producer.close()
            [(_, kind, data)] = read_events(lines, 1)
            assert (kind, data["alert_id"], data["revision"]) == ("alert", POLICE, 1)
            wait_until(
                lambda: police.post(f"/api/alerts/{POLICE}/acknowledge", json={"revision": 1}).status_code == 202,
                30,
                "the acknowledgement accepted",
            )
            [(_, kind, action)] = read_events(lines, 1)
    assert (kind, action["action"], action["revision"], action["by"]) == (
        "action",
        "acknowledge",
        1,
        "erika (leitstelle)",
    )


def test_hub_console_serves_until_sigterm_and_exits_cleanly(settings: Settings, tmp_path: Path) -> None:
    """The command: a users file and a token from the environment, its URL and metrics printed, /healthz 200 once
    the database and the broker answer, a person signs in; SIGTERM with an event stream open ends it with exit 0,
    and neither the password nor the token is in its output."""
    users = tmp_path / "users.toml"
    hashed = make_users(erika="polizei")["erika"].password
    users.write_text(f'[users.erika]\nagency = "polizei"\nrole = "leitstelle"\npassword_hash = "{hashed}"\n')
    metrics_port = free_port()
    env = {"HUB_CONSOLE_USERS": str(users), "HUB_ACK_TOKEN_POLIZEI": TOKEN, "HUB_METRICS_PORT": str(metrics_port)}
    log_path = tmp_path / "console.log"
    child, url = spawn_console(settings, log_path, env=env)
    try:
        with httpx.Client(base_url=url, timeout=10) as client:
            assert client.post("/api/session", json={"username": "erika", "password": PASSWORD}).status_code == 200
            with client.stream("GET", "/api/stream") as answer:
                assert next(answer.iter_lines()) == "retry: 3000"
                child.signal_stop()
                child.wait_or_kill(20)
    finally:
        child.signal_stop()
        child.wait_or_kill(20)
    output = log_path.read_text()
    assert child.exit_code == 0, output
    assert f"console: {url}/ (1 user(s) can sign in)" in output
    assert f"POST {url}/acks/polizei" in output
    assert f"metrics: http://127.0.0.1:{metrics_port}/metrics" in output
    for secret in (TOKEN, PASSWORD):
        assert secret not in output
