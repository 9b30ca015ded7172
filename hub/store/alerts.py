"""The alert store: every revision of every alert (``alert_revisions``), the latest of each (``alerts``) and every
action taken on one (``alert_actions``). The alert-store stage writes them idempotently and notifies listeners in the
same transaction; the console and ``hub alerts`` read them. Every read takes the recipient and returns its rows only.
``changes`` (pure) says what differs between two revisions, so the console and the CLI show the same.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, TypeVar

import psycopg
from psycopg import sql
from psycopg.rows import args_row
from psycopg.types.json import Jsonb

from hub.schemas.alert import Alert

__all__ = [
    "ACTIONS_CHANNEL",
    "ALERTS_CHANNEL",
    "BOOKKEEPING",
    "ActionRow",
    "AlertNotice",
    "AlertRow",
    "Change",
    "NewAction",
    "NewRevision",
    "RevisionRow",
    "StoredAction",
    "StoredRevision",
    "actions",
    "board",
    "changes",
    "current",
    "history",
    "listen",
    "open_unacknowledged",
    "recent",
    "revision",
    "since",
    "store_actions",
    "store_revisions",
]

#: NOTIFY channel of stored revisions: ``{"recipient", "alert_id", "revision"}``.
ALERTS_CHANNEL: Final = "hub_alerts"
#: NOTIFY channel of stored actions: ``{"recipient", "alert_id", "action", "revision", "topic", "partition",
#: "offset"}`` (never who acted or the note: anyone who may LISTEN on the database would read them).
ACTIONS_CHANNEL: Final = "hub_alert_actions"

# --- what the stage writes ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewRevision:
    """An alert revision read from ``alerts.<domain>``: the Alert, its CloudEvents id and where it was read."""

    alert: Alert
    event_id: str
    topic: str  # with the deployment's prefix
    partition: int
    offset: int


@dataclass(frozen=True)
class NewAction:
    """An action read from ``acks.<domain>`` (``recipient`` is that domain): the acknowledgement's fields and where
    it was read. ``action`` is ``acknowledge``, ``note`` or ``resolve``; ``revision`` None means the latest."""

    alert_id: str
    recipient: str
    action: str
    revision: int | None
    by: str
    at: datetime
    note: str | None
    topic: str  # with the deployment's prefix
    partition: int
    offset: int


_INSERT_REVISION = """
WITH new AS (
    INSERT INTO alert_revisions (alert_id, revision, recipient, incident_id, state, priority, category, issued_at,
                                 alert, event_id, kafka_topic, kafka_partition, kafka_offset)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT (alert_id, revision) DO NOTHING
    RETURNING recipient, alert_id, revision, priority, incident_id, issued_at, alert
)
SELECT pg_notify('hub_alerts', json_build_object('recipient', recipient, 'alert_id', alert_id,
                                                 'revision', revision)::text),
       recipient, revision, priority, issued_at,
       COALESCE((alert ->> 'escalation_level')::int, 0) > COALESCE(
           (SELECT max((r.alert ->> 'escalation_level')::int) FROM alert_revisions r
            WHERE r.alert_id = new.alert_id AND r.revision < new.revision), 0) AS escalated,
       CASE WHEN revision = 1 THEN (SELECT min(e.time) FROM events e
                                    WHERE e.kind = 'incident' AND e.subject = new.incident_id) END AS source_time,
       -- The alert's first stored revision (the statement sees the table as it was before its insert), and an
       -- acknowledgement was stored before it (alerts.* and acks.* are read as they come): the time to be timed.
       CASE WHEN NOT EXISTS (SELECT 1 FROM alert_revisions r WHERE r.alert_id = new.alert_id)
            THEN (SELECT min(x.at) FROM alert_actions x
                  WHERE x.alert_id = new.alert_id AND x.action = 'acknowledge') END AS acknowledged_before_at
