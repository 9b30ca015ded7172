"""The console's metrics (closed label sets: domain, action, outcome, status, code), next to the acknowledgement
endpoint's ``hub_ack_requests_total`` and the connections' ``hub_http_*`` in the same registry."""

from __future__ import annotations

from dataclasses import dataclass

from prometheus_client import CollectorRegistry, Counter, Gauge

from hub.connectors.edge import EdgeMetrics
from hub.console.users import AGENCIES

__all__ = ["ConsoleMetrics"]

SIGN_IN_OUTCOMES = ("signed_in", "refused", "limited")
ACTION_OUTCOMES = ("accepted", "unknown_alert", "stale_revision", "wrong_prefix", "broker_unavailable")


@dataclass(frozen=True)
class ConsoleMetrics:
    """Sign-ins by outcome, live sessions, stream clients and the slow ones dropped, actions by outcome, and every
    refusal by status and reason code."""

    sign_ins: Counter
    sessions: Gauge
    stream_clients: Gauge
    stream_dropped: Counter
    actions: Counter
    refusals: Counter
    connections: EdgeMetrics

    @classmethod
    def create(cls, registry: CollectorRegistry) -> ConsoleMetrics:
        metrics = cls(
            sign_ins=Counter(
                "hub_console_sign_ins", "Sign-ins to the console by outcome", ["outcome"], registry=registry
            ),
            sessions=Gauge("hub_console_sessions", "Live sessions of signed-in people", registry=registry),
            stream_clients=Gauge(
                "hub_console_stream_clients", "Open event streams, by agency", ["domain"], registry=registry
            ),
            stream_dropped=Counter(
                "hub_console_stream_dropped",
                "Event streams closed because the client did not keep up, by agency",
                ["domain"],
                registry=registry,
            ),
            actions=Counter(
                "hub_console_actions",
                "Acknowledgements, notes and resolutions asked for on the console, by agency, action and outcome",
                ["domain", "action", "outcome"],
                registry=registry,
            ),
            refusals=Counter(
                "hub_console_refusals",
                "Requests the console refused, by HTTP status and reason code, from a malformed request line to a "
                "stale revision (POST /acks/<domain> is counted in hub_ack_requests_total)",
                ["status", "code"],
                registry=registry,
            ),
            connections=EdgeMetrics.create(registry),
        )
        for outcome in SIGN_IN_OUTCOMES:
            metrics.sign_ins.labels(outcome)
        for domain in AGENCIES:
            metrics.stream_clients.labels(domain)
            metrics.stream_dropped.labels(domain)
        return metrics
