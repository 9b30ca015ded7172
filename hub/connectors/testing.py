"""The conformance helper for connector types: ``check_connector(MyConnector, config={...})`` from pytest.

It runs the type through the runner's own drivers (``PollingInstance``, ``PushInstance``) against in-memory
doubles (no Kafka, a fake clock) and checks the contract: records with ids and versions, a checkpoint that survives
a clean restart and a crash without duplicates or gaps, bad input that does not crash it and is neither lost nor
passed as good data, an idempotent ``close``.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from prometheus_client import CollectorRegistry

from hub.connectors.base import (
    ConnectorClass,
    ConnectorContext,
    ConnectorOptions,
    PollingConnector,
    PushConnector,
    PushRequest,
)
from hub.connectors.checkpoint import MemoryCheckpointStore
from hub.connectors.instance import ConnectorInstance
from hub.connectors.metrics import ConnectorMetrics
from hub.connectors.polling import PollingInstance
from hub.connectors.push import PushInstance
from hub.connectors.records import H_RECORD_ID, H_RECORD_VERSION, header
from hub.connectors.server import respond
from hub.connectors.settings import InstanceDeps, InstanceSettings
from hub.connectors.sink import MemorySink
from hub.errors import ConformanceError, InvalidEventError
from hub.formats.base import CanonicalRecord, Format, SourceRecord

RAW = "raw.conformance"
DLQ = "dlq.conformance"
NAME = "conformance"


class FakeClock:
    """A clock that only moves when told (``advance``), or when the runner sleeps on it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)

    async def sleep(self, seconds: float) -> None:
        self.advance(seconds)
        await asyncio.sleep(0)


class RejectingFormat:
    """Wraps a format so that every document is refused as malformed (bad input for the connector)."""

    def __init__(self, inner: Format) -> None:
        self.name = inner.name
        self.raw_topic = inner.raw_topic

    def split(self, document: bytes, content_type: str | None = None) -> list[SourceRecord]:
        raise InvalidEventError("conformance check: every document is refused", "malformed_json")

    def to_canonical(self, record: bytes) -> list[CanonicalRecord]:
        raise InvalidEventError("conformance check: every record is refused", "malformed_json")


class _CrashingStore(MemoryCheckpointStore):
    """Stops saving once ``crashed`` is set: a crash between the broker's ack and the checkpoint write."""

    crashed = False

    def save(self, name: str, data: bytes) -> None:
        if not self.crashed:
            super().save(name, data)


@dataclass(frozen=True)
class ConformanceReport:
    """What the checks saw: records of a full run, polls (or requests) it took, recovered after the crash."""

    records: int
    steps: int
    recovered_after_crash: int
    dead_letters_on_bad_input: int
    #: Of the records the connector cut itself from ``bad_input``, how many the format refuses (the normaliser
    #: dead-letters them with the reason).
    refused_records_of_bad_input: int = 0


@dataclass
class _Harness:
    options: ConnectorOptions
    fmt: Format
    clock: FakeClock
    sink: MemorySink
    store: MemoryCheckpointStore
    registry: CollectorRegistry
    metrics: ConnectorMetrics

    def polling(self, cls: type[PollingConnector[Any]], fmt: Format | None = None) -> PollingInstance:
        context, settings, deps = self._parts(fmt or self.fmt)
        return PollingInstance(cls(self.options, context), settings, deps)

    def push(self, cls: type[PushConnector[Any]]) -> PushInstance:
        context, settings, deps = self._parts(self.fmt)
        return PushInstance(cls(self.options, context), settings, deps)

    def _parts(self, fmt: Format) -> tuple[ConnectorContext, InstanceSettings, InstanceDeps]:
        return (
            ConnectorContext(NAME, fmt, self.clock),
            InstanceSettings(NAME, self.options, fmt, topic=RAW, dlq_topic=DLQ),
            InstanceDeps(self.sink, self.store, self.metrics, self.clock, sleep=self.clock.sleep),
        )

    def check_no_connector_errors(self) -> None:
        if self.errors("connector_error"):
            raise ConformanceError(
                "poll raised an exception other than ConnectorError, or returned a state that is not JSON (see the log)"
            )

    def errors(self, reason: str) -> float:
        value = self.registry.get_sample_value("hub_connector_errors_total", {"connector": NAME, "reason": reason})
        return value or 0.0


