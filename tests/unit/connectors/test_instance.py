"""The polling and push drivers on in-memory doubles: cutting, de-duplication, dead letters, retries, checkpoints,
recovery, stale feeds and webhook answers."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import structlog.testing
from prometheus_client import CollectorRegistry

from hub.connectors.base import ConnectorContext, ConnectorOptions, PollingConnector, PollResult, PushRequest, State
from hub.connectors.checkpoint import MemoryCheckpointStore, record_digest
from hub.connectors.metrics import ConnectorMetrics
from hub.connectors.polling import PollingInstance
from hub.connectors.push import PushInstance
from hub.connectors.records import OutMessage, header
from hub.connectors.server import Answer, respond
from hub.connectors.settings import InstanceDeps, InstanceSettings
from hub.connectors.sink import MemorySink
from hub.connectors.testing import FakeClock
from hub.connectors.webhook import WebhookConnector, WebhookOptions
from hub.deadletter import parse_headers
from hub.errors import ConnectorError
from hub.retry import Backoff
from tests.unit.connectors.helpers import ListConnector, ListOptions, TinyFormat, tiny

T0 = datetime(2026, 11, 20, 22, 0, tzinfo=UTC)
FMT = TinyFormat()


class Rig:
    """What an instance of a connector runs on: a MemorySink, a memory store and a fake clock."""

    def __init__(self, options: ConnectorOptions, sink: MemorySink | None = None, store: Any = None) -> None:
        self.clock = FakeClock(T0)
        self.sink = sink or MemorySink()
        self.store = store or MemoryCheckpointStore()
        self.registry = CollectorRegistry()
        self.context = ConnectorContext("inst", FMT, self.clock)
        self.settings = InstanceSettings("inst", options, FMT, topic="raw", dlq_topic="dlq")
        self.deps = InstanceDeps(
            self.sink,
            self.store,
            ConnectorMetrics.create(self.registry),
            self.clock,
            sleep=self.clock.sleep,
            backoff=lambda: Backoff(0.5, 4.0, uniform=lambda a, b: b),
        )

    def metric(self, name: str, **labels: str) -> float:
        return self.registry.get_sample_value(name, {"connector": "inst", **labels}) or 0.0

    def ids(self, topic: str = "raw") -> list[tuple[str | None, str | None]]:
        return [
            (header(r.headers, "hub_record_id"), header(r.headers, "hub_record_version")) for r in self.sink.on(topic)
        ]

    def checkpoint(self) -> dict[str, Any]:
        return dict(json.loads(self.store.saved["inst"]))


class PollRig(Rig):
    """A polling instance on the rig."""

    def __init__(
        self,
        connector: type[PollingConnector[Any]],
        options: ConnectorOptions,
        sink: MemorySink | None = None,
        store: Any = None,
    ) -> None:
        super().__init__(options, sink, store)
        self.instance = PollingInstance(connector(options, self.context), self.settings, self.deps)


class PushRig(Rig):
    """A webhook instance on the rig, answered as the runner's server answers."""

    def __init__(self, options: WebhookOptions, sink: MemorySink | None = None) -> None:
        super().__init__(options, sink)
        self.instance = PushInstance(WebhookConnector(options, self.context), self.settings, self.deps)

    async def push(self, request: PushRequest, deadline_s: float | None = None) -> Answer:
        return await respond(self.instance, request, deadline_s)


def pages(*docs: tuple[tuple[str, str], ...], stale_after_s: float | None = None) -> ListOptions:
    return ListOptions.model_validate(
        {"type": "list", "format": "tiny-lines", "pages": docs, "stale_after_s": stale_after_s}
    )


def poll(rig: PollRig, times: int = 1) -> list[str]:
    async def go() -> list[str]:
        outcomes = []
        for _ in range(times):
            outcome, _delay, _done = await rig.instance.poll_once(rig.instance.backoff_factory())
            outcomes.append(outcome)
        return outcomes

    return asyncio.run(go())


