"""The edge both HTTP servers share, with stand-in connections on a real event loop: the gate sheds the longest idle
connection for a new one at the limit and refuses only when all are busy, closes a connection that sends no head in
time (idle or slow, never a busy one), counts each, and the burst log writes two lines for a burst, not one a
connection; header text that encodes, JSON refusals below the framework, the file limit."""

from __future__ import annotations

import asyncio
import json
import resource
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

import pytest
from prometheus_client import CollectorRegistry
from structlog.testing import capture_logs

from hub.connectors.edge import BurstLog, ConnectionGate, EdgeMetrics, HttpLimits, clean_text, raw_answer
from tests.helpers.nasty_http import parse_answer
from tests.helpers.waiting import wait_until_async

T = TypeVar("T")


@dataclass(eq=False)
class FakeConnection:
    """A connection the gate holds: busy while a request is answered; ``aborted`` once the gate closed it."""

    busy: bool = False
    aborted: bool = False

    def abort(self) -> None:
        self.aborted = True


def gate(max_connections: int = 3, header_timeout_s: float = 60.0) -> tuple[ConnectionGate, CollectorRegistry]:
    registry = CollectorRegistry()
    limits = HttpLimits(max_connections=max_connections, header_timeout_s=header_timeout_s)
    return ConnectionGate("webhooks", limits, EdgeMetrics.create(registry), BurstLog("webhooks", 0.05)), registry


def closed(registry: CollectorRegistry, reason: str) -> float:
    value = registry.get_sample_value("hub_http_connections_closed_total", {"server": "webhooks", "reason": reason})
    return value or 0.0


def run(scenario: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(scenario())


def test_a_new_connection_at_the_limit_sheds_the_longest_idle_and_is_refused_only_when_all_are_busy() -> None:
    """Three held, the first answered since (so the second is the longest idle): a fourth sheds the second; with
    every held one busy a fifth is refused. The open gauge follows."""

    async def scenario() -> tuple[list[FakeConnection], object, CollectorRegistry]:
        g, registry = gate()
        conns = [FakeConnection() for _ in range(5)]
        first = g.open(conns[0])
        assert first is not None
        assert g.open(conns[1]) is not None
        assert g.open(conns[2]) is not None
        g.answered(first)
        assert g.open(conns[3]) is not None
        for c in (conns[0], conns[2], conns[3]):
            c.busy = True
        refused = g.open(conns[4])
        g.close()
        return conns, refused, registry

    conns, refused, registry = run(scenario)
    assert [c.aborted for c in conns] == [False, True, False, False, False]
    assert refused is None
    assert (closed(registry, "shed"), closed(registry, "refused")) == (1, 1)
    assert registry.get_sample_value("hub_http_connections", {"server": "webhooks"}) == 0


def test_a_connection_without_a_head_in_time_is_closed_unless_it_is_being_answered() -> None:
    """After the header timeout: a silent connection is closed as idle, one that sent part of a head as
    slow_head, a busy one is left alone."""

    async def scenario() -> tuple[list[FakeConnection], CollectorRegistry]:
        g, registry = gate(max_connections=10, header_timeout_s=0.05)
        silent, slow, busy = FakeConnection(), FakeConnection(), FakeConnection(busy=True)
        g.open(silent)
        slot = g.open(slow)
        assert slot is not None
        assert g.open(busy) is not None
        slot.heard = True
        await wait_until_async(lambda: silent.aborted and slow.aborted, 10, "the gate closed nothing")
        g.close()
        return [silent, slow, busy], registry

    conns, registry = run(scenario)
    assert [c.aborted for c in conns] == [True, True, False]
    assert (closed(registry, "idle"), closed(registry, "slow_head")) == (1, 1)


def test_an_answer_restarts_the_wait_for_the_next_head() -> None:
    """An answer cancels the connection's timer and starts a new one from now, and forgets the bytes heard."""

    async def scenario() -> None:
        g, _ = gate(max_connections=10)
        slot = g.open(FakeConnection())
        assert slot is not None
        assert slot.timer is not None
        slot.heard = True
        before = slot.timer
        g.answered(slot)
        assert before.cancelled()
        assert slot.timer is not None
        assert slot.timer.when() >= before.when()
        assert not slot.heard
        g.close()

    run(scenario)


def test_a_burst_of_trouble_is_two_log_lines_with_the_totals() -> None:
    """A thousand connections shed and a few slow heads log one warning when it begins and one line with the totals
    when it has been quiet; idle closings log nothing."""

    async def scenario() -> None:
        g, _ = gate(max_connections=1, header_timeout_s=60)
        for _ in range(1001):
            g.open(FakeConnection())
        g.refused("bad_request")
        await wait_until_async(lambda: not g.burst.counts, 10, "the burst never ended")
        g.close()

    with capture_logs() as logs:
        run(scenario)
    lines = [entry for entry in logs if entry["log_level"] == "warning"]
    assert [line["event"] for line in lines] == [
        "http server in trouble; one line with the totals follows when it is over",
        "http server trouble over",
    ]
    assert (lines[1]["shed"], lines[1]["bad_request"]) == (1000, 1)


def test_header_text_that_was_not_utf8_encodes_again() -> None:
    """aiohttp keeps undecodable header bytes as lone surrogates; they become U+FFFD, the rest is kept."""
    undecodable = b"Bearer caf\xe9 \xff".decode("utf-8", "surrogateescape")
    assert clean_text(undecodable) == "Bearer caf\ufffd \ufffd"
    assert clean_text("ok é") == "ok é"


def test_a_refusal_below_the_framework_is_a_whole_json_answer_that_closes() -> None:
    """503 overloaded written straight to a socket: a valid HTTP/1.1 answer, JSON with the code, Connection: close."""
    answer = parse_answer(raw_answer(503, "overloaded", "try again"))
    assert answer.status == 503
    assert answer.headers[b"connection"] == b"close"
    assert json.loads(answer.body) == {"error": "try again", "code": "overloaded"}


def test_the_connection_limit_is_lowered_to_fit_the_open_file_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    """With 1,024 files a process may open, 2,000 connections become 896 (room for the broker, database, logs)."""
    monkeypatch.setattr(resource, "getrlimit", lambda which: (1024, 4096))
    assert HttpLimits(max_connections=2000).within_file_limit().max_connections == 896
    assert HttpLimits(max_connections=100).within_file_limit().max_connections == 100
