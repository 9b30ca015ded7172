"""`hub worker alert-store` on the real broker and database: alerts and actions from every alert domain stored
idempotently, the highest revision current, garbage dead-lettered with its reason, a notification per stored row."""

from __future__ import annotations

import json
import time

import psycopg
import pytest
from kafka import KafkaProducer

from hub.config import Settings
from hub.deadletter import parse_headers
from hub.store.alerts import ACTIONS_CHANNEL, ALERTS_CHANNEL
from hub.topology import qualified
from tests.helpers.alerts import T0, alert, record
from tests.helpers.kafka import dead_letters
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration


def _ack(alert_id: str, revision: int) -> bytes:
    return json.dumps({"alert_id": alert_id, "by": "ELS Halle", "at": T0.isoformat(), "revision": revision}).encode()


def _send(settings: Settings, records: list[tuple[str, bytes, bytes]]) -> None:
    """Produce (declared topic, key, value) records under the test's prefix, in order."""
    producer = KafkaProducer(bootstrap_servers=settings.bootstrap())
    for topic, key, value in records:
        producer.send(qualified(settings.topic_prefix, topic), key=key, value=value)
    producer.flush()
    producer.close()


def test_worker_stores_alerts_and_actions_once_and_dead_letters_garbage(
    settings: Settings, start_workers: WorkerFactory, endpoints: tuple[str, str]
) -> None:
    """Every record sent twice: three revisions and one action stored once, revision 2 current, four bad records
    dead-lettered (each time) with their codes, one notification per stored row; counted in, out and dead. Then the
    database goes away: the next revision waits, and is stored once it is back."""
    good = [
        ("alerts.polizei", b"al-polizei-0001", record(alert(revision=1))),
        ("alerts.polizei", b"al-polizei-0001", record(alert(revision=2, state="acknowledged"))),
        ("alerts.havag", b"al-havag-0001", record(alert("al-havag-0001"))),
        ("acks.polizei", b"al-polizei-0001", _ack("al-polizei-0001", 2)),
    ]
    bad = [
        ("alerts.havag", b"al-polizei-0002", record(alert("al-polizei-0002"))),  # the police's, on HAVAG's topic
        ("alerts.ordnungsamt", b"x", b"not a CloudEvent"),
        ("acks.polizei", b"x", b"{"),
        ("acks.havag", b"al-polizei-0001", _ack("al-polizei-0001", 2)),  # HAVAG acknowledging a police alert
    ]
    workers = start_workers("alert-store")
    with psycopg.connect(settings.database_conninfo(), autocommit=True) as listener:
        listener.execute(f"LISTEN {ALERTS_CHANNEL}")
        listener.execute(f"LISTEN {ACTIONS_CHANNEL}")
        # The revisions first, stored, then the rest, so the order of the notifications below is known (an
        # acknowledgement stored before its alert is timed once the alert is: tests/integration/test_alert_store.py).
        _send(settings, good[:3] * 2)
        workers.wait_for_count("alert-store", "hub_events_out_total", 6, stage="alert-store")
        _send(settings, (good[3:] + bad) * 2)
        workers.wait_for_count("alert-store", "hub_events_in_total", 16, stage="alert-store")
        workers.wait_for_count("alert-store", "hub_events_dead_lettered_total", 8, stage="alert-store")
        workers.wait_for_count("alert-store", "hub_events_out_total", 8, stage="alert-store")
        heard = sorted((n.channel, n.payload) for n in listener.notifies(timeout=1.0))

    # The lifecycle metrics count what was stored now: the second copies count nothing (issue 14).
    store = workers["alert-store"]
    assert store.counter("hub_alerts_issued_total", recipient="polizei", priority="1") == 1
    assert store.counter("hub_alerts_issued_total", recipient="havag", priority="1") == 1
    assert store.counter("hub_alerts_revised_total", recipient="polizei") == 1
    assert store.counter("hub_alerts_acknowledged_total", recipient="polizei") == 1
    assert store.counter("hub_alert_ack_seconds_count", recipient="polizei", priority="1") == 1

    with psycopg.connect(settings.database_conninfo()) as conn:
        revisions = conn.execute("SELECT alert_id, revision, recipient FROM alert_revisions ORDER BY 1, 2").fetchall()
        latest = conn.execute("SELECT alert_id, revision, state FROM alerts ORDER BY 1").fetchall()
        acts = conn.execute("SELECT alert_id, recipient, action, revision, by_name FROM alert_actions").fetchall()
    assert revisions == [
        ("al-havag-0001", 1, "havag"),
        ("al-polizei-0001", 1, "polizei"),
        ("al-polizei-0001", 2, "polizei"),
    ]
    assert latest == [("al-havag-0001", 1, "new"), ("al-polizei-0001", 2, "acknowledged")]
    assert acts == [("al-polizei-0001", "polizei", "acknowledge", 2, "ELS Halle")]

    notified = {c: [json.loads(p) for ch, p in heard if ch == c] for c in (ALERTS_CHANNEL, ACTIONS_CHANNEL)}
    assert len(notified[ALERTS_CHANNEL]) == 3, "one per revision stored, none for the second copies"
    assert {"recipient": "polizei", "alert_id": "al-polizei-0001", "revision": 2} in notified[ALERTS_CHANNEL]
    [action] = notified[ACTIONS_CHANNEL]
    assert (action["alert_id"], action["action"], action["revision"]) == ("al-polizei-0001", "acknowledge", 2)
    assert "by" not in action, "who acted is not broadcast"

    codes = sorted(parse_headers(letter.headers)["code"] for letter in dead_letters(settings, "alert-store"))
    assert codes == sorted(["unsupported", "undecodable", "malformed_json", "unsupported"] * 2)

    # A database outage: the worker holds the batch and stores it once the database is back.
    dbname = psycopg.conninfo.conninfo_to_dict(settings.database_conninfo())["dbname"]
    with psycopg.connect(endpoints[1], autocommit=True) as admin:
        admin.execute(f'ALTER DATABASE "{dbname}" WITH ALLOW_CONNECTIONS false')
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (dbname,))
        _send(settings, [("alerts.polizei", b"al-polizei-0001", record(alert(revision=3)))])
        workers.wait_for_count("alert-store", "hub_events_in_total", 17, stage="alert-store")
        time.sleep(1.0)
        assert workers["alert-store"].counter("hub_events_out_total", stage="alert-store") == 8, "held"
        admin.execute(f'ALTER DATABASE "{dbname}" WITH ALLOW_CONNECTIONS true')
    workers.wait_for_count("alert-store", "hub_events_out_total", 9, stage="alert-store")
    with psycopg.connect(settings.database_conninfo()) as conn:
        assert conn.execute("SELECT revision FROM alerts WHERE alert_id = 'al-polizei-0001'").fetchone() == (3,)
    assert workers["alert-store"].counter("hub_events_dead_lettered_total", stage="alert-store") == 8
    assert "database unavailable, retrying" in workers["alert-store"].log_path.read_text()
