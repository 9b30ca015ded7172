"""The one exception tree of the hub.

Third-party errors (kafka-python, aiokafka, psycopg, subprocess) are mapped to it at the boundary with
``raise ... from exc`` so callers only catch what is written here::

    HubError
    ├── ConfigError              settings or a config file are wrong; the message names the key
    │   ├── ConfigFileError      a connectors file with problems, each named with the path of its key
    │   └── PolicyError          the sharing policy is invalid; every problem named
    ├── StackError               the embedded broker or database could not start or stopped
    │   ├── PortInUseError       a configured port is already taken
    │   └── BinaryNotFoundError  the Tansu or PostgreSQL binary is not installed
    ├── BrokerError              the Kafka cluster refused or could not be reached
    │   └── TopologyError        topics differ from what hub/topology.py declares
    │       └── MissingTopicError  a producer was asked to send to a topic the cluster does not have
    ├── StoreError               PostgreSQL refused or could not be reached
    │   └── StoreUnavailable     PostgreSQL could not be reached at all (nothing was done there)
    ├── InvalidEventError        one input record is bad; carries a reason, goes to dead-letter
    ├── PolicyViolation          a share would carry what only the police may see (a bug or forged input)
    ├── NetworkError             the transit network model
    │   ├── UnknownLineError     no such line, direction or stop (also a LookupError)
    │   ├── SnapError            a position too far from the line it claims
    │   └── NetworkDataError     the network files are inconsistent
    ├── ConnectorError           a connector could not do its work this time (source down, timeout)
    ├── PushRejected             a push connector refuses a request (400, 401, 403, 415)
    ├── AuthFailure              a request's credentials are missing (401) or wrong (403)
    └── ConformanceError         a connector type breaks the contract (also an AssertionError, for tests)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

#: Why an event left the pipeline for a dead-letter topic. A closed set, so it can be a metric label.
DeadLetterReason = Literal[
    "malformed_json",  # not JSON, or not a JSON object
    "malformed_xml",  # not well-formed XML, or not the expected document
    "malformed_protobuf",  # not a protobuf message of the expected type
    "malformed_icalendar",  # not an iCalendar (RFC 5545) calendar, or not the expected record
    "unsafe_xml",  # a DTD, entity declaration or external reference (XML bombs, XXE)
    "unsupported",  # a well-formed message of a kind this feed does not carry (e.g. a CAP weather alert)
    "source_failed",  # the source reports that it failed or stopped sending (a SIRI subscription terminated)
    "unknown_kind",  # names a kind (or feed) the hub does not know
    "schema_violation",  # fails the canonical model's validation
    "too_large",  # over the size limit
    "undecodable",  # not UTF-8, or a broken envelope
    "store_rejected",  # the database refused the row
    "processing_error",  # a bug in the stage met this record; the log has the traceback
]


class HubError(Exception):
    """Root of every error the hub raises on purpose."""


class ConfigError(HubError):
    """Settings or a configuration file are wrong."""


class StackError(HubError):
    """The embedded stack could not start, or a part of it died."""


class PortInUseError(StackError):
    """A port the embedded stack wants is already taken by another process."""


class BinaryNotFoundError(StackError):
    """A binary of the embedded stack (Tansu, PostgreSQL) is not installed."""


class BrokerError(HubError):
    """The Kafka cluster refused a request or could not be reached."""


class TopologyError(BrokerError):
    """Topics on the cluster differ from the declared topology in a way the hub will not fix itself."""


class MissingTopicError(TopologyError):
    """A send to topics the cluster does not have; the hub never lets the broker create them."""

    def __init__(self, topics: Sequence[str], bootstrap: str) -> None:
        self.topics = tuple(topics)
        shown = ", ".join(self.topics)
        super().__init__(
            f"topic {shown} does not exist on {bootstrap}; run `hub topics apply` "
            "(the hub never lets the broker create a topic)"
        )


class StoreError(HubError):
    """PostgreSQL refused a request or could not be reached."""


class StoreUnavailable(StoreError):
    """PostgreSQL could not be reached: no connection, so nothing was read or written there."""


class InvalidEventError(HubError):
    """One input record cannot be processed: ``reason`` says why in words an operator understands, ``code`` is the
    closed reason class used as a metric label."""

    def __init__(self, reason: str, code: DeadLetterReason = "schema_violation") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code: DeadLetterReason = code


class ConfigFileError(ConfigError):
    """A configuration file with problems; ``problems`` lists each with the path of its key."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.source = source
        self.problems = list(problems)
        super().__init__(f"{source}: {len(self.problems)} problem(s)\n" + "\n".join(f"  {p}" for p in self.problems))


class PolicyError(ConfigError):
    """The policy file is invalid; ``problems`` lists every problem, each naming domain, kind and field."""

    def __init__(self, source: str, problems: list[str]) -> None:
        super().__init__(f"invalid sharing policy {source}:\n  - " + "\n  - ".join(problems))
        self.problems = tuple(problems)


class PolicyViolation(HubError):
    """A share would carry what no domain but the police may see; raised by the transform's final check."""


class NetworkError(HubError):
    """Root of the network model's errors."""


class UnknownLineError(NetworkError, LookupError):
    """The network has no line (or line-direction, or stop on it) of that name."""


class SnapError(NetworkError):
    """A position is too far from the line-direction it was claimed to be on."""

    def __init__(self, message: str, offset_m: float) -> None:
        super().__init__(message)
        self.offset_m = offset_m


class NetworkDataError(NetworkError):
    """The network files (shipped or source) are inconsistent; the message names the file and the problem."""


class ConnectorError(HubError):
    """A connector could not do its work this time (source down, timeout, HTTP 503).

    The runner counts it under ``reason``, logs ``str(exc)`` (no secrets, no payloads) and polls again after an
    exponential backoff with full jitter; the state is not advanced.
    """

    def __init__(self, message: str, reason: Literal["source_unavailable", "source_timeout"]) -> None:
        super().__init__(message)
        self.reason: Literal["source_unavailable", "source_timeout"] = reason


class PushRejected(HubError):
    """A push connector refuses a request: the runner answers ``status`` with ``reason`` and produces nothing.

    Use 401 (no credentials), 403 (wrong credentials), 415 (wrong content type), 400 (other client errors).
    """

    def __init__(self, status: Literal[400, 401, 403, 415], reason: str) -> None:
        super().__init__(reason)
        self.status: Literal[400, 401, 403, 415] = status
        self.reason = reason


class AuthFailure(HubError):
    """A request's credentials are missing (``status`` 401) or wrong (403)."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


class ConformanceError(HubError, AssertionError):
    """A connector type breaks the contract; the message says how (an AssertionError too, so pytest shows it as
    a failed check)."""
