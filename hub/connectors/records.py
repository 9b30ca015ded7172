"""What the runner produces, without a Kafka client: ``OutMessage`` and its ``hub_*`` headers, the broker's
``Ack``, the ``Sink`` protocol that produces them, and the records recovery finds. The pure cutting imports this,
``hub.connectors.sink`` has the sinks (Kafka, memory).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from hub.errors import BrokerError
from hub.formats.jsondoc import MAX_RECORD_BYTES

#: Headers the runner puts on every raw record (values are UTF-8).
H_CONNECTOR = "hub_connector"
H_RECORD_ID = "hub_record_id"
H_RECORD_VERSION = "hub_record_version"
H_CONTENT_TYPE = "hub_content_type"
H_RECEIVED_AT = "hub_received_at"
H_ORIGIN = "hub_origin"

#: Largest value the runner sends; bigger records are dead-lettered (first KiB kept) instead.
MAX_VALUE_BYTES = MAX_RECORD_BYTES


@dataclass(frozen=True)
class OutMessage:
    """One record to produce: prefixed topic, key, value, headers."""

    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


@dataclass(frozen=True)
class Ack:
    """Where the broker stored a record."""

    partition: int
    offset: int


@dataclass(frozen=True)
class Recovered:
    """A record of the instance found on its raw topic during recovery."""

    partition: int
    offset: int
    record_id: str
    version: str
    #: ``hub.connectors.checkpoint.record_digest`` of its value ("" when the sink cannot read it).
    digest: str = ""


class Sink(Protocol):
    """Produces records and reads an instance's own records back."""

    def produce(self, messages: Sequence[OutMessage], timeout_s: float) -> list[Ack | BrokerError]:
        """Send all, wait for the broker; one result per message, in order (an error for each one not stored)."""
        ...

    def recover(self, topic: str, connector: str, offsets: Mapping[int, int]) -> list[Recovered]:
        """Records on ``topic`` whose ``hub_connector`` header is ``connector``, from ``offsets`` on (partitions
        not in ``offsets`` from their beginning)."""
        ...

    def close(self) -> None: ...


def header(headers: Sequence[tuple[str, bytes]] | None, name: str) -> str | None:
    for key, value in headers or ():
        if key == name:
            return value.decode("utf-8", "replace")
    return None
