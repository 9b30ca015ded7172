"""The one exception tree of the hub.

Third-party errors (kafka-python, aiokafka, psycopg, subprocess) are mapped to it at the boundary with
``raise ... from exc`` so callers only catch what is written here::

    HubError
    ├── ConfigError            settings or a config file are wrong; the message names the key
    ├── StackError             the embedded broker or database could not start or stopped
    │   ├── PortInUseError     a configured port is already taken
    │   └── BinaryNotFoundError  the Tansu or PostgreSQL binary is not installed
    ├── BrokerError            the Kafka cluster refused or could not be reached
    │   └── TopologyError      topics differ from what hub/topology.py declares
    ├── StoreError             PostgreSQL refused or could not be reached
    └── InvalidEventError      one input record is bad; carries a reason, goes to dead-letter
"""

from __future__ import annotations

from typing import Literal

#: Why an event left the pipeline for a dead-letter topic. A closed set, so it can be a metric label.
DeadLetterReason = Literal[
    "malformed_json",  # not JSON, or not a JSON object
    "malformed_xml",  # not well-formed XML, or not the expected document
    "malformed_protobuf",  # not a protobuf message of the expected type
    "unsafe_xml",  # a DTD, entity declaration or external reference (XML bombs, XXE)
    "unsupported",  # a well-formed message of a kind this feed does not carry (e.g. a CAP weather alert)
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


class StoreError(HubError):
    """PostgreSQL refused a request or could not be reached."""


class InvalidEventError(HubError):
    """One input record cannot be processed: ``reason`` says why in words an operator understands, ``code`` is the
    closed reason class used as a metric label."""

    def __init__(self, reason: str, code: DeadLetterReason = "schema_violation") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code: DeadLetterReason = code
