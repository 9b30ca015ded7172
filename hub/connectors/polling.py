"""The driver of a polled connector: poll, hand the batch on, commit the connector's state once the broker took it
all, and say when to poll next; a failing poll is counted and backed off, never fatal.
"""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple

from hub.connectors.base import PollingConnector
from hub.connectors.instance import ConnectorInstance
from hub.connectors.metrics import ErrorReason, PollOutcome
from hub.errors import ConnectorError
from hub.retry import Backoff


class PollStep(NamedTuple):
    """What one poll came to: its outcome, the seconds until the next poll, and whether the source finished."""

    outcome: PollOutcome
    delay_s: float
    finished: bool


class PollingInstance(ConnectorInstance[PollingConnector[Any]]):
    """An instance of a polled connector (HTTP feeds, folders, files)."""

    polling = True

    async def poll_once(self, backoff: Backoff) -> PollStep:
        """One poll, handled and committed."""
        timeout_s = self.settings.poll_timeout_s
        try:
            result = await asyncio.wait_for(self.connector.poll(dict(self.delivery.checkpoint.state)), timeout_s)
        except ConnectorError as exc:
            return self._poll_failed(exc.reason, str(exc), backoff)
        except TimeoutError:
            return self._poll_failed("source_timeout", f"poll took over {timeout_s:.0f} s", backoff)
        except Exception as exc:  # a bug in the connector must not end the instance
            self.log.exception("poll raised", error=type(exc).__name__)
            return self._poll_failed("connector_error", f"{type(exc).__name__}: {exc}", backoff)
        outcome = await self.handle(
            result.items, origin=result.origin, content_type=result.content_type, source_time=result.source_time
        )
        if not outcome.acknowledged:
            return PollStep("error", 0.0, False)
        await self.delivery.commit(result.state)
        backoff.reset()
        kind: PollOutcome = "ok" if result.items else ("not_modified" if result.not_modified else "empty")
        self.deps.metrics.polls.labels(self.name, kind).inc()
        self.succeeded()
        return PollStep(kind, max(0.0, result.next_poll_in_s), result.finished)

    def _poll_failed(self, reason: ErrorReason, message: str, backoff: Backoff) -> PollStep:
        delay = backoff.next_delay()
        self.deps.metrics.polls.labels(self.name, "error").inc()
        self.deps.metrics.errors.labels(self.name, reason).inc()
        self.log.warning("poll failed", reason=reason, error=message, retry_in_s=round(delay, 3))
        self.check_stale()
        return PollStep("error", delay, False)

    async def run_polling(self) -> None:
        """Poll until stopped or finished; close the connector then (not on a crash)."""
        backoff = self.deps.backoff()
        while not self.pause.stopped:
            step = await self.poll_once(backoff)
            if step.finished:
                self.log.info("source finished")
                break
            await self.wait(step.delay_s)
        await self.close()
