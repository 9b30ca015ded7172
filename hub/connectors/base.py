"""The connector contract: what a connector type implements, and what the runner guarantees it in return.

A connector never touches Kafka. It fetches or receives *documents* (or cuts ``SourceRecord``s itself) and says
where it stands (its state); the runner (``hub.connectors.runner``) cuts, de-duplicates, produces and checkpoints.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel, ConfigDict, Field, PositiveFloat

# Re-exported: a connector package imports its whole contract from this module.
from hub.errors import ConnectorError as ConnectorError
from hub.errors import DeadLetterReason
from hub.errors import PushRejected as PushRejected
from hub.formats.base import Format, SourceRecord

#: A connector's resume position: a JSON object (str keys; str, number, bool, null, list and object values).
State = dict[str, Any]


class ConnectorOptions(BaseModel):
    """Options every connector instance has; each type subclasses this with its own keys.

    Frozen and ``extra="forbid"``: a misspelt key is an error that ``hub connectors validate`` names.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    type: str = Field(description="the connector type, e.g. 'http-poll'")
    format: str = Field(description="the format its documents are in, e.g. 'gtfsrt-vehicle-positions'")
    stale_after_s: PositiveFloat | None = Field(
        default=None,
        description="warn and set the stale gauge when the newest source time seen is older than this",
    )


OptionsT = TypeVar("OptionsT", bound=ConnectorOptions)


@dataclass(frozen=True)
class ConnectorContext:
    """What the runner gives every connector: its instance name, its format and the clock to use.

    Use ``clock()`` instead of ``datetime.now()`` so the conformance helper can run the connector on a fake clock.
    """

    name: str
    format: Format
    clock: Callable[[], datetime]


@dataclass(frozen=True)
class Document:
    """One document as it arrived: the bytes, their content type and where they came from.

    ``origin`` must not carry secrets (strip API keys from URLs); it goes into headers and dead letters.
    ``source_time`` is when the source made it, if the connector knows (otherwise the runner asks the format's
    ``feed_timestamp`` when it has one); it feeds the lag and stale metrics.
    """

    body: bytes
    content_type: str | None
    origin: str
    source_time: datetime | None = None


@dataclass(frozen=True)
class RefusedDocument:
    """A document, or a part of one, that the connector itself found unusable (a linked alert that is not CAP, a
    calendar entry it cannot expand): the runner dead-letters ``body`` on ``dlq.connectors`` with ``reason`` and
    ``code``, counts it in ``hub_connector_errors_total{reason=code}``, and goes on with the other items. A push
    answered with one is a 422, like a document the format refuses. ``origin`` as for ``Document`` (default: the
    batch's)."""

    body: bytes
    reason: str
    code: DeadLetterReason = "schema_violation"
    origin: str = ""


#: What a poll or a push yields: documents the runner cuts with the instance's format, records cut already, or
#: documents the connector refuses itself.
Item = Document | SourceRecord | RefusedDocument


@dataclass(frozen=True)
class PollResult:
    """What one ``poll`` returns.

    ``state`` is the resume position *after* ``items``: the runner commits it only once the broker has
    acknowledged every record of ``items``, and passes it to the next ``poll``. ``next_poll_in_s`` says when to
    poll again (0 = at once). ``finished`` ends a finite source (a file): the runner then closes the connector.
    ``not_modified`` marks a poll that found nothing new (HTTP 304), for the poll metrics. ``origin``,
    ``content_type`` and ``source_time`` describe bare ``SourceRecord`` items (documents carry their own).
    """

    items: Sequence[Item]
    state: State
    next_poll_in_s: float
    finished: bool = False
    not_modified: bool = False
    origin: str = ""
    content_type: str | None = None
    source_time: datetime | None = None


