"""Prometheus metrics of connector instances, labelled by instance name (a closed set: the configured names).

Reason and outcome labels are closed sets too (``ErrorReason``, ``PollOutcome``, ``PushStatus``); no ids, no
URLs, no personal data in labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, get_args

from prometheus_client import CollectorRegistry, Counter, Gauge

from hub.errors import DeadLetterReason

PollOutcome = Literal["ok", "not_modified", "empty", "error"]
#: Why a connector instance counted an error: a dead-letter code for a document or record it refused, or one
#: of the failures of the source, the broker, the checkpoint or the connector's own code.
ErrorReason = (
    DeadLetterReason
    | Literal["source_unavailable", "source_timeout", "broker_unavailable", "checkpoint_failed", "connector_error"]
)
PushStatus = Literal["202", "400", "401", "403", "404", "405", "408", "413", "415", "422", "431", "500", "503"]

POLL_OUTCOMES: tuple[str, ...] = get_args(PollOutcome)


@dataclass(frozen=True)
class ConnectorMetrics:
    """Every metric family of the connector runner."""

    polls: Counter
    requests: Counter
    documents: Counter
    records_produced: Counter
    records_duplicate: Counter
    records_changed_unversioned: Counter
    records_changed_in_place: Counter
    errors: Counter
    lag_seconds: Gauge
    last_success: Gauge
    stale: Gauge

    @classmethod
    def create(cls, registry: CollectorRegistry) -> ConnectorMetrics:
        c = "connector"
        return cls(
            polls=Counter(
                "hub_connector_polls", "Polls of a polling connector, by outcome", [c, "outcome"], registry=registry
            ),
            requests=Counter(
                "hub_connector_requests",
                "Requests to a push connector, by HTTP status",
                [c, "status"],
                registry=registry,
            ),
            documents=Counter(
                "hub_connector_documents", "Documents a connector fetched or received", [c], registry=registry
            ),
            records_produced=Counter(
                "hub_connector_records_produced",
                "Records produced to the raw topic and acknowledged",
                [c],
                registry=registry,
            ),
            records_duplicate=Counter(
                "hub_connector_records_duplicate",
                "Records not produced because this instance already produced the same id and version",
                [c],
                registry=registry,
            ),
            records_changed_unversioned=Counter(
                "hub_connector_records_changed_unversioned",
                "Records dropped as duplicates whose content differs from what was produced under the same id and "
                "version (the source changed a record without a new version)",
                [c],
                registry=registry,
            ),
            records_changed_in_place=Counter(
                "hub_connector_records_changed_in_place",
                "Records produced whose source version equals the one produced before but whose content differs",
                [c],
                registry=registry,
            ),
            errors=Counter(
                "hub_connector_errors",
                "Errors of a connector instance, by reason code",
                [c, "reason"],
                registry=registry,
            ),
            lag_seconds=Gauge(
                "hub_connector_lag_seconds",
                "Now minus the source time of the newest document or record (where the source says it)",
                [c],
                registry=registry,
            ),
            last_success=Gauge(
                "hub_connector_last_success_timestamp_seconds",
                "Unix time of the last poll or push whose records the broker acknowledged",
                [c],
                registry=registry,
            ),
            stale=Gauge(
                "hub_connector_stale",
                "1 while the newest source time is older than the instance's stale_after_s, else 0",
                [c],
                registry=registry,
            ),
        )

    def init_instance(self, name: str, *, polling: bool) -> None:
        """Create the instance's series at 0, so dashboards and alerts see them before the first event."""
        # last_success at 0 until the first success: "never" (a rule on its age fires for a connector that never
        # delivered, rather than seeing no series).
        for family in (
            self.documents,
            self.records_produced,
            self.records_duplicate,
            self.records_changed_unversioned,
            self.records_changed_in_place,
            self.stale,
            self.last_success,
        ):
            family.labels(name)
        if polling:
            for outcome in POLL_OUTCOMES:
                self.polls.labels(name, outcome)