def test_records_are_produced_with_headers_and_the_state_committed_after() -> None:
    """Each record goes to the raw topic with its key and the hub_* headers; the checkpoint then has the state."""
    rig = PollRig(ListConnector, pages((("a", "1"), ("b", "1"))))
    asyncio.run(rig.instance.start())
    assert poll(rig) == ["ok"]
    first = rig.sink.on("raw")[0]
    assert first.key == b"a"
    assert first.value == b"a,1,text of a"
    h = dict(first.headers)
    assert h["hub_connector"] == b"inst"
    assert h["hub_record_id"] == b"a"
    assert h["hub_record_version"] == b"1"
    assert h["hub_content_type"] == b"text/plain"
    assert h["hub_origin"] == b"list:0"
    assert datetime.fromisoformat(h["hub_received_at"].decode()) == T0
    cp = rig.checkpoint()
    assert cp["state"] == {"page": 1}
    assert [entry[:2] for entry in cp["seen"]] == [["a", "1"], ["b", "1"]]
    assert cp["seen"][0][2] == record_digest(b"a,1,text of a")  # to tell a change under the same version
    assert sum(cp["offsets"].values()) == 2
    assert rig.metric("hub_connector_records_produced_total") == 2


def test_duplicates_within_and_across_documents_are_dropped_and_counted() -> None:
    """The same (id, version) twice in a document, or again in a later poll, is produced once; a new version is not
    a duplicate."""
    rig = PollRig(ListConnector, pages((("a", "1"), ("a", "1"), ("b", "1")), (("a", "1"), ("b", "2"))))
    asyncio.run(rig.instance.start())
    poll(rig, 2)
    assert rig.ids() == [("a", "1"), ("b", "1"), ("b", "2")]
    assert rig.metric("hub_connector_records_duplicate_total") == 2


def test_a_record_changed_under_the_same_version_is_counted_and_logged_not_produced() -> None:
    """The source changed record a's text but not its version: it is dropped like a duplicate (its version says it
    was produced), and the metric and a warning naming the record say so; the same bytes again are a plain
    duplicate."""
    rig = PollRig(ListConnector, pages((("a", "1"),)))
    asyncio.run(rig.instance.start())
    bodies = [b"a,1,concert at 19:00", b"a,1,concert at 20:00", b"a,1,concert at 20:00"]

    async def moved(state: State) -> PollResult:
        from hub.connectors.base import Document

        page = int(state.get("page", 0))
        return PollResult([Document(bodies[page], "text/plain", f"list:{page}")], {"page": page + 1}, 1.0)

    rig.instance.connector.poll = moved  # type: ignore[method-assign]
    with structlog.testing.capture_logs() as logs:
        assert poll(rig, 2) == ["ok", "ok"]
    assert [r.value for r in rig.sink.on("raw")] == [b"a,1,concert at 19:00"]
    assert rig.metric("hub_connector_records_duplicate_total") == 1
    assert rig.metric("hub_connector_records_changed_unversioned_total") == 1
    [warning] = [e for e in logs if e["event"] == "record changed without a new version, not produced"]
    assert (warning["log_level"], warning["record_id"], warning["version"]) == ("warning", "a", "1")
    assert poll(rig) == ["ok"]  # 20:00 again: changed from what was produced, counted again
    assert rig.metric("hub_connector_records_changed_unversioned_total") == 2


def test_a_bad_document_is_dead_lettered_and_the_next_one_still_produced() -> None:
    """A document split refuses goes to the dead-letter topic with reason, code and origin; polling goes on."""
    options = pages((("a", "1"),), (("b", "1"),))
    rig = PollRig(ListConnector, options)
    asyncio.run(rig.instance.start())

    async def bad_then_good(state: State) -> PollResult:
        page = int(state.get("page", 0))
        from hub.connectors.base import Document

        body = b"BAD\nsecret,1,x" if page == 0 else tiny(("b", "1"))
        return PollResult([Document(body, "text/plain", f"list:{page}")], {"page": page + 1}, 1.0)

    rig.instance.connector.poll = bad_then_good  # type: ignore[method-assign]
    assert poll(rig, 2) == ["ok", "ok"]
    assert rig.ids() == [("b", "1")]
    [letter] = rig.sink.on("dlq")
    assert letter.value == b"BAD\nsecret,1,x"
    meta = parse_headers(letter.headers)
    assert (meta["code"], meta["reason"], meta["stage"], meta["topic"]) == (
        "schema_violation",
        "first line is BAD",
        "connectors",
        "list:0",
    )
    assert header(letter.headers, "hub_connector") == "inst"
    assert rig.metric("hub_connector_errors_total", reason="schema_violation") == 1
    assert rig.checkpoint()["state"] == {"page": 2}


