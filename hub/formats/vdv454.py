"""VDV 454 AUS (the German real-time timetable service of VDV 453/454): ``IstFahrt`` messages to ``TripUpdate``.

Accepts the XML of a ``DatenAbrufenAntwort`` (or a bare ``AUSNachricht`` / ``IstFahrt``), flat JSON conversions
of ``IstFahrt`` (VBB style: ``IstHalts`` lists, ``$BestaetigungZst``) and generic XML element-tree dumps in JSON
(``$name``/``$``/``$text``/``$children``). One record per ``IstFahrt``; records stay XML or JSON as they came.
"""

from __future__ import annotations

import re
from datetime import datetime, tzinfo
from typing import Any, Final, Literal
from xml.etree.ElementTree import Element, SubElement

from pydantic import ValidationError

from hub.errors import InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES, CanonicalRecord, SourceRecord, canonical, check_size
from hub.formats.jsondoc import compact, decode_json, refuse_description
from hub.formats.siri.delivery import standalone
from hub.formats.siri.values import clean_text, dhid_or_none, line_name, parse_datetime, quoted, record_identity
from hub.formats.xml import child, children, local_name, parse_xml, text
from hub.schemas import StopTimeUpdate, TripUpdate
from hub.schemas.common import validation_reason
from hub.topology import raw_topic

SOURCE: Final = "/havag/vdv454/aus"
#: Attribute the hub adds to each IstFahrt of an XML delivery: the delivery's ``Bestaetigung/@Zst``, so the record
#: stays self-contained (the VBB JSON conversion does the same with ``$BestaetigungZst``).
DELIVERY_TIME_ATTR: Final = "BestaetigungZst"
_MAX_TREE_DEPTH = 64
#: An XML name without a prefix (a prefix would need a namespace declaration the JSON does not carry).
_XML_NAME = re.compile(r"^[^\W\d][\w.\-]*\Z")

StopRelation = Literal["scheduled", "skipped", "no_data", "unscheduled"]
TripRelation = Literal["scheduled", "added", "canceled"]


def _is_true(value: str | None) -> bool:
    return (value or "").strip().lower() == "true"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _xml_name(name: str) -> str:
    """``name`` if it can name an XML element or attribute. A tree dump is written back out as the XML it stands for,
    and ElementTree does not check names: it writes XML no parser reads back, or fails (a name starting with ``{``)."""
    if not _XML_NAME.match(name):
        raise InvalidEventError(f"JSON key {quoted(name)} cannot be an XML element or attribute name", "malformed_json")
    return name


def element_from_json(name: str, obj: dict[str, Any], depth: int = 0) -> Element:
    """A flat VBB-style JSON object as an element: lists ``Xs`` become repeated ``X`` children, ``$key`` and
    ``Zst`` become attributes, nulls are left out. So XML and JSON messages share one mapping."""
    if depth > _MAX_TREE_DEPTH:
        raise InvalidEventError(f"JSON nested deeper than {_MAX_TREE_DEPTH} levels", "malformed_json")
    element = Element(name)
    for key, value in obj.items():
        if value is None:
            continue
        if key.startswith("$") or key == "Zst":
            if not isinstance(value, dict | list):
                element.set(key.lstrip("$"), _scalar(value))
        elif isinstance(value, list):
            _append_items(element, key[:-1] if key.endswith("s") else key, value, depth)
        elif isinstance(value, dict):
            element.append(element_from_json(key, value, depth + 1))
        else:
            SubElement(element, key).text = _scalar(value)
    return element


def _append_items(element: Element, item_name: str, items: list[Any], depth: int) -> None:
    """A JSON list as repeated ``item_name`` children of ``element``."""
    for item in items:
        if isinstance(item, dict):
            element.append(element_from_json(item_name, item, depth + 1))
        elif item is not None:
            SubElement(element, item_name).text = _scalar(item)


