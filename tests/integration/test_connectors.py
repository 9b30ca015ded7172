"""The connector runner against the real broker, in-process: http-poll of a local HTTP feed with ETags, webhooks
with good and bad credentials and bodies, a folder of files; the raw and dead-letter topics are read back."""

from __future__ import annotations

import asyncio
import json
import tomllib
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web
from prometheus_client import CollectorRegistry

from hub.config import Settings
from hub.connectors.auth import sign
from hub.connectors.config import ConnectorsConfig, parse_config
from hub.connectors.registry import load_types
from hub.connectors.runner import ConnectorRunner
from hub.deadletter import parse_headers
from hub.formats.registry import FORMATS
from hub.kafka_admin import apply_topology
from hub.kafka_read import Record, read_topic
from hub.processes import free_port
from hub.samples import good_record
from hub.topology import dlq_topic, qualified, raw_topic
from tests.helpers.waiting import wait_until_async
from tests.unit.connectors.helpers import TinyFormat, tiny

pytestmark = pytest.mark.integration

FORMATS_AND_TINY = {**FORMATS, "tiny-lines": TinyFormat()}


@pytest.fixture
def kafka_settings(endpoints: tuple[str, str], topic_prefix: str, tmp_path: Path) -> Settings:
    """Settings with the real broker, a unique topic prefix (all topics created) and a state dir of the test."""
    s = Settings(
        kafka_bootstrap=endpoints[0], topic_prefix=topic_prefix, state_dir=tmp_path / "state", log_format="json"
    )
    apply_topology(s.bootstrap(), s.topic_prefix)
    return s


def config(text: str) -> ConnectorsConfig:
    return parse_config(tomllib.loads(text), types=load_types([]), formats=FORMATS_AND_TINY, source="test.toml")


def ndjson(ids: range) -> bytes:
    return b"".join(json.dumps(good_record(i)).encode() + b"\n" for i in ids)


def raw(settings: Settings) -> list[Record]:
    return read_topic(settings.bootstrap(), qualified(settings.topic_prefix, raw_topic("replay", "ndjson")), idle_s=0.5)


def ids(records: list[Record]) -> list[str]:
    return sorted(dict(r.headers)["hub_record_id"].decode() for r in records)


class Running:
    """A ConnectorRunner on its own task, with its metrics readable."""

    def __init__(self, settings: Settings, cfg: ConnectorsConfig, names: list[str]) -> None:
        self.registry = CollectorRegistry()
        self.runner = ConnectorRunner(settings, cfg, names, registry=self.registry, serve_metrics_endpoint=False)
        self.task: asyncio.Task[None] | None = None

    def metric(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, labels) or 0.0

    async def __aenter__(self) -> Running:
        self.task = asyncio.create_task(self.runner.run())
        started = asyncio.create_task(self.runner.started.wait())
        await asyncio.wait([self.task, started], timeout=30, return_when=asyncio.FIRST_COMPLETED)
        if self.task.done():
            self.task.result()
        assert self.runner.started.is_set(), "runner did not start in 30 s"
        return self

    async def until(self, condition: Callable[[], bool], what: str, timeout_s: float = 20.0) -> None:
        """``wait_until_async`` for ``condition``; fails at once with the runner's exception if its task failed."""

        def met() -> bool:
            assert self.task is not None
            if self.task.done():
                self.task.result()
            return condition()

        await wait_until_async(met, timeout_s, what)

    async def __aexit__(self, *exc: object) -> None:
        self.runner.stop()
        assert self.task is not None
        await asyncio.wait_for(self.task, 30)


async def with_feed(
    handler: Callable[[web.Request], Awaitable[web.Response]], test: Callable[[str], Awaitable[None]]
) -> None:
    app = web.Application()
    app.router.add_get("/feed", handler)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    try:
        await test(f"http://127.0.0.1:{runner.addresses[0][1]}/feed")
    finally:
        await runner.cleanup()