def test_a_record_over_the_size_limit_is_dead_lettered_with_its_first_kib() -> None:
    """A record the broker must not carry goes to the dead-letter topic, cut to 1 KiB, the reason saying so."""
    from hub.connectors.base import Document
    from hub.formats.base import SourceRecord

    rig = PollRig(ListConnector, pages())
    asyncio.run(rig.instance.start())
    big = SourceRecord("big", "1", b"big", b"x" * 2_000_000)
    outcome = asyncio.run(rig.instance.handle([big, Document(tiny(("a", "1")), None, "o")], origin="direct"))
    assert (outcome.produced, outcome.dead_lettered) == (1, 1)
    [letter] = rig.sink.on("dlq")
    assert len(letter.value) == 1024
    assert parse_headers(letter.headers)["reason"].startswith("record is 2000000 bytes, limit is 1048576")


def test_a_broker_outage_is_retried_until_every_record_is_acknowledged_once() -> None:
    """Records the broker refused are sent again after a backoff, alone: none is lost, none stored twice."""
    rig = PollRig(ListConnector, pages((("a", "1"), ("b", "1"), ("c", "1"))), sink=MemorySink(fail_next=4))
    asyncio.run(rig.instance.start())
    assert poll(rig) == ["ok"]
    assert sorted(rig.ids()) == [("a", "1"), ("b", "1"), ("c", "1")]
    assert rig.metric("hub_connector_errors_total", reason="broker_unavailable") == 2
    assert rig.clock() == T0 + timedelta(seconds=0.5 + 1.0)  # two backoff waits on the fake clock


def test_without_an_acknowledgement_the_state_is_not_committed() -> None:
    """When the broker never acknowledges and the instance is stopped, the checkpoint keeps the old state."""
    rig = PollRig(ListConnector, pages((("a", "1"),)), sink=MemorySink(fail_next=10**6))
    asyncio.run(rig.instance.start())
    rig.instance.request_stop()
    assert poll(rig) == ["error"]
    assert "inst" not in rig.store.saved
    assert rig.instance.delivery.checkpoint.state == {}


def test_recovery_adds_records_produced_after_the_checkpoint() -> None:
    """Records of the instance on the topic past its checkpoint's offsets count as produced: not sent again."""
    sink = MemorySink()
    first = PollRig(ListConnector, pages((("a", "1"), ("b", "1"))), sink=sink)
    asyncio.run(first.instance.start())
    poll(first)
    # A crash after the broker's ack, before the checkpoint: the store never saw it.
    again = PollRig(ListConnector, pages((("a", "1"), ("b", "1"))), sink=sink)
    assert asyncio.run(again.instance.start()) == 2
    poll(again)
    assert sink.on("raw") == first.sink.on("raw")
    assert len(sink.on("raw")) == 2
    assert again.metric("hub_connector_records_duplicate_total") == 2
    # Someone else's records on the same topic are not this instance's.
    sink.produce([OutMessage("raw", b"z", b"z,1,x", [("hub_connector", b"other"), ("hub_record_id", b"z")])], 1.0)
    third = PollRig(ListConnector, pages(), sink=sink, store=again.store)
    assert asyncio.run(third.instance.start()) == 0


def test_a_feed_older_than_stale_after_is_flagged_and_cleared() -> None:
    """The stale gauge turns 1 (with one warning) when the newest feed time is older than stale_after_s, and back
    to 0 with a fresh document; the lag gauge follows the newest document."""
    rig = PollRig(ListConnector, pages(stale_after_s=60))
    asyncio.run(rig.instance.start())
    from hub.connectors.base import Document

    old = Document(tiny(("a", "1"), feed=(T0 - timedelta(seconds=100)).isoformat()), None, "feed")
    with structlog.testing.capture_logs() as logs:
        asyncio.run(rig.instance.handle([old]))
        rig.instance.check_stale()
        assert rig.metric("hub_connector_stale") == 1
        assert rig.metric("hub_connector_lag_seconds") == 100
        rig.instance.check_stale()
        fresh = Document(tiny(("a", "2"), feed=(T0 - timedelta(seconds=5)).isoformat()), None, "feed")
        asyncio.run(rig.instance.handle([fresh]))
        rig.instance.check_stale()
    assert rig.metric("hub_connector_stale") == 0
    assert rig.metric("hub_connector_lag_seconds") == 5
    events = [(e["event"], e["log_level"]) for e in logs if "feed" in e["event"]]
    assert events == [("feed is stale", "warning"), ("feed is fresh again", "info")]


