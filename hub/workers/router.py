"""The router worker: the faust shell of ``hub.router.core``. Canonical events and acknowledgements in, alerts out to
``alerts.<domain>``, bad records to ``dlq.router``; escalation, expiry and the watchdog on a timer.

The core's state lives in faust global tables (``RouterTables``), each with its compacted changelog
``state.router.<table>``; the shell writes what changed after every step and tick, and hands the recovered tables
to the core once, before its first event or tick.

Alerts first (issue 13): incidents and acknowledgements (``URGENT_INPUTS``) come in through an agent of their own,
in batches held at most ``URGENT_WITHIN_S``, and the flow of positions, trip updates and unit reports
(``FLOW_INPUTS``) is worked in steps of at most ``FLOW_STEP_MAX`` events, each sent before the next starts, so an
incident waits for at most one step of positions, not for a whole batch and not behind the positions queued before
it. Both agents and the timer drive one core in one event loop: a step (events into the core, the changed table
entries out, the alerts handed to the producer) never awaits before its alerts are handed over, so steps never
interleave, the tables have one writer, and the revisions of an alert leave in the order the core made them. Each
agent waits for its own alerts to be confirmed before faust commits its offsets (at-least-once, as before).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any, cast

from hub.config import Settings
from hub.messages import Message, OutRecord
from hub.metrics import StageMetrics
from hub.network.tram import load_tram_network
from hub.privacy.pseudonym import pseudonymise
from hub.privacy.setup import stage_keys, stage_policy
from hub.router.core import FLOW_INPUTS, TICK_INTERVAL_S, URGENT_INPUTS, EventClock, RouterCore
from hub.router.persist import TABLES, TableName
from hub.topology import state_topic
from hub.workers.shell import EventStream, StageShell

#: Events of the flow worked in one step: at about 0.3 ms each with 100 open incidents, a step holds the event loop
#: (and an incident that arrives meanwhile) for some 20 ms, and its alerts are sent before the next step.
FLOW_STEP_MAX = 64
#: How long the urgent path holds a batch open (faust's ``take_events`` waits this long for more): an alarm waits
#: at most this, and a burst of incidents still goes out in few sends.
URGENT_WITHIN_S = 0.005
URGENT_BATCH_MAX = 100


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


class RouterSteps:
    """The router's work in steps (see the module docstring): events into the core, the tables saved, the alerts
    sent. Both agents and the timer go through it."""

    def __init__(self, shell: StageShell, core: RouterCore, tables: RouterTables) -> None:
        self.shell = shell
        self.core = core
        self.tables = tables

    def _routed(self, message: Message) -> list[OutRecord]:
        return self.core.process(self.shell.declared(message.topic), message.value or b"")

    async def step(self, messages: Sequence[Message]) -> None:
        """One step: ``messages`` through the core in order, what changed written to the tables, the alerts and
        dead letters sent and confirmed. Nothing here awaits before ``send_all`` has handed the records over."""
        if not self.tables.restored:  # faust resumes the streams only once the tables are recovered
            self.tables.take_over()
        handled = self.shell.handle(messages, self._routed)
        self.tables.save()
        out = [record for _, records in handled.results for record in records]
        await self.shell.send_all(out + handled.dead, produced=len(out))

    async def flow(self, messages: Sequence[Message]) -> None:
        """A batch of the flow, in steps of ``FLOW_STEP_MAX``: between two, urgent events get the event loop."""
        for start in range(0, len(messages), FLOW_STEP_MAX):
            await self.step(messages[start : start + FLOW_STEP_MAX])

    async def urgent(self, messages: Sequence[Message]) -> None:
        """A batch of incidents and acknowledgements, in one step."""
        await self.step(messages)

    async def tick(self) -> None:
        """The timer's rules, once the tables are back."""
        if not self.tables.restored:
            if not self.tables.recovered():
                return  # nothing to decide on before the tables are back
            self.tables.take_over()
        records = self.core.tick()
        self.tables.save()
        if records:
            await self.shell.send_all(records, produced=len(records))


async def urgent_batches(shell: StageShell, stream: EventStream) -> AsyncIterator[list[Message]]:
    """The urgent stream's messages in batches held at most ``URGENT_WITHIN_S``, timed and counted in like
    ``StageShell.batches`` (whose hold of 50 ms suits the flow, not an alarm)."""
    metrics = shell.metrics
    async for events in stream.take_events(URGENT_BATCH_MAX, within=URGENT_WITHIN_S):
        started = time.perf_counter()
        metrics.events_in.labels(shell.stage).inc(len(events))
        yield [event.message for event in events]
        metrics.batch_seconds.labels(shell.stage).observe(time.perf_counter() - started)


def router_stage(settings: Settings, metrics: StageMetrics, environ: Mapping[str, str]) -> StageShell:
    """canon.{incident,vehicle-position,trip-update,unit-status,transit-disruption} and acks.<domain> ->
    alerts.<domain>; bad records -> dlq.router. Escalation, expiry and the watchdog run on a timer. Incidents and
    acknowledgements on an agent of their own (``router-urgent``), the flow on ``router``."""
    clock: Callable[[], float] = EventClock() if settings.router_clock == "event" else time.time
    core = RouterCore(network=load_tram_network(), clock=clock, reference=havag_reference(settings, environ))
    shell = StageShell(settings, "router", metrics)
    steps = RouterSteps(shell, core, RouterTables(shell, core))

    @shell.agent(list(FLOW_INPUTS), name="router")
    async def route(stream: EventStream) -> None:
        async for messages in shell.batches(stream):
            await steps.flow(messages)

    @shell.agent(list(URGENT_INPUTS), name="router-urgent")
    async def route_urgent(stream: EventStream) -> None:
        async for messages in urgent_batches(shell, stream):
            await steps.urgent(messages)

    shell.app.timer(interval=TICK_INTERVAL_S)(steps.tick)
    return shell
