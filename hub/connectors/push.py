"""The driver of a push connector: one request in, a typed ``PushOutcome`` out (accepted, unusable, refused, not
acknowledged, connector failed). It knows no HTTP status: ``hub.connectors.server`` answers the outcome.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any, Literal

from hub.connectors.base import PushConnector, PushRequest
from hub.connectors.cutting import Refusal
from hub.connectors.instance import ConnectorInstance
from hub.connectors.settings import InstanceDeps, InstanceSettings
from hub.errors import PushRejected


@dataclass(frozen=True)
class Accepted:
    """The broker acknowledged the request's records: ``accepted`` new ones, ``duplicates`` already produced."""

    accepted: int
    duplicates: int


@dataclass(frozen=True)
class Unusable:
    """Documents or records of the request went to the dead-letter topic (``refused``, in order, never empty); the
    ``accepted`` and ``duplicates`` others went on as for ``Accepted``."""

    refused: tuple[Refusal, ...]
    accepted: int
    duplicates: int = 0


@dataclass(frozen=True)
class Refused:
    """The connector refused the request (``PushRejected``): credentials or content type."""

    status: Literal[400, 401, 403, 415]
    reason: str


@dataclass(frozen=True)
class NotAcknowledged:
    """The broker did not acknowledge before the deadline: the sender should send again."""


@dataclass(frozen=True)
class ConnectorFailed:
    """The connector raised on the request (a bug, not bad input); logged and counted."""


PushOutcome = Accepted | Unusable | Refused | NotAcknowledged | ConnectorFailed


class PushInstance(ConnectorInstance[PushConnector[Any]]):
    """An instance of a push connector (webhooks); requests are handled concurrently, produced one at a time."""

    polling = False

    def __init__(self, connector: PushConnector[Any], settings: InstanceSettings, deps: InstanceDeps) -> None:
        super().__init__(connector, settings, deps)
        self._lock = asyncio.Lock()

    async def push(self, request: PushRequest, deadline_s: float | None = None) -> PushOutcome:
        """Handle one request; ``deadline_s`` (monotonic) bounds the wait for the broker."""
        try:
            result = await self.connector.receive(request)
        except PushRejected as exc:
            return Refused(exc.status, exc.reason)
        except Exception as exc:  # a bug in the connector, not bad input
            self.log.exception("receive raised", error=type(exc).__name__)
            self.deps.metrics.errors.labels(self.name, "connector_error").inc()
            return ConnectorFailed()
        async with self._lock:
            outcome = await self.handle(
                result.items,
                origin=result.origin,
                content_type=result.content_type,
                source_time=result.source_time,
                deadline_s=deadline_s,
            )
            if not outcome.acknowledged:
                return NotAcknowledged()
            await self.delivery.commit(dict(self.delivery.checkpoint.state))
        self.succeeded()
        if outcome.refused:
            return Unusable(outcome.refused, outcome.produced, outcome.duplicates)
        return Accepted(outcome.produced, outcome.duplicates)
