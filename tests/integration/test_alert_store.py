"""The alert store (hub.store.alerts) on a real PostgreSQL: idempotent writes, the highest revision kept, reads that
never cross recipients, notifications of what was stored, retention classes and the purge."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from typing import Any

import psycopg
import pytest
from psycopg.types.json import Jsonb

from hub.privacy.retention import RetentionPeriods
from hub.store.alerts import (
    ALERTS_CHANNEL,
    AlertNotice,
    actions,
    board,
    current,
    history,
    listen,
    open_unacknowledged,
    recent,
    revision,
    since,
    store_actions,
    store_revisions,
)
from hub.store.retention import purge
from tests.helpers.alerts import T0, action_row, alert, on_store, revision_row, store

pytestmark = pytest.mark.integration

PERIODS = RetentionPeriods(
    short=timedelta(days=30), standard=timedelta(days=180), long=timedelta(days=730), register=timedelta(days=1095)
)


def _count(url: str, table: str) -> int:
    with psycopg.connect(url) as conn:
        row = conn.execute(f"SELECT count(*) FROM {table}").fetchone()
    return int(row[0]) if row else 0


def test_revisions_and_actions_are_stored_once_and_the_highest_revision_is_current(database_url: str) -> None:
    """The same revisions and actions stored twice leave one row each (also an action produced twice); a late lower
    revision does not replace the latest; board, current, history and actions read the recipient's rows only, in
    their documented order."""
    first, second = alert(revision=1), alert(revision=2, state="acknowledged", acknowledged_by="mueller")
    calm = alert("al-polizei-0002", priority=3, issued_at=T0 - timedelta(hours=1))
    havag = alert("al-havag-0001")
    acts = [action_row("al-polizei-0001", 1), action_row("al-polizei-0001", 2, "note", None, "Zeuge vor Ort")]
    batch = [revision_row(second, offset=2), revision_row(calm, offset=3), revision_row(havag, "alerts.havag", 0)]
    store(database_url, batch, acts)
    again = replace(acts[0], offset=9)  # the same action produced again: another Kafka record
    store(database_url, [revision_row(first, offset=1), *batch], [*acts, again])  # redelivered; revision 1 late

    assert _count(database_url, "alert_revisions") == 4
    assert _count(database_url, "alert_actions") == 2

    async def read(conn: psycopg.AsyncConnection[Any]) -> dict[str, Any]:
        return {
            "board": await board(conn, "polizei"),
            "open": await board(conn, "polizei", states={"new"}),
            "current": await current(conn, "polizei", "al-polizei-0001"),
            "as havag": await current(conn, "havag", "al-polizei-0001"),
            "history": await history(conn, "polizei", "al-polizei-0001"),
            "revision": await revision(conn, "polizei", "al-polizei-0001", 1),
            "actions": await actions(conn, "polizei", "al-polizei-0001"),
            "actions as havag": await actions(conn, "havag", "al-polizei-0001"),
            "havag board": await board(conn, "havag"),
        }

    got = on_store(database_url, read)
    assert [r.alert.alert_id for r in got["board"]] == ["al-polizei-0001", "al-polizei-0002"], "priority 1 first"
    assert [r.alert.alert_id for r in got["open"]] == ["al-polizei-0002"]
    latest = got["current"]
    assert latest is not None
    assert latest.alert == second, "revision 1 arriving late does not replace revision 2"
    assert (latest.first_issued_at, latest.topic, latest.offset) == (first.issued_at, "alerts.polizei", 2)
    assert got["as havag"] is None
    assert got["actions as havag"] == []
    assert [r.alert.revision for r in got["history"]] == [1, 2]
    assert got["revision"] is not None
    assert got["revision"].alert == first
    assert [(a.action, a.revision, a.note) for a in got["actions"]] == [
        ("acknowledge", 1, None),
        ("note", None, "Zeuge vor Ort"),
    ]
    assert [r.alert.alert_id for r in got["havag board"]] == ["al-havag-0001"]


def test_since_and_recent_page_through_what_was_stored(database_url: str) -> None:
    """``since`` returns revisions oldest first and completes the batch it cuts into; ``recent`` the newest."""
    store(database_url, [revision_row(alert(f"al-polizei-{i:04d}"), offset=i) for i in range(3)])
    store(database_url, [revision_row(alert(f"al-polizei-{i:04d}"), offset=i) for i in range(3, 5)])

    async def read(conn: psycopg.AsyncConnection[Any]) -> list[list[str]]:
        first = await since(conn, "polizei", None, limit=2)
        rest = await since(conn, "polizei", first[-1].stored_at, limit=2)
        last = await recent(conn, "polizei", 2)
        other = await since(conn, "havag", None)
        return [[r.alert.alert_id for r in rows] for rows in (first, rest, last, other)]

    first, rest, last, other = on_store(database_url, read)
    assert first == ["al-polizei-0000", "al-polizei-0001", "al-polizei-0002"], "the first batch whole"
    assert rest == ["al-polizei-0003", "al-polizei-0004"]
    assert last == ["al-polizei-0003", "al-polizei-0004"]
    assert other == []


def test_listeners_hear_each_revision_and_action_stored_once(database_url: str) -> None:
    """A listener of polizei hears one notice per revision and action stored, at commit, not the redelivered
    copies and not another recipient's."""

    async def scenario() -> list[AlertNotice]:
        async with await psycopg.AsyncConnection.connect(database_url, autocommit=True) as conn:
            notices = await listen(conn, ["polizei"], idle_s=0.5)
            revisions = [revision_row(alert(revision=1)), revision_row(alert("al-havag-0001"), "alerts.havag")]
            for _ in range(2):
                await asyncio.to_thread(store, database_url, revisions, [action_row("al-polizei-0001", 7)])
            heard: list[AlertNotice] = []
            async for notice in notices:
                if notice is None:
                    return heard
                heard.append(notice)
        return heard

    heard = asyncio.run(scenario())
    assert heard == [
        AlertNotice(ALERTS_CHANNEL, "polizei", "al-polizei-0001", 1),
        AlertNotice("hub_alert_actions", "polizei", "al-polizei-0001", 1, "acknowledge", "acks.polizei", 0, 7),
    ]


