"""``hub alerts``: the alert store on the command line. ``tail`` prints one line per revision (``--follow`` waits for
new ones over LISTEN), ``show`` an alert's revisions with what changed and its actions, ``ack`` checks the store as
the console does and then produces the action to ``acks.<domain>``. The formatting helpers are pure.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any, TextIO
from zoneinfo import ZoneInfo

import psycopg
from pydantic import ValidationError

from hub.config import Settings
from hub.errors import BrokerError, StoreError
from hub.network.gtfs_static import Stop, default_gtfs
from hub.router.core import AckMessage
from hub.schemas.alert import Alert
from hub.store.alerts import (
    ALERTS_CHANNEL,
    ActionRow,
    AlertRow,
    Change,
    RevisionRow,
    actions,
    changes,
    current,
    history,
    listen,
    recent,
    revision,
)
from hub.topology import ALERT_DOMAINS, acks_topic, qualified

__all__ = [
    "LOCAL_TIME",
    "ack_problem",
    "action_line",
    "change_lines",
    "domain_of",
    "local_time",
    "run",
    "show_lines",
    "stop_name",
    "tail_line",
]

LOCAL_TIME = ZoneInfo("Europe/Berlin")

_ID = re.compile(r"al-([a-z]+)-\S+")
_FINISHED = ("resolved", "expired")
_RESET = "\x1b[0m"
_PRIORITY_COLOUR = {1: "\x1b[1;31m", 2: "\x1b[33m"}  # priority 1 bold red, 2 yellow
_STATE_COLOUR = {"new": "\x1b[1m", "acknowledged": "\x1b[32m", "resolved": "\x1b[2m", "expired": "\x1b[2m"}

Stops = Mapping[str, Stop]

# --- pure formatting ------------------------------------------------------------------------------------------------


def domain_of(alert_id: str) -> str | None:
    """The alert domain an alert id belongs to (``al-<domain>-…``); None when it is not an alert id of one."""
    match = _ID.fullmatch(alert_id)
    return match.group(1) if match and match.group(1) in ALERT_DOMAINS else None


def local_time(moment: datetime) -> str:
    """``moment`` in Halle's time, to the second: ``2026-11-20 21:50:12``."""
    return moment.astimezone(LOCAL_TIME).strftime("%Y-%m-%d %H:%M:%S")


def stop_name(dhid: str, stops: Stops) -> str:
    """The stop's name from the GTFS stops (a platform's DHID by its stop area), else the DHID itself."""
    stop = stops.get(dhid) or stops.get(":".join(dhid.split(":")[:3]))
    return stop.name if stop is not None and stop.name else dhid


def _paint(text: str, code: str | None, colour: bool) -> str:
    return f"{code}{text}{_RESET}" if colour and code else text


def _hold(alert: Alert, stops: Stops) -> str | None:
    hold = alert.hold_request
    if hold is None:
        return None
    where = f" at {stop_name(hold.stop_dhid, stops)}" if hold.stop_dhid else ""
    longest = f" for at most {hold.max_hold_s} s" if hold.max_hold_s is not None else ""
    return f"hold: {hold.action}{where}{longest}"


def tail_line(row: RevisionRow, stops: Stops, colour: bool = False) -> str:
    """One revision on one line: local time, priority, state, alert id, revision, stop names, unit and hold."""
    a = row.alert
    parts = [
        local_time(a.issued_at),
        _paint(f"P{a.priority}", _PRIORITY_COLOUR.get(a.priority), colour),
        _paint(f"{a.state:<12}", _STATE_COLOUR.get(a.state), colour),
        a.alert_id,
        f"r{a.revision}",
    ]
    if a.stop_dhid:
        parts.append(f"at {stop_name(a.stop_dhid, stops)}")
    if a.intercept_stop_dhid:
        parts.append(f"intercept {stop_name(a.intercept_stop_dhid, stops)}")
    if a.recommended_unit:
        parts.append(f"unit {a.recommended_unit}")
    hold = _hold(a, stops)
    if hold:
        parts.append(hold)
    return "  ".join(parts)


