"""Committed offsets checked against the data they point into: where a stage's consumer group would start reading a
partition, and where it must start instead when the committed offset lies outside the partition's records.

A committed offset beyond a partition's end means the broker lost the records the group had read (an empty broker
restart, a topic deleted and created again) and the records there now are new: reading on from the committed
offset would skip every one of them, silently. One before the partition's start means retention deleted records
before the stage read them: they are gone. Both start over at the partition's first record; the caller says so
loudly and counts it. A committed offset inside the partition's range cannot be told from a right one and is kept.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal, TypeVar

__all__ = ["OffsetReset", "OffsetResetReason", "out_of_range"]

OffsetResetReason = Literal["beyond_end", "before_start"]
"""A closed set, so it can be a metric label."""

TP = TypeVar("TP", bound=tuple[str, int])


@dataclass(frozen=True)
class OffsetReset:
    """A committed offset outside its partition's records, and where reading starts instead (``to``)."""

    topic: str
    partition: int
    committed: int
    start: int
    end: int
    reason: OffsetResetReason

    @property
    def to(self) -> int:
        """Where reading starts: the partition's first record, for both reasons (see the module docstring)."""
        return self.start

    @property
    def skipped(self) -> int:
        """Records lost for good: those retention removed before they were read (0 beyond the end)."""
        return self.start - self.committed if self.reason == "before_start" else 0


def out_of_range(
    committed: Mapping[TP, int | None], starts: Mapping[TP, int], ends: Mapping[TP, int]
) -> dict[TP, OffsetReset]:
    """The partitions (keys are ``(topic, partition)`` tuples, as kafka's and faust's ``TopicPartition``) whose
    committed offset lies beyond their end or before their start. ``ends`` must be the true ends: one past the last
    record. Partitions without a committed offset, or without a known start and end, are left out."""
    resets: dict[TP, OffsetReset] = {}
    for tp, offset in committed.items():
        if offset is None or tp not in starts or tp not in ends:
            continue
        start, end = starts[tp], ends[tp]
        if offset > end:
            resets[tp] = OffsetReset(tp[0], tp[1], offset, start, end, "beyond_end")
        elif offset < start:
            resets[tp] = OffsetReset(tp[0], tp[1], offset, start, end, "before_start")
    return resets
