"""Prometheus metrics of the hub, built against an injectable registry with closed label sets.

Labels carry stage and connector names and closed reason codes only: never ids, never personal data. No family
exports a ``_created`` series (disabled once, here, for the whole process): every counter would double its series
for a value no rule uses. Each process's registry comes from ``process_registry``: it carries the process metrics
(``process_*``, ``python_info``) and ``hub_build_info``.
"""

from __future__ import annotations

import platform
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    PlatformCollector,
    ProcessCollector,
    disable_created_metrics,
)

from hub.health import Readiness, serve_probes

__all__ = ["LAG_LABELS", "PRIORITIES", "AlertMetrics", "StageMetrics", "process_registry", "serve_metrics"]

disable_created_metrics()  # type: ignore[no-untyped-call]

#: Labels of ``hub_consumer_lag``: the stage, the declared topic (without prefix) and the partition.
LAG_LABELS = ("stage", "topic", "partition")


def _hub_version() -> str:
    try:
        return version("hub")
    except PackageNotFoundError:  # run from a checkout that is not installed
        return "unknown"


def process_registry() -> CollectorRegistry:
    """A new registry for one process: ``process_resident_memory_bytes``, ``process_cpu_seconds_total``,
    ``process_start_time_seconds`` and the rest of the process collector, ``python_info``, and
    ``hub_build_info{version,python}`` = 1 (what runs where, for dashboards and upgrades)."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)
    PlatformCollector(registry=registry)
    build = Gauge(
        "hub_build_info", "Always 1: the hub's version and Python's", ["version", "python"], registry=registry
    )
    build.labels(_hub_version(), platform.python_version()).set(1)
    return registry


@dataclass(frozen=True)
class StageMetrics:
    """Counters every stage keeps: what came in, what went out, what was dead-lettered and why."""

    events_in: Counter
    events_out: Counter
    dead_lettered: Counter
    batch_seconds: Histogram
    assigned_partitions: Gauge
    state_entries: Gauge
    # Database trouble of the storing stages (sink, alert store, pseudonymise), by hub.workers.database.
    database_errors: Counter
    database_retries: Counter
    database_blocked_seconds: Counter
    # Shares the pseudonymise stage did not make because the domain's purpose filter does not admit the event.
    withheld: Counter
    # Broker trouble of every stage's sends (hub.workers.shell), and committed offsets found outside their
    # partition's records on assignment (hub.workers.app).
    broker_errors: Counter
    broker_retries: Counter
    broker_blocked_seconds: Counter
    offset_resets: Counter
    # Records between the group's position and each partition's end, exported by the worker (hub.workers.lag).
    consumer_lag: Gauge
    #: The registry the families are in: a stage registers its own families there (the alert store's).
    registry: CollectorRegistry

    @classmethod
    def create(cls, registry: CollectorRegistry) -> StageMetrics:
        return cls(
            registry=registry,
            consumer_lag=Gauge(
                "hub_consumer_lag",
                "Records between the stage's consumer group position (its committed offset) and the partition's end, "
                "per assigned partition, updated every few seconds by the worker itself",
                list(LAG_LABELS),
                registry=registry,
            ),
            events_in=Counter("hub_events_in", "Events a stage consumed", ["stage"], registry=registry),
            events_out=Counter("hub_events_out", "Events a stage produced or stored", ["stage"], registry=registry),
            dead_lettered=Counter(
                "hub_events_dead_lettered",
                "Events a stage sent to its dead-letter topic, by reason code",
                ["stage", "reason"],
                registry=registry,
            ),
            batch_seconds=Histogram(
                "hub_batch_seconds",
                "Time a stage spent on one batch",
                ["stage"],
                registry=registry,
                buckets=(0.001, 0.005, 0.01, 0.05, 0.1, 0.5, 1.0, 5.0),
            ),
            assigned_partitions=Gauge(
                "hub_stage_assigned_partitions",
                "Partitions assigned to this worker; above 0 once it has joined its consumer group",
                ["stage"],
                registry=registry,
            ),
            state_entries=Gauge(
                "hub_stage_state_entries",
                "Entries in a stage's faust tables (the router: vehicles, units, trips, incidents, alerts, desk)",
                ["stage", "table"],
                registry=registry,
            ),
            database_errors=Counter(
                "hub_database_errors",
                "Errors a stage's database writes raised, by kind: transient (retried) or permanent (row refused)",
                ["stage", "kind"],
                registry=registry,
            ),
            database_retries=Counter(
                "hub_database_retries",
                "Database writes a stage tried again after a transient error",
                ["stage"],
                registry=registry,
            ),
            database_blocked_seconds=Counter(
                "hub_database_blocked_seconds",
                "Seconds a stage held a batch waiting for the database (writes that failed or hung)",
                ["stage"],
                registry=registry,
            ),
            withheld=Counter(
                "hub_shares_withheld",
                "Shares not made for a domain that receives the kind, by reason (purpose: its filter does not admit "
                "the event); no share, no transfer-register row",
                ["stage", "domain", "reason"],
                registry=registry,
            ),
            broker_errors=Counter(
                "hub_broker_errors",
                "Errors a stage's sends to the broker raised, by kind: transient (retried) or permanent",
                ["stage", "kind"],
                registry=registry,
            ),
            broker_retries=Counter(
                "hub_broker_retries",
                "Sends a stage tried again after a transient broker error",
                ["stage"],
                registry=registry,
            ),
            broker_blocked_seconds=Counter(
                "hub_broker_blocked_seconds",
                "Seconds a stage held a batch waiting for the broker to take its records (sends that failed or hung)",
                ["stage"],
                registry=registry,
            ),
            offset_resets=Counter(
                "hub_stage_offset_resets",
                "Partitions a stage started reading from their first record because the committed offset lay beyond "
                "their end (beyond_end: the broker lost its data) or before their start (before_start: retention "
                "removed records before they were read)",
                ["stage", "topic", "reason"],
                registry=registry,
            ),
        )


def serve_metrics(registry: CollectorRegistry, host: str, port: int, readiness: Readiness | None = None) -> int:
    """Serve ``/metrics`` for ``registry``, with ``/livez`` and ``/readyz`` (``hub.health``), on a daemon thread;
    returns the bound port (``port=0`` picks one). Without ``readiness`` the process is ready once it serves."""
    if readiness is None:
        readiness = Readiness()
        readiness.add("serving", lambda: (True, ""))
    return serve_probes(registry, readiness, host, port)


#: Priorities of an alert (``hub.schemas.common.Priority``): the closed set of the ``priority`` label.
PRIORITIES = ("1", "2", "3", "4", "5")


@dataclass(frozen=True)
class AlertMetrics:
    """The alert lifecycle, exported by the alert-store stage (it stores every revision and every action once, so
    counting what it stores now counts each step once, also across its workers). Labels: ``recipient`` (the alert
    domains) and ``priority`` (1-5) only."""

    issued: Counter
    revised: Counter
    escalated: Counter
    acknowledged: Counter
    ack_seconds: Histogram
    unacknowledged: Gauge
    latency_seconds: Histogram

    @classmethod
    def create(cls, registry: CollectorRegistry, recipients: tuple[str, ...]) -> AlertMetrics:
        metrics = cls(
            issued=Counter(
                "hub_alerts_issued",
                "Alerts issued (first revisions stored), by recipient and priority",
                ["recipient", "priority"],
                registry=registry,
            ),
            revised=Counter(
                "hub_alerts_revised", "Later revisions of alerts stored, by recipient", ["recipient"], registry=registry
            ),
            escalated=Counter(
                "hub_alerts_escalated",
                "Alert revisions that raised the escalation level (next unit, supervisor, HAVAG unanswered)",
                ["recipient"],
                registry=registry,
            ),
            acknowledged=Counter(
                "hub_alerts_acknowledged",
                "Alerts acknowledged for the first time by their recipient",
                ["recipient"],
                registry=registry,
            ),
            ack_seconds=Histogram(
                "hub_alert_ack_seconds",
                "Time from an alert's first issue to its first acknowledgement (as the acknowledgement dates it)",
                ["recipient", "priority"],
                registry=registry,
                buckets=(5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200),
            ),
            unacknowledged=Gauge(
                "hub_alerts_unacknowledged",
                "Open alerts no one of the recipient has acknowledged or resolved, from the alert store (every "
                "alert-store worker reports the same totals: aggregate with max)",
                ["recipient", "priority"],
                registry=registry,
            ),
            latency_seconds=Histogram(
                "hub_alert_latency_seconds",
                "Time from the source event's time (the incident's earliest stored event) to the alert's first issue",
                ["recipient"],
                registry=registry,
                buckets=(0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300),
            ),
        )
        for recipient in recipients:  # every series from the start, at 0, so rules on them work at once
            metrics.revised.labels(recipient)
            metrics.escalated.labels(recipient)
            metrics.acknowledged.labels(recipient)
            metrics.latency_seconds.labels(recipient)
            for priority in PRIORITIES:
                metrics.issued.labels(recipient, priority)
                metrics.ack_seconds.labels(recipient, priority)
                metrics.unacknowledged.labels(recipient, priority)
        return metrics
