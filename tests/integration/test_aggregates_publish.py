"""`hub aggregates publish` run five times on one week against the real broker and PostgreSQL while incidents
arrive, are cancelled and updated across a rotation of the analytics key: a consumer that keeps every message it
received and differences all of them recovers no suppressed count, and no incident is counted twice."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from kafka import KafkaProducer
from pydantic import SecretStr

from hub.config import Settings
from hub.errors import ConfigError
from hub.jobs.aggregates import publish_week
from hub.kafka_read import read_topic
from hub.privacy.aggregates import MIN_COUNT, Aggregate, Counted, area_key, cell_of
from hub.privacy.keys import DomainKeys, KeyRing, SecretKey, demo_keyring
from hub.privacy.policy import DOMAINS, default_policy
from hub.privacy.pseudonym import ID_KEYS
from hub.privacy.transform import TransformContext, share_record
from hub.schemas import CloudEvent, Incident, example_payload, wrap
from hub.store.register import transfers_since
from hub.topology import qualified
from tests.helpers.differencing import Figure, recoverable, small_groups
from tests.helpers.stack import Topics
from tests.helpers.store import login

pytestmark = pytest.mark.integration

WEEK = "2026-W47"
RUN_AT = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)  # the Monday after: within the week's correction window
POLICY = default_policy()
A = (51.48277, 11.96934)  # Marktplatz
B = (51.48820, 11.97809)  # Steintor, another 500 m cell
C = (51.49600, 11.96900)  # a third
NIGHT = "weekday:20-24"  # every incident below is reported on Wednesday at 22:10


def _ring(analytics_kid: str, secret: bytes) -> KeyRing:
    """Demo keys with analytics' own key set to ``secret`` and the long-lived analytics id key."""
    demo = demo_keyring([*DOMAINS, ID_KEYS["analytics"][0]])
    others = [demo.for_domain(name) for name in demo.domains if name != "analytics"]
    return KeyRing([*others, DomainKeys("analytics", SecretKey(analytics_kid, secret))])


@dataclass
class Truth:
    """What the test knows of every incident: its analytics id, category, cell (None: city-wide only), hour-of-week
    band (None: victim-sensitive, in no band), whether it still counts."""

    analytics_id: str
    category: str
    cell: str | None
    band: str | None
    counts: bool = True


class Scene:
    """Incidents as the police record them, shared to analytics with the real transform and sent to the broker."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.ring = _ring("k1", b"\x01" * 32)
        self.truth: dict[str, Truth] = {}
        self.version = 0
        self.producer = KafkaProducer(bootstrap_servers=settings.bootstrap())

    def send(self, incident: str, where: tuple[float, float] | None, type_code: str, status: str = "open") -> None:
        self.version += 1
        data: dict[str, Any] = {
            **example_payload("incident", 1),
            "incident_id": incident,
            "type_code": type_code,
            "status": status,
            "reported_at": "2026-11-18T22:10:00+01:00",
            "location": None if where is None else {"lat": where[0], "lon": where[1], "uncertainty_m": 20.0},
        }
        event = wrap(
            Incident.model_validate(data),
            source="/polizei/els",
            source_record_id=f"{incident}@{self.version}",
            time=datetime(2026, 11, 18, 21, 10 + self.version % 40, tzinfo=UTC),
        )
        record = share_record(event, "analytics", POLICY, self.ring, context=TransformContext())
        assert record is not None
        topic = qualified(self.settings.topic_prefix, record.topic)
        self.producer.send(topic, key=record.key, value=record.value()).get(timeout=30)
        shared = record.event.data
        sensitive = type_code.startswith("CRIME/SEXUAL")
        location = shared["location"]
        cell = None if sensitive or location is None else cell_of(location["lat"], location["lon"]).id
        band = None if sensitive else NIGHT
        self.truth[incident] = Truth(shared["incident_id"], type_code.split("/")[0], cell, band, status != "cancelled")

    def secrets(self) -> list[Figure]:
        """The counts the hub must keep back now: each cell's, band's and the city's categories with 1..4 incidents,
        and each cell's within a band (``small_groups``)."""
        live = [Counted(t.analytics_id, t.category, t.cell, t.band) for t in self.truth.values() if t.counts]
        return small_groups(live, MIN_COUNT)


def _counted(settings: Settings) -> Mapping[int, list[tuple[str, str, str | None, str | None]]]:
    """Per revision, the incidents the hub says it counted: (analytics id, category, cell, band)."""
    with psycopg.connect(settings.database_conninfo()) as conn:
        rows = conn.execute("SELECT revision, incident_id, category, cell, band FROM aggregate_counted").fetchall()
    out: dict[int, list[tuple[str, str, str | None, str | None]]] = {}
    for revision, incident, category, cell, band in rows:
        out.setdefault(revision, []).append((incident, category, cell, band))
    return out


def _figures(
    messages: list[Aggregate], counted: Mapping[int, list[tuple[str, str, str | None, str | None]]]
) -> list[Figure]:
    """Every published number as the set of incidents the hub says it counts, each checked against the number."""
    figures: list[Figure] = []
    for agg in messages:
        for category, n in agg.counts.items():
            rows = [(i, cell, band) for i, cat, cell, band in counted[agg.revision] if cat == category]
            if agg.area == "band":
                members = frozenset(i for i, _, band in rows if band == agg.band)
            else:
                members = frozenset(i for i, cell, _ in rows if (agg.cell or "city") in ("city", cell))
            assert len(members) == n
            figures.append(members)
    return figures