def element_from_tree(node: Any, depth: int = 0) -> Element:
    """An XML element from its JSON tree dump (``$name``, ``$`` attributes, ``$text``, ``$children``)."""
    if depth > _MAX_TREE_DEPTH:
        raise InvalidEventError(f"element tree nested deeper than {_MAX_TREE_DEPTH} levels", "malformed_json")
    name = node.get("$name") if isinstance(node, dict) else None
    if not isinstance(name, str) or not name:
        raise InvalidEventError("element tree node without a $name", "malformed_json")
    attrs = node.get("$") or {}
    element = Element(
        _xml_name(name), {_xml_name(str(k)): _scalar(v) for k, v in attrs.items()} if isinstance(attrs, dict) else {}
    )
    element.text = node["$text"] if isinstance(node.get("$text"), str) and node["$text"] else None
    for sub in node.get("$children") or []:
        element.append(element_from_tree(sub, depth + 1))
    return element


def _fahrt_id(fahrt: Element) -> Element | None:
    ref = child(fahrt, "FahrtRef")
    return child(ref, "FahrtID") if ref is not None else child(fahrt, "FahrtID")


def fahrt_identity(fahrt: Element) -> tuple[str | None, str]:
    """(``Betriebstag/FahrtBezeichner``, version); id None without a FahrtBezeichner.

    The version is ``Zst`` and the delivery's ``Bestaetigung/@Zst``, joined by ``/``: VBB sends different messages
    for one trip with the same ``Zst`` in different deliveries, and one id for both would keep only the first.
    """
    fahrt_id = _fahrt_id(fahrt)
    bezeichner = text(fahrt_id, "FahrtBezeichner")
    betriebstag = text(fahrt_id, "Betriebstag")
    record_id = None if bezeichner is None else (f"{betriebstag}/{bezeichner}" if betriebstag else bezeichner)
    times = (fahrt.get("Zst"), fahrt.get(DELIVERY_TIME_ATTR))
    return record_id, "/".join(t for t in times if t)


def _confirmation_error(root: Element) -> InvalidEventError | None:
    """``source_failed`` when the answer's Bestaetigung (or Status) says Ergebnis=notok: the server reports a failure
    (an unknown or expired subscription among them), which must not pass as an empty answer."""
    for name in ("Bestaetigung", "Status"):
        confirmation = child(root, name)
        if confirmation is not None and (confirmation.get("Ergebnis") or "ok").lower() != "ok":
            # The server's own words are input too: the reason gives the error number (digits) and the text's length.
            number = confirmation.get("Fehlernummer") or ""
            number = number if number.isdigit() and len(number) <= 8 else "?"
            reason = clean_text(text(confirmation, "Fehlertext"))
            said = f"Fehlertext of {len(reason)} characters in the dead letter" if reason else "no Fehlertext"
            return InvalidEventError(
                f"VDV 453 {local_name(root)} reports Ergebnis other than ok (Fehlernummer {number}): {said}",
                "source_failed",
            )
    return None


def ist_fahrten(root: Element) -> list[Element]:
    """The IstFahrt elements of an XML document; [] for control messages; InvalidEventError otherwise."""
    name = local_name(root)
    if name == "IstFahrt":
        return [root]
    if name == "SollFahrt":
        raise InvalidEventError("a SollFahrt (planned trip, REF-AUS) is not a real-time IstFahrt", "unsupported")
    error = _confirmation_error(root)
    if error is not None:
        raise error
    messages = _aus_messages(root, name)
    delivered_at = child(root, "Bestaetigung")
    zst = delivered_at.get("Zst") if delivered_at is not None else None
    found: list[Element] = []
    for message in messages:
        trips = children(message, "IstFahrt")
        if not trips and len(message):
            kinds = ", ".join(sorted({local_name(c) for c in message}))
            raise InvalidEventError(f"AUSNachricht carries {kinds}, no IstFahrt (real-time trip)", "unsupported")
        for trip in trips:
            if zst:
                trip.set(DELIVERY_TIME_ATTR, zst)
            found.append(trip)
    return found


def _aus_messages(root: Element, name: str) -> list[Element]:
    """The AUSNachricht elements of a document whose root is ``name``; [] for messages that carry no trips."""
    if name == "AUSNachricht":
        return [root]
    if name == "DatenAbrufenAntwort":
        messages = children(root, "AUSNachricht")
        others = sorted({local_name(c) for c in root if local_name(c).endswith("Nachricht")} - {"AUSNachricht"})
        if not messages and others:
            raise InvalidEventError(
                f"the answer carries {', '.join(others)}, not AUSNachricht (VDV 454 AUS)", "unsupported"
            )
        return messages
    if name.endswith(("Anfrage", "Antwort")):
        return []  # subscription, status and data-ready messages carry no trips
    raise InvalidEventError(f"not a VDV 453/454 document: root element {name!r}", "malformed_xml")


