"""Dead-letter records: the original bytes as the value, the reason and the origin in headers.

This is the Kafka Connect convention: the record can be re-read or replayed byte for byte (its own headers are kept
beside the ``hub_dlq_*`` ones), and tools that show headers show why it failed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from hub.errors import DeadLetterReason

HEADER_PREFIX = "hub_dlq_"


@dataclass(frozen=True)
class Origin:
    """Where a record was read: topic, partition and offset (or a file and line for connectors)."""

    topic: str
    partition: int
    offset: int


@dataclass(frozen=True)
class DeadLetter:
    """One record that a stage gave up on."""

    stage: str
    code: DeadLetterReason
    reason: str
    origin: Origin
    key: bytes | None
    value: bytes
    failed_at: datetime

    def headers(self) -> list[tuple[str, bytes]]:
        fields = {
            "stage": self.stage,
            "code": self.code,
            "reason": self.reason,
            "topic": self.origin.topic,
            "partition": str(self.origin.partition),
            "offset": str(self.origin.offset),
            "failed_at": self.failed_at.isoformat(),
        }
        return [(HEADER_PREFIX + k, v.encode("utf-8")) for k, v in fields.items()]


def dead_letter(
    stage: str,
    code: DeadLetterReason,
    reason: str,
    origin: Origin,
    key: bytes | None,
    value: bytes,
    now: datetime | None = None,
) -> DeadLetter:
    # Reasons can quote input; keep header size bounded whatever the input was.
    return DeadLetter(stage, code, reason[:2000], origin, key, value, now or datetime.now(UTC))


def original_headers(message: object) -> list[tuple[str, bytes]]:
    """The headers a consumed record came with (a list of pairs as aiokafka and kafka-python give them, or a mapping
    as faust may), without ``hub_dlq_*`` ones: a dead letter keeps them beside its own, as Kafka Connect's dead-letter
    queue does, so a record re-sent from it reads as the original did (``hub_format_settings``, say)."""
    headers = getattr(message, "headers", None) or ()
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return [(str(k), bytes(v or b"")) for k, v in pairs if not str(k).startswith(HEADER_PREFIX)]


def parse_headers(headers: list[tuple[str, bytes]] | None) -> dict[str, str]:
    """The ``hub_dlq_*`` headers of a dead-letter record as a plain dict (for the CLI and tests)."""
    return {
        k.removeprefix(HEADER_PREFIX): v.decode("utf-8", "replace")
        for k, v in (headers or [])
        if k.startswith(HEADER_PREFIX)
    }
