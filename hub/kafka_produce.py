"""The one way the hub makes a kafka-python producer (``make_producer``): it never lets the broker create a topic.

Topics are declared in ``hub.topology`` and created by ``hub topics apply``; a topic the broker creates on first use
gets the broker's default partition count and configs (after an empty broker restart the raw topic came back with 4
partitions instead of 3, and ``hub topics apply`` then refused to run). So a send to a topic the cluster does not
have raises ``MissingTopicError`` at once, naming the topic and the command that creates it, instead of creating it
or blocking for ``max_block_ms`` and then failing with "Failed to update metadata".

The producer refreshes its view of the cluster every ``metadata_max_age_s`` (``HUB_KAFKA_METADATA_MAX_AGE_S``,
30 s; kafka-python's default is 5 minutes): the embedded broker acknowledges records sent to a topic it no longer
has (after an empty restart, or a topic deleted) and keeps none of them, so a producer that went on trusting its old
view lost what it sent. Once the view shows the topic gone, a send fails with ``MissingTopicError`` instead. (Each
refresh is a metadata request; the embedded broker answers it with every topic it has, so not much more often.)
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from typing import Any

from kafka import KafkaProducer
from kafka.errors import KafkaError, KafkaTimeoutError

from hub.errors import BrokerError, MissingTopicError
from hub.kafka_admin import absent_topics
from hub.kafka_security import KafkaSecurity, auth_failure_text, installed, verify_connection

__all__ = ["METADATA_MAX_AGE_S", "HubProducer", "make_producer"]

METADATA_MAX_AGE_S = 30.0
"""The default of ``HUB_KAFKA_METADATA_MAX_AGE_S``."""


class HubProducer(KafkaProducer):  # type: ignore[misc]  # kafka-python is untyped
    """kafka-python's producer with topic auto-creation off and a send to a missing topic refused at once.

    Whether a topic exists is asked on its first send (an admin request), and again when the producer's view of the
    cluster no longer has it or a send timed out waiting for it.
    """

    def __init__(self, bootstrap: str, *, security: KafkaSecurity | None = None, **configs: Any) -> None:
        self.security = security or installed()
        super().__init__(
            bootstrap_servers=bootstrap, allow_auto_create_topics=False, **self.security.kafka_python(), **configs
        )
        # kafka-python 3.0 (seen in 3.0.12) keeps the setting in the producer's config but builds the cluster
        # metadata its requests come from without it, so every metadata request asked the broker to create the
        # topic (and Tansu does). Set it where the request is built; on kafka-python 2 this is already so.
        metadata_config = getattr(getattr(self, "_metadata", None), "config", None)
        if isinstance(metadata_config, dict):
            metadata_config["allow_auto_create_topics"] = False
        self.bootstrap = bootstrap
        self._present: set[str] = set()
        self._sent: set[str] = set()
        self._lock = threading.Lock()

    def send(
        self,
        topic: str,
        value: bytes | None = None,
        key: bytes | None = None,
        headers: list[tuple[str, bytes]] | None = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
    ) -> Any:
        """kafka-python's ``send``; ``MissingTopicError`` when ``topic`` does not exist on the cluster."""
        if topic not in self._present or self._vanished(topic):
            self._present.discard(topic)
            self.require(topic)
        try:
            sent = super().send(topic, value, key, headers, partition, timestamp_ms)
        except KafkaTimeoutError:
            # Waited max_block_ms for the topic's partitions: say so if the topic is gone.
            self._present.discard(topic)
            self.require(topic)
            raise
        self._sent.add(topic)
        return sent

    def send_confirmed(
        self, records: Iterable[tuple[str, bytes | None, bytes, list[tuple[str, bytes]] | None]], timeout_s: float = 30
    ) -> int:
        """Send ``records`` (topic, key, value, headers) and return once the broker confirmed every one (how many);
        kafka-python's ``KafkaError`` when one is not."""
        futures = [self.send(topic, value, key, headers) for topic, key, value, headers in records]
        self.flush()
        for future in futures:
            future.get(timeout=timeout_s)
        return len(futures)

    def _vanished(self, topic: str) -> bool:
        """Whether the producer's view of the cluster lost ``topic`` since it sent to it."""
        if topic not in self._sent:
            return False
        partitions_for = getattr(getattr(self, "_metadata", None), "partitions_for_topic", None)
        return partitions_for is not None and partitions_for(topic) is None

    def require(self, *topics: str) -> None:
        """Check that ``topics`` exist (once per topic); ``MissingTopicError`` naming those that do not."""
        missing = absent_topics(self.bootstrap, [t for t in topics if t not in self._present], security=self.security)
        if missing:
            raise MissingTopicError(missing, self.bootstrap)
        with self._lock:
            self._present.update(topics)


def make_producer(
    bootstrap: str,
    client_id: str,
    *,
    metadata_max_age_s: float = METADATA_MAX_AGE_S,
    security: KafkaSecurity | None = None,
    **configs: Any,
) -> HubProducer:
    """A ``HubProducer`` for ``bootstrap`` named ``client_id``, connecting with ``security`` (default: the
    process's, ``hub.kafka_security``) and refreshing its metadata every ``metadata_max_age_s`` (kafka-python
    ``configs`` on top; ``acks`` is "all" unless given); ``BrokerError`` when the cluster cannot be reached or
    refuses the login."""
    security = security or installed()
    verify_connection(bootstrap, security)
    configs.setdefault("acks", "all")
    configs["metadata_max_age_ms"] = round(metadata_max_age_s * 1000)
    try:
        return HubProducer(bootstrap, client_id=client_id, security=security, **configs)
    except KafkaError as exc:
        problem = auth_failure_text(bootstrap, security, exc) or f"cannot reach Kafka at {bootstrap}: {exc}"
        raise BrokerError(problem) from exc
