"""The built-in connector types on their own: http-poll against a real local HTTP server, file, folder, webhook,
each also through the conformance helper."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from hub.connectors.auth import sign
from hub.connectors.base import ConnectorContext, Document, PushRequest
from hub.connectors.file import FileConnector, FileOptions
from hub.connectors.folder import FolderConnector, FolderOptions
from hub.connectors.http_poll import HttpPollConnector, HttpPollOptions, public_origin
from hub.connectors.testing import FakeClock, check_connector
from hub.connectors.webhook import WebhookConnector
from hub.errors import ConnectorError
from hub.samples import good_record
from tests.unit.connectors.helpers import TinyFormat, tiny

FMT = TinyFormat()


def context(clock: Callable[[], datetime] | None = None) -> ConnectorContext:
    return ConnectorContext("t", FMT, clock or (lambda: datetime.now(UTC)))


class Feed:
    """A local HTTP feed: an ETag per body version, an Open311-like cursor endpoint, failures on demand."""

    def __init__(self) -> None:
        self.body = tiny(("a", "1"))
        self.version = 1
        self.seen_headers: list[dict[str, str]] = []
        self.seen_queries: list[dict[str, str]] = []
        self.items = [("r1", "2026-11-20T21:00:00Z"), ("r2", "2026-11-20T21:05:00Z"), ("r3", "2026-11-20T21:09:00Z")]

    async def feed(self, request: web.Request) -> web.Response:
        self.seen_headers.append(dict(request.headers))
        etag = f'"v{self.version}"'
        if request.headers.get("If-None-Match") == etag:
            return web.Response(status=304)
        return web.Response(body=self.body, content_type="text/plain", headers={"ETag": etag})

    async def cursor(self, request: web.Request) -> web.Response:
        after = request.query.get("updated_after", "")
        self.seen_queries.append(dict(request.query))
        return web.Response(body=tiny(*[i for i in self.items if i[1] >= after]), content_type="text/plain")

    async def down(self, request: web.Request) -> web.Response:
        return web.Response(status=503)

    async def slow(self, request: web.Request) -> web.Response:
        await asyncio.sleep(2)
        return web.Response(body=b"")


async def serving(feed: Feed, test: Callable[[str], Awaitable[None]]) -> None:
    app = web.Application()
    app.router.add_get("/feed", feed.feed)
    app.router.add_get("/cursor", feed.cursor)
    app.router.add_get("/down", feed.down)
    app.router.add_get("/slow", feed.slow)
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
    c = HttpPollConnector(HttpPollOptions.model_validate({"format": "tiny-lines", "url": url, **options}), context())
    await c.setup()
    try:
        yield c
    finally:
        await c.close()
        await c.close()


def test_http_poll_revalidates_with_etag_and_304_means_nothing_new() -> None:
    """The first GET fetches the document; the next sends If-None-Match and a 304 yields nothing; a changed feed
    is fetched again with its new ETag in the state."""
    feed = Feed()

    async def test(base: str) -> None:
        async with connector(f"{base}/feed?key=abc", interval_s=7) as c:
            first = await c.poll({})
            assert [d.body for d in first.items if isinstance(d, Document)] == [feed.body]
            assert first.state == {"etag": '"v1"'}
            assert first.next_poll_in_s == 7
            second = await c.poll(first.state)
            assert (second.items, second.not_modified, second.state) == ([], True, first.state)
            assert feed.seen_headers[1]["If-None-Match"] == '"v1"'
            feed.body, feed.version = tiny(("a", "2")), 2
            third = await c.poll(second.state)
            assert third.state == {"etag": '"v2"'}
            assert len(third.items) == 1
            doc = third.items[0]
            assert isinstance(doc, Document)
            assert doc.origin == f"{base}/feed"  # the query (API keys) is never an origin
            assert doc.content_type == "text/plain"

    asyncio.run(serving(feed, test))


def test_http_poll_cursor_asks_for_records_after_the_greatest_version() -> None:
    """With cursor_param the connector sends the greatest version produced and keeps it in the state."""
    feed = Feed()

    async def test(base: str) -> None:
        async with connector(f"{base}/cursor", cursor_param="updated_after") as c:
            first = await c.poll({})
            assert [getattr(r, "record_id", None) for r in first.items] == ["r1", "r2", "r3"]
            assert first.state == {"cursor": "2026-11-20T21:09:00Z"}
            assert first.origin == f"{base}/cursor"
            feed.items.append(("r4", "2026-11-20T21:30:00Z"))
            second = await c.poll(first.state)
            assert [getattr(r, "record_id", None) for r in second.items] == ["r3", "r4"]
            assert feed.seen_queries == [{}, {"updated_after": "2026-11-20T21:09:00Z"}]
            assert second.state["cursor"] == "2026-11-20T21:30:00Z"

    asyncio.run(serving(feed, test))


def test_http_poll_failures_are_transient_connector_errors() -> None:
    """HTTP 503, a timeout and a refused connection raise ConnectorError with the right reason."""
    feed = Feed()

    async def test(base: str) -> None:
        async with connector(f"{base}/down") as c:
            with pytest.raises(ConnectorError, match=r"HTTP 503 from http://127\.0\.0\.1:\d+/down") as err:
                await c.poll({})
            assert err.value.reason == "source_unavailable"
        async with connector(f"{base}/slow", timeout_s=0.2) as c:
            with pytest.raises(ConnectorError, match="no answer from") as err:
                await c.poll({})
            assert err.value.reason == "source_timeout"
        async with connector("http://127.0.0.1:9/feed", timeout_s=1) as c:
            with pytest.raises(ConnectorError, match=r"request to http://127\.0\.0\.1:9/feed failed") as err:
                await c.poll({})
            assert err.value.reason == "source_unavailable"

    asyncio.run(serving(feed, test))


def test_http_poll_sends_the_bearer_token_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """bearer_token = { env = ... } is sent as Authorization: Bearer, read at setup."""
    monkeypatch.setenv("HUB_TEST_FEED_TOKEN", "t0k")
    feed = Feed()

    async def test(base: str) -> None:
        async with connector(f"{base}/feed", bearer_token={"env": "HUB_TEST_FEED_TOKEN"}, headers={"X-A": "1"}) as c:
            await c.poll({})
        assert feed.seen_headers[0]["Authorization"] == "Bearer t0k"
        assert feed.seen_headers[0]["X-A"] == "1"

    asyncio.run(serving(feed, test))


def test_public_origin_drops_credentials_query_and_fragment() -> None:
    """User info, query and fragment never reach headers or dead letters."""
    assert public_origin("https://u:p@feeds.example:8443/a/b.pb?key=1#x") == "https://feeds.example:8443/a/b.pb"


def ndjson(path: Path, n: int, start: int = 0) -> None:
    path.write_text("".join(json.dumps(good_record(i)) + "\n" for i in range(start, start + n)))


def test_file_lines_mode_resumes_at_the_byte_offset(tmp_path: Path) -> None:
    """In lines mode each poll takes the next chunk and the state is the offset after it; at the end it finishes."""
    path = tmp_path / "f.ndjson"
    ndjson(path, 5)
    c = FileConnector(
        FileOptions.model_validate({"format": "replay-ndjson", "path": path, "lines_per_document": 2}), context()
    )

    async def go() -> list[Any]:
        out, state = [], {}
        for _ in range(3):
            r = await c.poll(state)
            out.append((len(r.items[0].body.splitlines()) if r.items else 0, r.finished, r.next_poll_in_s))  # type: ignore[union-attr]
            state = r.state
        out.append(state["offset"] == path.stat().st_size)
        return out

    assert asyncio.run(go()) == [(2, False, 0.0), (2, False, 0.0), (1, True, 5.0), True]


def test_file_follow_waits_for_a_complete_line_and_starts_over_when_truncated(tmp_path: Path) -> None:
    """Following a file, a partial last line is left until its newline arrives; a truncated file starts over."""
    path = tmp_path / "f.log"
    path.write_bytes(b'{"id":"1"}\n{"id":')
    c = FileConnector(
        FileOptions.model_validate({"format": "replay-ndjson", "path": path, "lines_per_document": 10, "follow": True}),
        context(),
    )

    async def go() -> None:
        r = await c.poll({})
        assert [d.body for d in r.items] == [b'{"id":"1"}\n']  # type: ignore[union-attr]
        assert (r.finished, r.next_poll_in_s) == (False, 5.0)
        with path.open("ab") as handle:
            handle.write(b'"2"}\n')
        r2 = await c.poll(r.state)
        assert [d.body for d in r2.items] == [b'{"id":"2"}\n']  # type: ignore[union-attr]
        path.write_bytes(b'{"id":"3"}\n')
        r3 = await c.poll(r2.state)
        assert [d.body for d in r3.items] == [b'{"id":"3"}\n']  # type: ignore[union-attr]

    asyncio.run(go())


def test_file_missing_is_a_transient_error(tmp_path: Path) -> None:
    """A file that is not there (yet) is retried, not fatal."""
    c = FileConnector(FileOptions.model_validate({"format": "replay-ndjson", "path": tmp_path / "nope"}), context())
    with pytest.raises(ConnectorError, match="does not exist"):
        asyncio.run(c.poll({}))


def test_folder_reads_settled_visible_files_once_and_moves_them_after_commit(tmp_path: Path) -> None:
    """Hidden and still-changing files wait; done files are not read again; with after=move a done file is moved
    on the next poll (its state was committed by then) and leaves the state."""
    inbox, done_dir = tmp_path / "in", tmp_path / "done"
    inbox.mkdir()
    clock = FakeClock(datetime.now(UTC))
    options = FolderOptions.model_validate(
        {"format": "cap", "path": inbox, "pattern": "*.xml", "after": "move", "move_to": done_dir, "settle_s": 5}
    )
    c = FolderConnector(options, context(clock))
    old = time.time() - 60
    (inbox / "a.xml").write_bytes(b"<a/>")
    os.utime(inbox / "a.xml", (old, old))
    (inbox / ".b.xml.tmp").write_bytes(b"<b/>")
    (inbox / "c.xml").write_bytes(b"<c/>")  # just written: not settled
    (inbox / "d.txt").write_bytes(b"d")

    async def go() -> None:
        await c.setup()
        r = await c.poll({})
        assert [(d.body, d.content_type, d.origin) for d in r.items] == [  # type: ignore[union-attr]
            (b"<a/>", "application/xml", f"file:{inbox / 'a.xml'}")
        ]
        assert list(r.state["done"]) == ["a.xml"]
        again = await c.poll(r.state)
        assert again.items == []
        assert again.state == {"done": {}}
        assert (done_dir / "a.xml").read_bytes() == b"<a/>"
        clock.advance(10)
        later = await c.poll(again.state)
        assert [d.body for d in later.items] == [b"<c/>"]  # type: ignore[union-attr]

    asyncio.run(go())


def test_folder_that_does_not_exist_stops_start_up(tmp_path: Path) -> None:
    """setup refuses a folder that is not there, so `hub connectors run` stops with the path."""
    c = FolderConnector(FolderOptions.model_validate({"format": "cap", "path": tmp_path / "nope"}), context())
    with pytest.raises(Exception, match="does not exist or is not a directory"):
        asyncio.run(c.setup())


def test_file_and_folder_pass_the_conformance_check(tmp_path: Path) -> None:
    """Both file modes and the folder (moving files) pass check_connector: restart and crash lose and repeat nothing."""
    path = tmp_path / "f.ndjson"
    inbox = tmp_path / "in"

    def prepare_file() -> None:
        ndjson(path, 50)

    def prepare_folder() -> None:
        for leftover in [*inbox.glob("*"), *(tmp_path / "done").glob("*")] if inbox.exists() else []:
            leftover.unlink()
        inbox.mkdir(exist_ok=True)
        for k in range(6):
            ndjson(inbox / f"{k}.ndjson", 5, start=5 * k)

    lines = check_connector(FileConnector, {"path": str(path), "lines_per_document": 7}, prepare=prepare_file)
    assert (lines.records, lines.recovered_after_crash) == (50, 7)
    whole = check_connector(FileConnector, {"path": str(path)}, prepare=prepare_file)
    assert whole.records == 50
    folder = check_connector(
        FolderConnector,
        {
            "path": str(inbox),
            "settle_s": 0,
            "max_files_per_poll": 2,
            "after": "move",
            "move_to": str(tmp_path / "done"),
        },
        prepare=prepare_folder,
    )
    assert (folder.records, folder.dead_letters_on_bad_input) == (30, 6)


def test_webhook_passes_the_conformance_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """Signed pushes are produced once even when the sender resends everything after a crash; garbage is refused."""
    monkeypatch.setenv("HUB_TEST_HOOK_KEY", "k3y")
    bodies = [b"".join(json.dumps(good_record(i)).encode() + b"\n" for i in range(k, k + 3)) for k in (0, 3, 6, 9)]
    requests = [
        PushRequest("/hook", "POST", {"content-type": "application/x-ndjson", "x-sig": sign(b, b"k3y")}, b)
        for b in bodies
    ]
    report = check_connector(
        WebhookConnector,
        {"path": "/hook", "auth": "hmac-sha256", "secret": {"env": "HUB_TEST_HOOK_KEY"}, "signature_header": "X-Sig"},
        requests=requests,
    )
    assert (report.records, report.steps) == (12, 4)
