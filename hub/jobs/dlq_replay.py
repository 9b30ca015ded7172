"""``hub dlq replay``: send dead letters back to the topic they were read from, once their cause is fixed (a
format package installed, a policy corrected, the database's refusal resolved).

A dead letter keeps the original key, bytes and headers beside its ``hub_dlq_*`` headers (``hub.deadletter``), so
the record sent back is the record that failed, with one header more, ``hub_replayed_from``
(``<dlq topic>@<partition>:<offset>``), to trace it. Only records read from a stage's input topics go back (``raw.*``,
``canon.*``, ``alerts.*``, ``acks.*`` of this deployment): a connector's dead letter is a document or line from the
source, not a Kafka record, and is read again through the connector; a letter naming any other topic is skipped.

Sending the same letters twice sends their records twice: the stages after the first absorb duplicates (event ids
are derived from the record, the sink and the stores keep each once). A record that fails again becomes a new dead
letter; select by ``--code`` and ``--since`` so a second replay does not take the first one's letters again.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime

from hub.deadletter import HEADER_PREFIX, original_headers, parse_headers
from hub.kafka_read import Record

__all__ = ["REPLAYABLE_FAMILIES", "REPLAYED_FROM_HEADER", "Replay", "ReplayPlan", "plan_replay"]

#: The header a re-sent record carries: where its dead letter was (``<dlq topic>@<partition>:<offset>``).
REPLAYED_FROM_HEADER = "hub_replayed_from"
#: The declared topic families a stage reads; only records read from one of these are sent back.
REPLAYABLE_FAMILIES = ("raw.", "canon.", "alerts.", "acks.")


@dataclass(frozen=True)
class Replay:
    """One record to send back: to ``topic`` (its name on the cluster), with the original key, value and headers."""

    letter: Record
    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


@dataclass(frozen=True)
class ReplayPlan:
    """What a replay sends, and what it leaves with the reason (letter, why)."""

    send: list[Replay]
    skipped: list[tuple[Record, str]]


def plan_replay(
    letters: Iterable[Record],
    prefix: str,
    codes: Collection[str] = (),
    since: datetime | None = None,
) -> ReplayPlan:
    """The records of ``letters`` to send back: those with one of ``codes`` (any when empty) that failed at or after
    ``since``, read from an input topic of this deployment (``prefix``). Pure: reads nothing, sends nothing."""
    send: list[Replay] = []
    skipped: list[tuple[Record, str]] = []
    for letter in letters:
        meta = parse_headers(letter.headers)
        code, origin = meta.get("code", ""), meta.get("topic", "")
        if codes and code not in codes:
            continue  # not asked for: neither sent nor reported
        if since is not None:
            failed_at = _time(meta.get("failed_at"))
            if failed_at is None or failed_at < since:
                continue
        problem = _origin_problem(origin, prefix, meta.get("stage", ""))
        if problem is not None:
            skipped.append((letter, problem))
            continue
        headers = original_headers(letter)
        headers.append((REPLAYED_FROM_HEADER, f"{letter.topic}@{letter.partition}:{letter.offset}".encode()))
        send.append(Replay(letter, origin, letter.key, letter.value, headers))
    return ReplayPlan(send, skipped)


def _origin_problem(origin: str, prefix: str, stage: str) -> str | None:
    """Why a letter read from ``origin`` cannot go back there (None when it can)."""
    if stage == "connectors":
        return "a connector's dead letter is source input, not a Kafka record: read it again through the connector"
    if not origin:
        return f"no {HEADER_PREFIX}topic header: where it was read is unknown"
    declared = origin.removeprefix(prefix) if origin.startswith(prefix) else None
    if declared is None or not declared.startswith(REPLAYABLE_FAMILIES):
        return f"read from {origin}, not an input topic of this deployment (prefix {prefix!r})"
    return None


def _time(text: str | None) -> datetime | None:
    try:
        return datetime.fromisoformat(text) if text else None
    except ValueError:
        return None