def test_a_failing_poll_is_counted_and_backed_off_never_fatal() -> None:
    """ConnectorError and unexpected exceptions are counted by reason; the next poll comes after a backoff."""
    rig = PollRig(ListConnector, pages())
    asyncio.run(rig.instance.start())
    errors = [ConnectorError("HTTP 503 from https://x", "source_unavailable"), RuntimeError("bug")]

    async def failing(state: State) -> PollResult:
        raise errors.pop(0)

    rig.instance.connector.poll = failing  # type: ignore[method-assign]

    async def go() -> list[tuple[str, float]]:
        backoff = rig.instance.backoff_factory()
        out = []
        for _ in range(2):
            outcome, delay, _ = await rig.instance.poll_once(backoff)
            out.append((outcome, delay))
        return out

    assert asyncio.run(go()) == [("error", 0.5), ("error", 1.0)]
    assert rig.metric("hub_connector_errors_total", reason="source_unavailable") == 1
    assert rig.metric("hub_connector_errors_total", reason="connector_error") == 1
    assert rig.metric("hub_connector_polls_total", outcome="error") == 2


def test_close_is_called_once_after_a_finished_source() -> None:
    """run_polling polls a finite source to its end and closes the connector once, even if closed again."""
    ListConnector.closes = 0
    rig = PollRig(ListConnector, pages((("a", "1"),), (("b", "1"),)))

    async def go() -> None:
        await rig.instance.start()
        await rig.instance.run_polling()
        await rig.instance.close()

    asyncio.run(go())
    assert rig.ids() == [("a", "1"), ("b", "1")]
    assert ListConnector.closes == 1


def hook(sink: MemorySink | None = None) -> PushRig:
    options = WebhookOptions.model_validate(
        {
            "type": "webhook",
            "format": "tiny-lines",
            "path": "/h",
            "auth": "bearer",
            "secret": {"env": "HUB_TEST_HOOK_TOKEN"},
            "content_types": ["Text/Plain"],
        }
    )
    return PushRig(options, sink=sink)


def request(body: bytes, token: str | None = "tok", ctype: str = "text/plain; charset=utf-8") -> PushRequest:
    headers = {"content-type": ctype}
    if token is not None:
        headers["authorization"] = f"Bearer {token}"
    return PushRequest("/h", "POST", headers, body)


def test_webhook_answers(monkeypatch: pytest.MonkeyPatch) -> None:
    """202 with the count accepted (0 for a resend), 401 without and 403 with a wrong token, 415 for a wrong
    content type, 422 with the reason for an unusable body, which is dead-lettered."""
    monkeypatch.setenv("HUB_TEST_HOOK_TOKEN", "tok")
    rig = hook()

    async def go() -> list[tuple[str, dict[str, Any]]]:
        await rig.instance.start()
        return [
            await rig.push(request(tiny(("a", "1"), ("b", "1")))),
            await rig.push(request(tiny(("a", "1")))),
            await rig.push(request(tiny(("c", "1")), token=None)),
            await rig.push(request(tiny(("c", "1")), token="nope")),
            await rig.push(request(tiny(("c", "1")), ctype="application/json")),
            await rig.push(request(b"BAD\n")),
        ]

    answers = asyncio.run(go())
    assert [s for s, _ in answers] == ["202", "202", "401", "403", "415", "422"]
    assert answers[0][1] == {"accepted": 2, "duplicates": 0}
    assert answers[1][1] == {"accepted": 0, "duplicates": 1}
    assert answers[4][1]["error"] == "content type application/json is not accepted; send text/plain"
    assert answers[5][1] == {"error": "first line is BAD", "code": "schema_violation", "accepted": 0}
    assert rig.ids() == [("a", "1"), ("b", "1")]
    assert [r.value for r in rig.sink.on("dlq")] == [b"BAD\n"]
    assert rig.metric("hub_connector_requests_total", status="401") == 1


