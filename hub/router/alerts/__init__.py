"""The alert lifecycle: one alert per incident per recipient domain, revised as the incident, the vehicle and the
units move; acknowledgement and resolution by the recipient, escalation, expiry, HAVAG grouping and inhibition,
and the 3Z/4Z watchdog.

Pure and deterministic: no IO (each decision is logged through structlog), the clock is injected. ``AlertDesk``
takes events and returns the ``Alert`` revisions to send; docs/router.md has the state diagram, what each recipient
sees, the parameters and the module map.
"""

from hub.router.alerts.desk import AlertDesk
from hub.router.alerts.records import (
    RECIPIENTS,
    AlertKind,
    AlertParams,
    AlertRecord,
    DeskContents,
    Escalation,
    Recipient,
    alert_id,
)

__all__ = [
    "RECIPIENTS",
    "AlertDesk",
    "AlertKind",
    "AlertParams",
    "AlertRecord",
    "DeskContents",
    "Escalation",
    "Recipient",
    "alert_id",
]