def _first_char(data: bytes) -> str:
    stripped = data.lstrip(b"\xef\xbb\xbf \t\r\n")
    return chr(stripped[0]) if stripped else ""


def _json_trip(obj: Any) -> Element:
    """One JSON item as an IstFahrt element (a tree dump, or a flat conversion); SollFahrt is unsupported."""
    if not isinstance(obj, dict):
        raise InvalidEventError(f"expected a JSON object, got {type(obj).__name__}", "malformed_json")
    if "$name" in obj:
        element = element_from_tree(obj)
        if local_name(element) != "IstFahrt":
            raise InvalidEventError(f"an element tree of {local_name(element)!r}, not an IstFahrt", "malformed_json")
        return element
    if "SollHalts" in obj:
        raise InvalidEventError("a SollFahrt (planned trip, REF-AUS) is not a real-time IstFahrt", "unsupported")
    if "FahrtID" not in obj and "IstHalts" not in obj:
        raise InvalidEventError("JSON object is not an IstFahrt: it has neither FahrtID nor IstHalts", "malformed_json")
    return element_from_json("IstFahrt", obj)


def child_texts(element: Element) -> dict[str, str]:
    """Stripped, non-empty texts of the direct children by local name (the first of a name wins).

    One pass per element: looking each child up by name costs a scan of all children every time.
    """
    found: dict[str, str] = {}
    for sub in element:
        value = (sub.text or "").strip()
        if value:
            found.setdefault(local_name(sub), value)
    return found


def _time(fields: dict[str, str], name: str, where: str, naive_tz: tzinfo | None) -> datetime | None:
    value = fields.get(name)
    return None if value is None else parse_datetime(value, f"{where}: {name}", naive_tz)


def _seconds(actual: datetime | None, planned: datetime | None) -> int | None:
    return None if actual is None or planned is None else round((actual - planned).total_seconds())


def stop_update(halt: Element, sequence: int | None, trip: str, naive_tz: tzinfo | None = None) -> StopTimeUpdate:
    """One IstHalt: predicted times (``Ist*Prognose``) and their delay against the timetable."""
    fields = child_texts(halt)
    halt_id = fields.get("HaltID")
    where = f"trip {quoted(trip)} stop {quoted(halt_id or '?')}"
    arrival = _time(fields, "IstAnkunftPrognose", where, naive_tz)
    departure = _time(fields, "IstAbfahrtPrognose", where, naive_tz)
    relation: StopRelation
    if _is_true(fields.get("Durchfahrt")):
        relation = "skipped"
    elif _is_true(fields.get("Zusatzhalt")):
        relation = "unscheduled"
    elif arrival is None and departure is None:
        relation = "no_data"
    else:
        relation = "scheduled"
    return StopTimeUpdate(
        stop_sequence=sequence,
        stop_id=halt_id,
        stop_dhid=dhid_or_none(halt_id),
        arrival_time=arrival,
        arrival_delay_s=_seconds(arrival, _time(fields, "Ankunftszeit", where, naive_tz)),
        departure_time=departure,
        departure_delay_s=_seconds(departure, _time(fields, "Abfahrtszeit", where, naive_tz)),
        schedule_relationship=relation,
    )


