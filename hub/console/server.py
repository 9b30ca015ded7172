"""``hub console``: builds the console's parts from the settings, serves them with uvicorn on
``HUB_CONSOLE_HOST``:``HUB_CONSOLE_PORT`` and ``/metrics`` on ``HUB_METRICS_PORT``, relays the store's
notifications to the event streams, and stops cleanly on SIGINT/SIGTERM.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import signal
import socket
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

import structlog
import uvicorn
from prometheus_client import CollectorRegistry

from hub.acks_http import AckDesk, AckMetrics, AckPublisher, connect_early
from hub.config import Settings
from hub.connectors.edge import BurstLog, ConnectionGate, HttpLimits
from hub.connectors.sink import KafkaSink, Sink
from hub.console.actions import Actions
from hub.console.app import build_app
from hub.console.deps import Console
from hub.console.metrics import ConsoleMetrics
from hub.console.pages import Pages
from hub.console.places import default_places
from hub.console.protocol import ConsoleEdge, EdgeConfig
from hub.console.sessions import SessionStore, SignInLimiter
from hub.console.source import AlertSource
from hub.console.stream import Fanout, Relay
from hub.console.users import Authenticator, User
from hub.health import Flag, Readiness, Watch, reachable
from hub.kafka_security import security_of
from hub.metrics import process_registry, serve_metrics

__all__ = ["Served", "SourceFactory", "build_console", "edge_config", "run_console", "serve_console"]

log = structlog.get_logger(__name__)

#: Opens the alert store for the console's lifetime (the real one: a connection pool and a LISTEN connection).
SourceFactory = Callable[[Settings], AbstractAsyncContextManager[AlertSource]]
#: How long open requests (event streams end at once) get to finish when the console stops.
GRACEFUL_S = 5


@dataclass(frozen=True)
class Served:
    """What a started console serves: its URL, ``/metrics``, the domains systems can use, how many users."""

    url: str
    metrics_url: str
    domains: list[str]
    users: int


def build_console(
    settings: Settings,
    source: AlertSource,
    users: Mapping[str, User],
    tokens: Mapping[str, bytes],
    registry: CollectorRegistry,
    connect: Callable[[], Sink] | None = None,
) -> Console:
    """The console's parts; ``connect`` makes the broker client (default: Kafka at the settings' bootstrap)."""
    timeout_s = settings.acks_produce_timeout_s
    broker: Watch | None = None
    if connect is None:
        bootstrap, security = settings.bootstrap(), security_of(settings)
        broker = Watch(lambda: reachable(bootstrap), PROBE_INTERVAL_S).start()

        def connect() -> Sink:
            return KafkaSink(
                bootstrap,
                client_id="hub-console",
                request_timeout_s=timeout_s,
                metadata_max_age_s=settings.kafka_metadata_max_age_s,
                security=security,
            )

    metrics = ConsoleMetrics.create(registry)
    places = default_places()
    publisher = AckPublisher(connect, timeout_s)
    desk = AckDesk(tokens, publisher, AckMetrics.create(registry), topic_prefix=settings.topic_prefix)
    actions = Actions(source, desk, places, metrics)
    desk.check = actions.check_ack
    return Console(
        source=source,
        places=places,
        sessions=SessionStore(settings.console_session_idle_s),
        limiter=SignInLimiter(),
        authenticator=Authenticator(dict(users)),
        tokens=dict(tokens),
        desk=desk,
        actions=actions,
        fanout=Fanout(metrics),
        metrics=metrics,
        pages=Pages(),
        cookie_mode=settings.console_cookie_secure,
        limits=HttpLimits.from_settings(settings),
        broker=broker,
    )


#: How often the console looks at its database and the broker's port for ``/readyz`` (on its metrics port).
PROBE_INTERVAL_S = 5.0


def _broker_ready(console: Console) -> tuple[bool, str]:
    if not console.desk.publisher.connected:
        return False, "broker not connected yet"
    return console.broker() if console.broker is not None else (True, "")


async def _check_database(console: Console, flag: Flag) -> None:
    """Every ``PROBE_INTERVAL_S``: does the alert store answer (as ``/healthz`` asks)?"""
    while True:
        try:
            await asyncio.wait_for(console.source.ping(), PROBE_INTERVAL_S)
        except Exception as exc:  # any failure to answer is the database being away, for readiness
            flag.set(False, f"database unavailable: {type(exc).__name__}")
        else:
            flag.set(True)
        await asyncio.sleep(PROBE_INTERVAL_S)


def edge_config(console: Console) -> EdgeConfig:
    """uvicorn's config of the console's app, its connections held by a gate of their own (``config.edge.gate``)
    within ``console.limits``."""
    limits = console.limits.within_file_limit()
    gate = ConnectionGate("console", limits, console.metrics.connections, BurstLog("console"))
    return EdgeConfig(
        build_app(console),
        ConsoleEdge(gate, console.metrics),
        limits.max_head_bytes,
        log_config=None,
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=GRACEFUL_S,
        ws="none",  # no WebSockets here (the live board is Server-Sent Events)
        # The gate closes connections that send no head in time; uvicorn's own keep-alive timer is a backstop.
        timeout_keep_alive=math.ceil(limits.header_timeout_s * 2),
    )


class _Server(uvicorn.Server):
    """uvicorn without its own signal handling: the console's stop event decides when to stop."""

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(128)
    sock.setblocking(False)
    return sock


