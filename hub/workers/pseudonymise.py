"""The pseudonymise worker: ``canon.*`` -> ``share.<domain>.<kind>`` by the sharing policy (``hub.streams.
pseudonymise``). A batch is acknowledged only once its shares are on the broker and their transfer-register rows
and vault entries are in the database; records that cannot be shared -> ``dlq.pseudonymise``."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from functools import partial

import psycopg
from psycopg_pool import AsyncConnectionPool

from hub.config import Settings
from hub.messages import OutRecord
from hub.metrics import StageMetrics
from hub.network.gtfs_static import default_gtfs
from hub.privacy.register import Transfer
from hub.privacy.retention import RetentionPeriods
from hub.privacy.setup import stage_keys, stage_policy, stage_scrubber
from hub.privacy.transform import StopIndex
from hub.privacy.vault import VaultEntry
from hub.retry import retry
from hub.store.register import record_transfers
from hub.store.vault import store_entries
from hub.streams.pseudonymise import Pseudonymiser
from hub.topology import CANONICAL_KINDS, canon_topic
from hub.workers.shell import EventStream, StageShell


def pseudonymise_stage(settings: Settings, metrics: StageMetrics, environ: Mapping[str, str]) -> StageShell:
    """canon.* -> share.<domain>.<kind> by the sharing policy; transfers and vault entries written before the batch
    is acknowledged; bad records and policy violations -> dlq.pseudonymise. Key material comes from ``environ``."""
    # Checked before anything connects: a bad policy, missing keys or no database refuse the start.
    policy = stage_policy(settings)
    core = Pseudonymiser(
        policy,
        stage_keys(settings, policy, environ),
        RetentionPeriods.from_settings(settings),
        stops=StopIndex(default_gtfs().stops.values()),
        scrubber=stage_scrubber(policy),
    )
    pool = AsyncConnectionPool(settings.database_conninfo(), min_size=1, max_size=2, open=False)
    shell = StageShell(settings, "pseudonymise", metrics)

    async def write(transfers: list[Transfer], vault: list[VaultEntry], delivered_at: datetime) -> None:
        async with pool.connection() as conn, conn.transaction(), conn.cursor() as cur:
            await record_transfers(cur, transfers, delivered_at)
            await store_entries(cur, vault)

    def not_written(exc: BaseException, delay: float) -> None:
        # Only the error class is logged; a constraint message can quote a vault value.
        sqlstate = exc.sqlstate if isinstance(exc, psycopg.Error) else None
        shell.log.error(
            "transfer register not written, retrying",
            error=type(exc).__name__,
            sqlstate=sqlstate,
            retry_in_s=round(delay, 3),
        )

    @shell.agent([canon_topic(k) for k in CANONICAL_KINDS], name="pseudonymise")
    async def pseudonymise(stream: EventStream) -> None:
        await pool.open(wait=False)
        try:
            async for messages in shell.batches(stream):
                handled = shell.handle(messages, lambda m: core.process(m.value or b""))
                results = [result for _, result in handled.results]
                out = [OutRecord(s.topic, s.key, s.value) for result in results for s in result.shares]
                await shell.send_all(out + handled.dead)
                transfers = [t for result in results for t in result.transfers]
                vault = [v for result in results for v in result.vault]
                if transfers or vault:
                    # A delivery without its register row must not be acknowledged: hold the batch and retry.
                    delivered_at = datetime.now(UTC)
                    await retry(
                        partial(write, transfers, vault, delivered_at),
                        retry_on=psycopg.Error,
                        on_retry=not_written,
                    )
                metrics.events_out.labels(shell.stage).inc(len(out))
        finally:
            await pool.close()

    return shell
