"""File-replay connector: each line of an NDJSON file becomes one record on ``raw.replay.ndjson``.

Lines are produced unchanged (the normaliser judges them); only lines over the size limit are dead-lettered here,
since no broker should carry them. The key is the record's ``id`` when the line is a JSON object that has one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import structlog
from kafka import KafkaProducer
from kafka.errors import KafkaError

from hub.config import Settings
from hub.deadletter import Origin, dead_letter
from hub.errors import BrokerError, ConfigError
from hub.formats.jsondoc import MAX_RECORD_BYTES
from hub.formats.replay import record_id_of
from hub.topology import dlq_topic, qualified, raw_topic

log = structlog.get_logger(__name__)

CONNECTOR = "replay"


@dataclass
class ReplayStats:
    """What one replay did."""

    lines: int = 0
    produced: int = 0
    blank: int = 0
    dead_lettered: int = 0


def _key(line: bytes) -> bytes | None:
    ident = record_id_of(line)
    return ident.encode("utf-8") if ident is not None else None


def read_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, bytes without the newline) for every line of ``path``."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise ConfigError(f"cannot read replay file {path}: {exc.strerror}") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            yield number, line.rstrip(b"\r\n")


def make_producer(bootstrap: str) -> KafkaProducer:
    try:
        return KafkaProducer(
            bootstrap_servers=bootstrap,
            client_id=f"hub-connector-{CONNECTOR}",
            acks="all",
            linger_ms=5,
            # Above MAX_RECORD_BYTES lines are dead-lettered as a reference, never sent whole.
            max_request_size=MAX_RECORD_BYTES + 65536,
        )
    except KafkaError as exc:
        raise BrokerError(f"cannot reach Kafka at {bootstrap}: {exc}") from exc


def replay_file(
    path: Path,
    producer: KafkaProducer,
    raw_topic: str,
    dlq_topic: str,
    progress: Callable[[ReplayStats], None] | None = None,
    progress_every: int = 1000,
) -> ReplayStats:
    """Produce every non-blank line of ``path`` to ``raw_topic``; wait until the broker has them all."""
    stats = ReplayStats()
    futures: list[Any] = []
    try:
        for number, line in read_lines(path):
            stats.lines += 1
            if not line.strip():
                stats.blank += 1
                continue
            if len(line) > MAX_RECORD_BYTES:
                letter = dead_letter(
                    "connectors",
                    "too_large",
                    f"line is {len(line)} bytes, limit is {MAX_RECORD_BYTES}; first 1 KiB kept",
                    Origin(f"file:{path}", 0, number),
                    None,
                    line[:1024],
                )
                futures.append(producer.send(dlq_topic, value=letter.value, headers=letter.headers()))
                stats.dead_lettered += 1
                continue
            headers = [
                ("hub_connector", CONNECTOR.encode()),
                ("hub_origin", f"{path.name}:{number}".encode()),
            ]
            futures.append(producer.send(raw_topic, key=_key(line), value=line, headers=headers))
            stats.produced += 1
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
    )
    return stats


def replay(settings: Settings, path: Path, progress: Callable[[ReplayStats], None] | None = None) -> ReplayStats:
    """Replay ``path`` to the configured cluster's ``raw.replay.ndjson`` (dead letters to ``dlq.connectors``)."""
    producer = make_producer(settings.bootstrap())
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
