"""What every stage's faust shell shares: batches in, one error path, sends awaited before the batch is acknowledged.

A stage is a handler (one consumed message in, its results out) run by ``StageShell.handle``, the one place that
turns a bad message into a dead letter: ``InvalidEventError`` with its reason and code, a ``PolicyViolation`` and any
unexpected exception as ``processing_error`` (logged with its traceback; the reason names the class only, because
an exception's text can quote the input). The worker never dies on one bad event. ``send_all`` returns once the
broker has acknowledged every record (at-least-once).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar, cast

import structlog

from hub.config import Settings
from hub.deadletter import Origin, dead_letter
from hub.errors import DeadLetterReason, InvalidEventError, PolicyViolation
from hub.messages import Message, OutRecord
from hub.metrics import StageMetrics
from hub.topology import dlq_topic, qualified
from hub.workers.app import HubApp, make_app

__all__ = ["BATCH_MAX", "BATCH_WITHIN_S", "Event", "EventStream", "Handled", "StageShell"]

log = structlog.get_logger(__name__)

BATCH_MAX = 500
BATCH_WITHIN_S = 0.05

R = TypeVar("R")


class Event(Protocol):
    """A faust event: the consumed message with its stream bookkeeping."""

    @property
    def message(self) -> Message: ...


class EventStream(Protocol):
    """The part of a faust stream the shells use: events in batches."""

    def take_events(self, max_: int, within: float) -> AsyncIterator[Sequence[Event]]: ...


AgentFunction = Callable[[EventStream], Awaitable[None]]


@dataclass
class Handled(Generic[R]):
    """A batch through a handler: the results of the good messages (with the message each came from), and the dead
    letters of the bad ones."""

    results: list[tuple[Message, R]] = field(default_factory=list)
    dead: list[OutRecord] = field(default_factory=list)


class StageShell:
    """One stage's faust app, names, batches, error path, sending and counting."""

    def __init__(self, settings: Settings, stage: str, metrics: StageMetrics) -> None:
        self.settings = settings
        self.stage = stage
        self.metrics = metrics
        self.app: HubApp = make_app(settings, stage)
        self.log = log.bind(stage=stage)
        # faust types the receiver too narrowly for a bound coroutine method.
        self.app.on_partitions_assigned.connect(cast(Any, self._on_assigned))

    async def _on_assigned(self, sender: Any, *args: Any, signal: Any, **kwargs: Any) -> None:
        assigned = args[0] if args else kwargs.get("assigned", ())
        self.metrics.assigned_partitions.labels(self.stage).set(len(assigned))
        self.log.info("partitions assigned", count=len(assigned))

    # --- names ---------------------------------------------------------------------------------------------------

    def name(self, declared: str) -> str:
        """The topic's name on the cluster (with the deployment's prefix)."""
        return qualified(self.settings.topic_prefix, declared)

    def declared(self, topic: str) -> str:
        """The declared name of a topic read from the cluster."""
        return topic.removeprefix(self.settings.topic_prefix)

    def topics(self, declared: Sequence[str]) -> Any:
        """The faust topic over ``declared`` topics, for an agent."""
        return self.app.topic(*(self.name(t) for t in declared))

    def agent(self, declared: Sequence[str], name: str) -> Callable[[Callable[[EventStream], Awaitable[None]]], Any]:
        """Register the decorated coroutine as this stage's agent over ``declared`` topics."""
        return cast(
            Callable[[Callable[[EventStream], Awaitable[None]]], Any], self.app.agent(self.topics(declared), name=name)
        )

    # --- the loop ------------------------------------------------------------------------------------------------

    async def batches(self, stream: EventStream) -> AsyncIterator[list[Message]]:
        """The stream's messages in batches, timed and counted in."""
        async for events in stream.take_events(BATCH_MAX, within=BATCH_WITHIN_S):
            started = time.perf_counter()
            self.metrics.events_in.labels(self.stage).inc(len(events))
            yield [event.message for event in events]
            self.metrics.batch_seconds.labels(self.stage).observe(time.perf_counter() - started)

    def handle(self, messages: Sequence[Message], handler: Callable[[Message], R]) -> Handled[R]:
        """``handler`` over each message; a message it fails on becomes a dead letter (see the module docstring)."""
        handled: Handled[R] = Handled()
        for message in messages:
            try:
                handled.results.append((message, handler(message)))
            except InvalidEventError as exc:
                handled.dead.append(self.dead(exc.code, exc.reason, message))
            except PolicyViolation as exc:
                # A bug in the policy or transform, or forged input: nothing of this event leaves.
                self.log.error("policy violation, nothing sent", error=str(exc), **_where(message))
                handled.dead.append(self.dead("processing_error", f"policy violation: {exc}", message))
            except Exception as exc:  # a bug met this message; the worker goes on with the next
                self.log.exception("stage failed on a message", **_where(message))
                handled.dead.append(
                    self.dead("processing_error", f"{type(exc).__name__} (see the worker log)", message)
                )
        return handled

    def dead(self, code: DeadLetterReason, reason: str, message: Message) -> OutRecord:
        """The record for ``dlq.<stage>`` of a message given up on (counted once the broker has it)."""
        origin = Origin(message.topic, message.partition, message.offset)
        self.log.warning("dead-lettered", code=code, reason=reason, **_where(message))
        letter = dead_letter(self.stage, code, reason, origin, message.key, message.value or b"")
        return OutRecord(dlq_topic(self.stage), letter.key, letter.value, letter.headers(), code)

    async def send_all(self, records: Sequence[OutRecord], produced: int = 0) -> None:
        """Send ``records`` and wait until the broker has acknowledged every one; then count the dead letters among
        them and ``produced`` as this stage's output."""
        producer = self.app.producer
        pending: list[Awaitable[Any]] = []
        for r in records:
            pending.append(await producer.send(self.name(r.topic), r.key, r.value, None, None, r.headers))
        await asyncio.gather(*pending)
        for r in records:
            if r.dead_letter_code is not None:
                self.metrics.dead_lettered.labels(self.stage, r.dead_letter_code).inc()
        if produced:
            self.metrics.events_out.labels(self.stage).inc(produced)


def _where(message: Message) -> dict[str, Any]:
    return {"topic": message.topic, "partition": message.partition, "offset": message.offset}