FROM new
"""

# The latest stored revision of each alert of the batch, from all its stored revisions (so a redelivered or late
# lower revision changes nothing). Retention class: short for an exercise or test; else the class of the incident
# as the sink stored it (the alert lives as long as what it is about); else standard (docs/privacy.md).
_UPSERT_ALERTS = """
INSERT INTO alerts (alert_id, recipient, revision, state, priority, issued_at, first_issued_at, retention_class)
SELECT l.alert_id, l.recipient, l.revision, l.state, l.priority, l.issued_at, l.first_issued_at,
       CASE WHEN l.alert ->> 'mode' IN ('exercise', 'test') THEN 'short'
            ELSE COALESCE((SELECT e.envelope #>> '{data,retention_class}' FROM events e
                           WHERE e.kind = 'incident' AND e.subject = l.incident_id
                             AND e.envelope #>> '{data,retention_class}' IN ('short', 'standard', 'long')
                           ORDER BY e.time DESC LIMIT 1), 'standard')
       END
FROM (SELECT DISTINCT ON (r.alert_id) r.*, min(r.issued_at) OVER (PARTITION BY r.alert_id) AS first_issued_at
      FROM alert_revisions r WHERE r.alert_id = ANY(%s)
      ORDER BY r.alert_id, r.revision DESC) AS l
ON CONFLICT (alert_id) DO UPDATE SET
    revision = EXCLUDED.revision, state = EXCLUDED.state, priority = EXCLUDED.priority,
    issued_at = EXCLUDED.issued_at, first_issued_at = EXCLUDED.first_issued_at,
    retention_class = EXCLUDED.retention_class, updated_at = now()
WHERE (alerts.revision, alerts.first_issued_at, alerts.retention_class)
      IS DISTINCT FROM (EXCLUDED.revision, EXCLUDED.first_issued_at, EXCLUDED.retention_class)
"""

_INSERT_ACTION = """
WITH new AS (
    INSERT INTO alert_actions (kafka_topic, kafka_partition, kafka_offset, alert_id, recipient, action, revision,
                               by_name, at, note)
    VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
    ON CONFLICT DO NOTHING  -- the same Kafka record, or the same action in another record
    RETURNING recipient, alert_id, action, revision, at, kafka_topic, kafka_partition, kafka_offset
)
SELECT pg_notify('hub_alert_actions', json_build_object('recipient', recipient, 'alert_id', alert_id,
    'action', action, 'revision', revision, 'topic', kafka_topic, 'partition', kafka_partition,
    'offset', kafka_offset)::text),
    recipient, action, at,
    action = 'acknowledge' AND NOT EXISTS (SELECT 1 FROM alert_actions x
                                           WHERE x.alert_id = new.alert_id AND x.action = 'acknowledge') AS first_ack,
    (SELECT a.first_issued_at FROM alerts a WHERE a.alert_id = new.alert_id) AS first_issued_at,
    (SELECT a.priority FROM alerts a WHERE a.alert_id = new.alert_id) AS priority
FROM new
"""

# Open alerts nobody of the recipient has acknowledged (or resolved) yet, by recipient and priority.
_OPEN_UNACKNOWLEDGED = """
SELECT a.recipient, a.priority, count(*) FROM alerts a
WHERE a.state = 'new'
  AND NOT EXISTS (SELECT 1 FROM alert_actions x
                  WHERE x.alert_id = a.alert_id AND x.action IN ('acknowledge', 'resolve'))
