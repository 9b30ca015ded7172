"""Console push latency: from an alert revision entering ``alerts.polizei`` to its appearance in connected clients.

Run: .venv/bin/python -m bench.bench_console [--clients 50] [--revisions 300] [--rate 20]
Starts the embedded broker and PostgreSQL, the ``alert-store`` worker and ``hub console`` as real processes, opens
``--clients`` event streams (``GET /api/stream`` with the police's bearer token), then produces ``--revisions``
alert revisions at ``--rate`` per second. A revision's latency for one client is the time from the broker's
acknowledgement of its record to the moment that client has read its event; the path is broker -> alert-store
worker -> PostgreSQL (commit, NOTIFY) -> console (LISTEN, fan-out) -> Server-Sent Events. Prints p50/p90/p99/max
over every (revision, client) pair and how many events arrived. Everything runs on the same machine, clients
included: read the figures as an upper bound for one console process on two cores.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

from hub.config import Settings
from hub.console.testing import sample_alert
from hub.devstack import EmbeddedStack
from hub.kafka_admin import apply_topology
from hub.kafka_produce import make_producer
from hub.logging import configure_logging
from hub.processes import StageProcess, free_port, spawn_console
from hub.router.core import alert_record
from hub.store.migrate import migrate
from hub.topology import qualified

TOKEN = "bench-polizei-token-2f6c1e9a8b7d"


class Clients:
    """``count`` event-stream readers; ``seen[(alert_id, revision)]`` is the list of arrival times (perf_counter)."""

    def __init__(self, url: str, count: int) -> None:
        self.url = url
        self.count = count
        self.seen: dict[tuple[str, int], list[float]] = {}
        self.connected = 0

    async def read(self, session: aiohttp.ClientSession) -> None:
        headers = {"Authorization": f"Bearer {TOKEN}", "Accept": "text/event-stream"}
        async with session.get(f"{self.url}/api/stream", headers=headers) as answer:
            answer.raise_for_status()
            self.connected += 1
            event = ""
            async for raw in answer.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    event = line.removeprefix("event: ")
                elif line.startswith("data: ") and event == "alert":
                    self.on_alert(json.loads(line.removeprefix("data: ")), time.perf_counter())

    def on_alert(self, data: dict[str, Any], arrived: float) -> None:
        """One ``alert`` event read by a client at ``arrived`` (perf_counter); a subclass may record other things."""
        self.seen.setdefault((data["alert_id"], data["revision"]), []).append(arrived)


async def run_clients(clients: Clients, produce: asyncio.Future[None], settle_s: float) -> None:
    """Read until ``produce`` is done and ``settle_s`` more have passed."""
    timeout = aiohttp.ClientTimeout(total=None, sock_read=None)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        readers = [asyncio.create_task(clients.read(session)) for _ in range(clients.count)]
        await produce
        await asyncio.sleep(settle_s)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)


def produce(settings: Settings, revisions: int, rate: float) -> dict[tuple[str, int], float]:
    """Produce ``revisions`` revisions (one alert per ten revisions) at ``rate`` per second; the perf_counter of each
    broker acknowledgement."""
    producer = make_producer(settings.bootstrap(), "bench-console", linger_ms=0)
    topic = qualified(settings.topic_prefix, "alerts.polizei")
    acked: dict[tuple[str, int], float] = {}
    started = time.perf_counter()
    try:
        for n in range(revisions):
            alert = sample_alert("polizei", number=1_000 + n // 10, revision=1 + n % 10)
            record = alert_record(alert)
            producer.send(topic, key=record.key, value=record.value).get(timeout=30)
            acked[(alert.alert_id, alert.revision)] = time.perf_counter()
            pause = started + (n + 1) / rate - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
    finally:
        producer.close()
    return acked


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def measure(args: argparse.Namespace, state: Path) -> None:
    with EmbeddedStack(state, broker_port=free_port(), postgres_port=free_port()) as ep:
        settings = Settings(
            kafka_bootstrap=ep.kafka_bootstrap,
            database_url=ep.database_url,  # type: ignore[arg-type]
            state_dir=state,
            topic_prefix="bench.",
            consumer_session_timeout_s=3.0,
        )
        apply_topology(settings.bootstrap(), settings.topic_prefix)
        migrate(settings.database_conninfo())
        store = StageProcess(settings, "alert-store", free_port(), state / "alert-store.log")
        store.start()
        store.wait_ready()
        console, url = spawn_console(
            settings, state / "console.log", env={"HUB_ACK_TOKEN_POLIZEI": TOKEN, "HUB_LOG_LEVEL": "warning"}
        )
        try:
            clients = Clients(url, args.clients)

            async def main() -> dict[tuple[str, int], float]:
                loop = asyncio.get_running_loop()
                producing: asyncio.Future[None] = loop.create_future()
                readers = asyncio.create_task(run_clients(clients, producing, settle_s=3.0))
                while clients.connected < clients.count:
                    await asyncio.sleep(0.05)
                acked = await asyncio.to_thread(produce, settings, args.revisions, args.rate)
                producing.set_result(None)
                await readers
                return acked

            acked = asyncio.run(main())
        finally:
            console.signal_stop()
            console.wait_or_kill(20)
            store.stop()
    report(acked, clients)


def report(acked: dict[tuple[str, int], float], clients: Clients) -> None:
    latencies_ms = [
        (arrived - acked[key]) * 1000 for key, times in clients.seen.items() if key in acked for arrived in times
    ]
    expected = len(acked) * clients.count
    print(f"{len(acked)} revisions x {clients.count} clients: {len(latencies_ms)} of {expected} events arrived")
    if latencies_ms:
        print(
            f"push latency (broker ack -> client): p50 {percentile(latencies_ms, 0.5):.0f} ms, "
            f"p90 {percentile(latencies_ms, 0.9):.0f} ms, p99 {percentile(latencies_ms, 0.99):.0f} ms, "
            f"max {max(latencies_ms):.0f} ms, mean {statistics.fmean(latencies_ms):.0f} ms"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--revisions", type=int, default=300)
    parser.add_argument("--rate", type=float, default=20.0, help="revisions per second")
    args = parser.parse_args()
    configure_logging(Settings(log_level="warning"))
    with tempfile.TemporaryDirectory(prefix="hub-bench-console-") as tmp:
        measure(args, Path(tmp))


if __name__ == "__main__":
    main()
