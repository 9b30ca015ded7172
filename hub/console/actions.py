"""Acting on an alert from the console: the store is checked first (404 for an unknown or another agency's alert,
409 ``wrong_prefix`` for an alert read from another deployment's topics, 409 ``stale_revision`` with what changed
when the revision seen is not the latest), then the ``AckMessage`` is produced to ``acks.<domain>`` and the answer
waits for the broker (503 when it does not acknowledge). ``POST /acks/<domain>`` runs the same checks.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import structlog

from hub.acks_http import AckDesk, AckOutcome, Refusal
from hub.console.metrics import ConsoleMetrics
from hub.console.models import ApiError
from hub.console.places import Places
from hub.console.security import Principal
from hub.console.source import AlertSource, StoredAlert
from hub.console.views import BERLIN, alert_view, changes
from hub.errors import BrokerError
from hub.router.core import AckAction, AckMessage
from hub.topology import qualified, spec

__all__ = ["Actions"]

log = structlog.get_logger(__name__)

# The refusals of ``check`` as outcomes of the acknowledgement endpoint.
_OUTCOMES: dict[str, AckOutcome] = {
    "unknown_alert": "unknown_alert",
    "wrong_prefix": "wrong_prefix",
    "stale_revision": "stale_revision",
}


def _now() -> datetime:
    return datetime.now(BERLIN)


class Actions:
    """Checks and produces the actions of people and systems on their agency's alerts."""

    def __init__(
        self,
        source: AlertSource,
        desk: AckDesk,
        places: Places,
        metrics: ConsoleMetrics,
        clock: Callable[[], datetime] = _now,
    ) -> None:
        self.source = source
        self.desk = desk
        self.places = places
        self.metrics = metrics
        self.clock = clock

    async def check(self, agency: str, alert_id: str, revision: int | None) -> StoredAlert:
        """The alert's latest stored revision, when an action on ``revision`` of it may be produced; else
        ``ApiError`` (404 ``unknown_alert``, 409 ``wrong_prefix``, 409 ``stale_revision``)."""
        stored = await self.source.current(agency, alert_id)
        if stored is None or stored.alert.recipient != agency:
            raise ApiError(404, "unknown_alert", f"no alert {alert_id!r} for {agency}")
        expected = qualified(self.desk.topic_prefix, spec(f"alerts.{agency}").name)
        if stored.topic != expected:
            raise ApiError(
                409,
                "wrong_prefix",
                f"the alert was read from {stored.topic}, not {expected}: no router of this deployment would read "
                "the acknowledgement",
            )
        if revision is not None and revision != stored.alert.revision:
            raise await self._stale(agency, stored, revision)
        return stored

    async def _stale(self, agency: str, stored: StoredAlert, revision: int) -> ApiError:
        seen = await self.source.revision(agency, stored.alert.alert_id, revision)
        return ApiError(
            409,
            "stale_revision",
            f"revision {revision} is not the latest ({stored.alert.revision}): see what changed and confirm again",
            extra={
                "current": alert_view(stored, agency, self.places),
                "changes": [] if seen is None else changes(seen.alert, stored.alert, agency),
            },
        )

    async def check_ack(self, domain: str, ack: AckMessage) -> Refusal | None:
        """The store check of ``POST /acks/<domain>`` (an ``AckCheck``)."""
        try:
            await self.check(domain, ack.alert_id, ack.revision if ack.action != "note" else None)
        except ApiError as exc:
            return Refusal(exc.status, _OUTCOMES[exc.code], exc.code, exc.message, exc.extra)
        return None

    async def act(
        self, principal: Principal, alert_id: str, action: AckAction, revision: int | None, note: str | None
    ) -> dict[str, Any]:
        """Produce ``action`` by ``principal`` on the alert; the 202 body once the broker has it."""
        domain = principal.agency
        try:
            stored = await self.check(domain, alert_id, revision if action != "note" else None)
        except ApiError as exc:
            self.metrics.actions.labels(domain, action, exc.code).inc()
            raise
        seen = revision if revision is not None else stored.alert.revision
        ack = AckMessage(alert_id=alert_id, by=principal.by, at=self.clock(), revision=seen, action=action, note=note)
        try:
            produced = await self.desk.produce(domain, ack)
        except BrokerError as exc:
            self.metrics.actions.labels(domain, action, "broker_unavailable").inc()
            log.warning("action not stored", domain=domain, alert_id=alert_id, action=action, error=str(exc))
            raise ApiError(503, "broker_unavailable", "the broker did not acknowledge in time; send again") from exc
        self.metrics.actions.labels(domain, action, "accepted").inc()
        log.info(
            "action accepted",
            domain=domain,
            alert_id=alert_id,
            action=action,
            revision=seen,
            partition=produced.partition,
            offset=produced.offset,
        )
        return {"accepted": True, "alert_id": alert_id, "action": action, "revision": seen}
