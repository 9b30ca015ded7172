"""What every connector instance does, polled or pushed: start (checkpoint, recovery, the connector's set-up),
handle a batch (cut it, count it, deliver it), follow the source time (lag, stale) and close. The drivers that
subclass it are ``hub.connectors.polling`` and ``hub.connectors.push``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import datetime
from typing import ClassVar, Generic, TypeVar

import structlog

from hub.connectors.base import AnyConnector, Item
from hub.connectors.cutting import BatchInfo, Cut, Outcome, cut, stale_check_problem
from hub.connectors.delivery import Delivery
from hub.connectors.pause import Pause
from hub.connectors.settings import InstanceDeps, InstanceSettings
from hub.errors import ConfigError
from hub.retry import Backoff

# The drivers log through this module's logger, bound to the instance name: one logger for all of an instance.
log = structlog.get_logger(__name__)

C = TypeVar("C", bound=AnyConnector)


class ConnectorInstance(Generic[C]):
    """A configured connector with its settings and collaborators; it never dies on one bad document, which goes
    to the dead-letter topic with the reason, and is counted."""

    #: Whether the instance is polled (its metric series include the poll outcomes).
    polling: ClassVar[bool]

    def __init__(self, connector: C, settings: InstanceSettings, deps: InstanceDeps) -> None:
        self.connector = connector
        self.settings = settings
        self.deps = deps
        self.name = settings.name
        self.log: structlog.stdlib.BoundLogger = log.bind(connector=settings.name)
        self.pause = Pause(deps.sleep)
        self.delivery = Delivery(settings, deps, self.pause, self.log)
        self.newest_source_time: datetime | None = None
        self.is_stale = False
        self.closed = False

    @property
    def backoff_factory(self) -> Callable[[], Backoff]:
        """Makes a fresh ``Backoff`` for a retry loop."""
        return self.deps.backoff

    # -- start and stop -------------------------------------------------------------------------------------

    async def start(self) -> int:
        """Load the checkpoint, add the records produced after it (recovery), set the connector up. ConfigError
        for ``stale_after_s`` without a source time to check it against.

        Returns how many records recovery found.
        """
        problem = stale_check_problem(self.connector, self.settings.format, self.settings.options.stale_after_s)
        if problem is not None:
            raise ConfigError(f"connector {self.name!r}: {problem}")
        self.deps.metrics.init_instance(self.name, polling=self.polling)
        found, recovered = await self.delivery.recover()
        self.log.info(
            "connector instance starting",
            type=self.settings.options.type,
            format=self.settings.format.name,
            topic=self.settings.topic,
            checkpoint="found" if found else "none",
            recovered=recovered,
        )
        try:
            await self.connector.setup()
        except Exception as exc:
            raise ConfigError(f"connector {self.name!r} ({self.settings.options.type}) could not start: {exc}") from exc
        return recovered

    def request_stop(self) -> None:
        self.pause.request_stop()

    async def wait(self, seconds: float) -> None:
        """Sleep ``seconds`` (on the injected sleep, if any), waking early when asked to stop."""
        await self.pause.wait(seconds)

    async def close(self) -> None:
        """Close the connector (clean shutdown only); safe to call twice."""
        if self.closed:
            return
        self.closed = True
        try:
            await self.connector.close()
        except Exception:
            self.log.exception("connector close failed")

    # -- one batch ------------------------------------------------------------------------------------------

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
        batch = BatchInfo(origin, content_type, source_time)
        result = cut(items, self.delivery.checkpoint.seen, self.settings, batch, self.deps.clock())
        self._count(result)
        acknowledged = await self.delivery.deliver(result.messages, deadline_s)
        return replace(result.outcome, acknowledged=acknowledged)

    def _count(self, result: Cut) -> None:
        metrics, name = self.deps.metrics, self.name
        if result.documents:
            metrics.documents.labels(name).inc(result.documents)
        for when in result.source_times:
            self._note_source_time(when)
        for code in result.dead_letters:
            metrics.errors.labels(name, code).inc()
        for refusal in result.outcome.refused:
            if refusal.code == "source_failed":  # a lost subscription must not pass as a quiet feed
                self.log.warning("source reports a failure", reason=refusal.reason)
        for failure in result.failures:
            self.log.error(
                "split raised", format=self.settings.format.name, origin=failure.origin, exc_info=failure.error
            )
        metrics.records_duplicate.labels(name).inc(result.outcome.duplicates)
        for record in result.changed:
            # Dropped as a duplicate by its (id, version), yet its bytes differ: the change is lost unless the source
            # or the format versions it (docs/connectors.md, "Record ids and versions").
            metrics.records_changed_unversioned.labels(name).inc()
            self.log.warning(
                "record changed without a new version, not produced",
                format=self.settings.format.name,
                record_id=record.record_id,
                version=record.version,
            )
        if result.changed_in_place:
            metrics.records_changed_in_place.labels(name).inc(result.changed_in_place)
            self.log.warning(
                "records changed without a new source version; produced as new versions",
                format=self.settings.format.name,
                count=result.changed_in_place,
            )

    def succeeded(self) -> None:
        """Note a poll or push whose records the broker acknowledged."""
        self.deps.metrics.last_success.labels(self.name).set(self.deps.clock().timestamp())
        self.check_stale()

    # -- source time ----------------------------------------------------------------------------------------

    def _note_source_time(self, when: datetime) -> None:
        if self.newest_source_time is None or when > self.newest_source_time:
            self.newest_source_time = when
        lag = max(0.0, (self.deps.clock() - when).total_seconds())
        self.deps.metrics.lag_seconds.labels(self.name).set(lag)

    def check_stale(self) -> None:
        """Set the stale gauge from the newest source time; warn once when the feed turns stale."""
        limit = self.settings.options.stale_after_s
        if limit is None or self.newest_source_time is None:
            return
        age = (self.deps.clock() - self.newest_source_time).total_seconds()
        stale = age > limit
        self.deps.metrics.stale.labels(self.name).set(1 if stale else 0)
        if stale and not self.is_stale:
            self.log.warning("feed is stale", age_s=round(age, 1), stale_after_s=limit)
        elif not stale and self.is_stale:
            self.log.info("feed is fresh again", age_s=round(age, 1))
        self.is_stale = stale
