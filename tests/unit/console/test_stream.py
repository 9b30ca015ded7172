"""Server-Sent Events: events go to the clients of the alert's agency only, a slow client is dropped without
holding up the others, idle streams get pings, a reconnecting client catches up from its Last-Event-ID, and the
real server streams and stops cleanly."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime

import aiohttp
from prometheus_client import CollectorRegistry

import hub.console.stream as stream
from hub.config import Settings
from hub.console.metrics import ConsoleMetrics
from hub.console.places import default_places
from hub.console.server import Served, serve_console
from hub.console.source import ActionNotice, StoredAlert
from hub.console.stream import PING, Fanout, Relay, SseEvent, catch_up, event_stream
from hub.console.testing import MemoryAlertSource, console_rig, sample_alert
from hub.router.core import AckMessage

PLACES = default_places()


def fanout(limit: int = 256) -> tuple[Fanout, CollectorRegistry]:
    """A fan-out with its metrics' registry."""
    registry = CollectorRegistry()
    return Fanout(ConsoleMetrics.create(registry), limit), registry


def event(n: int) -> SseEvent:
    """A small numbered event."""
    return SseEvent("alert", json.dumps({"n": n}).encode(), f"id-{n}")


def test_an_event_reaches_only_the_clients_of_its_agency() -> None:
    """Published for HAVAG, it is queued for both HAVAG clients and for neither police client."""

    async def go() -> None:
        fan, registry = fanout()
        havag = [fan.subscribe("havag"), fan.subscribe("havag")]
        police = [fan.subscribe("polizei"), fan.subscribe("polizei")]
        assert fan.publish("havag", event(1)) == 2
        for subscriber in havag:
            assert await subscriber.next(0.1) == event(1)
        for subscriber in police:
            assert await subscriber.next(0.01) is None
        assert registry.get_sample_value("hub_console_stream_clients", {"domain": "havag"}) == 2

    asyncio.run(go())


def test_a_slow_client_is_dropped_and_the_others_keep_everything() -> None:
    """A client that reads nothing overflows its bounded queue and is dropped (its stream ends, counted); a client
    that keeps up gets every event; publishing never waits."""

    async def go() -> None:
        fan, registry = fanout(limit=3)
        slow, quick = fan.subscribe("polizei"), fan.subscribe("polizei")
        got = []
        for n in range(10):
            fan.publish("polizei", event(n))
            got.append(await quick.next(0.1))
        assert got == [event(n) for n in range(10)]
        assert slow.dropped
        assert fan.count("polizei") == 1
        assert registry.get_sample_value("hub_console_stream_dropped_total", {"domain": "polizei"}) == 1
        chunks = [chunk async for chunk in event_stream(slow, fan, [], lambda: True, ping_s=0.01)]
        assert chunks == [b"retry: 3000\n\n"], "a dropped client's stream ends at once"

    asyncio.run(go())


def test_an_idle_stream_pings_and_ends_when_the_session_does() -> None:
    """No events: ``: ping`` at the interval; once ``alive`` says the session is gone, the stream ends and the
    client is unsubscribed."""

    async def go() -> None:
        fan, _ = fanout()
        subscriber = fan.subscribe("havag")
        checks = iter([True, True, True, False])
        chunks = [chunk async for chunk in event_stream(subscriber, fan, [], lambda: next(checks), ping_s=0.01)]
        assert chunks == [b"retry: 3000\n\n", PING, PING, PING]
        assert fan.count("havag") == 0

    asyncio.run(go())


def test_events_are_encoded_as_server_sent_events() -> None:
    """id, event and one data line (newlines inside JSON strings stay escaped)."""
    encoded = SseEvent("alert", json.dumps({"note": "two\nlines"}).encode(), "2026-11-20T20:00:00+00:00").encode()
    assert encoded == b'id: 2026-11-20T20:00:00+00:00\nevent: alert\ndata: {"note": "two\\nlines"}\n\n'


def test_the_relay_sends_each_stored_revision_to_its_agency_redacted() -> None:
    """A stored HAVAG revision becomes one ``alert`` event for HAVAG's clients with the HAVAG view (no call
    sign); the police's clients get nothing of it; with nobody of an agency watching nothing is read."""

    async def go() -> None:
        source = MemoryAlertSource()
        fan, _ = fanout()
        relay = Relay(source, PLACES, fan)
        havag, police = fan.subscribe("havag"), fan.subscribe("polizei")
        running = asyncio.create_task(relay.run())
        await asyncio.sleep(0)
        source.add(sample_alert("havag", 1, recommended_unit="SECRETCALLSIGN"))
        source.add(sample_alert("havag", 1, revision=2, state="acknowledged"))
        first, second = await havag.next(1.0), await havag.next(1.0)
        assert first is not None
        assert second is not None
        assert (first.event, json.loads(first.data)["revision"], json.loads(second.data)["revision"]) == ("alert", 1, 2)
        assert b"SECRETCALLSIGN" not in first.data
        assert await police.next(0.05) is None
        source.close()
        running.cancel()

    asyncio.run(go())


