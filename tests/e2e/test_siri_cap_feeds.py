"""SIRI and CAP feeds through the connector runner and the real broker (issue 15, parts 3 and 4): a SIRI-SX server
that changes a situation without a new Version and then ends the subscription, and a CAP Atom index whose linked
alerts the http-poll instance follows. The raw and dead-letter topics and the metrics are read back."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from hub.config import Settings
from hub.deadletter import parse_headers
from hub.kafka_read import read_topic
from hub.topology import dlq_topic, qualified, raw_topic
from tests.integration.test_connectors import Running, config, kafka_settings, with_feed
from tests.unit.connectors.test_http_poll_follow import index
from tests.unit.formats.test_cap_samples import alert
from tests.unit.formats.test_siri_sx import delivery, situation

__all__ = ["kafka_settings"]  # the fixture, used by name

TERMINATED = b"""<Siri xmlns="http://www.siri.org.uk/siri"><SubscriptionTerminatedNotification>
<ResponseTimestamp>2026-11-20T06:10:00Z</ResponseTimestamp><SubscriptionRef>sx-1</SubscriptionRef>
<ErrorCondition><ServiceNotAvailableError/><Description>Neustart</Description></ErrorCondition>
</SubscriptionTerminatedNotification></Siri>"""


def test_a_changed_situation_is_produced_and_a_terminated_subscription_dead_lettered(
    kafka_settings: Settings,
) -> None:
    """Three polls: a situation, the same situation at the same Version with another summary (produced, counted
    as changed in place), then the server's termination notice (a source_failed dead letter and error)."""
    bodies = [delivery(situation()), delivery(situation(Summary="Linie 2 fährt nicht")), TERMINATED]
    served: dict[str, Any] = {"n": 0}

    async def handler(request: web.Request) -> web.Response:
        body = bodies[min(served["n"], len(bodies) - 1)]
        served["n"] += 1
        return web.Response(body=body, content_type="application/xml")

    async def test(url: str) -> None:
        cfg = config(f'[connectors.sx]\ntype = "http-poll"\nformat = "siri-sx"\nurl = "{url}"\ninterval_s = 0.1\n')
        async with Running(kafka_settings, cfg, ["sx"]) as run:
            await run.until(
                lambda: run.metric("hub_connector_errors_total", connector="sx", reason="source_failed") >= 1,
                "the termination notice was not counted",
            )
            assert run.metric("hub_connector_records_produced_total", connector="sx") == 2
            assert run.metric("hub_connector_records_changed_in_place_total", connector="sx") == 1

    asyncio.run(with_feed(handler, test))
    prefix = kafka_settings.topic_prefix
    raw = read_topic(kafka_settings.bootstrap(), qualified(prefix, raw_topic("havag", "siri-sx")), idle_s=0.5)
    assert [dict(r.headers)["hub_record_id"] for r in raw] == [b"HAVAG-SX-1", b"HAVAG-SX-1"]
    letters = read_topic(kafka_settings.bootstrap(), qualified(prefix, dlq_topic("connectors")), idle_s=0.5)
    reasons = {(meta["code"], meta["reason"]) for meta in (parse_headers(r.headers) for r in letters)}
    assert (
        "source_failed",
        "SIRI SubscriptionTerminatedNotification: the server ended 1 subscription(s) "
        "(ServiceNotAvailableError: Neustart); no data comes until the subscription is renewed",
    ) in reasons


def test_a_cap_index_is_followed_to_its_alerts(kafka_settings: Settings) -> None:
    """An Atom index of three alerts, followed two per poll: all three alerts reach raw.polizei.cap, the index
    itself does not, and nothing is dead-lettered."""

    async def handler(request: web.Request) -> web.Response:
        if request.path == "/feed":
            return web.Response(body=index("/feed/1", "/feed/2", "/feed/3"), content_type="application/atom+xml")
        return web.Response(body=alert(f"E-{request.match_info['n']}"), content_type="application/cap+xml")

    async def test(url: str) -> None:
        cfg = config(
            f'[connectors.idx]\ntype = "http-poll"\nformat = "cap"\nurl = "{url}"\ninterval_s = 0.1\nfollow_links = 2\n'
        )
        async with Running(kafka_settings, cfg, ["idx"]) as run:
            await run.until(
                lambda: run.metric("hub_connector_records_produced_total", connector="idx") == 3,
                "the three linked alerts were not produced",
            )
            assert run.metric("hub_connector_errors_total", connector="idx", reason="unsupported") == 0

    async def serve() -> None:
        app = web.Application()
        app.router.add_get("/feed", handler)
        app.router.add_get("/feed/{n}", handler)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        try:
            await test(f"http://127.0.0.1:{runner.addresses[0][1]}/feed")
        finally:
            await runner.cleanup()

    asyncio.run(serve())
    raw = read_topic(
        kafka_settings.bootstrap(), qualified(kafka_settings.topic_prefix, raw_topic("polizei", "cap")), idle_s=0.5
    )
    assert sorted(dict(r.headers)["hub_record_id"].decode().split(",")[1] for r in raw) == ["E-1", "E-2", "E-3"]
