"""Where the runner's records go: the Kafka cluster (``KafkaSink``) or memory (``MemorySink``, for tests and
the conformance helper). Both produce with per-record results and read back an instance's own records for
recovery. Calls block; the runner runs them in a thread. The messages and the ``Sink`` protocol are in
``hub.connectors.records`` (no Kafka client there) and re-exported here.
"""

from __future__ import annotations

import contextlib
import time
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from kafka.errors import KafkaError

from hub.connectors.checkpoint import record_digest
from hub.connectors.records import (
    H_CONNECTOR,
    H_RECORD_ID,
    H_RECORD_VERSION,
    MAX_VALUE_BYTES,
    Ack,
    OutMessage,
    Recovered,
    Sink,
    header,
)
from hub.errors import BrokerError
from hub.kafka_produce import METADATA_MAX_AGE_S, make_producer
from hub.kafka_read import open_topic
from hub.kafka_security import KafkaSecurity, installed

# Ack, OutMessage and Sink are re-exported: hub.acks_http produces through this module's sinks with them.
__all__ = ["Ack", "KafkaSink", "MemorySink", "OutMessage", "Recovered", "Sink", "Stored"]


class KafkaSink:
    """kafka-python producer (acks=all) and a reader for recovery, against one cluster, both connecting with
    ``security`` (default: the process's, ``hub.kafka_security``)."""

    def __init__(
        self,
        bootstrap: str,
        client_id: str = "hub-connectors",
        request_timeout_s: float = 15.0,
        metadata_max_age_s: float = METADATA_MAX_AGE_S,
        security: KafkaSecurity | None = None,
    ) -> None:
        self.bootstrap = bootstrap
        self.request_timeout_s = request_timeout_s
        self.security = security or installed()
        self._producer = make_producer(
            bootstrap,
            client_id,
            metadata_max_age_s=metadata_max_age_s,
            security=self.security,
            # The embedded broker has no idempotent producer; delivery is at-least-once by design.
            enable_idempotence=False,
            linger_ms=5,
            max_request_size=MAX_VALUE_BYTES + 65536,
            request_timeout_ms=int(request_timeout_s * 1000),
            max_block_ms=int(request_timeout_s * 1000),
            delivery_timeout_ms=int(request_timeout_s * 2000),
            bootstrap_timeout_ms=int(request_timeout_s * 1000),
        )

    def produce(self, messages: Sequence[OutMessage], timeout_s: float) -> list[Ack | BrokerError]:
        futures: list[Any] = []
        for m in messages:
            try:
                futures.append(self._producer.send(m.topic, key=m.key, value=m.value, headers=m.headers))
            except BrokerError as exc:  # the topic does not exist (MissingTopicError) or could not be checked
                futures.append(exc)
            except KafkaError as exc:
                futures.append(BrokerError(f"producing to {m.topic} failed: {exc}"))
        # A failed flush is not final: each future below says which records made it.
        with contextlib.suppress(KafkaError):
            self._producer.flush(timeout=timeout_s)
        results: list[Ack | BrokerError] = []
        deadline = time.monotonic() + timeout_s
        for future in futures:
            if isinstance(future, BrokerError):
                results.append(future)
                continue
            try:
                meta = future.get(timeout=max(0.01, deadline - time.monotonic()))
                results.append(Ack(meta.partition, meta.offset))
            except KafkaError as exc:
                results.append(BrokerError(f"the broker did not acknowledge: {exc}"))
        return results

    def recover(
        self,
        topic: str,
        connector: str,
        offsets: Mapping[int, int],
        idle_s: float = 1.0,
        timeout_s: float = 120.0,
        clock_margin_s: float = 10.0,
    ) -> list[Recovered]:
        # Records created after this call started cannot be this instance's (it has not produced yet): once a
        # partition shows one, it is done (with a margin for clocks of other hosts that ran the instance before).
        # Otherwise read until idle, never trusting end offsets (the embedded broker reports wrong ones).
        cutoff_ms = int((time.time() + clock_margin_s) * 1000)
        consumer, tps = open_topic(self.bootstrap, topic, offsets, self.request_timeout_s, security=self.security)
        try:
            found: list[Recovered] = []
            open_parts = set(tps)
            deadline = time.monotonic() + timeout_s
            last_arrival = time.monotonic()
            while open_parts and time.monotonic() - last_arrival < idle_s:
                if time.monotonic() > deadline:
                    raise BrokerError(f"recovery of {connector} from {topic} did not finish in {timeout_s:.0f} s")
                for tp, batch in consumer.poll(timeout_ms=100).items():
                    last_arrival = time.monotonic()
                    for m in batch:
                        if m.timestamp >= cutoff_ms:
                            open_parts.discard(tp.partition)
                            consumer.pause(tp)
                            break
                        if header(m.headers, H_CONNECTOR) != connector:
                            continue
                        record_id = header(m.headers, H_RECORD_ID)
                        if record_id is not None:
                            version = header(m.headers, H_RECORD_VERSION) or ""
                            digest = record_digest(m.value or b"")
                            found.append(Recovered(m.partition, m.offset, record_id, version, digest))
            return found
        except KafkaError as exc:
            raise BrokerError(f"reading {topic} for recovery failed: {exc}") from exc
        finally:
            consumer.close()

    def close(self) -> None:
        # Closing after a broker failure: nothing is left to deliver that a restart would not redo.
        with contextlib.suppress(KafkaError):
            self._producer.close(timeout=self.request_timeout_s)


@dataclass
class Stored:
    """A record in a ``MemorySink``."""

    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]


@dataclass
class MemorySink:
    """An in-memory broker: topics of ``partitions`` partitions, keys hashed like a stable partitioner.

    ``fail_next`` makes that many of the next produced records fail (a broker outage), for retry tests.
    """

    partitions: int = 3
    fail_next: int = 0
    records: list[Stored] = field(default_factory=list)
    closed: int = 0

    def produce(self, messages: Sequence[OutMessage], timeout_s: float) -> list[Ack | BrokerError]:
        results: list[Ack | BrokerError] = []
        for m in messages:
            if self.fail_next > 0:
                self.fail_next -= 1
                results.append(BrokerError("simulated broker outage"))
                continue
            partition = zlib.crc32(m.key or b"") % self.partitions
            offset = sum(1 for r in self.records if r.topic == m.topic and r.partition == partition)
            self.records.append(Stored(m.topic, partition, offset, m.key, m.value, list(m.headers)))
            results.append(Ack(partition, offset))
        return results

    def recover(self, topic: str, connector: str, offsets: Mapping[int, int]) -> list[Recovered]:
        return [
            Recovered(
                r.partition,
                r.offset,
                header(r.headers, H_RECORD_ID) or "",
                header(r.headers, H_RECORD_VERSION) or "",
                record_digest(r.value),
            )
            for r in self.records
            if r.topic == topic
            and r.offset >= offsets.get(r.partition, 0)
            and header(r.headers, H_CONNECTOR) == connector
            and header(r.headers, H_RECORD_ID) is not None
        ]

    def on(self, topic: str) -> list[Stored]:
        """The records of ``topic`` in the order they were produced."""
        return [r for r in self.records if r.topic == topic]

    def close(self) -> None:
        self.closed += 1
