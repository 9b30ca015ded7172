"""The simulator process without a broker: its feed server answers with ETags and 304s, its pushes reach a local
webhook server in order with the right bearer token or HMAC signature, and its connectors file is valid."""

from __future__ import annotations

import asyncio
import math
import stat
import threading
import tomllib
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web

from hub.connectors.auth import check_bearer, check_hmac
from hub.connectors.config import parse_config
from hub.connectors.registry import load_types
from hub.formats.registry import FORMATS
from hub.processes import free_port
from hub.sim.feeds import pushes, vehicle_positions_feed
from hub.sim.scenario import ScenarioConfig, build_scenario
from hub.sim.serve import WEBHOOKS, Simulator, main, write_connectors

SCENARIO = build_scenario(4, ScenarioConfig(duration_s=60.0, incident_rate_per_h=600.0))


def test_connectors_file_is_valid_and_keeps_its_secrets(tmp_path: Path) -> None:
    """The generated file passes the connectors' own validation, names every feed and webhook, keeps secrets in
    files only its owner reads, and writing it again keeps the secrets a running connector already loaded."""
    path = tmp_path / "sim.toml"
    first = write_connectors(
        path, feed_url="http://127.0.0.1:9", webhook_url="http://127.0.0.1:8181", poll_interval_s=1
    )
    text = path.read_text()
    config = parse_config(tomllib.loads(text), types=load_types([]), formats=FORMATS, source=str(path))
    assert config.server.port == 8181
    assert {i.options.type for i in config.instances.values()} == {"http-poll", "webhook"}
    assert {hook.instance for hook in WEBHOOKS.values()} < set(config.instances)
    for secret in first.values():
        assert secret.decode() not in text
    for key in (tmp_path / "sim.secrets").iterdir():
        assert stat.S_IMODE(key.stat().st_mode) == 0o600
    again = write_connectors(
        path, feed_url="http://127.0.0.1:9", webhook_url="http://127.0.0.1:8181", poll_interval_s=1
    )
    assert again == first


def test_main_writes_the_config_and_refuses_bad_options(tmp_path: Path) -> None:
    """``--config-only`` writes the connectors file and exits 0; a speed of 0 is refused with exit code 2."""
    path = tmp_path / "c.toml"
    assert main(["--config-only", "--write-connectors-config", str(path), "--port", "8999"]) == 0
    assert 'url = "http://127.0.0.1:8999/gtfsrt/vehicle-positions.pb"' in path.read_text()
    assert main(["--speed", "0", "--write-connectors-config", str(path)]) == 2


def test_feeds_are_served_with_etags_and_pushes_arrive_signed_in_order() -> None:
    """A GET gives the current feed with an ETag, a conditional GET 304; every push reaches its webhook route once,
    authenticated as its connector expects, in the scenario's order and with the scenario's bytes."""
    received: list[tuple[str, bytes]] = []
    secrets = {channel: f"key-{channel}".encode() for channel in WEBHOOKS}

    async def receive(request: web.Request) -> web.Response:
        channel = next(c for c, hook in WEBHOOKS.items() if hook.path == request.path)
        body = await request.read()
        if WEBHOOKS[channel].auth == "bearer":
            check_bearer(request.headers.get("Authorization"), secrets[channel])
        else:
            check_hmac(request.headers.get("X-Hub-Signature-256"), body, secrets[channel], "X-Hub-Signature-256")
        assert request.content_type == WEBHOOKS[channel].content_type
        received.append((channel, body))
        return web.json_response({"accepted": 1, "duplicates": 0}, status=202)

    async def scenario() -> tuple[int, int, bytes, bytes]:
        app = web.Application()
        for hook in WEBHOOKS.values():
            app.router.add_post(hook.path, receive)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port = runner.addresses[0][1]
        sim = Simulator(SCENARIO, secrets_by_channel=secrets, webhook_url=f"http://127.0.0.1:{port}", speed=200.0)
        await sim.start()
        try:
            url = sim.feed_url + "/gtfsrt/vehicle-positions.pb"
            async with aiohttp.ClientSession() as http:
                async with http.get(url) as first:
                    body, etag = await first.read(), first.headers["ETag"]
                    assert first.content_type == "application/x-protobuf"
                async with http.get(url, headers={"If-None-Match": etag}) as second:
                    not_modified = second.status
            report = await sim.run()
            assert report.all_accepted
        finally:
            await sim.close()
            await runner.cleanup()
        return first.status, not_modified, body, vehicle_positions_feed(SCENARIO, SCENARIO.feed_time(SCENARIO.start_s))

    status, not_modified, body, expected = asyncio.run(scenario())
    assert (status, not_modified) == (200, 304)
    assert body == expected
    assert received == [(p.channel, p.body) for p in pushes(SCENARIO)]


