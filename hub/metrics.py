"""Prometheus metrics of the hub, built against an injectable registry with closed label sets.

Labels carry stage and connector names and closed reason codes only: never ids, never personal data.
"""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from hub.health import Readiness, serve_probes


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

    @classmethod
    def create(cls, registry: CollectorRegistry) -> StageMetrics:
        return cls(
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
