"""CAP (Common Alerting Protocol 1.2, also 1.1 and 1.0) as the police control room exports it: ``cap`` format.

``split`` cuts a document (alert, Atom/RSS, EDXL-DE, ZIP, BBK/NINA JSON) into one record per alert; ``to_canonical``
maps one alert to an ``Incident`` whose id is the original alert's, so an alert, its updates and its cancel share it.
"""

from __future__ import annotations

from hub.errors import InvalidEventError
from hub.formats.base import CanonicalRecord, SourceRecord
from hub.formats.cap.containers import linked_alerts, split_document
from hub.formats.cap.mapping import (
    CATEGORY_TYPES,
    DEFAULT_EVENT_TYPES,
    DEFAULT_LEGAL_BASIS,
    DEFAULT_REFUSED_CATEGORIES,
    HUB_PARAMETERS,
    CapPolicy,
    map_alert,
    priority_of,
)
from hub.formats.cap.model import CapAlert, alert_from_json, alert_from_xml
from hub.formats.jsondoc import MAX_RECORD_BYTES, decode_json_object
from hub.formats.xml import parse_xml
from hub.topology import raw_topic

__all__ = [
    "CATEGORY_TYPES",
    "DEFAULT_EVENT_TYPES",
    "DEFAULT_LEGAL_BASIS",
    "DEFAULT_REFUSED_CATEGORIES",
    "HUB_PARAMETERS",
    "CapFormat",
    "CapPolicy",
    "priority_of",
    "read_alert",
]


def read_alert(record: bytes) -> CapAlert:
    """One raw record (CAP XML or its JSON form) as a ``CapAlert``."""
    if len(record) > MAX_RECORD_BYTES:
        raise InvalidEventError(f"record is {len(record)} bytes, limit is {MAX_RECORD_BYTES}", "too_large")
    head = record.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]
    if head == b"<" or record.startswith((b"\xff\xfe", b"\xfe\xff")):
        return alert_from_xml(parse_xml(record, MAX_RECORD_BYTES))
    return alert_from_json(decode_json_object(record))


class CapFormat:
    """CAP alerts from the police control room (HTTP push or an export folder) to canonical incidents."""

    name = "cap"
    raw_topic = raw_topic("polizei", "cap")

    def __init__(self, policy: CapPolicy | None = None, *, source: str = "/polizei/cap") -> None:
        self.policy = policy or CapPolicy()
        self.source = source

    def split(self, document: bytes, content_type: str | None = None) -> list[SourceRecord]:
        # The content type is not trusted: folders have none and senders mislabel; the bytes say what they are.
        return split_document(document)

    def to_canonical(self, record: bytes) -> list[CanonicalRecord]:
        return [map_alert(read_alert(record), self.policy, self.source)]

    def linked_documents(self, document: bytes) -> list[str] | None:
        """The alerts an Atom/RSS index links to (``http-poll`` with ``follow_links`` fetches them)."""
        return linked_alerts(document)