GROUP BY a.recipient, a.priority
"""


def _revision_params(row: NewRevision) -> tuple[object, ...]:
    a = row.alert
    return (
        a.alert_id,
        a.revision,
        a.recipient,
        a.incident_id,
        a.state,
        a.priority,
        a.category,
        a.issued_at,
        Jsonb(a.model_dump(mode="json")),
        row.event_id,
        row.topic,
        row.partition,
        row.offset,
    )


def _action_params(row: NewAction) -> tuple[object, ...]:
    return (
        row.topic,
        row.partition,
        row.offset,
        row.alert_id,
        row.recipient,
        row.action,
        row.revision,
        row.by,
        row.at,
        row.note,
    )


@dataclass(frozen=True)
class StoredRevision:
    """A revision stored now (not one stored before): what the alert metrics count. ``escalated``: its escalation
    level is above every earlier revision's; ``source_time``: for a first revision, the time of the earliest
    stored event of its incident (None when the sink has not stored it yet, and for later revisions);
    ``acknowledged_before_at``: when this is the alert's first stored revision and an acknowledgement of it was
    stored before (read first), the time of the earliest such acknowledgement, else None."""

    recipient: str
    revision: int
    priority: int
    issued_at: datetime
    escalated: bool
    source_time: datetime | None
    acknowledged_before_at: datetime | None = None


@dataclass(frozen=True)
class StoredAction:
    """An action stored now: ``first_ack`` when it is the alert's first acknowledgement; the alert's first issue
    time and priority as stored (None when the alert is not stored yet)."""

    recipient: str
    action: str
    at: datetime
    first_ack: bool
    first_issued_at: datetime | None
    priority: int | None


async def _returned(cur: psycopg.AsyncCursor[Any]) -> list[tuple[Any, ...]]:
    """The rows of every statement of an ``executemany(..., returning=True)``."""
    rows: list[tuple[Any, ...]] = []
    while True:
        rows.extend(await cur.fetchall())
        if not cur.nextset():
            return rows


async def store_revisions(conn: psycopg.AsyncConnection[Any], rows: Sequence[NewRevision]) -> list[StoredRevision]:
    """Store ``rows`` in one transaction (a savepoint inside the caller's): each revision once (a stored one is
    left as it is), ``alerts`` moved to each alert's highest stored revision, and one ``hub_alerts`` notification
    per revision stored now, delivered when the transaction commits. Returns the revisions stored now."""
    if not rows:
        return []
    async with conn.transaction(), conn.cursor() as cur:
        await cur.executemany(_INSERT_REVISION, [_revision_params(r) for r in rows], returning=True)
        stored = [StoredRevision(*row[1:]) for row in await _returned(cur)]
        await cur.execute(_UPSERT_ALERTS, (sorted({r.alert.alert_id for r in rows}),))
    return stored


async def store_actions(conn: psycopg.AsyncConnection[Any], rows: Sequence[NewAction]) -> list[StoredAction]:
    """Store ``rows`` in one transaction (a savepoint inside the caller's), each action once (a Kafka record read
    again, or the same alert, action, revision, person, time and note in another record, is left out), with one
    ``hub_alert_actions`` notification per action stored now. Returns the actions stored now."""
    if not rows:
        return []
    async with conn.transaction(), conn.cursor() as cur:
        await cur.executemany(_INSERT_ACTION, [_action_params(r) for r in rows], returning=True)
        return [StoredAction(*row[1:]) for row in await _returned(cur)]


async def open_unacknowledged(conn: psycopg.AsyncConnection[Any]) -> dict[tuple[str, int], int]:
    """How many open alerts (state ``new``) no one of their recipient has acknowledged or resolved, by (recipient,
    priority): a count over all recipients for the operations metrics, never rows (which a read per recipient
    gives)."""
    async with conn.cursor() as cur:
        await cur.execute(_OPEN_UNACKNOWLEDGED)
        return {(str(r), int(p)): int(n) for r, p, n in await cur.fetchall()}


# --- what the console and the CLI read ---------------------------------------------------------------------------


@dataclass(frozen=True)
class RevisionRow(NewRevision):
    """One stored revision: the Alert, its CloudEvents id, where it was read (topic with prefix), when stored."""

    stored_at: datetime


@dataclass(frozen=True)
class AlertRow(RevisionRow):
    """An alert's latest stored revision, with when it was first issued and when the row last changed."""

    first_issued_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class ActionRow(NewAction):
    """One stored action on an alert: what, on which revision (None: the latest), by whom, when, the note, where it
    was read (topic with prefix), when stored."""

    stored_at: datetime


def _revision_row(
    alert: dict[str, Any], event_id: str, topic: str, partition: int, offset: int, stored_at: datetime
) -> RevisionRow:
    return RevisionRow(Alert.model_validate(alert), event_id, topic, partition, offset, stored_at)


def _alert_row(
    alert: dict[str, Any],
    event_id: str,
    topic: str,
    partition: int,
    offset: int,
    stored_at: datetime,
    first_issued_at: datetime,
    updated_at: datetime,
) -> AlertRow:
    return AlertRow(
        Alert.model_validate(alert), event_id, topic, partition, offset, stored_at, first_issued_at, updated_at
    )