def map_ist_fahrt(fahrt: Element, naive_tz: tzinfo | None = None) -> list[CanonicalRecord]:
    """One IstFahrt to its TripUpdate event; ``naive_tz`` is applied to times without UTC offset."""
    record_id, version = fahrt_identity(fahrt)
    fahrt_id = _fahrt_id(fahrt)
    trip = text(fahrt_id, "FahrtBezeichner")
    if trip is None or record_id is None:
        raise InvalidEventError("IstFahrt has no FahrtID/FahrtBezeichner: the trip is unknown", "schema_violation")
    if not version:
        raise InvalidEventError(
            f"trip {quoted(trip)}: IstFahrt has no Zst and its delivery no Bestaetigung/@Zst, so the time of the "
            "message is unknown",
            "schema_violation",
        )
    zst = fahrt.get("Zst")
    observed_at = parse_datetime(
        zst or version, f"trip {quoted(trip)}: " + ("Zst" if zst else "Bestaetigung/@Zst"), naive_tz
    )
    day = text(fahrt_id, "Betriebstag")
    complete = _is_true(text(fahrt, "Komplettfahrt"))
    try:
        # Stop sequences are positions in the whole trip, known only when the message lists all stops.
        stops = [
            stop_update(halt, index if complete else None, trip, naive_tz)
            for index, halt in enumerate(children(fahrt, "IstHalt"))
        ]
        relation: TripRelation = "scheduled"
        if _is_true(text(fahrt, "FaelltAus")):
            relation = "canceled"
        elif _is_true(text(fahrt, "Zusatzfahrt")):
            relation = "added"
        payload = TripUpdate(
            trip_id=trip,
            line=line_name(text(fahrt, "LinienText"), text(fahrt, "LinienID")),
            direction=text(fahrt, "RichtungsText") or text(fahrt, "RichtungsID"),
            start_date=day.replace("-", "") if day else None,
            schedule_relationship=relation,
            stop_updates=stops,
            observed_at=observed_at,
        )
    except ValidationError as exc:
        raise InvalidEventError(f"trip {quoted(trip)}: {validation_reason(exc)}", "schema_violation") from exc
    return [canonical(payload, source=SOURCE, source_record_id=record_identity(record_id, version), time=observed_at)]


def _record(trip: Element, value: bytes, position: int) -> SourceRecord:
    record_id, version = fahrt_identity(trip)
    # Without a FahrtID the record still travels, so the normaliser dead-letters it with the reason.
    ident = record_id or f"IstFahrt-{position}"
    return SourceRecord(ident, version, ident.encode("utf-8"), value)


class Vdv454AusFormat:
    """VDV 454 AUS real-time trips (``raw.havag.vdv454-aus``, key ``Betriebstag/FahrtBezeichner``) to
    canonical ``TripUpdate`` events.

    ``naive_tz`` is the time zone of a server that sends times without a UTC offset (VDV 454 allows local times);
    without it such times are refused.
    """

    name = "vdv454-aus"
    raw_topic = raw_topic("havag", "vdv454-aus")

    def __init__(self, naive_tz: tzinfo | None = None) -> None:
        self.naive_tz = naive_tz

    def split(self, document: bytes, content_type: str | None = None) -> list[SourceRecord]:
        check_size(document)
        first = _first_char(document)
        if first == "<":
            trips = ist_fahrten(parse_xml(document))
            return [_record(trip, standalone(trip), n) for n, trip in enumerate(trips, start=1)]
        if first not in ("{", "["):
            raise InvalidEventError("not a VDV 454 document: neither XML nor JSON", "malformed_xml")
        doc = decode_json(document, MAX_DOCUMENT_BYTES)
        refuse_description(doc, "a VDV 454 document")
        if isinstance(doc, dict) and "$name" in doc:
            trips = ist_fahrten(element_from_tree(doc))  # a lossless XML dump: cut it as the XML it stands for
            return [_record(trip, standalone(trip), n) for n, trip in enumerate(trips, start=1)]
        if isinstance(doc, dict):
            return [_record(_json_trip(doc), document, 1)]  # one message: the body is the record, unchanged
        if not isinstance(doc, list):
            raise InvalidEventError(f"expected a JSON object or array, got {type(doc).__name__}", "malformed_json")
        records = []
        for n, item in enumerate(doc, start=1):
            value = compact(item)
            try:
                records.append(_record(_json_trip(item), value, n))
            except InvalidEventError:
                # A bad item travels on under its position, so the normaliser dead-letters it with the reason.
                records.append(SourceRecord(f"item-{n}", "", b"", value))
        return records

    def to_canonical(self, record: bytes) -> list[CanonicalRecord]:
        first = _first_char(record)
        if first == "<":
            trips = ist_fahrten(parse_xml(record))
        elif first == "{":
            trips = [_json_trip(decode_json(record))]
        else:
            raise InvalidEventError("a VDV 454 record must be one IstFahrt in XML or JSON", "malformed_xml")
        if len(trips) != 1:
            raise InvalidEventError(f"a VDV 454 record must hold one IstFahrt, found {len(trips)}", "malformed_xml")
        return map_ist_fahrt(trips[0], self.naive_tz)
