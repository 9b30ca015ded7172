"""Every Kafka topic of the hub, declared in one place with partitions, key and retention.

``hub topics apply`` creates and verifies them (see ``hub.kafka_admin``); nothing relies on broker auto-creation.
Names follow ``raw.<agency>.<feed>``, ``canon.<kind>``, ``share.<domain>.<kind>``, ``alerts.<domain>``,
``acks.<domain>``, ``dlq.<stage>``, ``state.<stage>.<table>`` (the changelogs of a stage's faust tables); a
deployment-wide prefix (``HUB_TOPIC_PREFIX``) lets several hubs or test runs
share a cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

HOUR_MS = 3_600_000
DAY_MS = 24 * HOUR_MS

#: A segment is rolled at least this often: Kafka deletes and compacts closed segments only, so a record can outlive
#: ``retention.ms`` by up to ``segment.ms`` (Kafka's default is 7 days, which would double a week's retention).
MAX_SEGMENT_MS = DAY_MS
#: Compacted topics (the router's changelogs hold full incidents): a superseded or deleted value is compacted away
#: within this time (``max.compaction.lag.ms``), their segments roll every hour, a tombstone stays an hour after
#: compaction (``delete.retention.ms``: enough for a recovering consumer to see it).
STATE_SEGMENT_MS = HOUR_MS
STATE_MAX_COMPACTION_LAG_MS = 6 * HOUR_MS
STATE_DELETE_RETENTION_MS = HOUR_MS

TopicRole = Literal["raw", "canon", "share", "alerts", "acks", "dlq", "state"]

#: Canonical kinds that flow through canon.* and share.* topics (names match ``hub.schemas.KINDS``).
CANONICAL_KINDS = ("incident", "vehicle-position", "trip-update", "transit-disruption", "unit-status", "planned-event")
#: Recipient domains of the pseudonymiser; praevention receives aggregates only.
OPERATIONAL_DOMAINS = ("polizei", "havag", "ordnungsamt", "analytics")
ALERT_DOMAINS = ("polizei", "havag", "ordnungsamt")
#: Stages that own a dead-letter topic.
STAGES = ("connectors", "normalise", "pseudonymise", "router", "sink", "alert-store")
#: The router's faust tables (``hub.router.persist.TABLES``) and what each holds, by key.
ROUTER_TABLES = {
    "vehicles": ("vehicle", "latest position of each vehicle, snapped to line and direction, arrivals ahead"),
    "units": ("unit", "latest status and position fix of each unit, availability, incident, last proposal"),
    "trips": ("trip id", "latest trip update of each running trip"),
    "incidents": ("incident id", "open incidents the router keeps alerts for"),
    "alerts": ("alert id", "the alert desk's record of each alert: revision, state, proposal, escalation"),
    "desk": ("kind/id", "the alert desk's disruptions, HAVAG reference tokens, tombstones, inhibitions"),
}


@dataclass(frozen=True)
class TopicSpec:
    """One declared topic. ``name`` is without the deployment prefix."""

    name: str
    role: TopicRole
    partitions: int
    retention_ms: int
    key: str
    description: str
    cleanup_policy: Literal["delete", "compact,delete"] = "delete"
    configs: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def compacted(self) -> bool:
        return "compact" in self.cleanup_policy

    def broker_configs(self) -> dict[str, str]:
        """The topic configs the broker must hold for this topic: retention and how often segments roll; for a
        compacted topic also how soon superseded values and tombstones go."""
        configs = {"retention.ms": str(self.retention_ms), "cleanup.policy": self.cleanup_policy}
        if self.compacted:
            configs |= {
                "segment.ms": str(STATE_SEGMENT_MS),
                "max.compaction.lag.ms": str(STATE_MAX_COMPACTION_LAG_MS),
                "delete.retention.ms": str(STATE_DELETE_RETENTION_MS),
            }
        else:
            configs["segment.ms"] = str(min(MAX_SEGMENT_MS, self.retention_ms // 4))
        return configs | self.configs


# (agency, feed, partitions, key, what it carries)
_RAW_FEEDS: tuple[tuple[str, str, int, str, str], ...] = (
    ("havag", "gtfsrt-vehicle-positions", 6, "vehicle id", "GTFS-Realtime VehiclePositions entities"),
    ("havag", "gtfsrt-trip-updates", 6, "trip id", "GTFS-Realtime TripUpdates entities"),
    ("havag", "gtfsrt-alerts", 1, "alert id", "GTFS-Realtime service alerts"),
    ("havag", "siri-vm", 6, "vehicle ref", "SIRI-VM vehicle activities"),
    ("havag", "siri-sx", 1, "situation number", "SIRI-SX situations"),
    ("havag", "driver-alarm", 3, "vehicle (car number)", "driver alarms from on-board units"),
    ("havag", "vdv454-aus", 6, "trip (Fahrt) id", "VDV 454 AUS real-time trip messages"),
    ("polizei", "cap", 3, "CAP identifier", "CAP 1.2 incident messages"),
    ("polizei", "unit-status", 3, "unit", "unit status and TETRA-style location reports"),
    ("ordnungsamt", "open311", 1, "service request id", "Open311 GeoReport v2 service requests"),
    ("ordnungsamt", "patrol-status", 3, "unit", "patrol status and location reports"),
    ("replay", "ndjson", 3, "source record id", "NDJSON file replay (demo, tests, back-fills)"),
    ("ext", "cloudevents", 3, "event id", "CloudEvents from other systems (structured JSON mode)"),
    ("events", "ics", 1, "event UID", "iCalendar (RFC 5545) events of organisers of public events"),
)

_CANON_PARTITIONS = {
    "incident": 3,
    "vehicle-position": 6,
    "trip-update": 6,
    "transit-disruption": 1,
    "unit-status": 3,
    "planned-event": 1,
}
_CANON_KEYS = {
    "incident": "incident id",
    "vehicle-position": "vehicle",
    "trip-update": "trip id",
    "transit-disruption": "situation id",
    "unit-status": "agency:unit",
    "planned-event": "event id",
}


def _declare() -> tuple[TopicSpec, ...]:
    specs: list[TopicSpec] = [
        TopicSpec(f"raw.{agency}.{feed}", "raw", parts, 2 * DAY_MS, key, what)
        for agency, feed, parts, key, what in _RAW_FEEDS
    ]
    specs += [
        TopicSpec(
            f"canon.{kind}",
            "canon",
            _CANON_PARTITIONS[kind],
            7 * DAY_MS,
            _CANON_KEYS[kind],
            f"canonical {kind} events",
        )
        for kind in CANONICAL_KINDS
    ]
    specs += [
        TopicSpec(
            f"share.{domain}.{kind}",
            "share",
            _CANON_PARTITIONS[kind],
            # The aggregates of a week are published (and corrected) up to 7 days after it ends: the first of its
            # incidents must still be there then. Analytics shares hold no person, only grid cells and hours.
            14 * DAY_MS if (domain, kind) == ("analytics", "incident") else 7 * DAY_MS,
            _CANON_KEYS[kind],
            f"{kind} events as domain {domain} may see them",
        )
        for domain in OPERATIONAL_DOMAINS
        for kind in CANONICAL_KINDS
    ]
    specs.append(
        TopicSpec(
            "share.praevention.aggregates",
            "share",
            1,
            30 * DAY_MS,
            "cell, city or band",
            "aggregates for prevention work",
        )
    )
    specs += [
        TopicSpec(f"alerts.{domain}", "alerts", 3, 7 * DAY_MS, "alert id", f"alerts for {domain}")
        for domain in ALERT_DOMAINS
    ]
    specs += [
        TopicSpec(
            f"acks.{domain}",
            "acks",
            3,
            7 * DAY_MS,
            "alert id",
            f"acknowledgements of alerts.{domain} by {domain}'s people or systems (JSON: alert_id, by, at)",
        )
        for domain in ALERT_DOMAINS
    ]
    specs += [
        TopicSpec(
            f"dlq.{stage}",
            "dlq",
            1,
            30 * DAY_MS,
            "original key",
            f"records the {stage} stage could not process: original bytes, reason and origin in headers",
        )
        for stage in STAGES
    ]
    # Compacted: the latest value per key is the state; a deleted key is a tombstone and goes at compaction. And
    # deleted after 8 days whatever it is: the router forgets everything it has not heard of within 7 days itself
    # (docs/router.md), so nothing it still holds is older; without it an entry never written again would stay.
    specs += [
        TopicSpec(
            f"state.router.{table}",
            "state",
            1,
            8 * DAY_MS,
            key,
            f"changelog of the router's {table} table: {what}",
            cleanup_policy="compact,delete",
        )
        for table, (key, what) in ROUTER_TABLES.items()
    ]
    return tuple(specs)


TOPICS: tuple[TopicSpec, ...] = _declare()
_BY_NAME = {spec.name: spec for spec in TOPICS}


def spec(name: str) -> TopicSpec:
    """The declared topic ``name`` (without prefix); KeyError names the unknown topic."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"topic {name!r} is not declared in hub/topology.py") from None


