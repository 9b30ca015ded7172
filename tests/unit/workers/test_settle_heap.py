"""``settle_heap``: a batch stage's start-up heap is frozen out of the collector and young collections run less
often; cycles made afterwards are still collected. Run in a child process, so this test session's collector is
left as it is."""

from __future__ import annotations

import json
import subprocess
import sys

from hub.workers.heap import GC_YOUNG_THRESHOLD

_CHILD = """
import gc, json, weakref
import hub.workers.run  # what a worker imports to start
from hub.workers.heap import settle_heap
before = gc.get_freeze_count(), gc.get_threshold()
settle_heap()
after = gc.get_freeze_count(), gc.get_threshold()

class Node:
    pass

node = Node()
node.self = node  # a cycle: only the collector frees it
gone = weakref.ref(node)
del node
collected = gc.collect()
print(json.dumps({"before": before, "after": after, "collected": collected, "gone": gone() is None}))
"""


def test_settle_heap_freezes_start_up_and_still_collects_cycles() -> None:
    done = subprocess.run([sys.executable, "-c", _CHILD], capture_output=True, text=True, check=True, timeout=120)
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["before"][0] == 0
    assert result["after"][0] > 10_000  # the modules imported to start, and what they built
    assert result["after"][1] == [GC_YOUNG_THRESHOLD, *result["before"][1][1:]]
    assert result["collected"] >= 1
    assert result["gone"] is True
