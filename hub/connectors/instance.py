"""One running connector instance: cut what its connector yields, drop duplicates, produce, checkpoint.

This is the runner's core, shared by ``hub connectors run`` (Kafka, checkpoint files) and the conformance helper
(memory). It never dies on one bad document: that goes to ``dlq.connectors`` with the reason, and is counted.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Protocol, runtime_checkable

import structlog

from hub.connectors.base import (
    AnyConnector,
    ConnectorOptions,
    Document,
    Item,
    PollingConnector,
    PushConnector,
    PushRequest,
    State,
)
from hub.connectors.checkpoint import DEFAULT_MAX_SEEN_IDS, Checkpoint, CheckpointStore, SeenVersions
from hub.connectors.metrics import ConnectorMetrics, ErrorReason, PollOutcome, PushStatus
from hub.connectors.records import (
    H_CONNECTOR,
    H_CONTENT_TYPE,
    H_ORIGIN,
    H_RECEIVED_AT,
    H_RECORD_ID,
    H_RECORD_VERSION,
    MAX_VALUE_BYTES,
    Ack,
    OutMessage,
    Sink,
)
from hub.deadletter import Origin, dead_letter
from hub.errors import BrokerError, ConfigError, ConnectorError, DeadLetterReason, InvalidEventError, PushRejected
from hub.formats.base import MAX_DOCUMENT_BYTES, Format, SourceRecord
from hub.retry import Backoff

log = structlog.get_logger(__name__)

STAGE = "connectors"
#: A dead letter keeps the original bytes up to this size; beyond it only the first KiB (the reason says so).
_DLQ_KEEP_BYTES = 1024


@runtime_checkable
class FeedTimestamps(Protocol):
    """A format that can read the time its source made a document (GTFS-RT's header timestamp)."""

    def feed_timestamp(self, document: bytes, content_type: str | None = None) -> datetime | None: ...


@dataclass
class Outcome:
    """What handling one batch of items did."""

    produced: int = 0
    duplicates: int = 0
    dead_lettered: int = 0
    rejected: list[tuple[DeadLetterReason, str]] = field(default_factory=list)
    acknowledged: bool = True


@dataclass(frozen=True)
class _Pending:
    message: OutMessage
    record: SourceRecord | None


def _utc(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


class ConnectorInstance:
    """A configured connector with its format, checkpoint, sink and metrics."""

    def __init__(
        self,
        name: str,
        connector: AnyConnector,
        options: ConnectorOptions,
        fmt: Format,
        *,
        topic: str,
        dlq_topic: str,
        sink: Sink,
        store: CheckpointStore,
        metrics: ConnectorMetrics,
        clock: Callable[[], datetime],
        sleep: Callable[[float], Any] | None = None,
        backoff: Callable[[], Backoff] = Backoff,
        max_seen_ids: int = DEFAULT_MAX_SEEN_IDS,
        produce_timeout_s: float = 30.0,
        poll_timeout_s: float = 300.0,
    ) -> None:
        self.name = name
        self.connector = connector
        self.options = options
        self.format = fmt
        self.topic = topic
        self.dlq_topic = dlq_topic
        self.sink = sink
        self.store = store
        self.metrics = metrics
        self.clock = clock
        self.backoff_factory = backoff
        self.max_seen_ids = max_seen_ids
        self.produce_timeout_s = produce_timeout_s
        self.poll_timeout_s = poll_timeout_s
        self.checkpoint = Checkpoint(name, topic, seen=SeenVersions(max_seen_ids))
        self.newest_source_time: datetime | None = None
        self.is_stale = False
        self.closed = False
        self.log = log.bind(connector=name)
        self._lock = asyncio.Lock()
        self._stop = asyncio.Event()
        self._sleep = sleep

    @property
    def polling(self) -> bool:
        return isinstance(self.connector, PollingConnector)

    # -- start and stop -------------------------------------------------------------------------------------

    async def start(self) -> int:
        """Load the checkpoint, add the records produced after it (recovery), set the connector up.

        Returns how many records recovery found.
        """
        self.metrics.init_instance(self.name, polling=self.polling)
        raw = await asyncio.to_thread(self.store.load, self.name)
        if raw is not None:
            self.checkpoint = Checkpoint.from_json(
                raw, connector=self.name, topic=self.topic, max_seen_ids=self.max_seen_ids
            )
        # A crash can fall between the broker's acknowledgement and the checkpoint write: what this instance
        # produced after its checkpoint is on the raw topic, tagged with its name; those records are not sent again.
        recovered = await asyncio.to_thread(self.sink.recover, self.topic, self.name, dict(self.checkpoint.offsets))
        for r in sorted(recovered, key=lambda r: (r.partition, r.offset)):
            self.checkpoint.seen.add(r.record_id, r.version)
            self.checkpoint.advance(r.partition, r.offset)
        if recovered:
            await self._save()
        self.log.info(
            "connector instance starting",
            type=self.options.type,
            format=self.format.name,
            topic=self.topic,
            checkpoint="found" if raw is not None else "none",
            recovered=len(recovered),
        )
        try:
            await self.connector.setup()
        except Exception as exc:
            raise ConfigError(f"connector {self.name!r} ({self.options.type}) could not start: {exc}") from exc
        return len(recovered)

    def request_stop(self) -> None:
        self._stop.set()

    async def close(self) -> None:
        """Close the connector (clean shutdown only); safe to call twice."""
        if self.closed:
            return
        self.closed = True
        try:
            await self.connector.close()
        except Exception:
            self.log.exception("connector close failed")

    # -- the poll loop --------------------------------------------------------------------------------------

    async def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` (on the injected sleep, if any), waking early when asked to stop."""
        if self._sleep is not None:
            await self._sleep(seconds)
            return
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stop.wait(), timeout=seconds)

    async def poll_once(self, backoff: Backoff) -> tuple[PollOutcome, float, bool]:
        """One poll, handled and committed: (outcome, seconds until the next poll, finished)."""
        assert isinstance(self.connector, PollingConnector)
        try:
            result = await asyncio.wait_for(self.connector.poll(dict(self.checkpoint.state)), self.poll_timeout_s)
        except ConnectorError as exc:
            return self._poll_failed(exc.reason, str(exc), backoff)
        except TimeoutError:
            return self._poll_failed("source_timeout", f"poll took over {self.poll_timeout_s:.0f} s", backoff)
        except Exception as exc:  # a bug in the connector must not end the instance
            self.log.exception("poll raised", error=type(exc).__name__)
            return self._poll_failed("connector_error", f"{type(exc).__name__}: {exc}", backoff)
        outcome = await self.handle(
            result.items, origin=result.origin, content_type=result.content_type, source_time=result.source_time
        )
        if not outcome.acknowledged:
            return "error", 0.0, False
        await self.commit(result.state)
        backoff.reset()
        kind: PollOutcome = "ok" if result.items else ("not_modified" if result.not_modified else "empty")
        self.metrics.polls.labels(self.name, kind).inc()
        self.metrics.last_success.labels(self.name).set(self.clock().timestamp())
        self.check_stale()
        return kind, max(0.0, result.next_poll_in_s), result.finished

    def _poll_failed(self, reason: ErrorReason, message: str, backoff: Backoff) -> tuple[PollOutcome, float, bool]:
        delay = backoff.next_delay()
        self.metrics.polls.labels(self.name, "error").inc()
        self.metrics.errors.labels(self.name, reason).inc()
        self.log.warning("poll failed", reason=reason, error=message, retry_in_s=round(delay, 3))
        self.check_stale()
        return "error", delay, False

    async def run_polling(self) -> None:
        """Poll until stopped or finished; close the connector then (not on a crash)."""
        backoff = self.backoff_factory()
        while not self._stop.is_set():
            _outcome, delay, finished = await self.poll_once(backoff)
            if finished:
                self.log.info("source finished")
                break
            await self.wait(delay)
        await self.close()

    # -- cutting, de-duplicating, producing ---------------------------------------------------------------

    def _source_time(self, doc: Document) -> datetime | None:
        if doc.source_time is not None:
            return _utc(doc.source_time)
        if isinstance(self.format, FeedTimestamps):
            try:
                found = self.format.feed_timestamp(doc.body, doc.content_type)
            except InvalidEventError:
                return None  # split says what is wrong with the document
            return _utc(found) if found is not None else None
        return None

    def _note_source_time(self, when: datetime | None) -> None:
        if when is None:
            return
        if self.newest_source_time is None or when > self.newest_source_time:
            self.newest_source_time = when
        self.metrics.lag_seconds.labels(self.name).set(max(0.0, (self.clock() - when).total_seconds()))

    def check_stale(self) -> None:
        """Set the stale gauge from the newest source time; warn once when the feed turns stale."""
        limit = self.options.stale_after_s
        if limit is None or self.newest_source_time is None:
            return
        age = (self.clock() - self.newest_source_time).total_seconds()
        stale = age > limit
        self.metrics.stale.labels(self.name).set(1 if stale else 0)
        if stale and not self.is_stale:
            self.log.warning("feed is stale", age_s=round(age, 1), stale_after_s=limit)
        elif not stale and self.is_stale:
            self.log.info("feed is fresh again", age_s=round(age, 1))
        self.is_stale = stale

    def _dead_letter(
        self, code: DeadLetterReason, reason: str, body: bytes, origin: str, index: int, extra: list[tuple[str, bytes]]
    ) -> OutMessage:
        if len(body) > MAX_VALUE_BYTES:
            reason = f"{reason}; original was {len(body)} bytes, first {_DLQ_KEEP_BYTES} kept"
            body = body[:_DLQ_KEEP_BYTES]
        letter = dead_letter(STAGE, code, reason, Origin(origin, 0, index), None, body, now=self.clock())
        self.metrics.errors.labels(self.name, code).inc()
        return OutMessage(self.dlq_topic, None, letter.value, [*letter.headers(), *extra])

    def _headers(self, origin: str, content_type: str | None, received_at: str) -> list[tuple[str, bytes]]:
        return [
            (H_CONNECTOR, self.name.encode()),
            (H_CONTENT_TYPE, (content_type or "").encode()),
            (H_RECEIVED_AT, received_at.encode()),
            (H_ORIGIN, origin.encode("utf-8", "replace")),
        ]

    def cut(
        self, items: Sequence[Item], *, origin: str, content_type: str | None, source_time: datetime | None
    ) -> tuple[list[_Pending], Outcome]:
        """Split documents, drop duplicates; the messages to produce (records and dead letters)."""
        outcome = Outcome()
        pending: list[_Pending] = []
        batch: set[tuple[str, str]] = set()
        received_at = self.clock().astimezone(UTC).isoformat()
        self._note_source_time(_utc(source_time) if source_time else None)
        for index, item in enumerate(items):
            if isinstance(item, Document):
                self.metrics.documents.labels(self.name).inc()
                base = self._headers(item.origin, item.content_type, received_at)
                self._note_source_time(self._source_time(item))
                try:
                    if len(item.body) > MAX_DOCUMENT_BYTES:
                        raise InvalidEventError(
                            f"document is {len(item.body)} bytes, limit is {MAX_DOCUMENT_BYTES}", "too_large"
                        )
                    records = self.format.split(item.body, item.content_type)
                except InvalidEventError as exc:
                    outcome.rejected.append((exc.code, exc.reason))
                    pending.append(
                        _Pending(self._dead_letter(exc.code, exc.reason, item.body, item.origin, index, base), None)
                    )
                    outcome.dead_lettered += 1
                    continue
                except Exception as exc:  # a bug in the format must not end the instance
                    self.log.exception("split raised", format=self.format.name, origin=item.origin)
                    reason = f"format {self.format.name} failed on this document: {type(exc).__name__}"
                    outcome.rejected.append(("processing_error", reason))
                    pending.append(
                        _Pending(
                            self._dead_letter("processing_error", reason, item.body, item.origin, index, base), None
                        )
                    )
                    outcome.dead_lettered += 1
                    continue
            else:
                base = self._headers(origin, content_type, received_at)
                records = [item]
            for record in records:
                message = self._message(record, base, outcome, index)
                if message is None:
                    continue
                identity = (record.record_id, record.version)
                if identity in self.checkpoint.seen or identity in batch:
                    outcome.duplicates += 1
                    continue
                batch.add(identity)
                pending.append(message)
        self.metrics.records_duplicate.labels(self.name).inc(outcome.duplicates)
        return pending, outcome

    def _message(
        self, record: SourceRecord, base: list[tuple[str, bytes]], outcome: Outcome, index: int
    ) -> _Pending | None:
        origin = dict(base)[H_ORIGIN].decode("utf-8", "replace")
        if not isinstance(record.record_id, str) or not record.record_id or not isinstance(record.version, str):
            reason = f"format {self.format.name} cut a record without a record id or version"
            pending = _Pending(self._dead_letter("processing_error", reason, record.value, origin, index, base), None)
        elif len(record.value) > MAX_VALUE_BYTES:
            reason = f"record is {len(record.value)} bytes, limit is {MAX_VALUE_BYTES}"
            pending = _Pending(self._dead_letter("too_large", reason, record.value, origin, index, base), None)
        else:
            headers = [
                *base[:1],
                (H_RECORD_ID, record.record_id.encode()),
                (H_RECORD_VERSION, record.version.encode()),
                *base[1:],
            ]
            return _Pending(OutMessage(self.topic, record.key or None, record.value, headers), record)
        outcome.dead_lettered += 1
        return pending

    async def produce(self, pending: list[_Pending], deadline_s: float | None) -> bool:
        """Produce until the broker acknowledged every message; retry only the failed ones, with backoff.

        Gives up (False) when stopped or past ``deadline_s`` (monotonic); what was acknowledged stays noted.
        """
        backoff = self.backoff_factory()
        while pending:
            results = await asyncio.to_thread(self.sink.produce, [p.message for p in pending], self.produce_timeout_s)
            failed: list[_Pending] = []
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
            self.metrics.errors.labels(self.name, "broker_unavailable").inc()
            delay = backoff.next_delay()
            self.log.warning(
                "broker did not acknowledge", records=len(pending), error=str(first_error), retry_in_s=round(delay, 3)
            )
            if self._stop.is_set() or (deadline_s is not None and time.monotonic() + delay > deadline_s):
                return False
            await self.wait(delay)
        return True

    def _acknowledged(self, p: _Pending, ack: Ack) -> None:
        if p.record is None:
            return  # a dead letter: counted when it was made
        self.checkpoint.seen.add(p.record.record_id, p.record.version)
        self.checkpoint.advance(ack.partition, ack.offset)
        self.metrics.records_produced.labels(self.name).inc()

    async def handle(
        self,
        items: Sequence[Item],
        *,
        origin: str = "",
        content_type: str | None = None,
        source_time: datetime | None = None,
        deadline_s: float | None = None,
    ) -> Outcome:
        """Cut, de-duplicate and produce ``items``; ``acknowledged`` is False if the broker did not take them all."""
        pending, outcome = self.cut(items, origin=origin, content_type=content_type, source_time=source_time)
        outcome.produced = sum(1 for p in pending if p.record is not None)
        outcome.acknowledged = await self.produce(pending, deadline_s)
        return outcome

    async def commit(self, state: State) -> None:
        """Make ``state`` and what was produced so far the instance's checkpoint."""
        try:
            json.dumps(state)
        except (TypeError, ValueError) as exc:
            self.metrics.errors.labels(self.name, "connector_error").inc()
            self.log.error("connector state is not JSON; kept the previous one", error=str(exc))
        else:
            self.checkpoint.state = dict(state)
        await self._save()

    async def _save(self) -> None:
        try:
            await asyncio.to_thread(self.store.save, self.name, self.checkpoint.to_json())
        except OSError as exc:
            # Not fatal: recovery on the next start finds what was produced since the last checkpoint.
            self.metrics.errors.labels(self.name, "checkpoint_failed").inc()
            self.log.error("checkpoint write failed", error=str(exc))

    # -- push ---------------------------------------------------------------------------------------------

    async def push(self, request: PushRequest, deadline_s: float | None = None) -> tuple[PushStatus, dict[str, Any]]:
        """Handle one request to a push connector: (HTTP status, JSON body of the answer)."""
        assert isinstance(self.connector, PushConnector)
        try:
            result = await self.connector.receive(request)
        except PushRejected as exc:
            status: PushStatus = str(exc.status)  # type: ignore[assignment]
            return self._answered(status, {"error": exc.reason})
        except Exception as exc:  # a bug in the connector, not bad input
            self.log.exception("receive raised", error=type(exc).__name__)
            self.metrics.errors.labels(self.name, "connector_error").inc()
            return self._answered("500", {"error": "the connector failed on this request; see the hub's log"})
        async with self._lock:
            outcome = await self.handle(
                result.items,
                origin=result.origin,
                content_type=result.content_type,
                source_time=result.source_time,
                deadline_s=deadline_s,
            )
            if not outcome.acknowledged:
                return self._answered("503", {"error": "the broker did not acknowledge in time; send again"})
            await self.commit(dict(self.checkpoint.state))
        self.metrics.last_success.labels(self.name).set(self.clock().timestamp())
        self.check_stale()
        if outcome.rejected:
            code, reason = outcome.rejected[0]
            return self._answered("422", {"error": reason, "code": code, "accepted": outcome.produced})
        return self._answered("202", {"accepted": outcome.produced, "duplicates": outcome.duplicates})

    def _answered(self, status: PushStatus, body: dict[str, Any]) -> tuple[PushStatus, dict[str, Any]]:
        self.metrics.requests.labels(self.name, status).inc()
        return status, body
