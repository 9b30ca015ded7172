"""Issue 15, done when: an organiser's iCalendar feed, polled over HTTP by the built-in ``http-poll`` connector with
format ``ics``, updated twice (the concert moved from 19:00 to 20:00, then cancelled), ends as one planned event in
PostgreSQL with the last state; HAVAG's share holds it, without the organiser's contact person. A login page served
instead of the calendar goes to dlq.connectors with its reason. Real broker,
PostgreSQL, connector runner and normalise, pseudonymise and sink workers."""

from __future__ import annotations

import asyncio
import tomllib
from datetime import datetime
from typing import Any

import psycopg
import pytest
from aiohttp import web

from hub.config import Settings
from hub.connectors.config import parse_config
from hub.connectors.registry import load_types
from hub.deadletter import parse_headers
from hub.formats.registry import FORMATS
from hub.store.planned import planned_events
from tests.helpers.kafka import dead_letters, events
from tests.helpers.waiting import wait_until
from tests.helpers.workers import WorkerFactory
from tests.integration.test_connectors import Running, with_feed

pytestmark = pytest.mark.integration

UID = "sommerkonzert-2027@peissnitzhaus.example"
CONTACT = "anna.schmidt@peissnitzhaus.example"


def feed(sequence: int, start: str, *, cancelled: bool = False) -> bytes:
    """The organiser's calendar as its server serves it: one concert, at ``start`` local time on 12 June 2027."""
    method = "CANCEL" if cancelled else "PUBLISH"
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Nextcloud calendar v4.7//EN",
        f"METHOD:{method}",
        "X-WR-CALNAME:Peißnitzhaus e. V.",
        "BEGIN:VEVENT",
        f"UID:{UID}",
        f"DTSTAMP:2026120{sequence + 1}T090000Z",
        f"LAST-MODIFIED:2026120{sequence + 1}T090000Z",
        f"SEQUENCE:{sequence}",
        f"DTSTART;TZID=Europe/Berlin:20270612T{start}00",
        "DURATION:PT3H",
        "SUMMARY:Sommerkonzert auf der Peißnitz",
        "LOCATION:Marktplatz Halle",
        "GEO:51.482360;11.969780",
        f"ORGANIZER;CN=Anna Schmidt:mailto:{CONTACT}",
        "X-EXPECTED-ATTENDANCE:8000",
        *(["STATUS:CANCELLED"] if cancelled else []),
        "END:VEVENT",
        "END:VCALENDAR",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def test_a_moved_then_cancelled_concert_ends_as_one_cancelled_planned_event(
    settings: Settings, start_workers: WorkerFactory
) -> None:
    workers = start_workers("normalise", "pseudonymise", "sink", pseudonym_keys="demo")
    # First the server answers with its login page (a calendar link whose sharing was switched off): dead-lettered
    # with its reason, and the connector goes on polling.
    served = {"body": b"<!DOCTYPE html><html><body>Anmeldung erforderlich</body></html>"}

    async def handler(request: web.Request) -> web.Response:
        return web.Response(body=served["body"], content_type="text/calendar", charset="utf-8")

    async def poll(url: str) -> None:
        text = f'[connectors.peissnitzhaus]\ntype = "http-poll"\nformat = "ics"\nurl = "{url}"\ninterval_s = 0.2\n'
        cfg = parse_config(tomllib.loads(text), types=load_types([]), formats=FORMATS, source="test.toml")
        async with Running(settings, cfg, ["peissnitzhaus"]) as run:

            def produced() -> float:
                return run.metric("hub_connector_records_produced_total", connector="peissnitzhaus")

            await run.until(
                lambda: (
                    run.metric("hub_connector_errors_total", connector="peissnitzhaus", reason="malformed_icalendar")
                    >= 1
                ),
                "the login page was not refused",
            )
            served["body"] = feed(0, "1900")
            await run.until(lambda: produced() == 1, "the first version was not produced")
            served["body"] = feed(1, "2000")  # moved to 20:00
            await run.until(lambda: produced() == 2, "the moved concert was not produced")
            served["body"] = feed(2, "2000", cancelled=True)
            await run.until(lambda: produced() == 3, "the cancellation was not produced")

    asyncio.run(with_feed(handler, poll))

    def cancelled() -> list[dict[str, Any]] | None:
        rows = planned_events(settings.database_conninfo())
        return rows if rows and rows[0]["sequence"] == 2 else None

    (row,) = wait_until(cancelled, 45, "the cancellation did not reach planned_events")
    assert (row["event_id"], row["status"], row["title"]) == (UID, "cancelled", "Sommerkonzert auf der Peißnitz")
    assert row["starts_at"] == datetime.fromisoformat("2027-06-12T20:00:00+02:00")
    assert row["ends_at"] == datetime.fromisoformat("2027-06-12T23:00:00+02:00")
    assert row["expected_attendance"] == 8000
    assert row["nearest_stops"][0] == "de:15002:5232"  # Marktplatz
    with psycopg.connect(settings.database_conninfo()) as conn:  # every version is an event of its own
        stored = conn.execute("SELECT count(*) FROM events WHERE kind = 'planned-event'").fetchone()
    assert stored == (3,)

    workers.wait_for_count("pseudonymise", "hub_events_out_total", 3, stage="pseudonymise")
    shared = wait_until(
        lambda: (found := events(settings, "share.havag.planned-event")) and len(found) == 3 and found,
        30,
        "HAVAG's share does not hold the three versions",
    )
    last = shared[-1].data
    assert (last["status"], last["sequence"], last["starts_at"]) == ("cancelled", 2, "2027-06-12T20:00:00+02:00")
    assert last["event_id"] != UID  # HAVAG's pseudonym, the same for every version
    assert {e.data["event_id"] for e in shared} == {last["event_id"]}
    assert last["organiser"] == {
        "name": "Peißnitzhaus e. V.",
        "contact_name": None,
        "contact_phone": None,
        "contact_email": None,
    }
    assert all(CONTACT not in e.to_bytes().decode() for e in shared)
    with psycopg.connect(settings.database_conninfo()) as conn:  # each delivery to HAVAG is in the register
        registered = conn.execute(
            "SELECT count(*), min(topic), min(source_agency) FROM transfer_register"
            " WHERE recipient = 'havag' AND kind = 'planned-event'"
        ).fetchone()
    assert registered == (3, "share.havag.planned-event", "unknown")  # an organiser is none of the three agencies
    assert dead_letters(settings, "normalise", idle_s=0.3) == []
    refused = [parse_headers(letter.headers) for letter in dead_letters(settings, "connectors", idle_s=0.3)]
    assert refused
    assert {(h["code"], h["reason"]) for h in refused} == {
        ("malformed_icalendar", "not an iCalendar document: no BEGIN:VCALENDAR at its start")
    }