def test_alerts_are_kept_as_long_as_their_incident_and_purged_whole(database_url: str) -> None:
    """An exercise alert is short-lived, a crime incident's alert lives as long as the incident (long), others
    standard; the purge deletes an expired alert with its revisions and actions, and orphaned actions by age."""
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO events (id, kind, type, source, source_record_id, subject, time, envelope, kafka_topic,"
            " kafka_partition, kafka_offset) VALUES ('e1', 'incident', 't', 's', 'r', 'inc-crime', %s, %s, 'c', 0, 0)",
            (T0, Jsonb({"data": {"retention_class": "long"}})),
        )
    drill = alert("al-polizei-0001", mode="exercise")
    crime = alert("al-polizei-0002", incident_id="inc-crime")
    plain = alert("al-havag-0003")
    store(
        database_url,
        [revision_row(drill, offset=1), revision_row(crime, offset=2), revision_row(plain, "alerts.havag", 3)],
        [action_row("al-polizei-0001", 1), action_row("al-polizei-0404", 2)],  # the second: an unknown alert
    )
    with psycopg.connect(database_url) as conn:
        classes = dict(conn.execute("SELECT alert_id, retention_class FROM alerts").fetchall())
    assert classes == {"al-polizei-0001": "short", "al-polizei-0002": "long", "al-havag-0003": "standard"}

    now = T0 + timedelta(days=200)  # past short and standard, within long
    dry = {(p.table, p.retention_class): p.rows for p in purge(database_url, PERIODS, now, dry_run=True)}
    done = {(p.table, p.retention_class): p.rows for p in purge(database_url, PERIODS, now)}
    assert dry == done
    alert_rows = {key: rows for key, rows in done.items() if key[0].startswith("alert")}
    assert alert_rows == {
        ("alert_actions", "short"): 1,
        ("alert_actions", "standard"): 1,  # the unknown alert's action, by its age
        ("alert_actions", "long"): 0,
        ("alert_revisions", "short"): 1,
        ("alert_revisions", "standard"): 1,
        ("alert_revisions", "long"): 0,
        ("alerts", "short"): 1,
        ("alerts", "standard"): 1,
        ("alerts", "long"): 0,
    }
    with psycopg.connect(database_url) as conn:
        assert conn.execute("SELECT alert_id FROM alerts").fetchall() == [("al-polizei-0002",)]
        assert conn.execute("SELECT alert_id FROM alert_revisions").fetchall() == [("al-polizei-0002",)]
        assert conn.execute("SELECT count(*) FROM alert_actions").fetchone() == (0,)


