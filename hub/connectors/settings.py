"""What a connector instance is made of besides its connector: frozen ``InstanceSettings`` (name, options, format,
topics, limits) and ``InstanceDeps``, the collaborators it works through (sink, checkpoint store, metrics, clock,
sleep, backoff). The runner builds them from the configuration; the conformance helper from in-memory doubles.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime

from hub.connectors.base import ConnectorOptions
from hub.connectors.checkpoint import DEFAULT_MAX_SEEN_IDS, CheckpointStore
from hub.connectors.metrics import ConnectorMetrics
from hub.connectors.records import Sink
from hub.formats.base import Format
from hub.retry import Backoff


@dataclass(frozen=True)
class InstanceSettings:
    """One instance's identity and limits: ``topic`` and ``dlq_topic`` are the prefixed topic names."""

    name: str
    options: ConnectorOptions
    format: Format
    topic: str
    dlq_topic: str
    #: The ``hub_format_settings`` header every raw record of the instance carries (None: the format's defaults).
    format_settings: bytes | None = None
    max_seen_ids: int = DEFAULT_MAX_SEEN_IDS
    produce_timeout_s: float = 30.0
    poll_timeout_s: float = 300.0


@dataclass(frozen=True)
class InstanceDeps:
    """The collaborators of an instance. ``sleep`` replaces the stop-aware wait (a fake clock's); ``backoff``
    makes a fresh ``Backoff`` for each retry loop."""

    sink: Sink
    store: CheckpointStore
    metrics: ConnectorMetrics
    clock: Callable[[], datetime]
    sleep: Callable[[float], Awaitable[object]] | None = None
    backoff: Callable[[], Backoff] = Backoff