# Queries of constant text only: the columns are this module's, every value is a parameter.
_REVISION_FROM = (
    "SELECT r.alert, r.event_id, r.kafka_topic, r.kafka_partition, r.kafka_offset, r.stored_at FROM alert_revisions r"
)
_ALERT_FROM = (
    "SELECT r.alert, r.event_id, r.kafka_topic, r.kafka_partition, r.kafka_offset, r.stored_at, a.first_issued_at,"
    " a.updated_at FROM alerts a JOIN alert_revisions r USING (alert_id, revision)"
)
_BOARD = f"""{_ALERT_FROM}
WHERE a.recipient = %s AND (%s::text[] IS NULL OR a.state = ANY(%s::text[]))
ORDER BY a.priority, a.first_issued_at, a.alert_id LIMIT %s"""
_CURRENT = f"{_ALERT_FROM} WHERE a.recipient = %s AND a.alert_id = %s"
_REVISION = f"{_REVISION_FROM} WHERE r.recipient = %s AND r.alert_id = %s AND r.revision = %s"
_HISTORY = f"{_REVISION_FROM} WHERE r.recipient = %s AND r.alert_id = %s ORDER BY r.revision"
_ACTIONS = """
SELECT alert_id, recipient, action, revision, by_name, at, note, kafka_topic, kafka_partition, kafka_offset, stored_at
FROM alert_actions WHERE recipient = %s AND alert_id = %s
ORDER BY at, kafka_topic, kafka_partition, kafka_offset"""
# Up to the stored_at of the limit-th revision after the given one, and all revisions stored with that one.
_SINCE = f"""{_REVISION_FROM}
WHERE r.recipient = %(r)s AND (%(after)s::timestamptz IS NULL OR r.stored_at > %(after)s)
  AND r.stored_at <= COALESCE((SELECT c.stored_at FROM alert_revisions c
                               WHERE c.recipient = %(r)s AND (%(after)s::timestamptz IS NULL OR c.stored_at > %(after)s)
                               ORDER BY c.stored_at OFFSET %(skip)s LIMIT 1), 'infinity')
ORDER BY r.stored_at, r.alert_id, r.revision"""  # noqa: S608
_RECENT = f"""SELECT * FROM ({_REVISION_FROM} WHERE r.recipient = %s
                ORDER BY r.stored_at DESC, r.alert_id DESC, r.revision DESC LIMIT %s) AS last
ORDER BY stored_at, alert ->> 'alert_id', (alert ->> 'revision')::integer"""  # noqa: S608

T = TypeVar("T")


async def _fetch(
    conn: psycopg.AsyncConnection[Any], make: Callable[..., T], query: str, params: Sequence[Any] | Mapping[str, Any]
) -> list[T]:
    """The rows of ``query``, each made by ``make`` from its columns (whatever row factory ``conn`` has)."""
    async with conn.cursor(row_factory=args_row(make)) as cur:
        await cur.execute(query, params)
        return await cur.fetchall()


async def board(
    conn: psycopg.AsyncConnection[Any], recipient: str, *, states: Collection[str] | None = None, limit: int = 500
) -> list[AlertRow]:
    """The latest revision of each of ``recipient``'s alerts (of ``states`` only, if given), most urgent first:
    priority ascending, then oldest first (``first_issued_at``); at most ``limit``."""
    wanted = None if states is None else sorted(states)
    return await _fetch(conn, _alert_row, _BOARD, (recipient, wanted, wanted, limit))


async def current(conn: psycopg.AsyncConnection[Any], recipient: str, alert_id: str) -> AlertRow | None:
    """The latest stored revision of ``recipient``'s alert ``alert_id``; None when there is none (unknown, or
    another recipient's)."""
    rows = await _fetch(conn, _alert_row, _CURRENT, (recipient, alert_id))
    return rows[0] if rows else None


async def revision(
    conn: psycopg.AsyncConnection[Any], recipient: str, alert_id: str, number: int
) -> RevisionRow | None:
    """Revision ``number`` of ``recipient``'s alert ``alert_id``, if stored (what a ``hub_alerts`` notice
    names)."""
    rows = await _fetch(conn, _revision_row, _REVISION, (recipient, alert_id, number))
    return rows[0] if rows else None


async def history(conn: psycopg.AsyncConnection[Any], recipient: str, alert_id: str) -> list[RevisionRow]:
    """Every stored revision of ``recipient``'s alert ``alert_id``, revisions ascending (empty when unknown)."""
    return await _fetch(conn, _revision_row, _HISTORY, (recipient, alert_id))


async def actions(conn: psycopg.AsyncConnection[Any], recipient: str, alert_id: str) -> list[ActionRow]:
    """Every stored action of ``recipient`` on its alert ``alert_id``, in time order (``at``, then as read)."""
    return await _fetch(conn, ActionRow, _ACTIONS, (recipient, alert_id))


