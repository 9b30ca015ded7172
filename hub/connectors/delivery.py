"""Getting an instance's messages onto the broker and its position into the checkpoint: produce through the sink
until every message is acknowledged (retrying only the failed ones, with backoff), note each acknowledged record in
the checkpoint, save it, and at start load it and recover what was produced after it.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Sequence

import structlog

from hub.connectors.base import State
from hub.connectors.checkpoint import Checkpoint, SeenVersions, record_digest
from hub.connectors.cutting import Outgoing
from hub.connectors.pause import Pause
from hub.connectors.records import Ack
from hub.connectors.settings import InstanceDeps, InstanceSettings
from hub.errors import BrokerError


class Delivery:
    """The checkpoint of one instance and the produce-and-retry loop that moves it forward."""

    def __init__(
        self, settings: InstanceSettings, deps: InstanceDeps, pause: Pause, log: structlog.stdlib.BoundLogger
    ) -> None:
        self.settings = settings
        self.deps = deps
        self.pause = pause
        self.log = log
        self.checkpoint = Checkpoint(settings.name, settings.topic, seen=SeenVersions(settings.max_seen_ids))

    async def recover(self) -> tuple[bool, int]:
        """Load the checkpoint and add the records produced after it: (a checkpoint was found, records recovered)."""
        name, topic = self.settings.name, self.settings.topic
        raw = await asyncio.to_thread(self.deps.store.load, name)
        if raw is not None:
            self.checkpoint = Checkpoint.from_json(
                raw, connector=name, topic=topic, max_seen_ids=self.settings.max_seen_ids
            )
        # A crash can fall between the broker's acknowledgement and the checkpoint write: what this instance
        # produced after its checkpoint is on the raw topic, tagged with its name; those records are not sent again.
        recovered = await asyncio.to_thread(self.deps.sink.recover, topic, name, dict(self.checkpoint.offsets))
        for r in sorted(recovered, key=lambda r: (r.partition, r.offset)):
            self.checkpoint.seen.add(r.record_id, r.version, r.digest)
            self.checkpoint.advance(r.partition, r.offset)
        if recovered:
            await self.save()
        return raw is not None, len(recovered)

    async def deliver(self, pending: Sequence[Outgoing], deadline_s: float | None) -> bool:
        """Produce until the broker acknowledged every message; retry only the failed ones, with backoff.

        Gives up (False) when stopped or past ``deadline_s`` (monotonic); what was acknowledged stays noted.
        """
        backoff = self.deps.backoff()
        metrics = self.deps.metrics
        while pending:
            results = await asyncio.to_thread(
                self.deps.sink.produce, [p.message for p in pending], self.settings.produce_timeout_s
            )
            failed: list[Outgoing] = []
            first_error: BrokerError | None = None
            for p, result in zip(pending, results, strict=True):
                if isinstance(result, Ack):
                    self._acknowledged(p, result)
                else:
                    failed.append(p)
                    first_error = first_error or result
            pending = failed
            if not pending:
                return True
            metrics.errors.labels(self.settings.name, "broker_unavailable").inc()
            delay = backoff.next_delay()
            self.log.warning(
                "broker did not acknowledge", records=len(pending), error=str(first_error), retry_in_s=round(delay, 3)
            )
            if self.pause.stopped or (deadline_s is not None and time.monotonic() + delay > deadline_s):
                return False
            await self.pause.wait(delay)
        return True

    def _acknowledged(self, p: Outgoing, ack: Ack) -> None:
        if p.record is None:
            return  # a dead letter: counted when it was made
        self.checkpoint.seen.add(p.record.record_id, p.record.version, record_digest(p.record.value))
        self.checkpoint.advance(ack.partition, ack.offset)
        self.deps.metrics.records_produced.labels(self.settings.name).inc()

    async def commit(self, state: State) -> None:
        """Make ``state`` and what was produced so far the instance's checkpoint."""
        try:
            json.dumps(state)
        except (TypeError, ValueError) as exc:
            self.deps.metrics.errors.labels(self.settings.name, "connector_error").inc()
            self.log.error("connector state is not JSON; kept the previous one", error=str(exc))
        else:
            self.checkpoint.state = dict(state)
        await self.save()

    async def save(self) -> None:
        try:
            await asyncio.to_thread(self.deps.store.save, self.settings.name, self.checkpoint.to_json())
        except OSError as exc:
            # Not fatal: recovery on the next start finds what was produced since the last checkpoint.
            self.deps.metrics.errors.labels(self.settings.name, "checkpoint_failed").inc()
            self.log.error("checkpoint write failed", error=str(exc))