def raw_topic(agency: str, feed: str) -> str:
    return spec(f"raw.{agency}.{feed}").name


def canon_topic(kind: str) -> str:
    return spec(f"canon.{kind}").name


def acks_topic(domain: str) -> str:
    return spec(f"acks.{domain}").name


def state_topic(stage: str, table: str) -> str:
    """The changelog topic of one faust table of a stage (declared name)."""
    return spec(f"state.{stage}.{table}").name


def dlq_topic(stage: str) -> str:
    return spec(f"dlq.{stage}").name


def qualified(prefix: str, name: str) -> str:
    """The topic's name on the cluster."""
    return f"{prefix}{name}"


@dataclass(frozen=True)
class RestrictedTopics:
    """Topics that hold the police's data unpseudonymised (or the hub's internal copies of it): what they hold and
    who may read them. In production Kafka ACLs grant exactly ``readers`` (docs/privacy.md, "What is police-only")."""

    pattern: str  # a declared name, or a prefix ending in "*"
    holds: str
    readers: str

    def matches(self, name: str) -> bool:
        return name.startswith(self.pattern[:-1]) if self.pattern.endswith("*") else name == self.pattern


#: Every topic that holds police data, in one place: no share topic of another domain is in it, and every declared
#: topic is either here or a share of a non-police domain (a test checks both).
POLICE_DATA_TOPICS: tuple[RestrictedTopics, ...] = (
    RestrictedTopics(
        "raw.*",
        "the agencies' records as their systems sent them: callers, descriptions, call signs, positions",
        "connectors (write), the normalise workers; the hub's operators for the police",
    ),
    RestrictedTopics(
        "canon.*",
        "every canonical event in full: callers, assessments, call signs, officers' positions",
        "the pseudonymise, sink and router workers",
    ),
    RestrictedTopics(
        "share.polizei.*",
        "the police domain's shares: everything as recorded",
        "the police's systems",
    ),
    RestrictedTopics(
        "dlq.*",
        "refused records with their original bytes (replayable), which can hold anything the input held",
        "`hub dlq show` and `hub dlq replay` by the hub's operators for the police",
    ),
    RestrictedTopics(
        "state.router.*",
        "the router's faust table changelogs: full incidents with caller and assessment, units with call signs "
        "and positions, the alert desk's records",
        "the router workers (state recovery) only",
    ),
    RestrictedTopics(
        "alerts.*",
        "the router's alerts per recipient; a police alert names the unit sent (an operational secret)",
        "the alert-store worker and `hub alerts tail`; each agency sees its own alerts only through the console "
        "and API (HAVAG without the fields the schema marks sensitive)",
    ),
    RestrictedTopics(
        "acks.*",
        "acknowledgements, notes and resolutions, with who acted (a person of the agency)",
        "written by the console and `hub acks serve` for the agency; read by the router and alert-store workers",
    ),
)


def police_data_topics() -> tuple[TopicSpec, ...]:
    """The declared topics that hold police data (``POLICE_DATA_TOPICS``)."""
    return tuple(t for t in TOPICS if any(r.matches(t.name) for r in POLICE_DATA_TOPICS))