def _harness(options: ConnectorOptions, fmt: Format, store: MemoryCheckpointStore | None = None) -> _Harness:
    registry = CollectorRegistry()
    return _Harness(
        options,
        fmt,
        FakeClock(),
        MemorySink(),
        store or MemoryCheckpointStore(),
        registry,
        ConnectorMetrics.create(registry),
    )


def _identities(sink: MemorySink) -> list[tuple[str, str]]:
    return [(header(r.headers, H_RECORD_ID) or "", header(r.headers, H_RECORD_VERSION) or "") for r in sink.on(RAW)]


def _check_records(sink: MemorySink, what: str) -> list[tuple[str, str]]:
    found = _identities(sink)
    for record, (record_id, _version) in zip(sink.on(RAW), found, strict=True):
        if not record_id:
            raise ConformanceError(f"{what}: a record was produced without a record id")
        if header(record.headers, H_RECORD_VERSION) is None:
            raise ConformanceError(f"{what}: record {record_id!r} was produced without a version")
    twice = [ident for ident, n in Counter(found).items() if n > 1]
    if twice:
        raise ConformanceError(f"{what}: produced {len(twice)} (record_id, version) more than once, e.g. {twice[0]}")
    return found


async def _poll_until_done(
    h: _Harness, instance: PollingInstance, max_steps: int, idle_polls: int, crash_after: int | None = None
) -> tuple[int, int]:
    """Poll until finished, ``idle_polls`` polls in a row bring nothing new, or ``crash_after`` polls brought
    records. A poll that yields only what was produced before (a source that serves its whole calendar or feed on
    every poll) brings nothing new: the runner drops those records as duplicates.

    Returns (polls, polls that produced records).
    """
    sink = h.sink
    steps = idle = with_items = 0
    backoff = instance.backoff_factory()
    while steps < max_steps:
        steps += 1
        before = len(sink.on(RAW))
        _outcome, delay, finished = await instance.poll_once(backoff)
        h.check_no_connector_errors()
        new = len(sink.on(RAW)) > before
        if new:
            with_items += 1
            if crash_after is not None and with_items >= crash_after:
                return steps, with_items
        if finished:
            return steps, with_items
        idle = 0 if new else idle + 1
        if idle >= idle_polls:
            return steps, with_items
        await instance.wait(delay)
    raise ConformanceError(f"the source did not finish or go idle within {max_steps} polls")


