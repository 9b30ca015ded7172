"""The pseudonymise worker: ``canon.*`` -> ``share.<domain>.<kind>`` by the sharing policy (``hub.streams.
pseudonymise``). Each event's transfer-register rows and vault entries are stored first, then its shares are sent,
and the batch is acknowledged once the broker has them all: no share is ever on the broker without its register
row. The batch shell stores a batch's rows while it handles the next batch, and while the batch before waits for the
broker. Records that
cannot be shared go to ``dlq.pseudonymise``, among them an event whose rows the database refuses for good
(``store_rejected``): nothing of it is shared, and the rest of the batch goes on."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import psycopg

from hub.config import Settings
from hub.messages import Message, OutRecord
from hub.metrics import StageMetrics
from hub.network.gtfs_static import default_gtfs
from hub.privacy.retention import RetentionPeriods
from hub.privacy.setup import key_names, stage_keys, stage_policy, stage_scrubber
from hub.privacy.transform import StopIndex
from hub.store.register import record_transfers
from hub.store.vault import store_entries
from hub.streams.pseudonymise import Pseudonymised, Pseudonymiser
from hub.topology import CANONICAL_KINDS, canon_topic
from hub.workers.batch import BatchShell, Later, Outgoing
from hub.workers.database import BatchWriter
from hub.workers.key_age import export_key_age

#: Batches whose register writes and sends may be under way while the next is handled (``BatchShell``'s
#: ``deliveries``): the write of a batch of 1,000 takes longer than handling one (issue 13).
REGISTER_DELIVERIES = 2


async def write_register(conn: psycopg.AsyncConnection[Any], events: list[Pseudonymised]) -> None:
    """The register rows and vault entries of ``events`` in one transaction. ``delivered_at`` is the time of this
    write, just before the shares go to the broker (docs/privacy.md). In pipeline mode: BEGIN, both statements and
    COMMIT go in one round trip, not four (each a wait for the event loop's turn while the next batch is handled)."""
    delivered_at = datetime.now(UTC)
    async with conn.pipeline(), conn.transaction(), conn.cursor() as cur:
        await record_transfers(cur, [t for e in events for t in e.transfers], delivered_at)
        await store_entries(cur, [v for e in events for v in e.vault])


def pseudonymise_stage(settings: Settings, metrics: StageMetrics, environ: Mapping[str, str]) -> BatchShell:
    """canon.* -> share.<domain>.<kind> by the sharing policy; transfers and vault entries stored before the shares
    are sent; bad records, policy violations and events whose rows the database refuses -> dlq.pseudonymise. Key
    material comes from ``environ``."""
    # Checked before anything connects: a bad policy, missing keys or no database refuse the start.
    policy = stage_policy(settings)
    core = Pseudonymiser(
        policy,
        stage_keys(settings, policy, environ),
        RetentionPeriods.from_settings(settings),
        stops=StopIndex(default_gtfs().stops.values()),
        scrubber=stage_scrubber(policy),
    )
    export_key_age(metrics.registry, key_names(policy), environ)
    # Incidents first: their shares alert the recipients; the positions fetched with them wait for that.
    inputs = [canon_topic(k) for k in CANONICAL_KINDS]
    shell = BatchShell(
        settings, "pseudonymise", metrics, inputs, first=[canon_topic("incident")], deliveries=REGISTER_DELIVERIES
    )
    register = BatchWriter(shell, settings.database_conninfo(), write_register)
    shell.uses(register.opened)

    @shell.prepare
    async def pseudonymise(messages: list[Message]) -> Later:
        handled = await shell.handle_in_turns(messages, lambda m: core.process(m.value or b""))
        for _, result in handled.results:
            for domain in result.withheld:
                metrics.withheld.labels("pseudonymise", domain, "purpose").inc()

        async def finish() -> Outgoing:
            # Rows first: held (and retried) while the database is away, so nothing is sent meanwhile. Written
            # while the shell handles the next batch (``Later``).
            refused = await register.store([(m, r) for m, r in handled.results if r.transfers or r.vault])
            unshared = {id(m) for m, _ in refused}
            out = [
                OutRecord(s.topic, s.key, s.value)
                for m, result in handled.results
                if id(m) not in unshared
                for s in result.shares
            ]
            return Outgoing(out + handled.dead + [letter for _, letter in refused], produced=len(out))

        return Later(finish)

    return shell
