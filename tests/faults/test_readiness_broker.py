"""A running stage worker's ``/readyz`` while its broker does not answer (issue 14): 503 naming the broker, and 200
again once it answers. The broker is frozen (SIGSTOP), as a hung or partitioned broker looks to a client; the
database case is in tests/integration/test_readiness.py."""

from __future__ import annotations

import signal
from contextlib import suppress

import psutil

from hub.devstack import EmbeddedStack
from tests.helpers.probes import readyz
from tests.helpers.waiting import wait_until
from tests.helpers.workers import WorkerFactory


def test_readyz_names_the_broker_while_it_does_not_answer(
    start_workers: WorkerFactory, fault_stack: EmbeddedStack
) -> None:
    worker = start_workers("normalise")["normalise"]
    wait_until(lambda: readyz(worker)[0] == 200, 60, lambda: f"not ready: {readyz(worker)}")
    root = psutil.Process(fault_stack.pids["broker"])
    tree = [root, *root.children(recursive=True)]
    for proc in tree:
        proc.send_signal(signal.SIGSTOP)
    try:
        _, body = wait_until(
            lambda: (s := readyz(worker))[0] == 503 and s, 60, lambda: f"ready with the broker frozen: {readyz(worker)}"
        )
        assert body["checks"]["broker"]["ok"] is False
        assert body["checks"]["broker"]["detail"].startswith("broker unreachable")
    finally:
        for proc in tree:
            with suppress(psutil.NoSuchProcess):
                proc.send_signal(signal.SIGCONT)
    wait_until(lambda: readyz(worker)[0] == 200, 90, lambda: f"not ready again: {readyz(worker)}")
    worker.check_alive()