def _value(field: str, value: Any, stops: Stops) -> str:
    """A changed field's JSON value for people: stops by name, times in local time, absent as ``-``."""
    if value is None:
        return "-"
    if isinstance(value, str) and field.endswith("_dhid"):
        return f"{stop_name(value, stops)} ({value})"
    if isinstance(value, str) and field.endswith(("_at", "_eta")):
        try:
            return local_time(datetime.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def change_lines(found: Sequence[Change], stops: Stops) -> list[str]:
    """``field: before -> after``, one line per change."""
    return [f"{c.field}: {_value(c.field, c.before, stops)} -> {_value(c.field, c.after, stops)}" for c in found]


def action_line(row: ActionRow) -> str:
    """One action: local time, what, on which revision, by whom, and the note."""
    seen = f"r{row.revision}" if row.revision is not None else "latest"
    note = f"  note: {row.note}" if row.note else ""
    return f"{local_time(row.at)}  {row.action:<11}  {seen:<6}  by {row.by}{note}"


def show_lines(revisions: Sequence[RevisionRow], done: Sequence[ActionRow], stops: Stops, colour: bool) -> list[str]:
    """An alert's history: each revision's line with what changed from the one before, then the actions."""
    first = revisions[0].alert
    lines = [f"{first.alert_id}  ({first.recipient}, incident {first.incident_id}, {len(revisions)} revision(s))"]
    before: Alert | None = None
    for row in revisions:
        lines.append(tail_line(row, stops, colour))
        if before is not None:
            lines += [f"    {line}" for line in change_lines(changes(before, row.alert), stops) or ["(no change)"]]
        before = row.alert
    lines.append(f"actions ({len(done)}):" if done else "actions: none")
    lines += [f"  {action_line(row)}" for row in done]
    return lines


def ack_problem(
    alert_id: str, latest: AlertRow | None, revisions: Sequence[RevisionRow], wanted: int, topic: str, stops: Stops
) -> str | None:
    """Why the action on revision ``wanted`` must not be produced (None: it may): the alert is unknown, was read
    from another deployment's topic than ``topic`` (no router of this hub would read the action), is finished, or
    ``wanted`` is not its latest revision (then what changed since)."""
    if latest is None:
        return f"unknown alert {alert_id}: the alert store has no such alert"
    now = latest.alert
    if latest.topic != topic:
        return f"{alert_id} was read from {latest.topic}, not {topic}: check HUB_TOPIC_PREFIX"
    if now.state in _FINISHED:
        return f"{alert_id} is {now.state} (r{now.revision}): there is nothing to acknowledge or resolve"
    if wanted > now.revision:
        return f"{alert_id} has no revision {wanted}: the latest is r{now.revision}"
    if wanted < now.revision:
        seen = [r.alert for r in revisions if r.alert.revision <= wanted]
        found = change_lines(changes(seen[-1], now), stops) if seen else []
        lines = [f"{alert_id} r{wanted} is not the latest revision: r{now.revision} is. Changed since r{wanted}:"]
        lines += [f"    {line}" for line in found or ["(revisions in between are not stored)"]]
        lines.append(f"look at it (hub alerts show {alert_id}) and give --revision {now.revision}")
        return "\n".join(lines)
    return None


# --- the commands ---------------------------------------------------------------------------------------------------


def _fail(message: str) -> int:
    print(f"hub: error: {message}", file=sys.stderr)
    return 1


async def _connect(settings: Settings) -> psycopg.AsyncConnection[Any]:
    # Autocommit: reading only; a follower must not sit idle inside a transaction.
    return await psycopg.AsyncConnection.connect(settings.database_conninfo(), autocommit=True)


async def _tail(settings: Settings, domains: Sequence[str], limit: int, follow: bool, out: TextIO) -> None:
    stops, colour = default_gtfs().stops, out.isatty()
    shown: set[tuple[str, int]] = set()

    def show(row: RevisionRow) -> None:
        shown.add((row.alert.alert_id, row.alert.revision))
        print(tail_line(row, stops, colour), file=out, flush=True)

    async with await _connect(settings) as conn:
        if not follow:
            for row in await _recent(conn, domains, limit):
                show(row)
            return
        async with await _connect(settings) as listener:
            notices = await listen(listener, domains, (ALERTS_CHANNEL,))  # before reading: nothing falls between
            for row in await _recent(conn, domains, limit):
                show(row)
            async for notice in notices:
                if notice is None or notice.revision is None or (notice.alert_id, notice.revision) in shown:
                    continue
                stored = await revision(conn, notice.recipient, notice.alert_id, notice.revision)
                if stored is not None:
                    show(stored)


async def _recent(conn: psycopg.AsyncConnection[Any], domains: Sequence[str], limit: int) -> list[RevisionRow]:
    """The last ``limit`` revisions stored over ``domains``, oldest first."""
    rows = [row for domain in domains for row in await recent(conn, domain, limit)]
    rows.sort(key=lambda r: (r.stored_at, r.alert.alert_id, r.alert.revision))
    return rows[-limit:] if limit > 0 else []


def _cmd_tail(settings: Settings, args: argparse.Namespace) -> int:
    if args.limit < 0:
        return _fail(f"--limit {args.limit}: give 0 or more revisions to show first")
    domains = [args.domain] if args.domain else list(ALERT_DOMAINS)
    asyncio.run(_tail(settings, domains, args.limit, args.follow, sys.stdout))
    return 0


async def _read(
    settings: Settings, domain: str, alert_id: str
) -> tuple[AlertRow | None, list[RevisionRow], list[ActionRow]]:
    """The alert's latest revision, all its revisions and its actions, as ``domain`` sees them."""
    async with await _connect(settings) as conn:
        latest = await current(conn, domain, alert_id)
        return latest, await history(conn, domain, alert_id), await actions(conn, domain, alert_id)


def _cmd_show(settings: Settings, args: argparse.Namespace) -> int:
    domain = domain_of(args.alert_id)
    if domain is None:
        return _fail(_not_an_id(args.alert_id))
    _, revisions, done = asyncio.run(_read(settings, domain, args.alert_id))
    if not revisions:
        return _fail(f"unknown alert {args.alert_id}: the alert store has no such alert")
    for line in show_lines(revisions, done, default_gtfs().stops, sys.stdout.isatty()):
        print(line)
    return 0


def _not_an_id(alert_id: str) -> str:
    return f"{alert_id!r} is not an alert id (al-<domain>-…, domain one of {', '.join(ALERT_DOMAINS)})"


def _produce(settings: Settings, topic: str, key: bytes, value: bytes) -> tuple[int, int]:
    """Produce one record with kafka-python and wait for the broker's acknowledgement: (partition, offset)."""
    from hub.connectors.sink import KafkaSink, OutMessage
    from hub.kafka_security import security_of

    sink = KafkaSink(
        settings.bootstrap(),
        client_id="hub-alerts-cli",
        request_timeout_s=settings.acks_produce_timeout_s,
        metadata_max_age_s=settings.kafka_metadata_max_age_s,
        security=security_of(settings),
    )
    try:
        [result] = sink.produce([OutMessage(topic, key, value, [])], settings.acks_produce_timeout_s)
    finally:
        sink.close()
    if isinstance(result, BrokerError):
        raise result
    return result.partition, result.offset


def _ack_message(args: argparse.Namespace) -> AckMessage | str:
    """The action the arguments ask for, or what is wrong with them."""
    try:
        by = args.by or getpass.getuser()
    except (OSError, KeyError):
        return "no login name to act as: give --by NAME"
    try:
        return AckMessage(
            alert_id=args.alert_id,
            by=by,
            at=datetime.now(UTC).astimezone(LOCAL_TIME),
            revision=args.revision,
            action="resolve" if args.resolve else "acknowledge",
            note=args.note,
        )
    except ValidationError as exc:
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())


