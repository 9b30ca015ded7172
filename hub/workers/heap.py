"""The worker's heap settled once it has started: ``settle_heap``."""

from __future__ import annotations

import gc

#: Net new container objects between two young-generation collections of a worker (CPython's default: 700).
GC_YOUNG_THRESHOLD = 20_000


def settle_heap() -> None:
    """Once a worker has built what it serves with (modules, policy, lexicons, schemas; the router its tram network,
    street graph and recovered state: some 250,000 to millions of objects), that is moved out of the collector's
    sight (``gc.freeze``), and young collections run every ``GC_YOUNG_THRESHOLD`` net new objects instead of every
    700. Each event's objects are freed by reference counts anyway; but the objects that outlive a batch (caches,
    the batch itself, the router's live state) kept starting full collections that walked the whole start-up heap:
    in the pseudonymise worker about 140 ms each, every second or so, some 15 % of its CPU; in the router 60-70 ms
    every 3 s at 1,000 positions/s, each a pause that an incident arriving meanwhile waited through (issue 13).
    Cycles are still collected, later and among fewer objects."""
    gc.collect()  # what start-up left as garbage is not kept for ever
    gc.freeze()
    _, older, oldest = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, older, oldest)