def test_main_runs_a_short_scenario_to_the_end_and_reports_success(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``hub sim`` end to end against a local webhook server: writes its file, pushes everything, exits 0."""
    received: list[str] = []
    ready = threading.Event()
    stop = threading.Event()
    port = free_port()

    async def accept(request: web.Request) -> web.Response:
        await request.read()
        received.append(request.path)
        return web.json_response({"accepted": 1, "duplicates": 0}, status=202)

    async def serve() -> None:
        app = web.Application()
        app.router.add_post("/{path:.*}", accept)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        ready.set()
        await asyncio.to_thread(stop.wait)
        await runner.cleanup()

    server = threading.Thread(target=asyncio.run, args=(serve(),))
    server.start()
    try:
        assert ready.wait(10)
        argv = ["--duration", "30", "--speed", "300", "--port", "0", "--incident-rate", "300"]
        argv += ["--webhook-url", f"http://127.0.0.1:{port}", "--write-connectors-config", str(tmp_path / "s.toml")]
        assert main(argv) == 0
    finally:
        stop.set()
        server.join(10)
    assert {WEBHOOKS["polizei-units"].path, WEBHOOKS["ordnungsamt-patrols"].path} <= set(received)
    out = capsys.readouterr().out
    assert "pushes polizei-units 202" in out
    assert (tmp_path / "s.toml").exists()


def test_compressed_mode_sends_a_simulated_week_without_waiting_and_in_order() -> None:
    """``speed`` infinite: a simulated week of incidents (at 1x it would take a week) is pushed one after the other,
    in the scenario's order with the scenario's bytes (their simulated times inside), and the feeds then stand at
    the scenario's end."""
    week = build_scenario(
        4,
        ScenarioConfig(
            duration_s=7 * 86400.0,
            incident_rate_per_h=2.0,
            incident_mix=(("at_stop", 1.0),),
            police_cars=0,
            police_on_foot=0,
            ordnungsamt_cars=0,
            ordnungsamt_on_foot=0,
        ),
    )
    received: list[bytes] = []

    async def receive(request: web.Request) -> web.Response:
        received.append(await request.read())
        return web.json_response({"accepted": 1, "duplicates": 0}, status=202)

    async def scenario() -> tuple[bool, float, float]:
        app = web.Application()
        app.router.add_post("/{path:.*}", receive)
        runner = web.AppRunner(app)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        port = runner.addresses[0][1]
        sim = Simulator(week, secrets_by_channel={c: b"k" for c in WEBHOOKS}, webhook_url=f"http://127.0.0.1:{port}",
                        speed=math.inf)  # fmt: skip
        try:
            before = sim.now_s()
            report = await sim.run()
            return report.all_accepted, before, sim.now_s()
        finally:
            await sim.close()
            await runner.cleanup()

    accepted, before, after = asyncio.run(scenario())
    assert accepted
    assert len(received) > 300
    assert received == [p.body for p in pushes(week)]
    assert (before, after) == (week.start_s, week.end_s)


def test_main_takes_an_infinite_speed_and_refuses_nan(tmp_path: Path) -> None:
    """``--speed inf`` is the compressed mode (accepted with ``--config-only``); ``nan`` is refused."""
    path = tmp_path / "c.toml"
    assert main(["--config-only", "--speed", "inf", "--no-units", "--write-connectors-config", str(path)]) == 0
    assert main(["--speed", "nan", "--write-connectors-config", str(path)]) == 2
