"""``hub connectors run``: the named instances in one asyncio process, until SIGINT/SIGTERM or until every
finite source is done. Owns the Kafka producer, the checkpoint files, the webhook server and ``/metrics`` (with
``/livez`` and ``/readyz``: ready once every instance has started and the webhook server listens, while the
broker's port answers).

Guarantees (see docs/connectors.md): at-least-once towards the broker, de-duplication by (record id, version)
per instance across restarts and crashes, a checkpoint written only after the broker acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import structlog
from prometheus_client import CollectorRegistry

from hub.config import Settings
from hub.connectors.base import ConnectorContext, PushConnector
from hub.connectors.checkpoint import CheckpointStore, FileCheckpointStore
from hub.connectors.config import ConnectorsConfig, InstanceConfig
from hub.connectors.edge import EdgeMetrics, HttpLimits
from hub.connectors.metrics import ConnectorMetrics
from hub.connectors.polling import PollingInstance
from hub.connectors.push import PushInstance
from hub.connectors.server import WebhookServer, serve
from hub.connectors.settings import InstanceDeps, InstanceSettings
from hub.connectors.sink import KafkaSink, Sink
from hub.health import Readiness, Watch, reachable
from hub.kafka_security import security_of
from hub.metrics import process_registry, serve_metrics
from hub.topology import dlq_topic, qualified

log = structlog.get_logger(__name__)

T = TypeVar("T")

#: How often the runner looks whether the broker's port answers (for ``/readyz``).
BROKER_WATCH_S = 5.0


def _utcnow() -> datetime:
    return datetime.now(UTC)


def in_daemon_thread(fn: Callable[[], T]) -> asyncio.Future[T]:
    """Run a blocking call on a daemon thread: unlike asyncio.to_thread, a shutdown does not wait for it (a Kafka
    client that is still looking for an unreachable broker must not hold up SIGTERM)."""
    loop = asyncio.get_running_loop()
    future: asyncio.Future[T] = loop.create_future()

    def settle(result: T | None, error: BaseException | None) -> None:
        if future.done():
            return
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(result)  # type: ignore[arg-type]

    def target() -> None:
        try:
            result, error = fn(), None
        except BaseException as exc:  # handed to the awaiting task
            result, error = None, exc
        with contextlib.suppress(RuntimeError):  # the loop is already closed: nobody waits any more
            loop.call_soon_threadsafe(settle, result, error)

    threading.Thread(target=target, name="hub-connectors-start", daemon=True).start()
    return future


class ConnectorRunner:
    """Runs instances of one configuration against one sink; ``run`` returns when stopped or all are done."""

    def __init__(
        self,
        settings: Settings,
        config: ConnectorsConfig,
        names: Sequence[str],
        *,
        sink: Sink | None = None,
        store: CheckpointStore | None = None,
        registry: CollectorRegistry | None = None,
        clock: Callable[[], datetime] = _utcnow,
        serve_metrics_endpoint: bool = True,
    ) -> None:
        self.settings = settings
        self.config = config
        self.selected: list[InstanceConfig] = config.select(names)
        self.sink = sink
        self.store = store or FileCheckpointStore(settings.state_dir / "connectors")
        self.registry = registry or process_registry()
        self.readiness = Readiness()
        self.running = self.readiness.flag("connectors", "instances starting")
        self._broker_watch: Watch | None = None
        self.metrics = ConnectorMetrics.create(self.registry)
        self.clock = clock
        self.serve_metrics_endpoint = serve_metrics_endpoint
        self.instances: list[PollingInstance | PushInstance] = []
        self.port: int | None = None
        self.metrics_port: int | None = None
        self.started = asyncio.Event()
        self._stop = asyncio.Event()
        self._web: WebhookServer | None = None

    def stop(self) -> None:
        """Ask every instance to finish its current step and close; ``run`` then returns."""
        self._stop.set()
        for instance in self.instances:
            instance.request_stop()

    def _instance(self, config: InstanceConfig, sink: Sink) -> PollingInstance | PushInstance:
        connector = config.build(ConnectorContext(config.name, config.format, self.clock))
        settings = InstanceSettings(
            config.name,
            config.options,
            config.format,
            topic=qualified(self.settings.topic_prefix, config.format.raw_topic),
            dlq_topic=qualified(self.settings.topic_prefix, dlq_topic("connectors")),
            format_settings=config.format_settings,
        )
        deps = InstanceDeps(sink, self.store, self.metrics, self.clock)
        if isinstance(connector, PushConnector):
            return PushInstance(connector, settings, deps)
        return PollingInstance(connector, settings, deps)

    async def run(self) -> None:
        """Start the instances, serve the push ones and poll the others until stopped or all finished."""
        if self.sink is None:  # a broker of our own to watch (tests give a sink of theirs)
            bootstrap = self.settings.bootstrap()
            self._broker_watch = Watch(lambda: reachable(bootstrap), BROKER_WATCH_S).start()
            self.readiness.add("broker", self._broker_watch)
        if self.serve_metrics_endpoint:
            self.metrics_port = serve_metrics(
                self.registry, self.settings.metrics_host, self.settings.metrics_port, self.readiness
            )
            log.info("metrics served", url=f"http://{self.settings.metrics_host}:{self.metrics_port}/metrics")
        sink = self.sink if self.sink is not None else await self._unless_stopped(self._kafka_sink())
        if sink is None:
            log.info("stopped before the broker answered")
            return
        try:
            for config in self.selected:
                instance = self._instance(config, sink)
                self.instances.append(instance)
                await instance.start()
            if not self._stop.is_set():
                await self._run_started()
        finally:
            await self._shut_down(sink)

    async def _run_started(self) -> None:
        pushers = [i for i in self.instances if isinstance(i, PushInstance)]
        if pushers:
            await self._serve(pushers)
        tasks = [
            asyncio.create_task(i.run_polling(), name=i.name) for i in self.instances if isinstance(i, PollingInstance)
        ]
        self.started.set()
        self.running.set(True)
        log.info("connectors running", instances=[i.name for i in self.instances], webhook_port=self.port)
        if pushers:
            await self._stop.wait()
        if tasks:
            await asyncio.gather(*tasks)

    async def _shut_down(self, sink: Sink) -> None:
        self.stop()
        self.running.set(False, "stopping")
        if self._broker_watch is not None:
            self._broker_watch.stop()
        if self._web is not None:
            await self._web.close()
        for instance in self.instances:
            if isinstance(instance, PushInstance):
                await instance.close()
        if self.sink is None:
            await asyncio.to_thread(sink.close)
        log.info("connectors stopped")

    def _kafka_sink(self) -> asyncio.Future[Sink]:
        bootstrap, max_age_s = self.settings.bootstrap(), self.settings.kafka_metadata_max_age_s
        security = security_of(self.settings)
        return in_daemon_thread(lambda: KafkaSink(bootstrap, metadata_max_age_s=max_age_s, security=security))

    async def _unless_stopped(self, future: asyncio.Future[Sink]) -> Sink | None:
        stopped: asyncio.Future[Any] = asyncio.ensure_future(self._stop.wait())
        waiting: set[asyncio.Future[Any]] = {future, stopped}
        try:
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        return future.result() if future.done() else None

    async def _serve(self, pushers: list[PushInstance]) -> None:
        server = self.config.server
        limits = HttpLimits.from_settings(self.settings)
        self._web = await serve(
            pushers, server.host, server.port, self.metrics, EdgeMetrics.create(self.registry), limits
        )
        self.port = self._web.port
        log.info("webhook server listening", url=f"http://{server.host}:{self.port}")


def run_connectors(settings: Settings, config: ConnectorsConfig, names: Sequence[str]) -> int:
    """Run the named instances until SIGINT/SIGTERM (or until every one is a finished finite source)."""

    async def main() -> None:
        runner = ConnectorRunner(settings, config, names)
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, runner.stop)
        await runner.run()

    asyncio.run(main())
    return 0
