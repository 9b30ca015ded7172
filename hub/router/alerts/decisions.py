"""The router's decision log: one structured line per alert revision (issued, revised, escalated, acknowledged,
resolved, cleared, expired, reopened) and per action on an alert that changed nothing. Ids, revisions, states,
codes and field names only: never who acted, a name, a call sign or free text.
"""

from __future__ import annotations

from typing import Any, Literal

import structlog

from hub.schemas.alert import Alert

__all__ = ["DecisionLog", "DeskAction", "Refusal"]

#: The actions on ``acks.<domain>`` that the desk decides on (a ``note`` changes no alert).
DeskAction = Literal["acknowledge", "resolve"]

#: Why an action changed nothing: the alert is unknown (never seen, or finished and forgotten) or finished, it was
#: acknowledged already, the person saw an older revision than the latest (``stale_revision``: the plan changed
#: since), or a revision the alert never had (``revision_ahead``).
Refusal = Literal["unknown_alert", "finished", "already_acknowledged", "stale_revision", "revision_ahead"]

_STAGE = "router"
_NOT_COMPARED = frozenset({"revision", "issued_at"})
_STATE_EVENTS = {
    "acknowledged": "alert acknowledged",
    "expired": "alert expired",
    "new": "alert reopened",
}


class DecisionLog:
    """Writes the decision lines to the ``hub.router`` structlog logger, bound to the router stage."""

    def __init__(self) -> None:
        # Not bound here: binding assembles the logger from the configuration of the moment, and a desk may be
        # built before the entry point configures logging.
        self.log = structlog.get_logger("hub.router")

    def revision(self, previous: Alert | None, alert: Alert, kind: str) -> None:
        """``alert`` was sent, replacing ``previous`` (None: the first revision)."""
        event, details = decision(previous, alert)
        self.log.info(
            event,
            stage=_STAGE,
            alert_id=alert.alert_id,
            revision=alert.revision,
            recipient=alert.recipient,
            incident_id=alert.incident_id,
            kind=kind,
            state=alert.state,
            priority=alert.priority,
            **details,
        )

    def refused(
        self, alert_id: str, action: DeskAction, reason: Refusal, revision: int | None, latest: int | None
    ) -> None:
        """An action on ``alert_id`` changed nothing, for ``reason``; ``revision`` the one asked, ``latest`` the
        alert's latest (None: unknown)."""
        self.log.info(
            "stale acknowledgement" if reason == "stale_revision" else "action refused",
            stage=_STAGE,
            alert_id=alert_id,
            action=action,
            reason=reason,
            revision=revision,
            latest_revision=latest,
        )

    def noted(self, alert_id: str) -> None:
        """A note on ``alert_id``: the alert store records it; the router changes nothing."""
        self.log.debug("alert note", stage=_STAGE, alert_id=alert_id, action="note")


def changed_fields(previous: Alert, alert: Alert) -> list[str]:
    """The names of the fields ``alert`` shows differently from ``previous`` (revision and issue time aside)."""
    return [
        name
        for name in Alert.model_fields
        if name not in _NOT_COMPARED and getattr(previous, name) != getattr(alert, name)
    ]


def decision(previous: Alert | None, alert: Alert) -> tuple[str, dict[str, Any]]:
    """The event name of the revision ``alert`` after ``previous`` and the fields that say what it decided."""
    if previous is None:
        return "alert issued", {"category": alert.category, "mode": alert.mode}
    details: dict[str, Any] = {"changed": changed_fields(previous, alert)}
    if alert.state == "resolved" and previous.state != "resolved":
        details["clear_reason"] = alert.clear_reason
        return ("alert resolved" if alert.clear_reason == "resolved_by_recipient" else "alert cleared"), details
    if alert.state != previous.state:
        if alert.state == "acknowledged":
            details["acknowledged_revision"] = alert.acknowledged_revision
        return _STATE_EVENTS[alert.state], details
    if alert.escalation_level > previous.escalation_level or (alert.havag_unanswered and not previous.havag_unanswered):
        details.update(
            escalation=alert.escalation, escalation_level=alert.escalation_level, escalated_to=alert.escalated_to
        )
        return "alert escalated", details
    return "alert revised", details