def test_repeated_publication_gives_no_suppressed_count_away(settings: Settings, topics: Topics) -> None:
    """Five runs on one week with arrivals, a cancellation and a key rotation between them: the week stays as first
    published (its hour-of-week band too), the fallen cell is retracted, late arrivals come as a correction once it
    shows a count, nothing is counted twice, every message is registered, and differencing all messages recovers no
    suppressed count."""
    topics("share.analytics.incident", "share.praevention.aggregates")
    scene = Scene(settings)
    secrets: list[Figure] = []

    def publish() -> None:
        scene.producer.flush()
        assert publish_week(settings, WEEK, now=RUN_AT).sent
        secrets.extend(scene.secrets())

    try:
        for n in range(5):
            scene.send(f"A{n}", A, "CRIME/THEFT")
        for n in range(10):
            scene.send(f"B{n}", B, "CRIME/ASSAULT")
        for n in range(5):
            scene.send(f"S{n}", A, "CRIME/SEXUAL")
        publish()  # frozen: A 5, B 10, city 20
        scene.send("A0", A, "CRIME/THEFT", status="cancelled")
        scene.send("C0", C, "CRIME/THEFT")
        publish()  # A retracted (4 left); C0 held back
        scene.ring = _ring("k2", b"\x02" * 32)  # the analytics key is rotated
        for n in range(10):
            scene.send(f"B{n}", B, "CRIME/ASSAULT", status="closed")
        for n in range(5, 8):
            scene.send(f"A{n}", A, "CRIME/THEFT")
        publish()  # 4 late arrivals: held back
        for n in range(8, 11):
            scene.send(f"A{n}", A, "CRIME/THEFT")
        publish()  # correction 1: 7 late arrivals city-wide
        publish()  # nothing new: the same messages again
    finally:
        scene.producer.close()

    records = read_topic(settings.bootstrap(), qualified(settings.topic_prefix, "share.praevention.aggregates"))
    received = {e.id: e for e in (CloudEvent.from_bytes(r.value) for r in records)}
    messages = [Aggregate.model_validate(e.data) for e in received.values()]
    counted = _counted(settings)
    assert recoverable(_figures(messages, counted), secrets) == []

    summary = sorted((a.revision, area_key(a), sorted(a.counts.items()), a.retracted) for a in messages)
    cell_a, cell_b = cell_of(*A).id, cell_of(*B).id
    assert summary == sorted(
        [
            (0, cell_a, [("CRIME", 5)], []),
            (0, cell_b, [("CRIME", 10)], []),
            (0, "city", [("CRIME", 20)], []),
            (0, f"band:{NIGHT}", [("CRIME", 15)], []),  # the sexual offences are in no band: the rest is their 5
            (0, cell_a, [], ["CRIME"]),  # the night band still counts 14: it stands
            (1, "city", [("CRIME", 7)], []),  # A's 6 late ones would leave 1 (C0) as the rest: complement rule
            (1, f"band:{NIGHT}", [("CRIME", 7)], []),  # all 7 at night, city-wide: no cell in it
        ]
    )
    bands = {band for rows in counted.values() for _, cat, cell, band in rows}
    assert bands == {NIGHT, None}  # None: the sexual offences
    assert sum(len(v) for v in counted.values()) == len({t.analytics_id for t in scene.truth.values()}) == 27
    register = transfers_since(settings.database_conninfo(), datetime(2020, 1, 1, tzinfo=UTC), recipient="praevention")
    assert sorted(r.share_id for r in register) == sorted(received)

    # Too late to correct: the week's first shares are expiring, they would look cancelled.
    with pytest.raises(ConfigError, match="can no longer be corrected"):
        publish_week(settings, WEEK, now=RUN_AT + timedelta(days=8))
    with pytest.raises(ConfigError, match="has not ended yet"):
        publish_week(settings, "2026-W48", now=RUN_AT)


def test_the_job_runs_as_a_stage_login(settings: Settings, topics: Topics) -> None:
    """`hub aggregates publish` needs no superuser: as a login in hub_stage it freezes the week, stores what it
    counted and sent, and registers the messages; a second run sends the same messages again."""
    topics("share.analytics.incident", "share.praevention.aggregates")
    scene = Scene(settings)
    try:
        for n in range(5):
            scene.send(f"A{n}", A, "CRIME/THEFT")
        scene.producer.flush()
    finally:
        scene.producer.close()
    with login(settings.database_conninfo(), "hub_stage") as stage:
        as_stage = settings.model_copy(update={"database_url": SecretStr(stage)})
        first = publish_week(as_stage, WEEK, now=RUN_AT)
        again = publish_week(as_stage, WEEK, now=RUN_AT)
    assert [(a.area, a.counts) for a in first.aggregates] == [
        ("cell", {"CRIME": 5}),
        ("city", {"CRIME": 5}),
        ("band", {"CRIME": 5}),
    ]
    assert (again.aggregates, again.messages_sent) == ((), 3)
    register = transfers_since(settings.database_conninfo(), datetime(2020, 1, 1, tzinfo=UTC), recipient="praevention")
    assert len(register) == 3