async def serve_console(
    console: Console,
    settings: Settings,
    host: str,
    port: int,
    stop: asyncio.Event,
    started: Callable[[Served], None] = lambda served: None,
    registry: CollectorRegistry | None = None,
) -> None:
    """Serve ``console`` on ``host:port`` (0 picks a port) until ``stop`` is set."""
    metrics_url = ""
    readiness = Readiness()
    database = readiness.flag("database", "not checked yet")
    readiness.add("broker", lambda: _broker_ready(console))
    if registry is not None:
        metrics_port = serve_metrics(registry, settings.metrics_host, settings.metrics_port, readiness)
        metrics_url = f"http://{settings.metrics_host}:{metrics_port}/metrics"
    checking = asyncio.create_task(_check_database(console, database))
    sock = _listen(host, port)
    config = edge_config(console)
    server = _Server(config)
    serving = asyncio.create_task(server.serve(sockets=[sock]))
    relay = asyncio.create_task(Relay(console.source, console.places, console.fanout).run())
    connecting = asyncio.create_task(connect_early(console.desk.publisher))
    try:
        while not server.started and not serving.done():
            await asyncio.sleep(0.01)
        if serving.done():
            await serving  # it failed to start: raise why
        bound = sock.getsockname()[1]
        shown = f"[{host}]" if ":" in host else host
        served = Served(f"http://{shown}:{bound}", metrics_url, console.desk.domains, len(console.authenticator.users))
        log.info("console served", url=served.url, metrics=served.metrics_url, domains=served.domains)
        started(served)
        await stop.wait()
    finally:
        console.fanout.close()  # event streams end now, so the graceful shutdown does not wait for them
        server.should_exit = True
        with contextlib.suppress(asyncio.CancelledError):
            await serving
        for task in (relay, connecting, checking):
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await console.desk.publisher.close()
        config.edge.gate.close()
        sock.close()
        log.info("console stopped")


def run_console(
    settings: Settings,
    users: Mapping[str, User],
    tokens: Mapping[str, bytes],
    open_source: SourceFactory,
    host: str,
    port: int,
    started: Callable[[Served], None] = lambda served: None,
) -> int:
    """``hub console``: serve until SIGINT/SIGTERM."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        registry = process_registry()
        async with open_source(settings) as source:
            console = build_console(settings, source, users, tokens, registry)
            await serve_console(console, settings, host, port, stop, started, registry)

    asyncio.run(main())
    return 0
