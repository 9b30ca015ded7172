"""``hub aggregates publish``: a week's aggregates from the analytics domain's shares, sent to
``share.praevention.aggregates`` and recorded in the transfer register (the aggregation itself is pure, in
``hub.privacy.aggregates``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from kafka.errors import KafkaError

from hub.config import Settings
from hub.errors import BrokerError, InvalidEventError
from hub.kafka_produce import make_producer
from hub.kafka_read import read_topic
from hub.privacy.aggregates import AGGREGATE_KIND, Aggregate, aggregate, aggregate_events, week_bounds
from hub.privacy.register import Transfer, content_digest
from hub.privacy.setup import stage_policy
from hub.schemas import CloudEvent
from hub.store.register import record_transfers_sync
from hub.topology import qualified, spec

__all__ = ["Published", "publish_week"]


@dataclass(frozen=True)
class Published:
    """What ``publish_week`` did: analytics shares read, aggregates made, and whether they were sent."""

    shares_read: int
    aggregates: tuple[Aggregate, ...]
    sent: bool


def publish_week(settings: Settings, week: str, *, dry_run: bool = False) -> Published:
    """Aggregate ``week`` from ``share.analytics.incident`` and send the result to ``share.praevention.aggregates``,
    each message recorded in the transfer register. Runs within the share topic's retention (7 days) after the week:
    schedule it for every Monday."""
    week_bounds(week)
    policy = stage_policy(settings)  # purpose and legal basis for the register; a bad policy refuses here too
    source = qualified(settings.topic_prefix, spec("share.analytics.incident").name)
    shares: list[CloudEvent] = []
    for record in read_topic(settings.bootstrap(), source):
        try:
            shares.append(CloudEvent.from_bytes(record.value))
        except InvalidEventError:
            continue  # the pseudonymiser wrote this topic; anything else on it is not counted
    aggregates = tuple(aggregate(shares, week))
    if dry_run:
        return Published(len(shares), aggregates, sent=False)
    target = spec("share.praevention.aggregates").name
    domain = policy.domain("praevention")
    events = aggregate_events(aggregates)
    producer = make_producer(
        settings.bootstrap(), "hub-aggregates", metadata_max_age_s=settings.kafka_metadata_max_age_s, linger_ms=5
    )
    try:
        futures = [
            producer.send(qualified(settings.topic_prefix, target), key=k, value=e.to_bytes()) for k, e in events
        ]
        producer.flush()
        for future in futures:
            future.get(timeout=30)
    except KafkaError as exc:
        raise BrokerError(f"producing to {target} failed: {exc}") from exc
    finally:
        producer.close()
    transfers = [
        Transfer(
            share_id=e.id,
            canonical_id=None,
            recipient="praevention",
            source_agency="analytics",
            kind=AGGREGATE_KIND,
            topic=target,
            purpose=domain.purpose,
            legal_basis=domain.legal_basis,
            content_sha256=content_digest(e.to_bytes()),
        )
        for _, e in events
    ]
    record_transfers_sync(settings.database_conninfo(), transfers, datetime.now(UTC))
    return Published(len(shares), aggregates, sent=True)
