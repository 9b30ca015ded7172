"""``hub_consumer_lag{stage,topic,partition}``: how many records each assigned partition holds that the stage's
consumer group has not yet passed, exported by the worker itself (no lag exporter to deploy, and the figure is the
group's own view: its committed offset, or its position before the first commit).

Shell-neutral: a shell gives a callable returning ``{(topic, partition): (position, end)}`` for the partitions it
holds now (faust's consumer in ``hub.workers.shell``; any other consumer alike), and runs ``LagExporter.run``.
A partition no longer held loses its series, so the lag of a partition is exported by the one worker that holds
it and summing over workers is right. Only declared topics are exported (the label is the declared name, a closed
set); a table's changelog is not an input and is left out.

On the embedded broker the end offsets a consumer learns are too low by up to one record batch (``hub.workers.app``
says why), so its lag reads low by at most a batch and never below 0; Apache Kafka reports them exactly.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

import structlog
from prometheus_client import Gauge

__all__ = ["LAG_INTERVAL_S", "LagExporter", "Positions"]

log = structlog.get_logger(__name__)

#: How often a worker updates its lag: often enough for a rule over a minute, cheap (no broker request).
LAG_INTERVAL_S = 5.0

#: ``{(topic as named on the cluster, partition): (position or None when unknown, end or None when unknown)}``.
Positions = Callable[[], Awaitable[Mapping[tuple[str, int], tuple[int | None, int | None]]]]


class LagExporter:
    """Sets ``gauge`` (labels ``stage``, ``topic``, ``partition``) from ``positions``; ``declared`` maps a topic as
    named on the cluster to its declared name, or None for a topic that is not exported."""

    def __init__(self, stage: str, gauge: Gauge, positions: Positions, declared: Callable[[str], str | None]) -> None:
        self.stage = stage
        self.gauge = gauge
        self.positions = positions
        self.declared = declared
        self._exported: set[tuple[str, str]] = set()

    async def update(self) -> dict[tuple[str, int], int]:
        """Read the positions once and export them; returns the lag set, by (declared topic, partition)."""
        now: dict[tuple[str, int], int] = {}
        for (topic, partition), (position, end) in (await self.positions()).items():
            name = self.declared(topic)
            if name is None or position is None or end is None:
                continue  # not an input, or nothing known of it yet: no figure rather than a wrong one
            now[(name, partition)] = max(end - position, 0)
        labels = {(name, str(partition)): lag for (name, partition), lag in now.items()}
        for topic, number in self._exported - set(labels):
            self.gauge.remove(self.stage, topic, number)
        for (topic, number), lag in labels.items():
            self.gauge.labels(self.stage, topic, number).set(lag)
        self._exported = set(labels)
        return now

    async def run(self, interval_s: float = LAG_INTERVAL_S) -> None:
        """Update every ``interval_s`` until cancelled; a failed read is logged and tried again next time."""
        while True:
            try:
                await self.update()
            except Exception as exc:  # a figure missed is no reason to stop the stage
                log.debug("consumer lag not read", stage=self.stage, error=f"{type(exc).__name__}: {exc}")
            await asyncio.sleep(interval_s)
