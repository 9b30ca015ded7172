"""``http-poll`` with ``follow_links``: a CAP Atom index that only links to alerts is followed, a bounded number of
alerts per poll, each with the instance's timeout; links wait in the checkpoint across polls and 304s; a failing
link is an error, never a silent gap; the bearer token goes to the index's own origin only."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiohttp import web
from pydantic import ValidationError

from hub.connectors.base import ConnectorContext, Document
from hub.connectors.http_poll import HttpPollConnector, HttpPollOptions
from hub.errors import ConfigError, ConnectorError
from hub.formats.cap import CapFormat
from tests.unit.connectors.helpers import TinyFormat
from tests.unit.formats.test_cap_samples import alert

ATOM = "http://www.w3.org/2005/Atom"


def index(*links: str) -> bytes:
    entries = "".join(
        f"<entry><id>urn:alert:{n}</id><title>Alert {n}</title><link type='application/cap+xml' href='{link}'/>"
        f"<link rel='alternate' type='text/html' href='/page/{n}'/></entry>"
        for n, link in enumerate(links)
    )
    return f"<feed xmlns='{ATOM}'><id>urn:index</id><title>CAP index</title>{entries}</feed>".encode()


class Server:
    """An index at /index.atom (with an ETag) and alerts at /alerts/<n>; /alerts/broken answers 503."""

    def __init__(self) -> None:
        self.index = index("/alerts/1", "/alerts/2", "/alerts/3")
        self.version = 1
        self.requests: list[tuple[str, str | None]] = []

    async def get_index(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, request.headers.get("Authorization")))
        etag = f'"i{self.version}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304)
        return web.Response(body=self.index, content_type="application/atom+xml", headers={"ETag": etag})

    async def get_alert(self, request: web.Request) -> web.Response:
        self.requests.append((request.path, request.headers.get("Authorization")))
        name = request.match_info["name"]
        if name == "broken":
            return web.Response(status=503)
        return web.Response(body=alert(f"E-{name}"), content_type="application/cap+xml")


async def serving(server: Server, test: Callable[[str], Awaitable[None]]) -> None:
    app = web.Application()
    app.router.add_get("/index.atom", server.get_index)
    app.router.add_get("/alerts/{name}", server.get_alert)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        await test(f"http://127.0.0.1:{runner.addresses[0][1]}")
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def connector(url: str, **options: Any) -> AsyncIterator[HttpPollConnector]:
    context = ConnectorContext("t", CapFormat(), lambda: datetime.now(UTC))
    c = HttpPollConnector(HttpPollOptions.model_validate({"format": "cap", "url": url, **options}), context)
    await c.setup()
    try:
        yield c
    finally:
        await c.close()


def alerts_of(items: Any) -> list[str]:
    """The identifiers of the fetched alerts, through the CAP format's own split."""
    return [r.record_id.split(",")[1] for d in items if isinstance(d, Document) for r in CapFormat().split(d.body)]


def test_linked_alerts_are_fetched_a_bounded_number_per_poll_across_304s_and_index_changes() -> None:
    server = Server()

    async def test(base: str) -> None:
        async with connector(f"{base}/index.atom", follow_links=2) as c:
            first = await c.poll({})
            assert alerts_of(first.items) == ["E-1", "E-2"]  # two of three: the bound
            assert first.state["pending"] == [f"{base}/alerts/3"]
            assert all(isinstance(d, Document) and d.origin.startswith(f"{base}/alerts/") for d in first.items)
            second = await c.poll(first.state)  # the index answers 304, the waiting link is fetched
            assert alerts_of(second.items) == ["E-3"]
            third = await c.poll(second.state)
            assert (third.items, third.not_modified) == ([], True)
            server.index, server.version = index("/alerts/2", "/alerts/3", "/alerts/4"), 2
            fourth = await c.poll(third.state)
            assert alerts_of(fourth.items) == ["E-4"]  # only the new link; 1 left the index and the state
            assert fourth.state["followed"] == [f"{base}/alerts/{n}" for n in (2, 3, 4)]
            assert fourth.state["pending"] == []

    asyncio.run(serving(server, test))


def test_a_failing_link_is_an_error_and_stays_first_in_line() -> None:
    """First in line: the poll fails (a counted, backed-off connector error); after a fetched alert: the poll
    ends with it and the failing link waits for the next poll."""
    server = Server()
    server.index = index("/alerts/broken", "/alerts/1")

    async def test(base: str) -> None:
        async with connector(f"{base}/index.atom", follow_links=5) as c:
            with pytest.raises(ConnectorError) as info:
                await c.poll({})
            assert info.value.reason == "source_unavailable"
            server.index, server.version = index("/alerts/1", "/alerts/broken", "/alerts/2"), 2
            result = await c.poll({})
            assert alerts_of(result.items) == ["E-1"]
            assert result.state["pending"] == [f"{base}/alerts/broken", f"{base}/alerts/2"]

    asyncio.run(serving(server, test))


def test_a_document_that_is_no_index_goes_on_as_it_is() -> None:
    """A feed that embeds its alerts (or a bare alert) is passed to the runner unchanged."""
    server = Server()
    server.index = alert("E-9")

    async def test(base: str) -> None:
        async with connector(f"{base}/index.atom", follow_links=5) as c:
            result = await c.poll({})
            assert [d.body for d in result.items if isinstance(d, Document)] == [server.index]

    asyncio.run(serving(server, test))


def test_the_bearer_token_goes_to_the_index_origin_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """A link to another host (here the same server under "localhost") gets no Authorization header."""
    monkeypatch.setenv("HUB_TEST_INDEX_TOKEN", "s3cret")
    server = Server()

    async def test(base: str) -> None:
        other = base.replace("127.0.0.1", "localhost")
        server.index = index("/alerts/1", f"{other}/alerts/2")
        async with connector(f"{base}/index.atom", follow_links=5, bearer_token={"env": "HUB_TEST_INDEX_TOKEN"}) as c:
            await c.poll({})
        assert server.requests == [
            ("/index.atom", "Bearer s3cret"),
            ("/alerts/1", "Bearer s3cret"),
            ("/alerts/2", None),
        ]

    asyncio.run(serving(server, test))


def test_follow_links_is_checked_when_configured_and_started() -> None:
    """With cursor_param it is refused by the options; with a format that reads no links, at setup too (and by
    `hub connectors validate`: tests/unit/connectors/test_config.py)."""
    with pytest.raises(ValidationError, match="follow_links and cursor_param exclude each other"):
        HttpPollOptions.model_validate(
            {"format": "cap", "url": "http://x.example/i", "follow_links": 3, "cursor_param": "after"}
        )
    options = HttpPollOptions.model_validate({"format": "tiny-lines", "url": "http://x.example/i", "follow_links": 3})
    c = HttpPollConnector(options, ConnectorContext("t", TinyFormat(), lambda: datetime.now(UTC)))
    with pytest.raises(ConfigError, match="reads no links"):
        asyncio.run(c.setup())
