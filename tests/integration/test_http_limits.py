"""Both HTTP servers as real processes under a slow-client flood: 300 connections that send nothing or half a request
head, against a limit of 100. A normal request still gets its answer, the server never holds more connections than
its limit, every flooding connection is closed by the server (shed at the limit or after the header timeout), and
the flood makes one warning in the log, not a line per connection."""

from __future__ import annotations

import asyncio
import json
import os
import sys
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from hub.config import Settings
from hub.devstack.process import Child
from hub.processes import free_port, settings_env, spawn_console
from hub.samples import good_record
from hub.topology import dlq_topic, raw_topic
from tests.helpers.stack import Topics

pytestmark = pytest.mark.integration

FLOOD = 300
LIMIT = 100
TOKEN = "polizei-token-5f1d0c9a7e3b"
#: The edge's settings for both servers: a limit well below the flood, a short wait for a request head.
LIMITS = {"HUB_HTTP_MAX_CONNECTIONS": str(LIMIT), "HUB_HTTP_HEADER_TIMEOUT_S": "3"}
WARNING = "http server in trouble; one line with the totals follows when it is over"


def metric(port: int, name: str, **labels: str) -> float:
    """One sample of the child's /metrics (0 when it is not there)."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return 0.0


Connection = tuple[asyncio.StreamReader, asyncio.StreamWriter]


async def flood(port: int, half_head: bytes) -> list[Connection]:
    """Open FLOOD connections: every other one sends nothing, the others the start of a request head and stop."""
    connections = []
    for number in range(FLOOD):
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        connections.append((reader, writer))
        if number % 2:
            writer.write(half_head)
            with suppress(ConnectionResetError):  # shed at the limit before the head got there: what the flood is for
                await writer.drain()
    return connections


async def closed_by_server(reader: asyncio.StreamReader) -> None:
    """Until the server closed the connection: an end of stream, or a reset (a server that closes a connection
    with unread bytes in its buffer, the half-sent head, resets it)."""
    with suppress(ConnectionResetError):
        await reader.read()


async def all_closed(connections: list[Connection]) -> None:
    """Until the server has closed every connection (whatever it answered first); then, or on failure, close our
    ends, so that no socket is left for the garbage collector to warn about in a later test."""
    try:
        await asyncio.wait_for(asyncio.gather(*(closed_by_server(reader) for reader, _ in connections)), 60)
    finally:
        for _, writer in connections:
            writer.close()
        await asyncio.gather(*(writer.wait_closed() for _, writer in connections), return_exceptions=True)


def log_lines(path: Path, since: int) -> list[str]:
    with path.open("rb") as log:
        log.seek(since)
        return log.read().decode("utf-8", "replace").splitlines()


def check_flood(port: int, metrics_port: int, server: str, log: Path, normal: Callable[[], int]) -> int:
    """Flood ``port``; while the flood holds on, ``normal()`` gets its answer (its status is returned) and the server
    holds at most LIMIT connections; in the end the server closed every one of them and logged the flood once."""
    since = log.stat().st_size

    async def run() -> int:
        connections = await flood(port, b"POST /x HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        try:
            status = await asyncio.to_thread(normal)
            held = metric(metrics_port, "hub_http_connections", server=server)
            assert held <= LIMIT, f"{server} holds {held} connections, more than its limit {LIMIT}"
        finally:
            await all_closed(connections)
        return status

    status = asyncio.run(run())
    shed = metric(metrics_port, "hub_http_connections_closed_total", server=server, reason="shed")
    slow = metric(metrics_port, "hub_http_connections_closed_total", server=server, reason="slow_head")
    idle = metric(metrics_port, "hub_http_connections_closed_total", server=server, reason="idle")
    assert shed >= 1
    assert shed + slow + idle >= FLOOD
    lines = log_lines(log, since)
    assert sum(WARNING in line for line in lines) == 1, lines
    assert len(lines) <= 10, lines
    return status


def test_the_console_answers_a_normal_request_under_a_slow_client_flood_and_logs_it_once(
    settings: Settings, tmp_path: Path
) -> None:
    """`hub acks serve` (the console's app) with a limit of 100 connections: 300 idle or half-sent connections do
    not keep /healthz from answering 200 and are all closed by the server; one warning in its log."""
    metrics_port = free_port()
    env = {**LIMITS, "HUB_ACK_TOKEN_POLIZEI": TOKEN, "HUB_METRICS_PORT": str(metrics_port), "HUB_LOG_FORMAT": "json"}
    log = tmp_path / "acks.log"
    child, url = spawn_console(settings, log, env=env, command=("acks", "serve"))
    try:
        port = int(url.rsplit(":", 1)[1])
        status = check_flood(
            port, metrics_port, "console", log, lambda: httpx.get(f"{url}/healthz", timeout=30).status_code
        )
        assert status == 200
    finally:
        child.signal_stop()
        child.wait_or_kill(20)
    assert child.exit_code == 0, child.log_tail()


@contextmanager
def connectors(settings: Settings, tmp_path: Path, metrics_port: int) -> Iterator[tuple[int, Path]]:
    """`hub connectors run hook` (a bearer webhook of NDJSON replay records) with the flood limits; its port and
    log, once it answers."""
    port = free_port()
    config = tmp_path / "connectors.toml"
    config.write_text(
        f'[server]\nport = {port}\n[connectors.hook]\ntype = "webhook"\nformat = "replay-ndjson"\n'
        'path = "/webhooks/hook"\nauth = "bearer"\nsecret = { env = "HUB_TEST_HOOK_TOKEN" }\n'
    )
    env = {
        **os.environ,
        **settings_env(settings),
        **LIMITS,
        "HUB_TEST_HOOK_TOKEN": TOKEN,
        "HUB_METRICS_PORT": str(metrics_port),
        "HUB_LOG_FORMAT": "json",
    }
    argv = [sys.executable, "-m", "hub", "connectors", "run", "hook", "--config", str(config)]
    log = tmp_path / "connectors.log"
    child = Child.spawn("connectors", argv, log, env=env)

    def answering() -> str | None:
        try:
            return None if httpx.post(f"http://127.0.0.1:{port}/webhooks/hook", timeout=2).status_code == 401 else "?"
        except httpx.HTTPError as exc:
            return str(exc)

    try:
        child.wait_ready(answering, timeout_s=60, interval_s=0.2)
        yield port, log
    finally:
        child.signal_stop()
        child.wait_or_kill(20)
    assert child.exit_code == 0, child.log_tail()


def test_the_webhook_server_accepts_a_record_under_a_slow_client_flood_and_logs_it_once(
    settings: Settings, topics: Topics, tmp_path: Path
) -> None:
    """`hub connectors run` with a limit of 100 connections: 300 idle or half-sent connections do not keep a signed-in
    webhook call from being accepted (202) and are all closed by the server; one warning in its log."""
    topics(raw_topic("replay", "ndjson"), dlq_topic("connectors"))
    metrics_port = free_port()
    body = json.dumps(good_record(0)).encode() + b"\n"

    def normal() -> int:
        headers = {"Authorization": f"Bearer {TOKEN}"}
        return httpx.post(
            f"http://127.0.0.1:{port}/webhooks/hook", content=body, headers=headers, timeout=30
        ).status_code

    with connectors(settings, tmp_path, metrics_port) as (port, log):
        assert check_flood(port, metrics_port, "webhooks", log, normal) == 202
        assert metric(metrics_port, "hub_connector_requests_total", connector="hook", status="202") == 1
