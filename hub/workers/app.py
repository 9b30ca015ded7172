"""Faust app factory: one app (= one consumer group) per stage, tuned for the embedded broker and for a quick
take-over, and never creating a topic.

The embedded broker answers a fetch only after most of the consumer's ``fetch_max_wait_ms``; faust hard-codes
1500 ms for its worker consumer, so the transport below applies ``HUB_CONSUMER_FETCH_MAX_WAIT_MS`` instead.
It also reports the end offset of a partition wrong (the last record batch's base offset plus one), and faust
recovers a table's changelog only up to that end: the consumer below corrects the end offsets it is given
(``hub.kafka_read.true_end_offsets``), so tables recover whole.

Where the group's committed offsets lie outside a partition's records (the broker lost its data, or retention
removed records before they were read), the consumer starts over at the partition's first record instead of
skipping what is there (``hub.offsets``), and tells the app's ``on_offset_reset``. Every aiokafka client of a worker
asks the broker not to create the topics it names (``refuse_topic_auto_creation``); topics come from
``hub topics apply``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping
from contextlib import suppress
from typing import Any, cast

import faust
import structlog
from aiokafka import client as aiokafka_client
from aiokafka.errors import KafkaError
from aiokafka.protocol.group import LeaveGroupRequest
from aiokafka.protocol.metadata import MetadataRequest
from faust.tables.manager import TableManager
from faust.transport.drivers import aiokafka as faust_aiokafka

from hub.config import Settings
from hub.errors import BrokerError
from hub.kafka_read import true_end_offsets
from hub.kafka_security import PLAINTEXT, KafkaSecurity, security_of
from hub.offsets import OffsetReset, out_of_range

__all__ = [
    "HubApp",
    "HubGlobalTable",
    "HubTableManager",
    "leave_also_in_generation_zero",
    "make_app",
    "offset_resets",
    "refuse_topic_auto_creation",
]

log = structlog.get_logger(__name__)


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


def leave_also_in_generation_zero(consumer: Any) -> None:
    """Make ``consumer`` leave its group when it stops, also in the group's first generation.

    aiokafka sends LeaveGroup on close only from generation 1 on, Kafka's first; the embedded broker numbers the
    first generation 0, so a worker stopped before any rebalance stayed a member until its session timed out, and a
    replacement waited for that (measured: 7 to 13 s from the signal instead of 4 to 5, session timeout 6 s).
    """
    coordinator = getattr(consumer, "_coordinator", None)
    if coordinator is None or getattr(coordinator, "_group_instance_id", None) is not None:
        return  # a static member keeps its membership on purpose
    leave = coordinator._maybe_leave_group

    async def leave_group() -> None:
        if coordinator.generation == 0:
            with suppress(KafkaError, asyncio.TimeoutError):  # best effort, as aiokafka's own leave
                await coordinator._send_req(LeaveGroupRequest(coordinator.group_id, coordinator.member_id))
        await leave()

    coordinator._maybe_leave_group = leave_group


async def offset_resets(
    consumer: Any, committed: Mapping[Any, int], bootstrap: str, security: KafkaSecurity | None = None
) -> dict[Any, OffsetReset]:
    """The partitions of ``committed`` (an aiokafka consumer's ``TopicPartition`` -> committed offset) whose
    committed offset lies outside their records (``hub.offsets``), asked of ``consumer``; the end offsets the
    embedded broker reports too low (the module docstring) are checked against the true ones. Raises KafkaError or
    BrokerError when the broker does not answer."""
    starts = dict(await consumer.beginning_offsets(list(committed)))
    ends = dict(await consumer.end_offsets(list(committed)))
    past = {tp: ends[tp] for tp, at in committed.items() if at > ends[tp]}
    if past:
        ends.update(await asyncio.to_thread(true_end_offsets, bootstrap, past, security=security))
    return out_of_range(committed, starts, ends)


class _ConsumerThread(faust_aiokafka.AIOKafkaConsumerThread):
    fetch_max_wait_ms: int = 10
    bootstrap: str = ""
    security: KafkaSecurity = PLAINTEXT

    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        # aiokafka reads this when its fetcher starts, which happens after construction.
        consumer._fetch_max_wait_ms = self.fetch_max_wait_ms
        return consumer

    async def on_start(self) -> None:
        await super().on_start()
        leave_also_in_generation_zero(self._consumer)

    async def _highwaters(self, partitions: list[Any]) -> Mapping[Any, int]:
        reported = await super()._highwaters(partitions)
        return await asyncio.to_thread(true_end_offsets, self.bootstrap, reported, security=self.security)

    async def seek_to_committed_checked(self) -> tuple[dict[Any, int | None], list[OffsetReset]]:
        """Seek every assigned partition to its committed offset, or to its first record where that offset lies
        outside the partition's records (``hub.offsets``); the committed offsets as the consumer now reads from
        them, and the resets."""
        return cast(
            tuple[dict[Any, int | None], list[OffsetReset]], await self.call_thread(self._seek_to_committed_checked)
        )

    async def _seek_to_committed_checked(self) -> tuple[dict[Any, int | None], list[OffsetReset]]:
        consumer = self._ensure_consumer()
        committed: dict[Any, int | None] = dict(await consumer.seek_to_committed())
        changelogs = self.app.tables.changelog_topics  # read from their start by table recovery, never committed
        checked = {tp: at for tp, at in committed.items() if at is not None and tp.topic not in changelogs}
        if not checked:
            return committed, []
        try:
            resets = await offset_resets(consumer, checked, self.bootstrap, self.security)
        except (KafkaError, BrokerError) as exc:  # read as faust would; the next assignment checks again
            log.warning("the committed offsets could not be checked against the partitions", error=repr(exc))
            return committed, []
        for tp, reset in resets.items():
            consumer.seek(tp, reset.to)
            committed[tp] = reset.to
        if resets:
            try:  # said and counted once: the next assignment finds the offsets in range
                await consumer.commit({tp: reset.to for tp, reset in resets.items()})
            except KafkaError as exc:
                log.warning("the reset offsets were not committed; the next batch commits them", error=repr(exc))
        return committed, list(resets.values())


def _transport_class(fetch_max_wait_ms: int, bootstrap: str, security: KafkaSecurity) -> type[Any]:
    thread_cls = type(
        "HubConsumerThread",
        (_ConsumerThread,),
        {"fetch_max_wait_ms": fetch_max_wait_ms, "bootstrap": bootstrap, "security": security},
    )

    class HubConsumer(faust_aiokafka.Consumer):
        def _new_consumer_thread(self) -> Any:
            return thread_cls(self, loop=self.loop, beacon=self.beacon)

        async def seek_to_committed(self) -> Mapping[Any, int]:
            # faust seeks to the committed offsets (and takes them as its own bookkeeping) after every rebalance.
            committed, resets = await cast(_ConsumerThread, self._thread).seek_to_committed_checked()
            told = cast(HubApp, self.app).on_offset_reset
            for reset in resets:
                if told is not None:
                    told(reset)
            return cast(Mapping[Any, int], committed)

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


class HubTableManager(TableManager):
    """faust's table manager without the second it sleeps before registering the tables' changelogs, which every
    worker start waited for (the consumer subscribes only after that): the hub's stages define their tables before
    the worker starts."""

    async def on_start(self) -> None:
        if not self.should_stop:
            await self._update_channels()
            await self.recovery.start()


#: aiokafka's batch per partition (faust's default is 16 KiB). A table's changelog has one partition, so this is how
#: much of the router's state one produce request carries; at 16 KiB (about 45 vehicle entries) the changelog fell
#: behind at a few hundred positions/s and faust's producer buffer held up the router's input (issue 13).
PRODUCER_MAX_BATCH_BYTES = 256 * 1024
#: One produce request may carry several partitions' batches; at least one whole batch.
PRODUCER_MAX_REQUEST_BYTES = 1024 * 1024
#: Table writes queued in faust's producer buffer before the stream waits for them (faust: 100). Past it, faust's
#: conductor stops feeding every stream of the app until the buffer is drained ("producer buffer full"); with
#: bigger batches the buffer drains quickly, and a router batch (up to 500 events) may write hundreds of entries.
PRODUCER_BUFFER_MAX_MESSAGES = 5_000


class HubApp(faust.App):
    """A faust App whose consumer uses the hub's fetch wait and checks the committed offsets it starts from, and whose
    producer buffer holds more table writes."""

    hub_fetch_max_wait_ms: int = 10
    hub_bootstrap: str = ""
    hub_security: KafkaSecurity = PLAINTEXT
    #: Told of each committed offset the consumer found outside its partition's records (the stage logs and counts).
    on_offset_reset: Callable[[OffsetReset], None] | None = None

    def _new_transport(self) -> Any:
        transport = _transport_class(self.hub_fetch_max_wait_ms, self.hub_bootstrap, self.hub_security)
        return transport(self.conf.broker_consumer, self)

    def _new_producer(self) -> Any:
        producer = super()._new_producer()
        producer.buffer.max_messages = PRODUCER_BUFFER_MAX_MESSAGES
        return producer


def make_app(settings: Settings, stage: str) -> HubApp:
    """The faust app of ``stage``; its consumer group is ``<prefix>hub-<stage>``. Every client of the app (consumer,
    producer, faust's admin) connects with the settings' TLS and SASL (``hub.kafka_security``)."""
    refuse_topic_auto_creation()
    security = security_of(settings)
    log.info("kafka clients connect", stage=stage, security=security.describe())
    brokers = [f"kafka://{server.strip()}" for server in settings.bootstrap().split(",")]
    session = settings.consumer_session_timeout_s
    datadir = settings.state_dir / "faust" / f"{settings.topic_prefix}{stage}"
    datadir.mkdir(parents=True, exist_ok=True)  # faust creates only the last level itself
    app = HubApp(
        f"{settings.topic_prefix}hub-{stage}",
        broker=brokers,
        broker_credentials=security.faust(),
        key_serializer="raw",
        value_serializer="raw",
        # Topics are created by `hub topics apply`; faust must not declare or auto-create any.
        topic_allow_declare=False,
        topic_disable_leader=True,
        web_enabled=False,
        store="memory://",
        GlobalTable=HubGlobalTable,
        TableManager=HubTableManager,
        datadir=str(datadir),
        consumer_auto_offset_reset="earliest",
        broker_session_timeout=session,
        broker_heartbeat_interval=max(session / 6, 0.5),
        consumer_group_instance_id=settings.consumer_group_instance_id,
        producer_acks=-1,
        producer_linger_ms=5,
        producer_max_batch_size=PRODUCER_MAX_BATCH_BYTES,
        producer_max_request_size=PRODUCER_MAX_REQUEST_BYTES,
        # The embedded broker acknowledges records for a topic it no longer has and keeps none: refresh the
        # producer's view often, so a vanished topic holds the stage's sends (faust's default: 5 minutes).
        producer_metadata_max_age_ms=round(settings.kafka_metadata_max_age_s * 1000),
    )
    app.hub_fetch_max_wait_ms = settings.consumer_fetch_max_wait_ms
    app.hub_bootstrap = settings.bootstrap()
    app.hub_security = security
    return app
