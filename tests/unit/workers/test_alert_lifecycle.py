"""The alert lifecycle metrics (hub.workers.alert_lifecycle) from what the alert store stored now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from prometheus_client import CollectorRegistry

from hub.metrics import AlertMetrics
from hub.store.alerts import StoredAction, StoredRevision
from hub.topology import ALERT_DOMAINS
from hub.workers.alert_lifecycle import AlertLifecycle

T0 = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def _lifecycle() -> tuple[AlertLifecycle, CollectorRegistry]:
    registry = CollectorRegistry()
    return AlertLifecycle(AlertMetrics.create(registry, ALERT_DOMAINS), ALERT_DOMAINS), registry


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float | None:
    return registry.get_sample_value(name, labels)


def test_every_series_exists_at_zero_from_the_start_and_none_is_created() -> None:
    _, registry = _lifecycle()
    for recipient in ALERT_DOMAINS:
        assert _value(registry, "hub_alerts_issued_total", recipient=recipient, priority="1") == 0
        assert _value(registry, "hub_alerts_unacknowledged", recipient=recipient, priority="5") == 0
        assert _value(registry, "hub_alert_ack_seconds_count", recipient=recipient, priority="2") == 0
        assert _value(registry, "hub_alert_latency_seconds_count", recipient=recipient) == 0
    names = {m.name for m in registry.collect() for s in m.samples if s.name.endswith("_created")}
    assert names == set()


def test_issue_revision_escalation_acknowledgement_and_latency_are_counted() -> None:
    lifecycle, registry = _lifecycle()
    lifecycle.revisions(
        [
            StoredRevision("polizei", 1, 1, T0, False, T0 - timedelta(seconds=3)),
            StoredRevision("polizei", 2, 1, T0 + timedelta(seconds=60), True, None),
            StoredRevision("polizei", 3, 1, T0 + timedelta(seconds=90), False, None),
            StoredRevision("havag", 1, 2, T0, False, None),  # its incident not stored yet: issued, no latency
            StoredRevision("analytics", 1, 1, T0, False, None),  # not an alert domain: no label for it
        ]
    )
    assert _value(registry, "hub_alerts_issued_total", recipient="polizei", priority="1") == 1
    assert _value(registry, "hub_alerts_issued_total", recipient="havag", priority="2") == 1
    assert _value(registry, "hub_alerts_revised_total", recipient="polizei") == 2
    assert _value(registry, "hub_alerts_escalated_total", recipient="polizei") == 1
    assert _value(registry, "hub_alert_latency_seconds_count", recipient="polizei") == 1
    assert _value(registry, "hub_alert_latency_seconds_sum", recipient="polizei") == 3.0
    assert _value(registry, "hub_alert_latency_seconds_count", recipient="havag") == 0
    assert _value(registry, "hub_alerts_issued_total", recipient="analytics", priority="1") is None

    lifecycle.actions(
        [
            StoredAction("polizei", "acknowledge", T0 + timedelta(seconds=45), True, T0, 1),
            StoredAction("polizei", "acknowledge", T0 + timedelta(seconds=50), False, T0, 1),  # a second one
            StoredAction("polizei", "note", T0 + timedelta(seconds=55), False, T0, 1),
            StoredAction("havag", "acknowledge", T0, True, None, None),  # the alert not stored yet: no time
        ]
    )
    assert _value(registry, "hub_alerts_acknowledged_total", recipient="polizei") == 1
    assert _value(registry, "hub_alerts_acknowledged_total", recipient="havag") == 1
    assert _value(registry, "hub_alert_ack_seconds_sum", recipient="polizei", priority="1") == 45.0
    assert _value(registry, "hub_alert_ack_seconds_bucket", recipient="polizei", priority="1", le="60.0") == 1
    assert _value(registry, "hub_alert_ack_seconds_count", recipient="havag", priority="2") == 0


def test_unacknowledged_is_set_from_the_store_and_back_to_zero() -> None:
    lifecycle, registry = _lifecycle()
    lifecycle.unacknowledged({("polizei", 1): 2, ("havag", 3): 1})
    assert _value(registry, "hub_alerts_unacknowledged", recipient="polizei", priority="1") == 2
    assert _value(registry, "hub_alerts_unacknowledged", recipient="havag", priority="3") == 1
    lifecycle.unacknowledged({})
    assert _value(registry, "hub_alerts_unacknowledged", recipient="polizei", priority="1") == 0


def test_an_acknowledgement_stored_before_its_alert_is_timed_when_the_alert_is_stored() -> None:
    """alerts.* and acks.* are read as they come: an acknowledgement stored first is counted without a time (its
    alert has no issue time yet), and timed once the alert's first revision is stored, once."""
    lifecycle, registry = _lifecycle()
    lifecycle.actions([StoredAction("polizei", "acknowledge", T0 + timedelta(seconds=30), True, None, None)])
    assert _value(registry, "hub_alerts_acknowledged_total", recipient="polizei") == 1
    assert _value(registry, "hub_alert_ack_seconds_count", recipient="polizei", priority="2") == 0
    lifecycle.revisions(
        [
            StoredRevision("polizei", 1, 2, T0, False, None, T0 + timedelta(seconds=30)),
            StoredRevision("polizei", 2, 2, T0 + timedelta(seconds=40), False, None),
        ]
    )
    assert _value(registry, "hub_alert_ack_seconds_count", recipient="polizei", priority="2") == 1
    assert _value(registry, "hub_alert_ack_seconds_sum", recipient="polizei", priority="2") == 30.0
    assert _value(registry, "hub_alerts_acknowledged_total", recipient="polizei") == 1