def test_the_relay_sends_each_stored_action_once_as_the_notice_names_it() -> None:
    """Two actions stored, each announced with where it was read: each is sent once, as an ``action`` event with
    the person and the note (the notification itself never carries them)."""

    async def go() -> None:
        source = MemoryAlertSource()
        fan, _ = fanout()
        relay = Relay(source, PLACES, fan)
        client = fan.subscribe("polizei")
        at = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
        source.add(sample_alert("polizei", 1))
        ack = AckMessage(alert_id="al-polizei-000000000000000000000001", by="erika (leitstelle)", at=at, revision=1)
        note = ack.model_copy(update={"action": "note", "note": "Streife vor Ort"})
        stored = [source.add_action("polizei", ack), source.add_action("polizei", note)]
        sent = [await relay.relay(ActionNotice("polizei", ack.alert_id, s.key)) for s in stored]
        assert sent == [1, 1]
        events = [await client.next(0.1), await client.next(0.1)]
        data = [json.loads(e.data) for e in events if e is not None]
        assert [(d["action"], d["by"], d["note"]) for d in data] == [
            ("acknowledge", "erika (leitstelle)", None),
            ("note", "erika (leitstelle)", "Streife vor Ort"),
        ]

    asyncio.run(go())


def test_a_reconnecting_client_gets_what_it_missed_or_is_told_to_reload() -> None:
    """Last-Event-ID (a store time): the revisions stored after it, oldest first; none without or with a
    malformed id; more than the limit: the limit's worth and a ``reload`` event."""

    async def go() -> None:
        source = MemoryAlertSource()
        stored: list[StoredAlert] = [source.add(sample_alert("polizei", n)) for n in range(1, 5)]
        source.add(sample_alert("havag", 9))
        last = stored[1].stored_at.isoformat()
        missed = await catch_up(source, PLACES, "polizei", last)
        assert [json.loads(e.data)["alert_id"][-1] for e in missed] == ["3", "4"]
        assert missed[-1].id == stored[3].stored_at.isoformat()
        assert await catch_up(source, PLACES, "polizei", None) == []
        assert await catch_up(source, PLACES, "polizei", "not-a-time") == []
        limit, stream.CATCH_UP_LIMIT = stream.CATCH_UP_LIMIT, 1
        try:
            events = await catch_up(source, PLACES, "polizei", stored[0].stored_at.isoformat())
        finally:
            stream.CATCH_UP_LIMIT = limit
        assert [e.event for e in events] == ["alert", "reload"]

    asyncio.run(go())


def test_the_served_console_streams_events_and_stops_cleanly() -> None:
    """On a real uvicorn server: a signed-in HAVAG browser's stream gets a stored revision as an event; when the
    console stops, the open stream ends and the server is down within seconds."""
    rig = console_rig()

    async def go() -> None:
        stop = asyncio.Event()
        started: asyncio.Future[Served] = asyncio.get_running_loop().create_future()
        settings = Settings(topic_prefix="t0.", metrics_port=0)
        serving = asyncio.create_task(
            serve_console(rig.console, settings, "127.0.0.1", 0, stop, started.set_result, rig.registry)
        )
        served = await asyncio.wait_for(started, 10)
        async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as http:
            signed = await http.post(
                f"{served.url}/api/session", json={"username": "hans", "password": "correct horse battery"}
            )
            assert signed.status == 200
            async with http.get(f"{served.url}/api/stream") as answer:
                assert answer.headers["content-type"].startswith("text/event-stream")
                assert await answer.content.readline() == b"retry: 3000\n"
                await answer.content.readline()
                rig.source.add(sample_alert("havag", 3))
                lines = [await asyncio.wait_for(answer.content.readline(), 5) for _ in range(3)]
                assert lines[1] == b"event: alert\n"
                assert json.loads(lines[2].removeprefix(b"data: "))["alert_id"].endswith("3")
                stop.set()
                rest = await asyncio.wait_for(answer.content.read(), 5)
                assert rest == b"\n"
            await asyncio.wait_for(serving, 10)
            metrics = await http.get(served.metrics_url)
            assert "hub_console_stream_clients" in await metrics.text()

    asyncio.run(go())
