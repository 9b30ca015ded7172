"""The alert lifecycle as metrics (``hub.metrics.AlertMetrics``), from what the alert store stored now: a first
revision is an alert issued (and, when its incident's event is stored, a latency from that event), a later one a
revision (an escalation when it raised the level), an alert's first acknowledgement an acknowledgement with the time
it took (an acknowledgement stored before its alert is timed when the alert's first revision is stored); and,
polled from the store, the open alerts nobody acknowledged. Counted only after the transaction that stored them
committed, so a retried batch is not counted twice.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hub.metrics import PRIORITIES, AlertMetrics
from hub.store.alerts import StoredAction, StoredRevision

__all__ = ["AlertLifecycle"]


class AlertLifecycle:
    """Counts stored revisions and actions into ``metrics``; only ``recipients`` (the alert domains) are labels."""

    def __init__(self, metrics: AlertMetrics, recipients: Iterable[str]) -> None:
        self.metrics = metrics
        self.recipients = frozenset(recipients)

    def revisions(self, stored: Iterable[StoredRevision]) -> None:
        m = self.metrics
        for r in stored:
            if r.recipient not in self.recipients:
                continue
            if r.revision == 1:
                m.issued.labels(r.recipient, _priority(r.priority)).inc()
                if r.source_time is not None:
                    m.latency_seconds.labels(r.recipient).observe(
                        max((r.issued_at - r.source_time).total_seconds(), 0.0)
                    )
            else:
                m.revised.labels(r.recipient).inc()
            if r.escalated:
                m.escalated.labels(r.recipient).inc()
            if r.acknowledged_before_at is not None:
                # Acknowledged before its alert was stored (alerts.* and acks.* are read as they come): the
                # acknowledgement was counted then, without a time; it is timed now, from this revision.
                m.ack_seconds.labels(r.recipient, _priority(r.priority)).observe(
                    max((r.acknowledged_before_at - r.issued_at).total_seconds(), 0.0)
                )

    def actions(self, stored: Iterable[StoredAction]) -> None:
        m = self.metrics
        for a in stored:
            if a.recipient not in self.recipients or not a.first_ack:
                continue
            m.acknowledged.labels(a.recipient).inc()
            if a.first_issued_at is not None and a.priority is not None:
                m.ack_seconds.labels(a.recipient, _priority(a.priority)).observe(
                    max((a.at - a.first_issued_at).total_seconds(), 0.0)
                )

    def unacknowledged(self, counts: Mapping[tuple[str, int], int]) -> None:
        """Set every (recipient, priority) series: the count found, else 0 (an alert acknowledged leaves it)."""
        for recipient in self.recipients:
            for priority in PRIORITIES:
                self.metrics.unacknowledged.labels(recipient, priority).set(counts.get((recipient, int(priority)), 0))


def _priority(priority: int) -> str:
    """The label of ``priority``: 1-5 as the model defines it (anything else would be a bug: shown as 5)."""
    text = str(priority)
    return text if text in PRIORITIES else PRIORITIES[-1]
