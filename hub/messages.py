"""What the stages read and write: ``Message``, the shape of a consumed Kafka record (faust's, aiokafka's and
kafka-python's records all have it), and ``OutRecord``, one record a stage produces."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

from hub.errors import DeadLetterReason

Headers = Sequence[tuple[str, bytes]]


class Message(Protocol):
    """A consumed record: where it was read, its key and value (None for a tombstone)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...


class OutRecord(NamedTuple):
    """One record a stage produces: topic (declared name, without the deployment's prefix), key, value, headers;
    ``dead_letter_code`` is set on a dead letter, which is counted once the broker has it. (A named tuple: a stage
    makes one per output, and a tuple is made in a fifth of a frozen dataclass's time.)"""

    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]] | None = None
    dead_letter_code: DeadLetterReason | None = None
