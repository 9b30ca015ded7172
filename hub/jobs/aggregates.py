"""``hub aggregates publish``: a week's aggregates from the analytics domain's shares, sent to
``share.praevention.aggregates`` and recorded in the transfer register. The first run of a week freezes it; later
runs add corrections of late arrivals and retractions (the planning is pure, in ``hub.privacy.aggregates``; what
was published is kept in PostgreSQL by ``hub.store.aggregates``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kafka.errors import KafkaError

from hub.config import Settings
from hub.errors import BrokerError, ConfigError, InvalidEventError
from hub.kafka_produce import make_producer
from hub.kafka_read import read_topic
from hub.privacy.aggregates import AGGREGATE_KIND, Aggregate, Plan, WeekState, countable, plan_week, week_bounds
from hub.privacy.register import Transfer, content_digest
from hub.privacy.setup import stage_policy
from hub.schemas import CloudEvent
from hub.store.aggregates import StoredMessage, load_week, record_week
from hub.store.register import record_transfers_sync
from hub.topology import qualified, spec

__all__ = ["CORRECTION_WINDOW", "Published", "publish_week"]

CORRECTION_WINDOW = timedelta(days=7)
"""How long after its end a week may be published again: ``share.analytics.incident`` keeps 14 days, so until then
every share of the week is still there. Later, incidents whose shares expired would look cancelled."""


@dataclass(frozen=True)
class Published:
    """What ``publish_week`` did: analytics shares read, the messages made now (a new table, retractions), the late
    arrivals held back, and whether anything was sent."""

    shares_read: int
    aggregates: tuple[Aggregate, ...]
    sent: bool
    held_back: int = 0
    messages_sent: int = 0
    late: bool = False  # published more than CORRECTION_WINDOW after the week: early shares may have expired


def publish_week(settings: Settings, week: str, *, dry_run: bool = False, now: datetime | None = None) -> Published:
    """Aggregate ``week`` from ``share.analytics.incident`` and send it to ``share.praevention.aggregates``, each
    message recorded in the transfer register. Refused before the week has ended. The first run freezes the week;
    a later run publishes a correction of the incidents that arrived since (when it shows a count) and retractions
    of figures that fell below the threshold, and sends every message of the week again (same ids, so a run
    that failed half-way is completed). A week may be published again up to ``CORRECTION_WINDOW`` after its end,
    while all its analytics shares are still on the topic; a first publication later than that is made but flagged
    ``late``. Schedule it for every Monday, and again later in the week for late arrivals."""
    _, end = week_bounds(week)
    now = now or datetime.now(UTC)
    if now < end:
        raise ConfigError(f"week {week} has not ended yet; its aggregates are published once, after it ends")
    late = now > end + CORRECTION_WINDOW
    policy = stage_policy(settings)  # purpose and legal basis for the register; a bad policy refuses here too
    source = qualified(settings.topic_prefix, spec("share.analytics.incident").name)
    shares: list[CloudEvent] = []
    for record in read_topic(settings.bootstrap(), source):
        try:
            shares.append(CloudEvent.from_bytes(record.value))
        except InvalidEventError:
            continue  # the pseudonymiser wrote this topic; anything else on it is not counted
    incidents, cells = countable(shares, week)
    if dry_run:
        plan = plan_week(incidents, cells, week, load_week(settings.database_conninfo(), week))
        return Published(len(shares), plan.messages, sent=False, held_back=plan.held_back, late=late)

    def planner(state: WeekState) -> Plan:
        if late and state.published:
            raise ConfigError(
                f"week {week} ended more than {CORRECTION_WINDOW.days} days ago and was published already: its "
                "analytics shares are expiring, so it can no longer be corrected"
            )
        return plan_week(incidents, cells, week, state)

    plan, messages = record_week(settings.database_conninfo(), week, planner, datetime.now(UTC))
    domain = policy.domain("praevention")
    _send(settings, messages)
    transfers = [
        Transfer(
            share_id=m.message_id,
            canonical_id=None,
            recipient="praevention",
            source_agency="analytics",
            kind=AGGREGATE_KIND,
            topic=spec("share.praevention.aggregates").name,
            purpose=domain.purpose,
            legal_basis=domain.legal_basis,
            content_sha256=content_digest(m.value),
        )
        for m in messages
    ]
    record_transfers_sync(settings.database_conninfo(), transfers, datetime.now(UTC))
    return Published(
        len(shares), plan.messages, sent=True, held_back=plan.held_back, messages_sent=len(messages), late=late
    )


def _send(settings: Settings, messages: list[StoredMessage]) -> None:
    target = qualified(settings.topic_prefix, spec("share.praevention.aggregates").name)
    producer = make_producer(
        settings.bootstrap(), "hub-aggregates", metadata_max_age_s=settings.kafka_metadata_max_age_s, linger_ms=5
    )
    try:
        producer.send_confirmed((target, m.key, m.value, None) for m in messages)
    except KafkaError as exc:
        raise BrokerError(f"producing to {target} failed: {exc}") from exc
    finally:
        producer.close()
