"""hub_consumer_lag from a shell's positions (hub.workers.lag): records behind per declared topic and partition,
never below 0, no figure where position or end is unknown, and the series of a partition no longer held removed."""

from __future__ import annotations

import asyncio

from prometheus_client import CollectorRegistry, Gauge

from hub.metrics import LAG_LABELS
from hub.workers.lag import LagExporter

Positions = dict[tuple[str, int], tuple[int | None, int | None]]


def _exporter(held: list[Positions]) -> tuple[LagExporter, CollectorRegistry]:
    registry = CollectorRegistry()
    gauge = Gauge("hub_consumer_lag", "lag", list(LAG_LABELS), registry=registry)

    async def positions() -> Positions:
        return held[0]

    def declared(topic: str) -> str | None:
        return None if topic.endswith("-changelog") else topic.removeprefix("p1.")

    return LagExporter("sink", gauge, positions, declared), registry


def _lag(registry: CollectorRegistry, topic: str, partition: int) -> float | None:
    return registry.get_sample_value("hub_consumer_lag", {"stage": "sink", "topic": topic, "partition": str(partition)})


def test_lag_is_end_minus_position_per_declared_topic_and_partition() -> None:
    held: list[Positions] = [
        {
            ("p1.canon.incident", 0): (10, 25),
            ("p1.canon.incident", 1): (7, 7),
            ("p1.canon.vehicle-position", 3): (30, 20),  # an end reported too low (the embedded broker): 0, not -10
            ("p1.canon.unit-status", 0): (None, 5),  # no position yet: no figure
            ("p1.canon.trip-update", 0): (0, None),  # nothing fetched yet: no figure
            ("p1-hub-router-state-changelog", 0): (0, 100),  # not an input
        }
    ]
    exporter, registry = _exporter(held)
    assert asyncio.run(exporter.update()) == {
        ("canon.incident", 0): 15,
        ("canon.incident", 1): 0,
        ("canon.vehicle-position", 3): 0,
    }
    assert _lag(registry, "canon.incident", 0) == 15
    assert _lag(registry, "canon.vehicle-position", 3) == 0
    assert _lag(registry, "canon.unit-status", 0) is None
    assert _lag(registry, "canon.trip-update", 0) is None
    assert _lag(registry, "p1-hub-router-state-changelog", 0) is None


def test_a_partition_no_longer_held_loses_its_series() -> None:
    held: list[Positions] = [{("p1.canon.incident", 0): (1, 4), ("p1.canon.incident", 1): (2, 9)}]
    exporter, registry = _exporter(held)
    asyncio.run(exporter.update())
    held[0] = {("p1.canon.incident", 1): (9, 12)}  # partition 0 moved to another worker
    asyncio.run(exporter.update())
    assert _lag(registry, "canon.incident", 0) is None
    assert _lag(registry, "canon.incident", 1) == 3