def test_http_poll_produces_new_records_only_and_resumes_with_its_etag(kafka_settings: Settings) -> None:
    """A polled feed is produced once; 304s bring nothing; a changed feed adds only its new records; a restarted
    runner revalidates with the ETag from its checkpoint and produces nothing again."""
    feed: dict[str, Any] = {"body": ndjson(range(3)), "etag": '"a"', "requests": []}

    async def handler(request: web.Request) -> web.Response:
        feed["requests"].append(request.headers.get("If-None-Match"))
        if request.headers.get("If-None-Match") == feed["etag"]:
            return web.Response(status=304)
        return web.Response(body=feed["body"], content_type="application/x-ndjson", headers={"ETag": feed["etag"]})

    async def test(url: str) -> None:
        cfg = config(
            f'[connectors.feed]\ntype = "http-poll"\nformat = "replay-ndjson"\nurl = "{url}"\ninterval_s = 0.1\n'
        )
        async with Running(kafka_settings, cfg, ["feed"]) as run:
            await run.until(
                lambda: run.metric("hub_connector_polls_total", connector="feed", outcome="not_modified") >= 2,
                "no two 304 answers",
            )
            feed["body"], feed["etag"] = ndjson(range(1, 5)), '"b"'
            await run.until(
                lambda: run.metric("hub_connector_records_produced_total", connector="feed") == 5,
                "the changed feed's records were not produced",
            )
            assert run.metric("hub_connector_records_duplicate_total", connector="feed") == 2
            assert run.metric("hub_connector_last_success_timestamp_seconds", connector="feed") > 0
        checkpoint = json.loads((kafka_settings.state_dir / "connectors" / "feed.json").read_text())
        assert checkpoint["state"] == {"etag": '"b"'}
        feed["requests"].clear()
        async with Running(kafka_settings, cfg, ["feed"]) as again:
            await again.until(
                lambda: again.metric("hub_connector_polls_total", connector="feed", outcome="not_modified") >= 1,
                "the restarted runner got no 304",
            )
        assert feed["requests"][0] == '"b"'

    asyncio.run(with_feed(handler, test))
    records = raw(kafka_settings)
    assert ids(records) == sorted(good_record(i)["id"] for i in range(5))
    headers = dict(records[0].headers)
    assert headers["hub_connector"] == b"feed"
    assert headers["hub_content_type"] == b"application/x-ndjson"
    assert headers["hub_origin"].decode().endswith("/feed")