def test_webhook_answers_503_when_the_broker_does_not_acknowledge(monkeypatch: pytest.MonkeyPatch) -> None:
    """Past its deadline a push is answered 503 (send again), and a resend after recovery is accepted."""
    monkeypatch.setenv("HUB_TEST_HOOK_TOKEN", "tok")
    rig = hook(MemorySink(fail_next=1))

    async def go() -> list[str]:
        await rig.instance.start()
        down = await rig.push(request(tiny(("a", "1"))), deadline_s=0.0)
        up = await rig.push(request(tiny(("a", "1"))))
        return [down[0], up[0]]

    assert asyncio.run(go()) == ["503", "202"]
    assert rig.ids() == [("a", "1")]


def test_a_terminated_siri_subscription_is_a_counted_logged_dead_letter_not_a_quiet_feed() -> None:
    """The server ending the subscription goes to the dead-letter topic with its reason, counts as a
    source_failed error of the instance and is logged as a warning: before, it gave no record and nothing else."""
    from hub.connectors.base import Document
    from hub.formats.siri import SiriSxFormat

    rig = Rig(pages())
    rig.settings = InstanceSettings("inst", pages(), SiriSxFormat(), topic="raw", dlq_topic="dlq")
    instance = PollingInstance(ListConnector(pages(), rig.context), rig.settings, rig.deps)
    notice = b"""<Siri xmlns="http://www.siri.org.uk/siri"><SubscriptionTerminatedNotification>
<ResponseTimestamp>2026-11-20T22:00:00Z</ResponseTimestamp><SubscriberRef>hub</SubscriberRef>
<SubscriptionRef>sx-1</SubscriptionRef><ErrrorCondition><Description>Server restart</Description></ErrrorCondition>
</SubscriptionTerminatedNotification></Siri>"""
    asyncio.run(instance.start())
    with structlog.testing.capture_logs() as logs:
        outcome = asyncio.run(instance.handle([Document(notice, "application/xml", "siri")]))
    assert outcome.produced == 0
    [letter] = rig.sink.on("dlq")
    meta = parse_headers(letter.headers)
    assert meta["code"] == "source_failed"
    assert meta["reason"] == (
        "SIRI SubscriptionTerminatedNotification: the server ended 1 subscription(s) (Server restart); "
        "no data comes until the subscription is renewed"
    )
    assert rig.metric("hub_connector_errors_total", reason="source_failed") == 1
    assert [(e["event"], e["log_level"]) for e in logs] == [("source reports a failure", "warning")]


def test_a_siri_situation_changed_without_a_new_version_is_produced_counted_and_logged() -> None:
    """Two polls give situation HAVAG-SX-1 at Version 2 with different summaries: both reach the raw topic (before,
    the second was dropped as a duplicate), the instance counts one change in place and logs it; a third poll with
    the second content again is a plain duplicate."""
    from hub.connectors.base import Document
    from hub.formats.siri import SiriSxFormat
    from tests.unit.formats.test_siri_sx import delivery, situation

    rig = Rig(pages())
    rig.settings = InstanceSettings("inst", pages(), SiriSxFormat(), topic="raw", dlq_topic="dlq")
    instance = PollingInstance(ListConnector(pages(), rig.context), rig.settings, rig.deps)
    asyncio.run(instance.start())
    changed = delivery(situation(Summary="Linie 2 fährt nicht"))
    with structlog.testing.capture_logs() as logs:
        for body in (delivery(situation()), changed, changed):
            asyncio.run(instance.handle([Document(body, "application/xml", "siri")]))
    assert [record_id for record_id, _ in rig.ids()] == ["HAVAG-SX-1", "HAVAG-SX-1"]
    assert rig.metric("hub_connector_records_changed_in_place_total") == 1
    assert rig.metric("hub_connector_records_duplicate_total") == 1
    warnings = [e for e in logs if e["log_level"] == "warning"]
    assert [(e["event"], e["count"], e["format"]) for e in warnings] == [
        ("records changed without a new source version; produced as new versions", 1, "siri-sx")
    ]
