"""A consumed Kafka record for unit tests of stage shells and handlers, without a broker."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class FakeMessage:
    """A consumed record as faust hands it over (the fields the shell reads)."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: Sequence[tuple[str, bytes]] = ()
