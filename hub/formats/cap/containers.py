"""Cutting CAP documents into one record per alert: a bare alert, Atom/RSS with embedded alerts, EDXL-DE, a ZIP of
CAP files (as DWD publishes them) or BBK/NINA JSON; feeds that only link to alerts are ``unsupported``.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from collections.abc import Iterable
from xml.etree.ElementTree import Element, tostring

from hub.errors import InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES, SourceRecord, check_size, unnamed_record
from hub.formats.cap.mapping import original_reference
from hub.formats.cap.model import (
    CapAlert,
    alert_from_json,
    alert_from_xml,
    cap_namespace,
    parse_references,
)
from hub.formats.jsondoc import compact, decode_json, refuse_description
from hub.formats.xml import local_name, parse_xml
from hub.schemas.common import parser_message

__all__ = ["MAX_ZIP_MEMBERS", "MAX_ZIP_TOTAL_BYTES", "linked_alerts", "record_for_alert", "split_document"]

MAX_ZIP_MEMBERS = 5000
"""Zip bomb guard: far above the hundreds of warnings a DWD bundle holds on a stormy day (DWD states no maximum)."""
MAX_ZIP_TOTAL_BYTES = 4 * MAX_DOCUMENT_BYTES
"""Uncompressed bytes a ZIP may expand to, counted while reading, not taken from the (forgeable) header."""

ATOM = "http://www.w3.org/2005/Atom"
EDXL_DE = frozenset({"urn:oasis:names:tc:emergency:EDXL:DE:1.0", "urn:oasis:names:tc:emergency:edxl:de:2.0"})
_ARCHIVE_MAGIC = (b"PK\x03\x04", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"7z\xbc\xaf", b"Rar!")
_ARCHIVE_SUFFIXES = (".zip", ".gz", ".tgz", ".tar", ".bz2", ".xz", ".7z", ".rar")


def _namespace(element: Element) -> str:
    tag = element.tag if isinstance(element.tag, str) else ""
    return tag[1:].split("}", 1)[0] if tag.startswith("{") else ""


def _key_of(alert: CapAlert) -> str:
    """The partition key: the incident's id (the original alert's), so an incident's messages stay in order."""
    if (alert.msg_type or "").lower() in ("update", "cancel"):
        try:
            refs = parse_references(alert.references)
            if refs:
                return original_reference(refs).record_id
        except InvalidEventError:
            pass  # to_canonical reports the broken reference; the record still needs a key
    return alert.record_id or ""


def record_for_alert(value: bytes, alert: CapAlert | None) -> SourceRecord:
    """The record of one alert. Without a usable id it is still passed on, named by its content, so the normaliser
    dead-letters it with the reason instead of it vanishing here."""
    if alert is None or alert.record_id is None:
        return unnamed_record(value)
    return SourceRecord(alert.record_id, alert.sent or "", _key_of(alert).encode("utf-8"), value)


def _record_for_element(element: Element) -> SourceRecord:
    element.tail = None  # the text after the element belongs to its container
    value = tostring(element, encoding="utf-8")
    try:
        alert: CapAlert | None = alert_from_xml(element)
    except InvalidEventError:
        alert = None
    return record_for_alert(value, alert)


def _record_for_bytes(value: bytes) -> SourceRecord:
    try:
        alert: CapAlert | None = alert_from_xml(parse_xml(value))
    except InvalidEventError:
        alert = None
    return record_for_alert(value, alert)


def _embedded_alerts(containers: Iterable[Element]) -> list[Element]:
    return [node for box in containers for node in box.iter() if cap_namespace(node) is not None]


def _split_feed(kind: str, entries: list[Element], word: str, words: str) -> list[SourceRecord]:
    alerts = _embedded_alerts(entries)
    if not entries:
        raise InvalidEventError(f"{kind} feed has no {words}, so no CAP alert", "unsupported")
    if not alerts:
        count = f"{len(entries)} {word if len(entries) == 1 else words}"
        raise InvalidEventError(
            f"{kind} feed of {count} embeds no CAP alert: an index of links to CAP documents is not an incident; "
            "set follow_links on the http-poll instance to fetch the linked alerts",
            "unsupported",
        )
    return [_record_for_element(alert) for alert in alerts]


def _entry_link(entry: Element) -> str | None:
    """Where an Atom entry or RSS item points at its alert: a link typed as CAP, else its plain or alternate link
    (not an HTML page), else its id or guid when that is a URL."""
    links = [e for e in entry if local_name(e) in ("link", "enclosure")]
    for link in links:
        href = link.get("href") or link.get("url")
        if href and "cap" in (link.get("type") or "").lower():
            return href.strip()
    for link in links:
        href = link.get("href") or (link.text if local_name(link) == "link" else None)
        if href and link.get("rel") in (None, "alternate") and "html" not in (link.get("type") or ""):
            return href.strip()
    for name in ("id", "guid"):
        ident = next((e.text for e in entry if local_name(e) == name and e.text), None)
        if ident and ident.strip().lower().startswith(("http://", "https://")):
            return ident.strip()
    return None


