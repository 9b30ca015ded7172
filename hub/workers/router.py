"""The router worker: the faust shell of ``hub.router.core``. Canonical events and acknowledgements in, alerts out to
``alerts.<domain>``, bad records to ``dlq.router``; escalation, expiry and the watchdog on a timer.

The core's state lives in faust global tables (``RouterTables``), each with its compacted changelog
``state.router.<table>``; the shell writes what changed after every batch and tick, and hands the recovered tables
to the core once, before its first event or tick.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, cast

from hub.config import Settings
from hub.messages import Message, OutRecord
from hub.metrics import StageMetrics
from hub.network.tram import load_tram_network
from hub.privacy.pseudonym import pseudonymise
from hub.privacy.setup import stage_keys, stage_policy
from hub.router.core import ACK_INPUTS, ROUTER_INPUTS, TICK_INTERVAL_S, EventClock, RouterCore
from hub.router.persist import TABLES, TableName
from hub.topology import state_topic
from hub.workers.shell import EventStream, StageShell


def havag_reference(settings: Settings, environ: Mapping[str, str]) -> Callable[[str], str]:
    """HAVAG's reference token: the incident id pseudonymised under the HAVAG domain's key."""
    key = stage_keys(settings, stage_policy(settings), environ).for_domain("havag").active
    return lambda incident_id: pseudonymise(incident_id, key)


class RouterTables:
    """The router's faust global tables (bytes to bytes), one per ``TABLES`` name. Global: every router worker
    holds all of it. Written from the timer too, so the producer picks the partition."""

    def __init__(self, shell: StageShell, core: RouterCore) -> None:
        self.shell = shell
        self.core = core
        self.restored = False
        self.tables: dict[TableName, Any] = {}
        for name in TABLES:
            changelog = shell.app.topic(shell.name(state_topic("router", name)), key_type=bytes, value_type=bytes)
            self.tables[name] = shell.app.GlobalTable(
                f"router-{name}", default=None, partitions=1, use_partitioner=True, changelog_topic=changelog
            )

    def recovered(self) -> bool:
        """Whether faust has read the changelogs back (it resumes the streams only then)."""
        return bool(cast(Any, self.shell.app.tables).recovery.completed.is_set())

    def take_over(self) -> None:
        """Read the recovered tables into the core, once, before the first event or tick."""
        unreadable = self.core.restore(
            {name: {key.decode(): value for key, value in table.items()} for name, table in self.tables.items()}
        )
        self.restored = True
        self.shell.log.info("router state taken over from the tables", **self.count())
        if unreadable:
            self.shell.log.warning("router table entries could not be read; left out", entries=unreadable[:20])

    def count(self) -> dict[str, int]:
        """Entries per table, also set as ``hub_stage_state_entries``."""
        sizes: dict[str, int] = {name: len(table) for name, table in self.tables.items()}
        for name, size in sizes.items():
            self.shell.metrics.state_entries.labels(self.shell.stage, name).set(size)
        return sizes

    def save(self) -> None:
        """Write what the core changed since the last save."""
        changes = self.core.changes()
        for name, key, value in changes:
            table, raw_key = self.tables[name], key.encode()
            if value is not None:
                table[raw_key] = value
            elif raw_key in table:
                del table[raw_key]
        if changes:
            self.count()


def router_stage(settings: Settings, metrics: StageMetrics, environ: Mapping[str, str]) -> StageShell:
    """canon.{incident,vehicle-position,trip-update,unit-status,transit-disruption} and acks.<domain> ->
    alerts.<domain>; bad records -> dlq.router. Escalation, expiry and the watchdog run on a timer."""
    clock: Callable[[], float] = EventClock() if settings.router_clock == "event" else time.time
    core = RouterCore(network=load_tram_network(), clock=clock, reference=havag_reference(settings, environ))
    shell = StageShell(settings, "router", metrics)
    tables = RouterTables(shell, core)

    def routed(message: Message) -> list[OutRecord]:
        return core.process(shell.declared(message.topic), message.value or b"")

    @shell.agent([*ROUTER_INPUTS, *ACK_INPUTS], name="router")
    async def route(stream: EventStream) -> None:
        async for messages in shell.batches(stream):
            if not tables.restored:  # faust resumes the streams only once the tables are recovered
                tables.take_over()
            handled = shell.handle(messages, routed)
            tables.save()
            out = [record for _, records in handled.results for record in records]
            await shell.send_all(out + handled.dead, produced=len(out))

    async def tick() -> None:
        if not tables.restored:
            if not tables.recovered():
                return  # nothing to decide on before the tables are back
            tables.take_over()
        records = core.tick()
        tables.save()
        if records:
            await shell.send_all(records, produced=len(records))

    shell.app.timer(interval=TICK_INTERVAL_S)(tick)
    return shell
