"""The faust shells of the stages: thin batch loops around the pure cores, with dead-letter and metrics.

Every stage consumes in batches (``take_events``), awaits all of its sends before the batch is acknowledged
(at-least-once), and never dies on one bad event: it is dead-lettered with reason and origin, and counted.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, cast

import psycopg
import structlog
from psycopg_pool import AsyncConnectionPool

from hub.config import Settings
from hub.errors import DeadLetterReason, InvalidEventError
from hub.metrics import StageMetrics
from hub.network.gtfs_static import default_gtfs
from hub.privacy.policy import PolicyViolation
from hub.privacy.register import Transfer, record_transfers
from hub.privacy.retention import RetentionPeriods
from hub.privacy.transform import StopIndex
from hub.privacy.vault import VaultEntry, store_entries
from hub.schemas import CloudEvent
from hub.store.events import StoredEvent, upsert_events
from hub.streams.deadletter import Origin, dead_letter
from hub.streams.faust_app import HubApp, make_app
from hub.streams.normalise import MAPPERS
from hub.streams.pseudonymise import Pseudonymiser, stage_keys, stage_policy, stage_scrubber
from hub.topology import CANONICAL_KINDS, canon_topic, dlq_topic, qualified

log = structlog.get_logger(__name__)

BATCH_MAX = 500
BATCH_WITHIN_S = 0.05


@dataclass(frozen=True)
class OutRecord:
    """One record a stage produces: topic (declared name), key, value, headers."""

    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] | None = None
    dead_letter_code: DeadLetterReason | None = None


class StageShell:
    """What every stage's agent shares: its name, the prefixed topic names, sending, dead-lettering, counting."""

    def __init__(self, settings: Settings, stage: str, metrics: StageMetrics) -> None:
        self.settings = settings
        self.stage = stage
        self.metrics = metrics
        self.app: HubApp = make_app(settings, stage)
        self.log = log.bind(stage=stage)
        # faust types the receiver too narrowly for a bound coroutine method.
        self.app.on_partitions_assigned.connect(cast(Any, self._on_assigned))

    async def _on_assigned(self, sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        assigned = args[0] if args else kwargs.get("assigned", ())
        self.metrics.assigned_partitions.labels(self.stage).set(len(assigned))
        self.log.info("partitions assigned", count=len(assigned))

    def name(self, declared: str) -> str:
        return qualified(self.settings.topic_prefix, declared)

    def declared(self, topic: str) -> str:
        return topic.removeprefix(self.settings.topic_prefix)

    def topics(self, declared: Sequence[str]) -> Any:
        return self.app.topic(*(self.name(t) for t in declared))

    def dead(self, code: DeadLetterReason, reason: str, message: Any) -> OutRecord:
        """The record for ``dlq.<stage>`` of a message given up on (counted once the broker has it)."""
        origin = Origin(message.topic, message.partition, message.offset)
        self.log.warning(
            "dead-lettered",
            code=code,
            reason=reason,
            topic=origin.topic,
            partition=origin.partition,
            offset=origin.offset,
        )
        letter = dead_letter(self.stage, code, reason, origin, message.key, message.value or b"")
        return OutRecord(dlq_topic(self.stage), letter.key, letter.value, letter.headers(), code)

    async def send_all(self, records: Sequence[OutRecord]) -> None:
        """Send ``records`` and wait until the broker has acknowledged every one."""
        producer = self.app.producer
        pending: list[Awaitable[Any]] = []
        for r in records:
            pending.append(await producer.send(self.name(r.topic), r.key, r.value, None, None, r.headers))
        await asyncio.gather(*pending)
        for r in records:
            if r.dead_letter_code is not None:
                self.metrics.dead_lettered.labels(self.stage, r.dead_letter_code).inc()

    async def batches(self, stream: Any) -> AsyncIterator[Sequence[Any]]:
        """The stream in batches of events, timed and counted in."""
        async for events in stream.take_events(BATCH_MAX, within=BATCH_WITHIN_S):
            started = time.perf_counter()
            self.metrics.events_in.labels(self.stage).inc(len(events))
            yield events
            self.metrics.batch_seconds.labels(self.stage).observe(time.perf_counter() - started)


def normalise_stage(settings: Settings, metrics: StageMetrics) -> StageShell:
    """raw.* -> canon.<kind>; bad records -> dlq.normalise."""
    shell = StageShell(settings, "normalise", metrics)

    async def normalise(stream: Any) -> None:
        async for events in shell.batches(stream):
            out: list[OutRecord] = []
            produced = 0
            for event in events:
                message = event.message
                mapper = MAPPERS[shell.declared(message.topic)]
                try:
                    records = mapper(message.value or b"")
                except InvalidEventError as exc:
                    out.append(shell.dead(exc.code, exc.reason, message))
                    continue
                except Exception as exc:  # a bug in a mapper must not stop the worker
                    shell.log.exception("mapper failed", topic=message.topic, offset=message.offset)
                    out.append(shell.dead("processing_error", f"{type(exc).__name__}: {exc}", message))
                    continue
                produced += len(records)
                out += [OutRecord(r.topic, r.key, r.value(), None) for r in records]
            await shell.send_all(out)
            metrics.events_out.labels(shell.stage).inc(produced)

    shell.app.agent(shell.topics(list(MAPPERS)), name="normalise")(normalise)
    return shell


def sink_stage(settings: Settings, metrics: StageMetrics) -> StageShell:
    """canon.* -> PostgreSQL ``events`` (upsert by id); undecodable or refused rows -> dlq.sink."""
    shell = StageShell(settings, "sink", metrics)
    pool = AsyncConnectionPool(settings.database_conninfo(), min_size=1, max_size=2, open=False)

    async def store(rows: list[StoredEvent], messages: list[Any]) -> list[OutRecord]:
        """Upsert rows; retry while the database is unreachable; dead-letter rows it refuses."""
        delay = 0.5
        while True:
            try:
                async with pool.connection() as conn:
                    await upsert_events(conn, rows)
                return []
            except psycopg.OperationalError as exc:
                shell.log.warning("database unavailable, retrying", error=str(exc), retry_in_s=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)
            except psycopg.Error:
                break
        # One row spoiled the batch transaction: store row by row to find it.
        dead: list[OutRecord] = []
        for row, message in zip(rows, messages, strict=True):
            try:
                async with pool.connection() as conn:
                    await upsert_events(conn, [row])
            except psycopg.OperationalError:
                raise
            except psycopg.Error as exc:
                dead.append(shell.dead("store_rejected", f"{type(exc).__name__}: {exc}", message))
        return dead

    async def sink(stream: Any) -> None:
        await pool.open(wait=False)
        try:
            async for events in shell.batches(stream):
                rows: list[StoredEvent] = []
                messages: list[Any] = []
                out: list[OutRecord] = []
                for event in events:
                    message = event.message
                    try:
                        ce = CloudEvent.from_bytes(message.value or b"")
                    except Exception as exc:
                        out.append(shell.dead("undecodable", f"not a canonical CloudEvent: {exc}", message))
                        continue
                    rows.append(StoredEvent(ce, message.topic, message.partition, message.offset))
                    messages.append(message)
                rejected = await store(rows, messages) if rows else []
                await shell.send_all(out + rejected)
                metrics.events_out.labels(shell.stage).inc(len(rows) - len(rejected))
        finally:
            await pool.close()

    shell.app.agent(shell.topics([canon_topic(k) for k in CANONICAL_KINDS]), name="sink")(sink)
    return shell


def pseudonymise_stage(settings: Settings, metrics: StageMetrics) -> StageShell:
    """canon.* -> share.<domain>.<kind> by the sharing policy; transfers and vault entries written before the batch
    is acknowledged; bad records and policy violations -> dlq.pseudonymise."""
    # Checked before anything connects: a bad policy, missing keys or no database refuse the start.
    policy = stage_policy(settings)
    keys = stage_keys(settings, policy, os.environ)
    core = Pseudonymiser(
        policy,
        keys,
        RetentionPeriods.from_settings(settings),
        stops=StopIndex(default_gtfs().stops.values()),
        scrubber=stage_scrubber(policy),
    )
    pool = AsyncConnectionPool(settings.database_conninfo(), min_size=1, max_size=2, open=False)
    shell = StageShell(settings, "pseudonymise", metrics)

    async def register(transfers: list[Transfer], vault: list[VaultEntry], delivered_at: datetime) -> None:
        """Write the batch's register rows and vault entries in one transaction, retrying until it succeeds."""
        delay = 0.5
        while True:
            try:
                async with pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
                    await record_transfers(cur, transfers, delivered_at)
                    await store_entries(cur, vault)
                return
            except psycopg.Error as exc:
                # A delivery without its register row must not be acknowledged: hold the batch and retry. Only the
                # error class is logged; a constraint message can quote a vault value.
                shell.log.error(
                    "transfer register not written, retrying",
                    error=type(exc).__name__,
                    sqlstate=exc.sqlstate,
                    retry_in_s=delay,
                )
                await asyncio.sleep(delay)
                delay = min(delay * 2, 10.0)

    async def pseudonymise(stream: Any) -> None:
        await pool.open(wait=False)
        try:
            async for events in shell.batches(stream):
                out: list[OutRecord] = []
                transfers: list[Transfer] = []
                vault: list[VaultEntry] = []
                produced = 0
                for event in events:
                    message = event.message
                    try:
                        result = core.process(message.value or b"")
                    except InvalidEventError as exc:
                        out.append(shell.dead(exc.code, exc.reason, message))
                        continue
                    except PolicyViolation as exc:
                        # A bug in the policy or transform, or forged input: nothing of this event leaves.
                        shell.log.error(
                            "policy violation, no share made",
                            error=str(exc),
                            topic=message.topic,
                            offset=message.offset,
                        )
                        out.append(shell.dead("processing_error", f"policy violation: {exc}", message))
                        continue
                    except Exception as exc:  # a bug must not stop the worker; the reason names the class only
                        shell.log.exception("pseudonymise failed", topic=message.topic, offset=message.offset)
                        out.append(
                            shell.dead("processing_error", f"{type(exc).__name__} (see the worker log)", message)
                        )
                        continue
                    produced += len(result.shares)
                    out += [OutRecord(s.topic, s.key, s.value) for s in result.shares]
                    transfers += result.transfers
                    vault += result.vault
                await shell.send_all(out)
                if transfers or vault:
                    await register(transfers, vault, datetime.now(UTC))
                metrics.events_out.labels(shell.stage).inc(produced)
        finally:
            await pool.close()

    shell.app.agent(shell.topics([canon_topic(k) for k in CANONICAL_KINDS]), name="pseudonymise")(pseudonymise)
    return shell


def router_stage(settings: Settings, metrics: StageMetrics) -> StageShell:
    """canon.* -> alerts.<domain> (hub/router/stage.py; imported here late because it builds on StageShell)."""
    from hub.router.stage import router_stage as build

    return build(settings, metrics)


STAGES: dict[str, Callable[[Settings, StageMetrics], StageShell]] = {
    "normalise": normalise_stage,
    "pseudonymise": pseudonymise_stage,
    "router": router_stage,
    "sink": sink_stage,
}
