"""The connector kit for packages: the HTTP machinery of http-poll reused by a type of one's own, a connector that
dead-letters a document itself, ``stale_after_s`` refused without a source time, and the conformance helper on
sources that re-serve everything and on connectors that cut records themselves."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Literal

import pytest
from aiohttp import web
from pydantic import Field

from hub.connectors.base import (
    ConnectorContext,
    ConnectorOptions,
    Document,
    Item,
    PollingConnector,
    PollResult,
    RefusedDocument,
    State,
)
from hub.connectors.checkpoint import SeenVersions
from hub.connectors.config import parse_config
from hub.connectors.cutting import BatchInfo, cut
from hub.connectors.http_poll import HttpFetcher, HttpSourceOptions
from hub.connectors.polling import PollingInstance
from hub.connectors.registry import ConnectorType, load_types
from hub.connectors.settings import InstanceSettings
from hub.connectors.testing import check_connector, check_connector_async
from hub.deadletter import parse_headers
from hub.errors import ConfigError, ConfigFileError, ConformanceError, ConnectorError
from hub.formats.base import SourceRecord, content_id
from hub.formats.registry import FORMATS
from hub.samples import good_record
from tests.unit.connectors.helpers import ListConnector, ListOptions, TinyFormat, tiny
from tests.unit.connectors.test_cutting import T0
from tests.unit.connectors.test_instance import PollRig, pages

# --- HttpFetcher from a package's type -----------------------------------------------------------------------------


class IndexOptions(HttpSourceOptions):
    type: Literal["index-follow"] = "index-follow"
    interval_s: float = Field(default=1.0, gt=0)


class IndexFollower(PollingConnector[IndexOptions]):
    """Fetches an index listing item paths and each item with HttpFetcher, every poll (the whole set again: the
    runner drops what it produced); validators per URL in the state; an item the server lacks is dead-lettered."""

    options_model = IndexOptions

    def __init__(self, options: IndexOptions, context: ConnectorContext) -> None:
        super().__init__(options, context)
        self.http = HttpFetcher(options)

    async def setup(self) -> None:
        await self.http.open()

    async def close(self) -> None:
        await self.http.close()

    async def poll(self, state: State) -> PollResult:
        index = await self.http.get()
        assert index.document is not None
        items: list[Item] = []
        validators = dict(state.get("validators", {}))
        base = str(self.options.url).rsplit("/", 1)[0]
        for path in index.document.body.decode().split():
            try:
                fetched = await self.http.get(validators.get(path), url=f"{base}/{path}")
            except ConnectorError as exc:
                items.append(RefusedDocument(path.encode(), f"linked item: {exc}", "unsupported", f"{base}/{path}"))
                continue
            validators[path] = fetched.validators
            if fetched.document is not None:
                items.append(fetched.document)
        return PollResult(items, {"validators": validators}, self.options.interval_s)


class Site:
    """An index of two items (one missing), each with an ETag."""

    def __init__(self) -> None:
        self.conditional: list[str] = []

    async def index(self, request: web.Request) -> web.Response:
        return web.Response(text="item/a item/b item/gone")

    async def item(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        if name == "gone":
            return web.Response(status=404)
        if request.headers.get("If-None-Match") == f'"{name}1"':
            self.conditional.append(name)
            return web.Response(status=304)
        return web.Response(body=tiny((name, "1")), content_type="text/plain", headers={"ETag": f'"{name}1"'})


def test_a_package_type_fetches_with_the_kit_and_dead_letters_what_it_cannot_use() -> None:
    """The follower passes the conformance check against a site that serves the same index every poll; its items
    are revalidated per URL (304), and the missing one becomes a dead letter with the reason."""
    site = Site()

    async def run() -> None:
        app = web.Application()
        app.router.add_get("/index", site.index)
        app.router.add_get("/item/{name}", site.item)
        runner = web.AppRunner(app)
        await runner.setup()
        tcp = web.TCPSite(runner, "127.0.0.1", 0)
        await tcp.start()
        url = f"http://127.0.0.1:{runner.addresses[0][1]}/index"
        try:
            report = await check_connector_async(IndexFollower, {"url": url}, format=TinyFormat())
            assert report.records == 2
            assert report.dead_letters_on_bad_input >= 1
        finally:
            await runner.cleanup()

    asyncio.run(run())
    assert {"a", "b"} <= set(site.conditional)  # a later poll asked with the ETag of the item's last answer


def test_a_refused_document_is_a_dead_letter_with_the_connectors_reason() -> None:
    """A RefusedDocument goes to the dead-letter topic with its code, reason and origin, and counts as an error."""
    settings = InstanceSettings("inst", ConnectorOptions(type="x", format="tiny-lines"), TinyFormat(), "raw", "dlq")
    refused = RefusedDocument(b"<feed/>", "the linked alert is not CAP", "unsupported", "https://x.example/a/1")
    result = cut([refused, Document(tiny(("a", "1")), None, "d")], SeenVersions(10), settings, BatchInfo("b"), T0)
    [letter, record] = [m.message for m in result.messages]
    headers = parse_headers(letter.headers)
    assert (letter.topic, letter.value) == ("dlq", b"<feed/>")
    assert (headers["code"], headers["reason"]) == ("unsupported", "the linked alert is not CAP")
    assert dict(letter.headers)["hub_origin"] == b"https://x.example/a/1"
    assert result.dead_letters == ["unsupported"]
    assert result.outcome.rejected == (("unsupported", "the linked alert is not CAP"),)
    assert record.topic == "raw"


# --- stale_after_s needs a source time -----------------------------------------------------------------------------


class TimedList(ListConnector):
    gives_source_time = True


def test_stale_after_s_without_a_source_time_is_refused_by_validate_and_at_start() -> None:
    """A format without feed_timestamp and a type that gives no time: validate names the key; the instance does not
    start. A type that gives the time, or a format that reads it, may have it."""
    doc = {"connectors": {"x": {"type": "file", "format": "open311", "path": "/f", "stale_after_s": 60}}}
    with pytest.raises(ConfigFileError) as caught:
        parse_config(doc, types=load_types([]), formats=FORMATS)
    [problem] = caught.value.problems
    assert problem.startswith("connectors.x.stale_after_s: stale_after_s needs a source time, but format 'open311'")
    gtfs = {"connectors": {"x": {**doc["connectors"]["x"], "format": "gtfsrt-vehicle-positions"}}}
    assert parse_config(gtfs, types=load_types([]), formats=FORMATS).instances["x"].options.stale_after_s == 60
    timed = {"timed": ConnectorType("timed", TimedList, "test")}
    ok = {"connectors": {"x": {"type": "timed", "format": "open311", "stale_after_s": 60}}}
    assert parse_config(ok, types=timed, formats=FORMATS).instances["x"].type.cls is TimedList

    rig = PollRig(ListConnector, pages(stale_after_s=60))
    settings = InstanceSettings("inst", rig.settings.options, FORMATS["open311"], "raw", "dlq")
    instance = PollingInstance(rig.instance.connector, settings, rig.deps)
    with pytest.raises(ConfigError, match="'inst': stale_after_s needs a source time"):
        asyncio.run(instance.start())


# --- the conformance helper ----------------------------------------------------------------------------------------


class WholeCalendar(PollingConnector[ListOptions]):
    """Serves every page in one document on every poll and never finishes (a calendar served whole)."""

    options_model = ListOptions

    async def poll(self, state: State) -> PollResult:
        body = tiny(*(record for page in self.options.pages for record in page))
        return PollResult([Document(body, "text/plain", "calendar")], {}, 60.0)


def test_a_source_that_serves_everything_on_every_poll_passes() -> None:
    """Polls that bring only what was produced count as idle: the check ends instead of failing after 500 polls."""
    report = check_connector(WholeCalendar, {"pages": [[["e1", "1"], ["e2", "1"]], [["e3", "4"]]]}, format=TinyFormat())
    assert report.records == 3
    assert report.steps <= 5


class CutterOptions(ConnectorOptions):
    type: Literal["cutter"] = "cutter"
    path: Path
    careless: bool = False


class LineCutter(PollingConnector[CutterOptions]):
    """Reads an NDJSON file once and cuts its records itself; a line it cannot read is dead-lettered (or, when
    careless, dropped)."""

    options_model = CutterOptions

    async def poll(self, state: State) -> PollResult:
        if state.get("done"):
            return PollResult([], state, 1.0, finished=True)
        items: list[Item] = []
        for line in self.options.path.read_bytes().splitlines():
            try:
                ident = json.loads(line)["id"]
            except (ValueError, KeyError, TypeError):
                if not self.options.careless:
                    items.append(RefusedDocument(line, "not a JSON object with an id", "malformed_json"))
                continue
            items.append(SourceRecord(ident, content_id(line), ident.encode(), line))
        return PollResult(items, {"done": True}, 1.0, finished=True)


def test_a_connector_that_cuts_records_itself_is_checked_on_a_broken_source(tmp_path: Path) -> None:
    """Without bad_input the check says refusing documents tested nothing; with it, a connector that dead-letters
    what it cannot read passes, records the format refuses count as refused, and one that drops it fails."""
    path = tmp_path / "in.ndjson"

    def good() -> None:
        path.write_text("".join(json.dumps(good_record(i)) + "\n" for i in range(4)))

    def broken() -> None:
        bad = {**good_record(9), "kind": "weather"}  # read fine by the cutter, refused by the format
        path.write_text("not json\n{]\n" + json.dumps(bad) + "\n")

    with pytest.raises(ConformanceError, match="cuts records itself, so refusing documents tests nothing"):
        check_connector(LineCutter, {"path": str(path)}, prepare=good)
    report = check_connector(LineCutter, {"path": str(path)}, prepare=good, bad_input=broken)
    assert (report.records, report.refused_records_of_bad_input) == (4, 1)
    assert report.dead_letters_on_bad_input == 2

    def only_garbage() -> None:
        path.write_text("not json\n")

    with pytest.raises(ConformanceError, match="left no dead letter and no record"):
        check_connector(LineCutter, {"path": str(path), "careless": True}, prepare=good, bad_input=only_garbage)

    def passes_as_good() -> None:
        good()  # the cutter's "broken" source maps fine: bad data would pass as good

    with pytest.raises(ConformanceError, match="maps to an event"):
        check_connector(LineCutter, {"path": str(path)}, prepare=good, bad_input=passes_as_good)
