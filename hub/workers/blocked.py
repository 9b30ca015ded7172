"""How a stage waits for what it depends on (the database, the broker): ``BlockedWait.run(attempt)`` retries a
transient error with backoff and raises a permanent one or a bug at once; every error and retry is counted, a wait
that lasts is logged once (and its end), its seconds are counted, and a stop while blocked ends the worker at once.

Why a stop while blocked ends the process at once: faust acknowledges a batch's messages when the agent leaves it
(also by an exception) and, on a stop, waits for every message handed out to be acknowledged. A batch held for the
database or the broker could only be given up by acknowledging it, i.e. losing it; leaving the process instead
keeps it unacknowledged, so the next worker reads it again (at-least-once; the sinks are idempotent).

A wait can carry a readiness ``Flag`` (``hub.health``): it turns false, with the error's one-line summary, while the
dependency fails or hangs, and true again once an attempt gets an answer (a permanent refusal is an answer too), so
``/readyz`` names the dependency a stage is blocked on. Every counter of the dependency exists from the start (at
0), so rules on them work before the first error.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Literal, TypeVar

from prometheus_client import Counter

from hub.health import Flag
from hub.retry import Backoff, retry

__all__ = ["BLOCKED_AFTER_S", "BlockedWait", "Dependency", "ErrorKind", "exit_at_once"]

T = TypeVar("T")

ErrorKind = Literal["transient", "permanent"]
"""A closed set, so it can be a metric label."""

BLOCKED_AFTER_S = 5.0
"""A wait that has not ended after this long makes the stage blocked: a warning, then one when it goes on."""
_TICK_S = 0.2


def exit_at_once() -> None:
    """Leave the process without faust's shutdown (see the module docstring), after the log is written out."""
    logging.shutdown()
    os._exit(0)


@dataclass(frozen=True)
class Dependency:
    """What a stage waits for: its name in the log lines, how its errors are told apart and summed up, and the
    counters of the stage's metrics that count them (labelled by stage; ``errors`` also by kind)."""

    name: str
    kind: Callable[[BaseException], ErrorKind | None]
    """``"transient"`` (retry), ``"permanent"`` (raise, counted) or None (not this dependency's error: a bug)."""
    summary: Callable[[BaseException], str]
    """One line for the log, naming no value (a database's message can quote the refused row)."""
    errors: Counter
    retries: Counter
    blocked_seconds: Counter


@dataclass
class _Wait:
    """One wait: since when, how much of it is counted, whether the stage was said to be blocked."""

    started: float
    counted_until: float
    warned: bool = False
    watch: asyncio.Task[None] | None = None


class BlockedWait:
    """``run(attempt)`` until it succeeds or fails for good, waiting for ``dependency`` (see the module docstring).

    ``log`` is the stage's bound logger, ``stopping`` says whether the worker is asked to stop, ``abandon`` ends it
    (``exit_at_once``; tests give their own), ``backoff`` makes the delays of one wait; ``flag`` (a readiness
    ``Flag``, see the module docstring) follows the dependency's answers."""

    def __init__(
        self,
        dependency: Dependency,
        stage: str,
        log: Any,
        *,
        stopping: Callable[[], bool],
        blocked_after_s: float = BLOCKED_AFTER_S,
        abandon: Callable[[], None] = exit_at_once,
        backoff: Callable[[], Backoff] = lambda: Backoff(base_s=0.5, cap_s=10.0),
        flag: Flag | None = None,
    ) -> None:
        self.dependency = dependency
        self.stage = stage
        self.log = log
        self.stopping = stopping
        self.blocked_after_s = blocked_after_s
        self.abandon = abandon
        self.backoff = backoff
        self.flag = flag
        for kind in ("transient", "permanent"):
            dependency.errors.labels(stage, kind)
        dependency.retries.labels(stage)
        dependency.blocked_seconds.labels(stage)

    async def run(self, attempt: Callable[[], Awaitable[T]]) -> T:
        """``await attempt()`` until it succeeds or fails for good (see the class docstring)."""
        now = time.monotonic()
        wait = _Wait(started=now, counted_until=now)
        # An attempt that hangs (a server that accepts and never answers) is watched too, not only one that fails.
        timer = asyncio.get_running_loop().call_later(self.blocked_after_s, self._watch, wait)
        try:
            result = await retry(
                attempt,
                retry_on=Exception,
                transient=lambda exc: self.dependency.kind(exc) == "transient",
                on_retry=partial(self._retrying, wait),
                backoff=self.backoff(),
            )
        except Exception as exc:
            if self.dependency.kind(exc) == "permanent":
                self.dependency.errors.labels(self.stage, "permanent").inc()
                self._answered()
            raise
        else:
            self._answered()
            return result
        finally:
            timer.cancel()
            self._done(wait)

    def _answered(self) -> None:
        if self.flag is not None:
            self.flag.set(True)

    def _retrying(self, wait: _Wait, exc: BaseException, delay: float) -> None:
        if self.flag is not None:
            self.flag.set(False, f"{self.dependency.name} unavailable: {self.dependency.summary(exc)}")
        self.dependency.errors.labels(self.stage, "transient").inc()
        self.dependency.retries.labels(self.stage).inc()
        self.log.warning(
            f"{self.dependency.name} unavailable, retrying",
            error=self.dependency.summary(exc),
            retry_in_s=round(delay, 3),
        )
        self._watch(wait)

    def _watch(self, wait: _Wait) -> None:
        if wait.watch is None:
            wait.watch = asyncio.get_running_loop().create_task(self._watching(wait))

    async def _watching(self, wait: _Wait) -> None:
        """Count the blocked seconds, say once that the stage is blocked, and end the worker if it must stop."""
        name = self.dependency.name
        while True:
            now = self._count(wait)
            if not wait.warned and now - wait.started >= self.blocked_after_s:
                wait.warned = True
                if self.flag is not None and self.flag()[0]:  # hanging, not failing: no error said why
                    self.flag.set(False, f"{name} not answering for {round(now - wait.started)} s")
                self.log.warning(f"stage blocked on the {name}", blocked_s=round(now - wait.started, 1))
            if self.stopping():
                self.log.warning(
                    f"stopping while blocked on the {name}: the batch held is left unacknowledged and is read "
                    "again when the stage runs next",
                    blocked_s=round(now - wait.started, 1),
                )
                self.abandon()
                return
            await asyncio.sleep(_TICK_S)

    def _count(self, wait: _Wait) -> float:
        now = time.monotonic()
        self.dependency.blocked_seconds.labels(self.stage).inc(now - wait.counted_until)
        wait.counted_until = now
        return now

    def _done(self, wait: _Wait) -> None:
        if wait.watch is None:
            return
        wait.watch.cancel()
        now = self._count(wait)
        if wait.warned:
            self.log.info(
                f"{self.dependency.name} answering again, stage goes on", blocked_s=round(now - wait.started, 1)
            )