def test_webhooks_check_secrets_limits_and_bodies(
    kafka_settings: Settings, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Signed and bearer pushes are accepted (202 with the count); bad credentials get 401/403, a wrong content type
    415, an oversized body 413, an unusable body 422 and a dead letter with the reason; nothing bad is produced."""
    monkeypatch.setenv("HUB_TEST_SIRI_KEY", "siri-key")
    (tmp_path / "token").write_text("alarm-token\n")
    port = free_port()
    cfg = config(
        f"""
        [server]
        port = {port}
        [connectors.signed]
        type = "webhook"
        format = "replay-ndjson"
        path = "/webhooks/signed"
        auth = "hmac-sha256"
        secret = {{ env = "HUB_TEST_SIRI_KEY" }}
        content_types = ["application/x-ndjson"]
        max_body_bytes = 20000
        [connectors.bearer]
        type = "webhook"
        format = "tiny-lines"
        path = "/webhooks/bearer"
        auth = "bearer"
        secret = {{ file = "{tmp_path / "token"}" }}
        """
    )
    good = ndjson(range(2))

    async def test() -> list[tuple[int, dict[str, Any]]]:
        base = f"http://127.0.0.1:{port}"
        nd = {"Content-Type": "application/x-ndjson"}
        calls: list[tuple[str, bytes, dict[str, str]]] = [
            ("/webhooks/signed", good, {**nd, "X-Hub-Signature-256": sign(good, b"siri-key")}),
            ("/webhooks/signed", good, {**nd, "X-Hub-Signature-256": sign(good, b"siri-key")}),
            ("/webhooks/signed", good, nd),
            ("/webhooks/signed", good, {**nd, "X-Hub-Signature-256": sign(good, b"guess")}),
            ("/webhooks/signed", good, {"Content-Type": "text/plain", "X-Hub-Signature-256": sign(good, b"siri-key")}),
            ("/webhooks/signed", b"x" * 30000, {**nd, "X-Hub-Signature-256": sign(b"x" * 30000, b"siri-key")}),
            ("/webhooks/bearer", tiny(("t1", "1")), {"Authorization": "Bearer alarm-token"}),
            ("/webhooks/bearer", tiny(("t1", "1")), {"Authorization": "Bearer wrong"}),
            ("/webhooks/bearer", b"BAD\nnot,a,record", {"Authorization": "Bearer alarm-token"}),
            ("/webhooks/nowhere", b"", {}),
        ]
        answers = []
        async with Running(kafka_settings, cfg, ["signed", "bearer"]) as run, aiohttp.ClientSession() as http:
            assert run.runner.port == port
            for path, body, headers in calls:
                async with http.post(base + path, data=body, headers=headers) as resp:
                    answers.append((resp.status, await resp.json() if resp.content_type == "application/json" else {}))
            async with http.get(base + "/webhooks/signed") as resp:
                answers.append((resp.status, {}))
            assert run.metric("hub_connector_requests_total", connector="signed", status="403") == 1
        return answers

    answers = asyncio.run(test())
    assert [s for s, _ in answers] == [202, 202, 401, 403, 415, 413, 202, 403, 422, 404, 405]
    assert answers[0][1] == {"accepted": 2, "duplicates": 0}
    assert answers[1][1] == {"accepted": 0, "duplicates": 2}
    assert answers[8][1] == {"error": "first line is BAD", "code": "schema_violation", "accepted": 0}
    assert ids(raw(kafka_settings)) == sorted([good_record(0)["id"], good_record(1)["id"], "t1"])
    letters = read_topic(
        kafka_settings.bootstrap(), qualified(kafka_settings.topic_prefix, dlq_topic("connectors")), idle_s=0.5
    )
    assert [r.value for r in letters] == [b"BAD\nnot,a,record"]
    meta = parse_headers(letters[0].headers)
    assert (meta["code"], meta["reason"], meta["topic"]) == (
        "schema_violation",
        "first line is BAD",
        "webhook:/webhooks/bearer",
    )


def test_folder_picks_up_files_as_they_appear_and_moves_them(kafka_settings: Settings, tmp_path: Path) -> None:
    """Files dropped into the folder are produced once each, moved when done; hidden files are left alone."""
    inbox, done = tmp_path / "inbox", tmp_path / "done"
    inbox.mkdir()
    (inbox / "a.ndjson").write_bytes(ndjson(range(0, 3)))
    (inbox / ".b.ndjson.part").write_bytes(ndjson(range(10, 12)))
    cfg = config(
        f'[connectors.drop]\ntype = "folder"\nformat = "replay-ndjson"\npath = "{inbox}"\npattern = "*.ndjson"\n'
        f'interval_s = 0.1\nsettle_s = 0\nafter = "move"\nmove_to = "{done}"\n'
    )

    async def test() -> None:
        async with Running(kafka_settings, cfg, ["drop"]) as run:
            await run.until(lambda: (done / "a.ndjson").exists(), "a.ndjson was not moved")
            (inbox / "c.ndjson").write_bytes(ndjson(range(3, 5)))
            await run.until(lambda: (done / "c.ndjson").exists(), "c.ndjson was not moved")
            assert run.metric("hub_connector_documents_total", connector="drop") == 2

    asyncio.run(test())
    assert ids(raw(kafka_settings)) == sorted(good_record(i)["id"] for i in range(5))
    assert sorted(p.name for p in inbox.iterdir()) == [".b.ndjson.part"]


def test_records_acknowledged_but_not_checkpointed_are_recovered_from_the_topic(kafka_settings: Settings) -> None:
    """A crash between the broker's ack and the checkpoint write: the restarted instance reads its own records
    after the checkpoint's offsets back from the raw topic (by its header) and does not produce them again."""
    from hub.connectors.base import ConnectorContext
    from hub.connectors.checkpoint import FileCheckpointStore
    from hub.connectors.metrics import ConnectorMetrics
    from hub.connectors.polling import PollingInstance
    from hub.connectors.settings import InstanceDeps, InstanceSettings
    from hub.connectors.sink import KafkaSink
    from tests.unit.connectors.helpers import ListConnector, ListOptions

    class Crashing(FileCheckpointStore):
        crashed = False

        def save(self, name: str, data: bytes) -> None:
            if not self.crashed:
                super().save(name, data)

    fmt = TinyFormat()
    pages = [[[f"p{p}-{i}", "1"] for i in range(20)] for p in range(3)]
    options = ListOptions.model_validate({"type": "list", "format": "tiny-lines", "pages": pages})
    topic = qualified(kafka_settings.topic_prefix, fmt.raw_topic)
    store = Crashing(kafka_settings.state_dir / "connectors")

    def instance(sink: KafkaSink) -> PollingInstance:
        from datetime import UTC, datetime

        def clock() -> datetime:
            return datetime.now(UTC)

        return PollingInstance(
            ListConnector(options, ConnectorContext("lister", fmt, clock)),
            InstanceSettings(
                "lister",
                options,
                fmt,
                topic=topic,
                dlq_topic=qualified(kafka_settings.topic_prefix, dlq_topic("connectors")),
            ),
            InstanceDeps(sink, store, ConnectorMetrics.create(CollectorRegistry()), clock),
        )

    async def test() -> int:
        sink = KafkaSink(kafka_settings.bootstrap())
        try:
            first = instance(sink)
            await first.start()
            backoff = first.backoff_factory()
            await first.poll_once(backoff)  # page 0, checkpointed
            store.crashed = True
            await first.poll_once(backoff)  # page 1: acknowledged, never checkpointed
            store.crashed = False
            second = instance(sink)
            recovered = await second.start()
            await second.run_polling()
            return recovered
        finally:
            sink.close()

    assert asyncio.run(test()) == 20
    records = read_topic(kafka_settings.bootstrap(), topic, idle_s=0.5)
    assert ids(records) == sorted(f"p{p}-{i}" for p in range(3) for i in range(20))
    checkpoint = json.loads((kafka_settings.state_dir / "connectors" / "lister.json").read_text())
    assert checkpoint["state"] == {"page": 3}
    assert sum(checkpoint["offsets"].values()) == 60
