"""Create and verify the declared topics on a Kafka cluster (``hub topics apply``).

Idempotent: a second run finds everything in place and changes nothing. Partition counts are never changed
silently (more partitions re-key a topic); a difference is reported as a TopologyError.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any, Literal

import structlog
from kafka import KafkaAdminClient
from kafka.admin import ConfigResource, NewTopic
from kafka.errors import KafkaError, TopicAlreadyExistsError

from hub.errors import BrokerError, TopologyError
from hub.kafka_security import KafkaSecurity, auth_failure_text, installed, verify_connection
from hub.topology import TOPICS, TopicSpec, qualified

log = structlog.get_logger(__name__)

Action = Literal["created", "unchanged", "reconfigured"]


@dataclass(frozen=True)
class TopicChange:
    """What ``apply_topology`` did to one topic."""

    topic: str
    action: Action
    detail: str = ""


@contextmanager
def admin_client(
    bootstrap: str, client_id: str = "hub-admin", *, security: KafkaSecurity | None = None
) -> Iterator[KafkaAdminClient]:
    """A kafka-python admin client connecting with ``security`` (default: the process's, ``hub.kafka_security``);
    connection problems become BrokerError (a refused login or TLS handshake says so)."""
    security = security or installed()
    verify_connection(bootstrap, security)
    try:
        client = KafkaAdminClient(
            bootstrap_servers=bootstrap, client_id=client_id, request_timeout_ms=15000, **security.kafka_python()
        )
    except KafkaError as exc:
        problem = auth_failure_text(bootstrap, security, exc) or f"cannot reach Kafka at {bootstrap}: {exc}"
        raise BrokerError(problem) from exc
    try:
        yield client
    except KafkaError as exc:
        raise BrokerError(f"Kafka at {bootstrap} refused a request: {exc}") from exc
    finally:
        client.close()


def _partition_counts(client: KafkaAdminClient, names: list[str]) -> dict[str, int]:
    if not names:
        return {}
    return {t["name"]: len(t["partitions"]) for t in client.describe_topics(names)}


def _config_drift(client: KafkaAdminClient, specs: dict[str, TopicSpec]) -> dict[str, dict[str, str]]:
    """Per topic, the declared configs whose broker value differs (``config_filter='all'``: some brokers report
    nothing under 'modified', and asking for named keys crashes the embedded broker's connection)."""
    resources = [ConfigResource("TOPIC", name) for name in specs]
    reported: dict[str, dict[str, Any]] = client.describe_configs(resources, config_filter="all").get("topic", {})
    drift: dict[str, dict[str, str]] = {}
    for name, topic_spec in specs.items():
        current = reported.get(name, {})
        wanted = topic_spec.broker_configs()
        diff = {k: v for k, v in wanted.items() if k not in current or current[k].get("value") != v}
        if diff:
            drift[name] = diff
    return drift


def absent_topics(bootstrap: str, names: Iterable[str], *, security: KafkaSecurity | None = None) -> list[str]:
    """Those of the topics ``names`` (as named on the cluster) that the cluster does not have, in the given order."""
    wanted = list(names)
    if not wanted:
        return []
    with admin_client(bootstrap, security=security) as client:
        existing = set(client.list_topics())
    return [name for name in wanted if name not in existing]


def missing_topics(
    bootstrap: str, prefix: str = "", specs: Iterable[TopicSpec] = TOPICS, *, security: KafkaSecurity | None = None
) -> list[str]:
    """The declared topics (prefixed) the cluster does not have, in declaration order."""
    return absent_topics(bootstrap, (qualified(prefix, s.name) for s in specs), security=security)


def apply_topology(
    bootstrap: str,
    prefix: str = "",
    replication_factor: int = 1,
    specs: Iterable[TopicSpec] = TOPICS,
    *,
    security: KafkaSecurity | None = None,
) -> list[TopicChange]:
    """Create missing topics, align their configs, verify partition counts; return what was done per topic."""
    wanted = {qualified(prefix, s.name): s for s in specs}
    changes: list[TopicChange] = []
    with admin_client(bootstrap, security=security) as client:
        existing = set(client.list_topics())
        missing = [name for name in wanted if name not in existing]
        if missing:
            new = [
                NewTopic(
                    name,
                    wanted[name].partitions,
                    replication_factor,
                    topic_configs=wanted[name].broker_configs(),
                )
                for name in missing
            ]
            # Another `apply` may race us; the verification below still checks partition counts.
            with suppress(TopicAlreadyExistsError):
                client.create_topics(new)
            changes += [TopicChange(name, "created", f"{wanted[name].partitions} partitions") for name in missing]
        present = [name for name in wanted if name in existing]
        counts = _partition_counts(client, present)
        wrong = {n: c for n, c in counts.items() if c != wanted[n].partitions}
        if wrong:
            lines = ", ".join(f"{n} has {c}, declared {wanted[n].partitions}" for n, c in sorted(wrong.items()))
            raise TopologyError(
                f"partition counts differ ({lines}); changing them re-keys the topic, so do it deliberately by hand"
            )
        drift = _config_drift(client, {n: wanted[n] for n in present})
        if drift:
            # AlterConfigs (not the incremental kind) replaces a topic's whole set of configs on Apache Kafka, so
            # every declared config is sent, not just the drifted ones: sending only segment.ms would reset a
            # changelog's cleanup.policy to delete.
            client.alter_configs([ConfigResource("TOPIC", name, wanted[name].broker_configs()) for name in drift])
        for name in present:
            if name in drift:
                detail = ", ".join(f"{k}={v}" for k, v in sorted(drift[name].items()))
                changes.append(TopicChange(name, "reconfigured", detail))
            else:
                changes.append(TopicChange(name, "unchanged"))
    for change in changes:
        if change.action != "unchanged":
            log.info("topic changed", topic=change.topic, action=change.action, detail=change.detail)
    return sorted(changes, key=lambda c: c.topic)