class PollingConnector(ABC, Generic[OptionsT]):
    """A source the runner polls: HTTP feeds, folders, files, databases.

    Life cycle, and what the runner guarantees:

    * ``__init__(options, context)`` does no I/O; ``setup()`` opens clients. An exception from ``setup`` stops
      start-up with a message naming the instance.
    * ``poll(state)`` is called with the last committed state (``{}`` the first time), never concurrently with
      itself, and never after ``close``. It returns quickly with what is there now (never waits for data: say
      when to come back with ``next_poll_in_s``). It raises ``ConnectorError`` for a transient failure; any
      other exception is counted as ``connector_error`` and retried the same way; neither ends the instance.
    * The runner cuts documents with the instance's format, drops records whose (record_id, version) it has
      already produced for this instance, produces the rest to the format's raw topic and commits ``state``
      only after the broker acknowledged them all. After a crash the connector is polled again from the last
      committed state, so it may re-read what it read before: the runner's de-duplication drops those records.
    * ``close()`` is called once on a clean shutdown (SIGINT/SIGTERM, or after ``finished``). It is **not**
      called on a crash. It must be idempotent: calling it twice does nothing the second time.

    ``gives_source_time``: set it to True when the type says when the source made its data (``Document.
    source_time`` or ``PollResult.source_time``); without it, or a format that reads the time from the document
    (``feed_timestamp``), an instance with ``stale_after_s`` refuses to start, since its stale check could never
    fire.
    """

    options_model: ClassVar[type[ConnectorOptions]]
    gives_source_time: ClassVar[bool] = False

    def __init__(self, options: OptionsT, context: ConnectorContext) -> None:
        self.options = options
        self.context = context

    @classmethod
    def format_problems(cls, options: OptionsT, fmt: object) -> list[str]:
        """Why ``options`` cannot work with the instance's format ``fmt`` (an empty list when they can): checked
        by ``hub connectors validate`` and again at start, so a combination that could never work is refused before
        anything runs. The default finds none."""
        return []

    async def setup(self) -> None:
        """Open clients or check local resources; the default does nothing."""

    @abstractmethod
    async def poll(self, state: State) -> PollResult:
        """Fetch what is new since ``state``."""

    async def close(self) -> None:
        """Release what ``setup`` opened; idempotent."""


@dataclass(frozen=True)
class HttpRoute:
    """One HTTP route a push connector serves on the runner's server (not a transit route: that is
    ``hub.network.gtfs_static.Route``)."""

    path: str
    methods: tuple[str, ...] = ("POST",)
    max_body_bytes: int = 1_048_576


@dataclass(frozen=True)
class PushRequest:
    """One HTTP request as the runner hands it to a push connector: the body is read whole, within the limit.

    ``headers`` has lower-case names.
    """

    path: str
    method: str
    headers: Mapping[str, str]
    body: bytes
    remote: str = ""

    @property
    def content_type(self) -> str | None:
        """The media type without parameters, lower case (``application/xml; charset=utf-8`` -> ``application/xml``)."""
        raw = self.headers.get("content-type")
        return raw.split(";", 1)[0].strip().lower() or None if raw else None


@dataclass(frozen=True)
class PushResult:
    """What a push connector made of one request."""

    items: Sequence[Item] = field(default_factory=tuple)
    origin: str = ""
    content_type: str | None = None
    source_time: datetime | None = None


class PushConnector(ABC, Generic[OptionsT]):
    """A source that sends to the hub: webhooks, SIRI subscriptions.

    The runner serves ``routes()`` on its one HTTP server, reads each body up to the route's limit (413 beyond),
    and calls ``receive``, concurrently for concurrent requests. ``receive`` checks credentials and content type
    (raise ``PushRejected``) and returns the documents or records. The runner then cuts documents with the
    format (422 and a dead letter when the body is unusable), de-duplicates by (record_id, version), produces,
    waits for the broker's acknowledgement and only then answers 202 with the count of records accepted (503
    when the broker does not acknowledge in time: the sender should retry). ``setup`` and ``close`` are as for
    ``PollingConnector``; ``close`` is not called on a crash. ``gives_source_time`` as for ``PollingConnector``
    (``PushResult.source_time``, ``Document.source_time``).
    """

    options_model: ClassVar[type[ConnectorOptions]]
    gives_source_time: ClassVar[bool] = False

    def __init__(self, options: OptionsT, context: ConnectorContext) -> None:
        self.options = options
        self.context = context

    @classmethod
    def format_problems(cls, options: OptionsT, fmt: object) -> list[str]:
        """Why ``options`` cannot work with the instance's format ``fmt`` (an empty list when they can): checked
        by ``hub connectors validate`` and again at start, so a combination that could never work is refused before
        anything runs. The default finds none."""
        return []

    async def setup(self) -> None:
        """Resolve secrets or open clients; the default does nothing."""

    @abstractmethod
    def routes(self) -> Sequence[HttpRoute]:
        """The HTTP routes this instance serves (paths unique across the process)."""

    @abstractmethod
    async def receive(self, request: PushRequest) -> PushResult:
        """Check and unpack one request; raise ``PushRejected`` to refuse it."""

    async def close(self) -> None:
        """Release what ``setup`` opened; idempotent."""


AnyConnector = PollingConnector[Any] | PushConnector[Any]
ConnectorClass = type[PollingConnector[Any]] | type[PushConnector[Any]]
