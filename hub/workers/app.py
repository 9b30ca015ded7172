"""Faust app factory: one app (= one consumer group) per stage, tuned for the embedded broker.

The embedded broker answers a fetch only after most of the consumer's ``fetch_max_wait_ms``; faust hard-codes
1500 ms for its worker consumer, so the transport below applies ``HUB_CONSUMER_FETCH_MAX_WAIT_MS`` instead.
It also reports the end offset of a partition wrong (the last record batch's base offset plus one), and faust
recovers a table's changelog only up to that end: the consumer below corrects the end offsets it is given
(``hub.kafka_read.true_end_offsets``), so tables recover whole.

Every aiokafka client of a worker asks the broker not to create the topics it names (``refuse_topic_auto_creation``);
topics come from ``hub topics apply``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import faust
from aiokafka import client as aiokafka_client
from aiokafka.protocol.metadata import MetadataRequest
from faust.transport.drivers import aiokafka as faust_aiokafka

from hub.config import Settings
from hub.kafka_produce import METADATA_MAX_AGE_MS
from hub.kafka_read import true_end_offsets


class _MetadataRequestNoCreate(MetadataRequest):  # type: ignore[misc]  # aiokafka's protocol classes are untyped
    """aiokafka's metadata request, asking the broker not to create the topics it names unless told otherwise."""

    def __init__(self, topics: list[str] | None = None, allow_auto_topic_creation: bool | None = False) -> None:
        super().__init__(topics, allow_auto_topic_creation)


def refuse_topic_auto_creation() -> None:
    """Make every aiokafka client of this process ask the broker not to create the topics it names.

    aiokafka 0.14 has no setting for it: its clients build every metadata request with auto-creation asked for, so a
    worker subscribed to or sending to a missing topic had the broker create it with the broker's default partition
    count. Process-wide (in a worker, faust's consumer and producer are the only aiokafka clients) and idempotent.
    """
    aiokafka_client.MetadataRequest = _MetadataRequestNoCreate


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    fetch_max_wait_ms: int = 10
    bootstrap: str = ""

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka reads this when its fetcher starts, which happens after construction.
        consumer._fetch_max_wait_ms = self.fetch_max_wait_ms
        return consumer

    async def _highwaters(self, partitions: list[Any]) -> Mapping[Any, int]:
        reported = await super()._highwaters(partitions)
        return await asyncio.to_thread(true_end_offsets, self.bootstrap, reported)


def _transport_class(fetch_max_wait_ms: int, bootstrap: str) -> type[Any]:
    thread_cls = type(
        "HubConsumerThread", (_ConsumerThread,), {"fetch_max_wait_ms": fetch_max_wait_ms, "bootstrap": bootstrap}
    )

    class HubConsumer(faust_aiokafka.Consumer):
        def _new_consumer_thread(self) -> Any:
            return thread_cls(self, loop=self.loop, beacon=self.beacon)

    class HubTransport(faust_aiokafka.Transport):
        Consumer = HubConsumer

    return HubTransport


class HubGlobalTable(faust.GlobalTable):
    """faust's GlobalTable, with the changelog topic it was given also used in partition assignment.

    faust 0.15.3's assignor looks a global table's changelog up under the default name (``<app>-<table>-changelog``)
    even when the table was given its own topic; the KeyError is raised inside the group join, is not logged, and
    the worker waits for partitions forever.
    """

    def _changelog_topic_name(self) -> str:
        return str(self.changelog_topic.get_topic_name())


class HubApp(faust.App):
    """A faust App whose consumer uses the hub's fetch wait."""

    hub_fetch_max_wait_ms: int = 10
    hub_bootstrap: str = ""

    def _new_transport(self) -> Any:
        transport = _transport_class(self.hub_fetch_max_wait_ms, self.hub_bootstrap)
        return transport(self.conf.broker_consumer, self)


def make_app(settings: Settings, stage: str) -> HubApp:
    """The faust app of ``stage``; its consumer group is ``<prefix>hub-<stage>``."""
    refuse_topic_auto_creation()
    brokers = [f"kafka://{server.strip()}" for server in settings.bootstrap().split(",")]
    session = settings.consumer_session_timeout_s
    datadir = settings.state_dir / "faust" / f"{settings.topic_prefix}{stage}"
    datadir.mkdir(parents=True, exist_ok=True)  # faust creates only the last level itself
    app = HubApp(
        f"{settings.topic_prefix}hub-{stage}",
        broker=brokers,
        key_serializer="raw",
        value_serializer="raw",
        # Topics are created by `hub topics apply`; faust must not declare or auto-create any.
        topic_allow_declare=False,
        topic_disable_leader=True,
        web_enabled=False,
        store="memory://",
        GlobalTable=HubGlobalTable,
        datadir=str(datadir),
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=session,
        broker_heartbeat_interval=max(session / 6, 0.5),
        producer_acks=-1,
        producer_linger_ms=5,
        # The embedded broker acknowledges records for a topic it no longer has and keeps none: refresh the
        # producer's view often, so a vanished topic holds the stage's sends (faust's default: 5 minutes).
        producer_metadata_max_age_ms=METADATA_MAX_AGE_MS,
    )
    app.hub_fetch_max_wait_ms = settings.consumer_fetch_max_wait_ms
    app.hub_bootstrap = settings.bootstrap()
    return app