def test_the_store_says_what_it_stored_now_for_the_lifecycle_metrics(database_url: str) -> None:
    """store_revisions and store_actions return only what they stored now, with what the metrics need: a level
    raised, the incident's first event time for a first revision, an alert's first acknowledgement with its first
    issue time; open_unacknowledged counts the open alerts nobody acknowledged, by recipient and priority."""
    with psycopg.connect(database_url) as conn:
        conn.execute(
            "INSERT INTO events (id, kind, type, source, source_record_id, subject, time, envelope, kafka_topic,"
            " kafka_partition, kafka_offset) VALUES ('e1', 'incident', 't', 's', 'r', 'inc-al-polizei-0001', %s,"
            " '{}', 'c', 0, 0)",
            (T0 - timedelta(seconds=4),),
        )
    first, escalated = alert(revision=1), alert(revision=2, escalation="next_unit", escalation_level=1)
    other = alert("al-polizei-0002", priority=2)

    async def write(conn: psycopg.AsyncConnection[Any]) -> tuple[list[Any], list[Any], list[Any], list[Any]]:
        async with conn.transaction():
            revisions = await store_revisions(
                conn, [revision_row(first, offset=1), revision_row(escalated, offset=2), revision_row(other, offset=3)]
            )
            again = await store_revisions(conn, [revision_row(first, offset=1)])
            acks = await store_actions(
                conn, [action_row("al-polizei-0001", 4), action_row("al-polizei-0001", 5, action="note")]
            )
            later = await store_actions(conn, [action_row("al-polizei-0001", 6)])
        return revisions, again, acks, later

    revisions, again, acks, later = on_store(database_url, write)
    assert [(r.revision, r.priority, r.escalated, r.source_time) for r in revisions] == [
        (1, 1, False, T0 - timedelta(seconds=4)),
        (2, 1, True, None),
        (1, 2, False, None),  # no stored event of its incident
    ]
    assert again == []
    assert [(a.action, a.first_ack, a.first_issued_at, a.priority) for a in acks] == [
        ("acknowledge", True, T0, 1),
        ("note", False, T0, 1),
    ]
    assert [a.first_ack for a in later] == [False]
    assert [r.acknowledged_before_at for r in revisions] == [None, None, None]
    assert on_store(database_url, open_unacknowledged) == {("polizei", 2): 1}


def test_an_acknowledgement_stored_before_its_alert_is_returned_with_the_alerts_first_revision(
    database_url: str,
) -> None:
    """The alert store reads alerts.* and acks.* as they come: when an acknowledgement is stored before its alert,
    the alert's first stored revision carries the acknowledgement's time (so the ack time can be measured then),
    and no later revision does."""
    first, second = alert("al-polizei-0003", revision=1), alert("al-polizei-0003", revision=2)

    async def write(conn: psycopg.AsyncConnection[Any]) -> tuple[list[Any], list[Any], list[Any]]:
        async with conn.transaction():
            acks = await store_actions(conn, [action_row("al-polizei-0003", 1)])
            revisions = await store_revisions(conn, [revision_row(first, offset=2)])
            later = await store_revisions(conn, [revision_row(second, offset=3)])
        return acks, revisions, later

    acks, revisions, later = on_store(database_url, write)
    assert [(a.first_ack, a.first_issued_at) for a in acks] == [(True, None)]
    assert [r.acknowledged_before_at for r in revisions] == [acks[0].at]
    assert [r.acknowledged_before_at for r in later] == [None]
