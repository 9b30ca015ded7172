"""The declared topology: complete, consistent and named by convention."""

from __future__ import annotations

import re

import pytest

from hub.schemas import KINDS
from hub.topology import (
    ALERT_DOMAINS,
    CANONICAL_KINDS,
    STAGES,
    TOPICS,
    acks_topic,
    canon_topic,
    dlq_topic,
    qualified,
    raw_topic,
    spec,
)


def test_topic_names_are_unique_and_follow_the_convention() -> None:
    """No topic is declared twice, and every name is role.segment[.segment] in lowercase."""
    names = [t.name for t in TOPICS]
    assert len(names) == len(set(names))
    for t in TOPICS:
        assert re.fullmatch(r"[a-z]+(\.[a-z0-9-]+){1,2}", t.name), t.name
        assert t.name.split(".")[0] == t.role


def test_every_canonical_kind_and_stage_has_its_topic() -> None:
    """canon.<kind> exists for every canonical kind of the schema registry, dlq.<stage> for every stage."""
    assert set(CANONICAL_KINDS) <= set(KINDS)
    for kind in CANONICAL_KINDS:
        assert spec(canon_topic(kind)).role == "canon"
    for stage in STAGES:
        assert spec(dlq_topic(stage)).role == "dlq"
    assert raw_topic("replay", "ndjson") == "raw.replay.ndjson"


def test_every_alert_domain_has_its_ack_topic() -> None:
    """acks.<domain> exists next to alerts.<domain>, keyed and partitioned like it, kept as long."""
    for domain in ALERT_DOMAINS:
        acks, alerts = spec(acks_topic(domain)), spec(f"alerts.{domain}")
        assert acks.role == "acks"
        assert (acks.key, acks.partitions, acks.retention_ms) == (alerts.key, 3, 7 * 86_400_000)


def test_partitions_and_retention_are_sane() -> None:
    """Every topic has at least one partition, a retention of at least a day, and says what its key is."""
    for t in TOPICS:
        assert t.partitions >= 1
        assert t.retention_ms >= 86_400_000
        assert t.key
        assert t.broker_configs()["retention.ms"] == str(t.retention_ms)


def test_unknown_topic_is_named_in_the_error() -> None:
    """Asking for an undeclared topic fails with its name, not a bare KeyError."""
    with pytest.raises(KeyError, match=r"raw\.nobody\.nothing"):
        spec("raw.nobody.nothing")


def test_prefix_is_prepended() -> None:
    """The deployment prefix is part of the name on the cluster."""
    assert qualified("test1.", "canon.incident") == "test1.canon.incident"


def test_every_topic_rolls_segments_and_compacted_ones_expire() -> None:
    """Every topic rolls a segment at least daily and within a quarter of its retention, so nothing outlives its
    retention by more than that; the router's changelogs are compacted and deleted, compacting superseded values
    within 6 h, so closed incidents with their callers do not stay."""
    for t in TOPICS:
        configs = t.broker_configs()
        assert int(configs["segment.ms"]) <= min(86_400_000, t.retention_ms // 4), t.name
        if t.role == "state":
            assert configs["cleanup.policy"] == "compact,delete"
            assert int(configs["max.compaction.lag.ms"]) <= 6 * 3_600_000
            assert int(configs["delete.retention.ms"]) <= 3_600_000
            assert t.retention_ms == 8 * 86_400_000
        else:
            assert configs["cleanup.policy"] == "delete", t.name
            assert "max.compaction.lag.ms" not in configs


def test_analytics_incidents_outlast_the_correction_window_of_the_aggregates() -> None:
    """A week's aggregates may be corrected up to 7 days after it ends; its first shares must still be there then."""
    from hub.jobs.aggregates import CORRECTION_WINDOW

    week_ms = 7 * 86_400_000
    assert spec("share.analytics.incident").retention_ms >= week_ms + CORRECTION_WINDOW.total_seconds() * 1000


def test_every_topic_is_police_only_or_a_share_of_another_domain() -> None:
    """Each declared topic either holds police data (listed with its readers in POLICE_DATA_TOPICS) or is a share of
    a non-police domain; no other domain's share is in the police-only list."""
    from hub.topology import POLICE_DATA_TOPICS, police_data_topics

    restricted = {t.name for t in police_data_topics()}
    for t in TOPICS:
        other_share = t.role == "share" and not t.name.startswith("share.polizei.")
        assert (t.name in restricted) != other_share, t.name
    for role in ("raw", "canon", "dlq", "state", "alerts", "acks"):
        assert all(t.name in restricted for t in TOPICS if t.role == role), role
    assert all(r.readers and r.holds for r in POLICE_DATA_TOPICS)
    assert "state.router.incidents" in restricted
    assert "dlq.normalise" in restricted
