"""Committed offsets checked against their partitions' records: which lie beyond the end or before the start, and
where reading starts instead."""

from __future__ import annotations

from hub.offsets import OffsetReset, out_of_range

A0, A1, A2, B0 = ("raw.a", 0), ("raw.a", 1), ("raw.a", 2), ("raw.b", 0)


def test_an_offset_beyond_the_end_starts_over_at_the_first_record() -> None:
    """Committed 5,000 where the partition holds offsets 0 to 3,499 (the broker lost the older records): reset to
    the partition's start, nothing counted as lost."""
    [(tp, reset)] = out_of_range({A0: 5000}, {A0: 0}, {A0: 3500}).items()
    assert tp == A0
    assert reset == OffsetReset("raw.a", 0, 5000, 0, 3500, "beyond_end")
    assert (reset.to, reset.skipped) == (0, 0)


def test_an_offset_before_the_start_goes_on_at_the_start_and_says_what_was_lost() -> None:
    """Committed 10 where retention left offsets from 250 on: reading goes on at 250, and the 240 records between
    were lost before they were read."""
    reset = out_of_range({A0: 10}, {A0: 250}, {A0: 900})[A0]
    assert (reset.reason, reset.to, reset.skipped) == ("before_start", 250, 240)


def test_offsets_in_range_and_partitions_without_one_are_left_alone() -> None:
    """An offset at the start, inside, or at the end (everything read) is kept; so is a partition without a
    committed offset or whose start or end is unknown."""
    committed: dict[tuple[str, int], int | None] = {A0: 0, A1: 17, A2: 40, B0: None, ("raw.c", 0): 99}
    assert out_of_range(committed, {A0: 0, A1: 0, A2: 0, B0: 0}, {A0: 40, A1: 40, A2: 40, B0: 0}) == {}


def test_each_partition_is_judged_on_its_own() -> None:
    """One partition beyond its end, one before its start, one in range: two resets, keyed by their partition."""
    resets = out_of_range({A0: 9, A1: 3, B0: 5}, {A0: 0, A1: 4, B0: 0}, {A0: 8, A1: 8, B0: 8})
    assert {tp: r.reason for tp, r in resets.items()} == {A0: "beyond_end", A1: "before_start"}
