"""File-replay connector: each line of an NDJSON file becomes one record on ``raw.replay.ndjson``.

Lines are produced unchanged (the normaliser judges them, and dead-letters those it cannot map with the reason),
cut by the replay format, so the key is the record's ``id`` when the line is a JSON object that has one. A line no
broker should carry (over the size limit) or the format refuses is dead-lettered here, with its reason and line
number, and the replay goes on with the next line: one bad line never costs the rest of the file.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import structlog
from kafka.errors import KafkaError

from hub.config import Settings
from hub.connectors.records import H_CONNECTOR, H_ORIGIN, OutMessage
from hub.deadletter import Origin, dead_letter
from hub.errors import BrokerError, ConfigError, DeadLetterReason, InvalidEventError
from hub.formats.jsondoc import MAX_RECORD_BYTES
from hub.formats.replay import ReplayFormat
from hub.kafka_produce import HubProducer, make_producer
from hub.kafka_security import KafkaSecurity, security_of
from hub.topology import dlq_topic, qualified, raw_topic

log = structlog.get_logger(__name__)

CONNECTOR = "replay"
STAGE = "connectors"
#: A dead letter of an oversized line keeps its first KiB; the reason says so.
_KEEP_BYTES = 1024
_FORMAT = ReplayFormat()


@dataclass
class ReplayStats:
    """What one replay did; ``reasons`` counts the dead letters made here by reason code."""

    lines: int = 0
    produced: int = 0
    blank: int = 0
    dead_lettered: int = 0
    reasons: Counter[DeadLetterReason] = field(default_factory=Counter)

    def summary(self, dlq: str) -> str:
        """One line for the command: how many lines went where, and why any were dead-lettered here."""
        why = ", ".join(f"{code} {n}" for code, n in sorted(self.reasons.items()))
        letters = f"{self.dead_lettered} dead-lettered to {dlq}" + (f" ({why})" if why else "")
        return f"{self.lines} lines: {self.produced} produced, {self.blank} blank, {letters}"

    def count(self, code: DeadLetterReason | None) -> None:
        """One message sent: a record produced (``code`` None), or a dead letter made here."""
        if code is None:
            self.produced += 1
        else:
            self.dead_lettered += 1
            self.reasons[code] += 1


def _shown(path: Path | str) -> str:
    """``path`` as text for headers: a file name that is not UTF-8 must not stop the replay."""
    return str(path).encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def line_messages(
    path: Path, number: int, line: bytes, raw: str, dlq: str
) -> list[tuple[OutMessage, DeadLetterReason | None]]:
    """The messages for non-blank line ``number`` of ``path``, each with the reason code if it is a dead letter: its
    record on ``raw`` (more than one only for a line the format cuts at a lone CR), or a dead letter on ``dlq``
    naming the line."""
    try:
        if len(line) > MAX_RECORD_BYTES:
            raise InvalidEventError(
                f"line is {len(line)} bytes, limit is {MAX_RECORD_BYTES}; first {_KEEP_BYTES} bytes kept", "too_large"
            )
        records = _FORMAT.split(line)
    except InvalidEventError as exc:
        origin = Origin(f"file:{_shown(path)}", 0, number)
        letter = dead_letter(STAGE, exc.code, exc.reason, origin, None, line[:_KEEP_BYTES])
        return [(OutMessage(dlq, None, letter.value, letter.headers()), exc.code)]
    headers = [(H_CONNECTOR, CONNECTOR.encode()), (H_ORIGIN, f"{_shown(path.name)}:{number}".encode())]
    return [(OutMessage(raw, record.key or None, record.value, headers), None) for record in records]


def read_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes without the newline) for every line of ``path``."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ConfigError(f"cannot read replay file {path}: {exc.strerror}") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            yield number, line.rstrip(b"\r\n")


def replay_producer(bootstrap: str, security: KafkaSecurity | None = None) -> HubProducer:
    """The replay's producer, connecting with ``security`` (default: the process's); ``BrokerError`` when the
    cluster cannot be reached."""
    # Above MAX_RECORD_BYTES lines are dead-lettered as a reference, never sent whole.
    return make_producer(
        bootstrap,
        f"hub-connector-{CONNECTOR}",
        security=security,
        linger_ms=5,
        max_request_size=MAX_RECORD_BYTES + 65536,
    )


def replay_file(
    path: Path,
    producer: HubProducer,
    raw_topic: str,
    dlq_topic: str,
    progress: Callable[[ReplayStats], None] | None = None,
    progress_every: int = 1000,
) -> ReplayStats:
    """Produce every non-blank line of ``path`` to ``raw_topic``; wait until the broker has them all.
    ``MissingTopicError`` before the first line when either topic does not exist."""
    producer.require(raw_topic, dlq_topic)
    stats = ReplayStats()
    futures: list[Any] = []
    try:
        for number, line in read_lines(path):
            stats.lines += 1
            if not line.strip():
                stats.blank += 1
                continue
            for message, code in line_messages(path, number, line, raw_topic, dlq_topic):
                futures.append(producer.send(message.topic, message.value, message.key, message.headers))
                stats.count(code)
            if progress and stats.lines % progress_every == 0:
                progress(stats)
        producer.flush()
        for future in futures:
            future.get(timeout=30)
    except KafkaError as exc:
        raise BrokerError(f"producing to {raw_topic} failed: {exc}") from exc
    log.info(
        "replay done",
        file=str(path),
        lines=stats.lines,
        produced=stats.produced,
        dead_lettered=stats.dead_lettered,
        reasons=dict(stats.reasons),
    )
    return stats


def replay(settings: Settings, path: Path, progress: Callable[[ReplayStats], None] | None = None) -> ReplayStats:
    """Replay ``path`` to the configured cluster's ``raw.replay.ndjson`` (dead letters to ``dlq.connectors``)."""
    producer = replay_producer(settings.bootstrap(), security_of(settings))
    try:
        return replay_file(
            path,
            producer,
            qualified(settings.topic_prefix, raw_topic("replay", "ndjson")),
            qualified(settings.topic_prefix, dlq_topic("connectors")),
            progress=progress,
        )
    finally:
        producer.close()