async def _check_polling(
    h: _Harness,
    cls: type[PollingConnector[Any]],
    prepare: Callable[[], None],
    bad_input: Callable[[], None] | None,
    max_steps: int,
    idle_polls: int,
) -> ConformanceReport:
    # 1. A whole run: records with ids and versions, each once.
    prepare()
    ref = h.polling(cls)
    await ref.start()
    steps, productive = await _poll_until_done(h, ref, max_steps, idle_polls)
    reference = _check_records(h.sink, "full run")
    if not reference:
        raise ConformanceError("a full run produced no records: give the check a source with data (prepare=...)")
    await _close_twice(ref)
    with_items = max(1, productive // 2)

    # 2. A clean restart half-way: the second instance resumes from the checkpoint.
    prepare()
    h2 = _harness(h.options, h.fmt)
    first = h2.polling(cls)
    await first.start()
    await _poll_until_done(h2, first, max_steps, idle_polls, crash_after=with_items)
    await first.close()
    second = h2.polling(cls)
    await second.start()
    await _poll_until_done(h2, second, max_steps, idle_polls)
    await second.close()
    _compare(reference, _check_records(h2.sink, "clean restart"), "clean restart")

    # 3. A crash after the broker's ack and before the checkpoint write: recovery must fill the gap.
    prepare()
    store = _CrashingStore()
    h3 = _harness(h.options, h.fmt, store)
    crashing = h3.polling(cls)
    await crashing.start()
    await _poll_until_done(h3, crashing, max_steps, idle_polls, crash_after=with_items)
    store.crashed = True
    await _poll_until_done(h3, crashing, max_steps, idle_polls, crash_after=1)  # acknowledged, never checkpointed
    store.crashed = False  # no close: a crash
    after = h3.polling(cls)
    recovered = await after.start()
    await _poll_until_done(h3, after, max_steps, idle_polls)
    await after.close()
    await crashing.close()  # what a real crash frees with the process (sessions, files), after the check
    _compare(reference, _check_records(h3.sink, "crash and restart"), "crash and restart")

    # 4. Bad input: every document refused; the connector keeps going and its refusals become dead letters.
    prepare()
    h4 = _harness(h.options, h.fmt)
    bad = h4.polling(cls, RejectingFormat(h.fmt))
    await bad.start()
    await _poll_until_done(h4, bad, max_steps, idle_polls)
    await bad.close()
    cuts_itself = bool(h4.sink.on(RAW))  # every document was refused: these records never met the format
    if bad_input is None:
        if cuts_itself:
            raise ConformanceError(
                "the connector cuts records itself, so refusing documents tests nothing of its bad-input handling: "
                "pass bad_input= to make its source serve broken data"
            )
        return ConformanceReport(len(reference), steps, recovered, len(h4.sink.on(DLQ)))

    # 5. A broken source: the connector keeps going, and nothing of it is lost or passes as good data.
    bad_input()
    h5 = _harness(h.options, h.fmt)
    broken = h5.polling(cls)
    await broken.start()
    await _poll_until_done(h5, broken, max_steps, idle_polls)
    await broken.close()
    refused = _check_bad_records(h5)
    return ConformanceReport(len(reference), steps, recovered, len(h4.sink.on(DLQ)) + len(h5.sink.on(DLQ)), refused)


def _check_bad_records(h: _Harness) -> int:
    """Every record cut from a broken source is refused by the format (the normaliser dead-letters it with the
    reason); something of the source reached the dead-letter topic or the raw topic. Returns the refused records."""
    records = h.sink.on(RAW)
    if not records and not h.sink.on(DLQ):
        raise ConformanceError("bad input: the broken source left no dead letter and no record (it was lost)")
    for record in records:
        try:
            h.fmt.to_canonical(record.value)
        except InvalidEventError:
            continue
        record_id = header(record.headers, H_RECORD_ID)
        raise ConformanceError(
            f"bad input: record {record_id!r} cut from the broken source maps to an event: refuse what you cannot "
            "read (RefusedDocument, or a record the format refuses), never pass it as good data"
        )
    return len(records)


async def _close_twice(instance: ConnectorInstance[Any]) -> None:
    instance.closed = True  # the runner's guard is off: the connector's own close must be idempotent
    for attempt in ("first", "second"):
        try:
            await instance.connector.close()
        except Exception as exc:
            raise ConformanceError(f"close raised on the {attempt} call: {type(exc).__name__}: {exc}") from exc


def _compare(reference: Sequence[tuple[str, str]], got: Sequence[tuple[str, str]], what: str) -> None:
    missing = set(reference) - set(got)
    extra = set(got) - set(reference)
    if missing:
        raise ConformanceError(f"{what}: {len(missing)} record(s) of a full run never produced, e.g. {min(missing)}")
    if extra:
        raise ConformanceError(f"{what}: {len(extra)} record(s) a full run does not produce, e.g. {min(extra)}")


async def _check_push(h: _Harness, cls: type[PushConnector[Any]], requests: Sequence[PushRequest]) -> ConformanceReport:
    if not requests:
        raise ConformanceError("a push connector needs requests=[PushRequest(...), ...] to check")
    ref = h.push(cls)
    await ref.start()
    for request in requests:
        status, body = await respond(ref, request)
        if status not in ("202", "422"):
            raise ConformanceError(f"request to {request.path} answered {status}: {body}")
    await _close_twice(ref)
    reference = _check_records(h.sink, "all requests")
    # A crash half-way, then the sender sends everything again: nothing twice, nothing missing.
    store = _CrashingStore()
    h2 = _harness(h.options, h.fmt, store)
    first = h2.push(cls)
    await first.start()
    half = max(1, len(requests) // 2)
    for request in requests[:half]:
        await respond(first, request)
    store.crashed = True
    if half < len(requests):
        await respond(first, requests[half])
    store.crashed = False
    second = h2.push(cls)
    recovered = await second.start()
    for request in requests:
        await respond(second, request)
    await second.close()
    await first.close()  # what a real crash frees with the process, after the check
    _compare(reference, _check_records(h2.sink, "crash and resend"), "crash and resend")
    # Bad input: garbage bodies are answered, never with 500.
    h3 = _harness(h.options, h.fmt)
    bad = h3.push(cls)
    await bad.start()
    for request in requests:
        garbage = PushRequest(request.path, request.method, request.headers, b"\x00\xff not a document", request.remote)
        status, body = await respond(bad, garbage)
        if status == "500":
            raise ConformanceError(f"a garbage body to {request.path} crashed the connector: {body}")
    await bad.close()
    return ConformanceReport(len(reference), len(requests), recovered, len(h3.sink.on(DLQ)))


def _options(cls: ConnectorClass, config: Mapping[str, Any], fmt: Format) -> ConnectorOptions:
    model = cls.options_model
    type_field = model.model_fields.get("type")
    default_type = (
        type_field.default if type_field is not None and isinstance(type_field.default, str) else cls.__name__
    )
    return model.model_validate({"type": default_type, "format": fmt.name, **config})


async def check_connector_async(
    cls: ConnectorClass,
    config: Mapping[str, Any],
    *,
    format: Format | str = "replay-ndjson",
    prepare: Callable[[], None] | None = None,
    bad_input: Callable[[], None] | None = None,
    requests: Sequence[PushRequest] = (),
    max_steps: int = 500,
    idle_polls: int = 3,
) -> ConformanceReport:
    """``check_connector`` for code that already runs an event loop."""
    if isinstance(format, str):
        from hub.formats.registry import FORMATS

        fmt = FORMATS[format]
    else:
        fmt = format
    options = _options(cls, config, fmt)
    h = _harness(options, fmt)
    if issubclass(cls, PushConnector):
        return await _check_push(h, cls, requests)
    if not issubclass(cls, PollingConnector):
        raise ConformanceError(f"{cls!r} is neither a PollingConnector nor a PushConnector")
    return await _check_polling(h, cls, prepare or (lambda: None), bad_input, max_steps, idle_polls)


def check_connector(
    cls: ConnectorClass,
    config: Mapping[str, Any],
    *,
    format: Format | str = "replay-ndjson",
    prepare: Callable[[], None] | None = None,
    bad_input: Callable[[], None] | None = None,
    requests: Sequence[PushRequest] = (),
    max_steps: int = 500,
    idle_polls: int = 3,
) -> ConformanceReport:
    """Check a connector type against the contract; raise ConformanceError saying what is broken.

    ``config`` is the instance's table without ``type``/``format`` (given by the class and ``format``).
    ``prepare`` (re)creates the polled source before each of the four runs (a full run, a clean restart, a crash
    and restart, bad input), so it must give the same data each time. A source that serves everything again on
    every poll (a whole calendar) is done once its polls bring nothing new. A connector that cuts records itself
    needs ``bad_input``: it makes the source serve broken data, and every record the connector then cuts must be
    refused by the format (or the connector must dead-letter it, ``RefusedDocument``). Push connectors are checked
    with ``requests`` (each as the sender would send it, credentials included).
    """
    return asyncio.run(
        check_connector_async(
            cls,
            config,
            format=format,
            prepare=prepare,
            bad_input=bad_input,
            requests=requests,
            max_steps=max_steps,
            idle_polls=idle_polls,
        )
    )