def linked_alerts(document: bytes) -> list[str] | None:
    """The links of an Atom or RSS index that embeds no alert (NWS, USGS and AMBER alert indexes), in feed order
    and without repeats (an entry without any link is passed over); None for any other document and for an index
    without a single link (``split`` says what it is). For ``http-poll``'s
    ``follow_links``: the connector fetches the linked alerts, as the refusal of such an index asks."""
    try:
        root = parse_xml(document)
    except InvalidEventError:
        return None
    if local_name(root) == "feed" and _namespace(root) == ATOM:
        entries = [e for e in root if local_name(e) == "entry" and _namespace(e) == ATOM]
    elif local_name(root) == "rss":
        entries = [e for e in root.iter() if local_name(e) == "item"]
    else:
        return None
    if not entries or _embedded_alerts(entries):
        return None
    links = [link for link in (_entry_link(e) for e in entries) if link]
    return list(dict.fromkeys(links)) or None  # no link at all: split dead-letters the index with its reason


def _split_xml(document: bytes) -> list[SourceRecord]:
    root = parse_xml(document)
    name, ns = local_name(root), _namespace(root)
    if name == "alert" and cap_namespace(root) is not None:
        return [record_for_alert(document, alert_from_xml(root))]  # the document itself, byte for byte
    if name == "feed" and ns == ATOM:
        return _split_feed(
            "Atom", [e for e in root if local_name(e) == "entry" and _namespace(e) == ATOM], "entry", "entries"
        )
    if name == "rss":
        return _split_feed("RSS", [e for e in root.iter() if local_name(e) == "item"], "item", "items")
    if name == "EDXLDistribution" and ns in EDXL_DE:
        objects = [e for e in root if local_name(e) == "contentObject"]
        alerts = _embedded_alerts(objects)
        if not alerts:
            raise InvalidEventError(
                f"EDXL-DE distribution with {len(objects)} content objects embeds no CAP alert", "unsupported"
            )
        return [_record_for_element(alert) for alert in alerts]
    where = f" in namespace {ns}" if ns else " without a namespace"
    raise InvalidEventError(
        f"not a CAP document: root element <{name}>{where} is not a CAP alert, an Atom or RSS feed or an EDXL-DE "
        "distribution",
        "malformed_xml",
    )


def _split_json(document: bytes) -> list[SourceRecord]:
    doc = decode_json(document, MAX_DOCUMENT_BYTES)
    refuse_description(doc, "a CAP alert")
    if isinstance(doc, dict):
        return [record_for_alert(document, _json_alert(doc))]
    if isinstance(doc, list):
        records = []
        for item in doc:
            value = compact(item)
            records.append(record_for_alert(value, _json_alert(item) if isinstance(item, dict) else None))
        return records
    raise InvalidEventError(f"a CAP JSON document is an object or an array, got {type(doc).__name__}", "malformed_json")


def _json_alert(obj: dict[str, object]) -> CapAlert | None:
    try:
        return alert_from_json(obj)
    except InvalidEventError:
        return None


def _split_zip(document: bytes) -> list[SourceRecord]:
    try:
        with zipfile.ZipFile(io.BytesIO(document)) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > MAX_ZIP_MEMBERS:
                raise InvalidEventError(
                    f"ZIP archive has {len(members)} files, limit is {MAX_ZIP_MEMBERS}", "too_large"
                )
            records, total = [], 0
            for member in members:
                if member.filename.lower().endswith(_ARCHIVE_SUFFIXES):
                    raise InvalidEventError(
                        "ZIP archive contains another archive; nested archives are refused", "unsupported"
                    )
                with archive.open(member) as stream:
                    # Read one byte past the limits: sizes in the ZIP header are the sender's claim, not a fact.
                    data = stream.read(min(MAX_DOCUMENT_BYTES, MAX_ZIP_TOTAL_BYTES - total) + 1)
                if len(data) > MAX_DOCUMENT_BYTES:
                    raise InvalidEventError(
                        f"a ZIP member expands to more than {MAX_DOCUMENT_BYTES} bytes", "too_large"
                    )
                total += len(data)
                if total > MAX_ZIP_TOTAL_BYTES:
                    raise InvalidEventError(
                        f"ZIP archive expands to more than {MAX_ZIP_TOTAL_BYTES} bytes", "too_large"
                    )
                if data.startswith(_ARCHIVE_MAGIC):
                    raise InvalidEventError(
                        "ZIP archive contains another archive; nested archives are refused", "unsupported"
                    )
                records.append(_record_for_bytes(data))
            return records
    # zipfile reports a damaged directory in many ways (seen in fuzzing: negative seeks, index errors).
    except (zipfile.BadZipFile, zlib.error, struct.error, EOFError, NotImplementedError, ValueError, IndexError) as exc:
        raise InvalidEventError(
            f"broken ZIP archive: {type(exc).__name__}: {parser_message(str(exc))}", "undecodable"
        ) from exc
    except RuntimeError as exc:  # zipfile's way of saying a member is encrypted
        raise InvalidEventError(f"ZIP archive cannot be read: {parser_message(str(exc))}", "unsupported") from exc


def split_document(document: bytes) -> list[SourceRecord]:
    """One record per CAP alert in ``document``; InvalidEventError when the document as a whole is unusable."""
    check_size(document)
    if document.startswith(b"PK\x03\x04"):
        return _split_zip(document)
    head = document.lstrip(b" \t\r\n\xef\xbb\xbf")[:1]
    if head in (b"{", b"["):
        return _split_json(document)
    if head == b"<" or document.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _split_xml(document)
    raise InvalidEventError(
        "not a CAP document: neither XML (CAP, Atom, RSS, EDXL-DE), JSON nor a ZIP archive", "malformed_xml"
    )
