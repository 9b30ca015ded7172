"""``hub connectors run``: the named instances in one asyncio process, until SIGINT/SIGTERM or until every
finite source is done. Owns the Kafka producer, the checkpoint files, the webhook server and ``/metrics``.

Guarantees (see docs/connectors.md): at-least-once towards the broker, de-duplication by (record id, version)
per instance across restarts and crashes, a checkpoint written only after the broker acknowledged.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, TypeVar

import structlog
from aiohttp import web
from prometheus_client import CollectorRegistry

from hub.config import Settings
from hub.connectors.base import ConnectorContext, HttpRoute, PushConnector, PushRequest
from hub.connectors.checkpoint import CheckpointStore, FileCheckpointStore
from hub.connectors.config import ConnectorsConfig, InstanceConfig
from hub.connectors.instance import ConnectorInstance
from hub.connectors.metrics import ConnectorMetrics
from hub.connectors.sink import KafkaSink, Sink
from hub.metrics import serve_metrics
from hub.topology import dlq_topic, qualified

log = structlog.get_logger(__name__)

T = TypeVar("T")

#: How long a webhook request may wait for the broker before it is answered 503 (the sender retries).
PUSH_DEADLINE_S = 20.0


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
        self.registry = registry or CollectorRegistry()
        self.metrics = ConnectorMetrics.create(self.registry)
        self.clock = clock
        self.serve_metrics_endpoint = serve_metrics_endpoint
        self.instances: list[ConnectorInstance] = []
        self.port: int | None = None
        self.metrics_port: int | None = None
        self.started = asyncio.Event()
        self._stop = asyncio.Event()

    def stop(self) -> None:
        """Ask every instance to finish its current step and close; ``run`` then returns."""
        self._stop.set()
        for instance in self.instances:
            instance.request_stop()

    def _instance(self, config: InstanceConfig, sink: Sink) -> ConnectorInstance:
        context = ConnectorContext(config.name, config.format, self.clock)
        return ConnectorInstance(
            config.name,
            config.build(context),
            config.options,
            config.format,
            topic=qualified(self.settings.topic_prefix, config.format.raw_topic),
            dlq_topic=qualified(self.settings.topic_prefix, dlq_topic("connectors")),
            sink=sink,
            store=self.store,
            metrics=self.metrics,
            clock=self.clock,
        )

    async def run(self) -> None:  # noqa: C901 - being split for issue 9 (helper: connectors)
        if self.serve_metrics_endpoint:
            self.metrics_port = serve_metrics(self.registry, self.settings.metrics_host, self.settings.metrics_port)
            log.info("metrics served", url=f"http://{self.settings.metrics_host}:{self.metrics_port}/metrics")
        sink = self.sink if self.sink is not None else await self._unless_stopped(self._kafka_sink())
        if sink is None:
            log.info("stopped before the broker answered")
            return
        web_runner: web.AppRunner | None = None
        try:
            for config in self.selected:
                instance = self._instance(config, sink)
                self.instances.append(instance)
                await instance.start()
            if self._stop.is_set():
                return
            pushers = [i for i in self.instances if not i.polling]
            if pushers:
                web_runner = await self._serve(pushers)
            tasks = [asyncio.create_task(i.run_polling(), name=i.name) for i in self.instances if i.polling]
            self.started.set()
            log.info("connectors running", instances=[i.name for i in self.instances], webhook_port=self.port)
            if pushers:
                await self._stop.wait()
            if tasks:
                await asyncio.gather(*tasks)
        finally:
            self.stop()
            if web_runner is not None:
                await web_runner.cleanup()
            for instance in self.instances:
                if not instance.polling:
                    await instance.close()
            if self.sink is None:
                await asyncio.to_thread(sink.close)
            log.info("connectors stopped")

    def _kafka_sink(self) -> asyncio.Future[Sink]:
        bootstrap = self.settings.bootstrap()
        return in_daemon_thread(lambda: KafkaSink(bootstrap))

    async def _unless_stopped(self, future: asyncio.Future[Sink]) -> Sink | None:
        stopped: asyncio.Future[Any] = asyncio.ensure_future(self._stop.wait())
        waiting: set[asyncio.Future[Any]] = {future, stopped}
        try:
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        return future.result() if future.done() else None

    async def _serve(self, pushers: list[ConnectorInstance]) -> web.AppRunner:
        app = web.Application()
        for instance in pushers:
            assert isinstance(instance.connector, PushConnector)
            for route in instance.connector.routes():
                handler = self._handler(instance, route)
                for method in route.methods:
                    app.router.add_route(method, route.path, handler)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, self.config.server.host, self.config.server.port)
        await site.start()
        addresses = runner.addresses
        self.port = int(addresses[0][1]) if addresses else self.config.server.port
        log.info("webhook server listening", url=f"http://{self.config.server.host}:{self.port}")
        return runner

    def _handler(self, instance: ConnectorInstance, route: HttpRoute) -> Callable[[web.Request], Any]:
        async def handle(request: web.Request) -> web.Response:
            limit = route.max_body_bytes
            if request.content_length is not None and request.content_length > limit:
                return self._answer(instance, "413", {"error": f"body is over {limit} bytes"})
            chunks: list[bytes] = []
            size = 0
            async for chunk in request.content.iter_chunked(65536):
                size += len(chunk)
                if size > limit:
                    return self._answer(instance, "413", {"error": f"body is over {limit} bytes"})
                chunks.append(chunk)
            push = PushRequest(
                path=request.path,
                method=request.method,
                headers={k.lower(): v for k, v in request.headers.items()},
                body=b"".join(chunks),
                remote=request.remote or "",
            )
            status, body = await instance.push(push, deadline_s=time.monotonic() + PUSH_DEADLINE_S)
            return web.json_response(body, status=int(status))

        return handle

    @staticmethod
    def _answer(instance: ConnectorInstance, status: str, body: dict[str, Any]) -> web.Response:
        instance.metrics.requests.labels(instance.name, status).inc()
        return web.json_response(body, status=int(status))


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