async def since(
    conn: psycopg.AsyncConnection[Any], recipient: str, after_stored_at: datetime | None, limit: int = 500
) -> list[RevisionRow]:
    """``recipient``'s revisions stored after ``after_stored_at`` (all when None), oldest first: the first
    ``limit``, and the rest of the batch the last of them was stored with (such revisions share ``stored_at``), so
    calling again with the last ``stored_at`` returned misses none. A revision committed late by a transaction
    that began earlier can carry an earlier ``stored_at``: a follower learns of it from ``listen``."""
    params = {"r": recipient, "after": after_stored_at, "skip": max(limit, 1) - 1}
    return await _fetch(conn, _revision_row, _SINCE, params)


async def recent(conn: psycopg.AsyncConnection[Any], recipient: str, limit: int) -> list[RevisionRow]:
    """The last ``limit`` revisions of ``recipient`` stored, oldest first (what ``hub alerts tail`` shows first)."""
    return await _fetch(conn, _revision_row, _RECENT, (recipient, limit))


# --- notifications -------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AlertNotice:
    """A notification of the alert store: a revision stored (``channel`` ``hub_alerts``) or an action stored
    (``hub_alert_actions``, with ``action`` and where it was read)."""

    channel: str
    recipient: str
    alert_id: str
    revision: int | None
    action: str | None = None
    topic: str | None = None
    partition: int | None = None
    offset: int | None = None


def _notice(channel: str, payload: str) -> AlertNotice | None:
    """The notice of one notification; None for one that is not the store's (another writer's payload)."""
    try:
        data = json.loads(payload)
        return AlertNotice(
            channel,
            str(data["recipient"]),
            str(data["alert_id"]),
            data.get("revision"),
            data.get("action"),
            data.get("topic"),
            data.get("partition"),
            data.get("offset"),
        )
    except (ValueError, TypeError, KeyError):
        return None


async def listen(
    conn: psycopg.AsyncConnection[Any],
    recipients: Collection[str],
    channels: Sequence[str] = (ALERTS_CHANNEL, ACTIONS_CHANNEL),
    *,
    idle_s: float | None = None,
) -> AsyncIterator[AlertNotice | None]:
    """LISTEN on ``channels`` now (what is stored after this returns is heard), then iterate: every notice of
    ``recipients`` as it arrives; with ``idle_s``, also None after each ``idle_s`` without one (time for a
    keep-alive). ``conn`` must be in autocommit mode and run nothing else meanwhile (queries need a second one)."""
    for channel in channels:
        await conn.execute(sql.SQL("LISTEN {}").format(sql.Identifier(channel)))
    return _notices(conn, frozenset(recipients), idle_s)


async def _notices(
    conn: psycopg.AsyncConnection[Any], recipients: frozenset[str], idle_s: float | None
) -> AsyncIterator[AlertNotice | None]:
    while True:
        heard = False
        async for note in conn.notifies(timeout=idle_s):
            notice = _notice(note.channel, note.payload)
            if notice is not None and notice.recipient in recipients:
                heard = True
                yield notice
        if not heard:
            yield None


# --- what changed between two revisions (pure) ---------------------------------------------------------------------

#: Fields that change with every revision: shown with the revision, not among its changes.
BOOKKEEPING = ("revision", "issued_at")


@dataclass(frozen=True)
class Change:
    """One field that differs between two revisions: its name (``hold_request.max_hold_s`` for a nested one) and
    its JSON values before and after (None: absent)."""

    field: str
    before: Any
    after: Any


def _flat(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            flat.update(_flat(value, f"{prefix}{key}."))
        else:
            flat[f"{prefix}{key}"] = value
    return flat


def changes(before: Alert, after: Alert, ignore: Collection[str] = BOOKKEEPING) -> list[Change]:
    """The fields of ``after`` that differ from ``before``, in the model's field order; a nested model (the hold
    request) field by field."""
    old, new = _flat(before.model_dump(mode="json")), _flat(after.model_dump(mode="json"))
    fields = list(new) + [f for f in old if f not in new]
    return [
        Change(f, old.get(f), new.get(f)) for f in fields if f.split(".")[0] not in ignore and old.get(f) != new.get(f)
    ]