def _cmd_ack(settings: Settings, args: argparse.Namespace) -> int:
    domain = domain_of(args.alert_id)
    if domain is None:
        return _fail(_not_an_id(args.alert_id))
    ack = _ack_message(args)
    if isinstance(ack, str):
        return _fail(ack)
    latest, revisions, _ = asyncio.run(_read(settings, domain, args.alert_id))
    expected = qualified(settings.topic_prefix, f"alerts.{domain}")
    problem = ack_problem(args.alert_id, latest, revisions, args.revision, expected, default_gtfs().stops)
    if problem is not None:
        return _fail(problem)
    topic = qualified(settings.topic_prefix, acks_topic(domain))
    value = ack.model_dump_json(exclude_defaults=True).encode()
    partition, offset = _produce(settings, topic, ack.alert_id.encode(), value)
    print(f"{ack.action} of {ack.alert_id} r{ack.revision} by {ack.by}: on {topic}@{partition}:{offset}")
    return 0


_COMMANDS: Mapping[str, Callable[[Settings, argparse.Namespace], int]] = {
    "tail": _cmd_tail,
    "show": _cmd_show,
    "ack": _cmd_ack,
}


def run(settings: Settings, args: argparse.Namespace) -> int:
    """``hub alerts <args.alerts>``: 0 done, 1 refused (an unknown alert, a stale revision; the reason on stderr);
    a database or broker failure is a ``HubError`` (exit 2)."""
    try:
        return _COMMANDS[args.alerts](settings, args)
    except psycopg.Error as exc:
        raise StoreError(f"the alert store: {exc}") from exc
