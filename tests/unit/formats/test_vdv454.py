"""VDV 454 AUS: IstFahrt messages in XML, flat JSON and element-tree JSON cut into one record each and mapped to
TripUpdate with predicted times and delays; SollFahrt, refusals and control messages handled as documented."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element, fromstring

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.errors import InvalidEventError
from hub.formats.registry import FORMATS
from hub.formats.vdv454 import Vdv454AusFormat
from hub.schemas import TripUpdate, unwrap

IST_FAHRT = """
<IstFahrt Zst="2026-11-20T21:58:00Z">
  <LinienID>HAVAG-2</LinienID>
  <RichtungsID>H</RichtungsID>
  <FahrtRef><FahrtID><FahrtBezeichner>2-H-2200#HAVAG</FahrtBezeichner><Betriebstag>2026-11-20</Betriebstag></FahrtID>
  </FahrtRef>
  <Komplettfahrt>true</Komplettfahrt>
  <IstHalt>
    <HaltID>de:15002:5232:1:1</HaltID>
    <Abfahrtszeit>2026-11-20T22:00:00Z</Abfahrtszeit>
    <IstAbfahrtPrognose>2026-11-20T22:02:30Z</IstAbfahrtPrognose>
  </IstHalt>
  <IstHalt>
    <HaltID>HAVAG_4711</HaltID>
    <Ankunftszeit>2026-11-20T22:04:00Z</Ankunftszeit>
    <Abfahrtszeit>2026-11-20T22:04:30Z</Abfahrtszeit>
    <Durchfahrt>true</Durchfahrt>
  </IstHalt>
  <IstHalt>
    <HaltID>HAVAG_4712</HaltID>
    <Ankunftszeit>2026-11-20T22:06:00Z</Ankunftszeit>
    <IstAnkunftPrognose>2026-11-20T22:05:40Z</IstAnkunftPrognose>
  </IstHalt>
  <LinienText>2</LinienText>
  <RichtungsText>Beesen</RichtungsText>
  <PrognoseMoeglich>true</PrognoseMoeglich>
</IstFahrt>"""


def answer(*fahrten: str, ergebnis: str = "ok", extra: str = "") -> bytes:
    """A DatenAbrufenAntwort carrying ``fahrten`` in one AUSNachricht."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<vdv:DatenAbrufenAntwort xmlns:vdv="vdv453ger">
  <Bestaetigung Zst="2026-11-20T21:58:05.5Z" Ergebnis="{ergebnis}" Fehlernummer="0">{extra}</Bestaetigung>
  <WeitereDaten>false</WeitereDaten>
  <AUSNachricht AboID="42">{"".join(fahrten)}</AUSNachricht>
</vdv:DatenAbrufenAntwort>""".encode()


def flat_json(**changes: Any) -> dict[str, Any]:
    """The IstFahrt above as VBB's JSON conversion writes it."""
    doc: dict[str, Any] = {
        "Zst": "2026-11-20T21:58:00Z",
        "LinienID": "HAVAG-2",
        "LinienText": "2",
        "RichtungsID": "H",
        "RichtungsText": "Beesen",
        "FahrtID": {"FahrtBezeichner": "2-H-2200#HAVAG", "Betriebstag": "2026-11-20"},
        "Komplettfahrt": "true",
        "FaelltAus": None,
        "IstHalts": [
            {
                "HaltID": "de:15002:5232:1:1",
                "Abfahrtszeit": "2026-11-20T22:00:00Z",
                "IstAbfahrtPrognose": "2026-11-20T22:02:30Z",
                "Ankunftszeit": None,
                "IstAnkunftPrognose": None,
            },
            {
                "HaltID": "HAVAG_4711",
                "Ankunftszeit": "2026-11-20T22:04:00Z",
                "Abfahrtszeit": "2026-11-20T22:04:30Z",
                "Durchfahrt": True,
            },
            {
                "HaltID": "HAVAG_4712",
                "Ankunftszeit": "2026-11-20T22:06:00Z",
                "IstAnkunftPrognose": "2026-11-20T22:05:40Z",
            },
        ],
        "PrognoseMoeglich": "true",
        "$BestaetigungZst": "2026-11-20T21:58:05.5Z",
    }
    return {**doc, **changes}


def mapped(document: bytes) -> list[TripUpdate]:
    """Every trip update a document maps to (all records must map)."""
    fmt = Vdv454AusFormat()
    updates = []
    for record in fmt.split(document):
        for out in fmt.to_canonical(record.value):
            payload = unwrap(out.event)
            assert isinstance(payload, TripUpdate)
            updates.append(payload)
    return updates


def tree(element: Element) -> dict[str, Any]:
    """``element`` as the generic JSON element-tree dump VBB's VDV 453 client writes."""
    return {
        "$name": element.tag,
        "$": dict(element.attrib),
        "$text": (element.text or "").strip(),
        "$children": [tree(c) for c in element],
    }


def refused(record: bytes) -> InvalidEventError:
    """The error to_canonical raises for ``record``."""
    with pytest.raises(InvalidEventError) as info:
        Vdv454AusFormat().to_canonical(record)
    return info.value


def test_format_is_registered_on_its_raw_topic() -> None:
    """The registry knows vdv454-aus, bound to raw.havag.vdv454-aus."""
    fmt = FORMATS["vdv454-aus"]
    assert isinstance(fmt, Vdv454AusFormat)
    assert fmt.raw_topic == "raw.havag.vdv454-aus"


def test_ist_fahrt_maps_to_a_trip_update() -> None:
    """Line, direction, service day and the three stops with predictions, delays and relationships."""
    [update] = mapped(answer(IST_FAHRT))
    assert (update.trip_id, update.line, update.direction, update.start_date) == (
        "2-H-2200#HAVAG",
        "2",
        "Beesen",
        "20261120",
    )
    assert update.schedule_relationship == "scheduled"
    assert update.observed_at == datetime(2026, 11, 20, 21, 58, tzinfo=UTC)
    first, passed, last = update.stop_updates
    assert (first.stop_sequence, first.stop_id, first.stop_dhid) == (0, "de:15002:5232:1:1", "de:15002:5232:1:1")
    assert (first.departure_time, first.departure_delay_s) == (datetime(2026, 11, 20, 22, 2, 30, tzinfo=UTC), 150)
    assert (first.arrival_time, first.arrival_delay_s) == (None, None)
    assert (passed.stop_id, passed.stop_dhid, passed.schedule_relationship) == ("HAVAG_4711", None, "skipped")
    assert (last.arrival_delay_s, last.schedule_relationship, last.stop_sequence) == (-20, "scheduled", 2)


def test_record_is_named_by_day_and_trip_and_versioned_by_both_times() -> None:
    """record_id Betriebstag/FahrtBezeichner; version Zst/Bestaetigung Zst; the delivery time travels along."""
    fmt = Vdv454AusFormat()
    [record] = fmt.split(answer(IST_FAHRT))
    assert record.record_id == "2026-11-20/2-H-2200#HAVAG"
    assert record.key == record.record_id.encode()
    assert record.version == "2026-11-20T21:58:00Z/2026-11-20T21:58:05.5Z"
    assert b'BestaetigungZst="2026-11-20T21:58:05.5Z"' in record.value
    [out] = fmt.to_canonical(record.value)
    assert out.event.hubsourceid == record.identity
    assert (out.topic, out.key, out.event.source) == ("canon.trip-update", b"2-H-2200#HAVAG", "/havag/vdv454/aus")


def test_trip_without_zst_takes_the_delivery_time() -> None:
    """An IstFahrt without Zst is observed at the Bestaetigung's Zst."""
    [update] = mapped(answer(IST_FAHRT.replace(' Zst="2026-11-20T21:58:00Z"', "")))
    assert update.observed_at == datetime(2026, 11, 20, 21, 58, 5, 500000, tzinfo=UTC)


def test_same_message_is_the_same_event_and_another_delivery_a_new_one() -> None:
    """Stable ids: a repeated answer maps to identical bytes; the same Zst in a later delivery is a new event."""
    fmt = Vdv454AusFormat()
    a = fmt.to_canonical(fmt.split(answer(IST_FAHRT))[0].value)[0]
    b = fmt.to_canonical(fmt.split(answer(IST_FAHRT))[0].value)[0]
    later = answer(IST_FAHRT).replace(b"21:58:05.5Z", b"22:10:00Z")
    c = fmt.to_canonical(fmt.split(later)[0].value)[0]
    assert a.value() == b.value()
    assert c.event.id != a.event.id


def test_flat_json_maps_like_the_xml() -> None:
    """VBB's JSON conversion of the same IstFahrt gives the same trip update."""
    assert mapped(json.dumps(flat_json()).encode()) == mapped(answer(IST_FAHRT))


def test_single_json_message_is_its_own_record_unchanged() -> None:
    """A one-object body goes onto the raw topic as it came."""
    body = json.dumps(flat_json(), indent=2).encode()
    [record] = Vdv454AusFormat().split(body)
    assert record.value == body
    assert record.record_id == "2026-11-20/2-H-2200#HAVAG"


def test_json_array_keeps_good_items_and_lets_bad_ones_travel() -> None:
    """In an array each item is a record; a SollFahrt item is dead-lettered alone, with its reason."""
    soll = {"FahrtID": {"FahrtBezeichner": "x", "Betriebstag": "2026-11-20"}, "SollHalts": []}
    other = flat_json(FahrtID={"FahrtBezeichner": "5-R-0700#HAVAG", "Betriebstag": "2026-11-21"})
    records = Vdv454AusFormat().split(json.dumps([flat_json(), soll, other]).encode())
    assert [r.record_id for r in records] == ["2026-11-20/2-H-2200#HAVAG", "item-2", "2026-11-21/5-R-0700#HAVAG"]
    assert refused(records[1].value).code == "unsupported"
    assert len(Vdv454AusFormat().to_canonical(records[2].value)) == 1


def test_element_tree_dump_maps_like_the_xml() -> None:
    """A $name/$/$text/$children dump of the XML is cut into XML records and maps the same."""
    document = json.dumps(tree(fromstring(IST_FAHRT))).encode()
    [record] = Vdv454AusFormat().split(document)
    assert record.value.startswith(b"<IstFahrt")
    assert mapped(document)[0].stop_updates == mapped(answer(IST_FAHRT))[0].stop_updates


def test_cancelled_and_added_trips() -> None:
    """FaelltAus marks the trip canceled, Zusatzfahrt added; Zusatzhalt marks a stop unscheduled."""
    [cancelled] = mapped(json.dumps(flat_json(FaelltAus="true")).encode())
    assert cancelled.schedule_relationship == "canceled"
    stops = flat_json()["IstHalts"]
    stops[2]["Zusatzhalt"] = "true"
    [added] = mapped(json.dumps(flat_json(Zusatzfahrt=True, IstHalts=stops)).encode())
    assert added.schedule_relationship == "added"
    assert added.stop_updates[2].schedule_relationship == "unscheduled"


def test_partial_message_has_no_stop_sequences_and_stops_without_prognosis_have_no_data() -> None:
    """Komplettfahrt=false lists only some stops, so positions are unknown; a stop without Prognose is no_data."""
    halts = [{"HaltID": "HAVAG_1", "Abfahrtszeit": "2026-11-20T22:00:00Z"}]
    [update] = mapped(json.dumps(flat_json(Komplettfahrt="false", IstHalts=halts)).encode())
    [stop] = update.stop_updates
    assert (stop.stop_sequence, stop.schedule_relationship, stop.departure_time) == (None, "no_data", None)


def test_message_without_any_time_is_refused() -> None:
    """Without Zst and delivery time the message time is unknown: a schema violation that says so."""
    doc = flat_json(Zst=None)
    del doc["$BestaetigungZst"]
    [record] = Vdv454AusFormat().split(json.dumps(doc).encode())
    assert record.version == ""
    error = refused(record.value)
    assert error.code == "schema_violation"
    assert "IstFahrt has no Zst and its delivery no Bestaetigung/@Zst" in error.reason


def test_message_without_fahrt_id_travels_and_is_refused() -> None:
    """An XML IstFahrt without FahrtID becomes a record by position and dead-letters with the reason."""
    broken = IST_FAHRT.replace("<FahrtBezeichner>2-H-2200#HAVAG</FahrtBezeichner>", "")
    [record] = Vdv454AusFormat().split(answer(broken))
    assert record.record_id == "IstFahrt-1"
    assert refused(record.value).reason == "IstFahrt has no FahrtID/FahrtBezeichner: the trip is unknown"


def test_bad_prognosis_time_names_trip_stop_and_element() -> None:
    """An unreadable time is a schema violation naming where it is."""
    [record] = Vdv454AusFormat().split(answer(IST_FAHRT.replace("2026-11-20T22:05:40Z", "bald")))
    assert refused(record.value).reason == (
        "trip <14 characters> stop <10 characters>: IstAnkunftPrognose: <4 characters> is not an ISO 8601 date-time"
    )


def test_refused_answer_is_source_failed_with_the_error_text() -> None:
    """Bestaetigung Ergebnis=notok is visible: source_failed (as SIRI's Status=false) with the Fehlernummer; the
    Fehlertext (the server's own words, input like any other) stays in the dead letter's bytes."""
    with pytest.raises(InvalidEventError) as info:
        Vdv454AusFormat().split(answer(ergebnis="notok", extra="<Fehlertext>Abo unbekannt</Fehlertext>"))
    assert info.value.code == "source_failed"
    assert info.value.reason == (
        "VDV 453 DatenAbrufenAntwort reports Ergebnis other than ok (Fehlernummer 0): "
        "Fehlertext of 13 characters in the dead letter"
    )


def test_control_messages_and_empty_answers_give_no_records() -> None:
    """DatenBereitAnfrage, a status answer and an answer without AUSNachricht carry no trips."""
    fmt = Vdv454AusFormat()
    assert fmt.split(b'<DatenBereitAnfrage Sender="havag" Zst="2026-11-20T21:58:00Z"/>') == []
    assert fmt.split(b'<StatusAntwort><Status Zst="2026-11-20T21:58:00Z" Ergebnis="ok"/></StatusAntwort>') == []
    assert fmt.split(answer()) == []


def test_other_services_and_planned_trips_are_unsupported() -> None:
    """A DatenAbrufenAntwort of another service and REF-AUS planned trips are unsupported, named."""
    other = b'<DatenAbrufenAntwort><Bestaetigung Ergebnis="ok"/><AZBNachricht AboID="1"/></DatenAbrufenAntwort>'
    with pytest.raises(InvalidEventError) as info:
        Vdv454AusFormat().split(other)
    assert info.value.reason == "the answer carries AZBNachricht, not AUSNachricht (VDV 454 AUS)"
    with pytest.raises(InvalidEventError) as info:
        Vdv454AusFormat().split(json.dumps({"FahrtID": {}, "SollHalts": []}).encode())
    assert (info.value.code, info.value.reason) == (
        "unsupported",
        "a SollFahrt (planned trip, REF-AUS) is not a real-time IstFahrt",
    )


@pytest.mark.parametrize(
    ("document", "code", "words"),
    [
        (b"<Siri/>", "malformed_xml", "root element 'Siri'"),
        (b"IstFahrt", "malformed_xml", "neither XML nor JSON"),
        (b"{broken", "malformed_json", "not JSON"),
        (b'"text"', "malformed_xml", "neither XML nor JSON"),
        (b'{"hello": 1}', "malformed_json", "neither FahrtID nor IstHalts"),
        (answer(IST_FAHRT)[:200], "malformed_xml", "not well-formed"),
        (b'<!DOCTYPE x [<!ENTITY a SYSTEM "file:///etc/passwd">]><IstFahrt>&a;</IstFahrt>', "unsafe_xml", "unsafe"),
    ],
)
def test_unusable_documents_are_refused_at_split(document: bytes, code: str, words: str) -> None:
    """Other XML, neither XML nor JSON, broken JSON, foreign JSON, truncated and unsafe XML: each named."""
    with pytest.raises(InvalidEventError) as info:
        Vdv454AusFormat().split(document)
    assert info.value.code == code
    assert words in info.value.reason


def test_record_holding_more_than_one_trip_is_malformed() -> None:
    """to_canonical takes exactly one IstFahrt."""
    error = refused(answer(IST_FAHRT, IST_FAHRT))
    assert (error.code, error.reason) == ("malformed_xml", "a VDV 454 record must hold one IstFahrt, found 2")


def test_array_item_that_is_a_tree_of_another_element_is_refused_alone() -> None:
    """In a JSON array, an element-tree item must be an IstFahrt; another element dead-letters by itself."""
    item = {"$name": "DatenAbrufenAntwort", "$": {}, "$text": "", "$children": []}
    records = Vdv454AusFormat().split(json.dumps([flat_json(), item]).encode())
    assert [r.record_id for r in records] == ["2026-11-20/2-H-2200#HAVAG", "item-2"]
    error = refused(records[1].value)
    assert (error.code, error.reason) == (
        "malformed_json",
        "an element tree of 'DatenAbrufenAntwort', not an IstFahrt",
    )


def test_aus_message_without_trips_but_other_content_is_unsupported() -> None:
    """An AUSNachricht holding something other than IstFahrt says what it holds."""
    with pytest.raises(InvalidEventError) as info:
        Vdv454AusFormat().split(b"<AUSNachricht><Linienfahrplan/></AUSNachricht>")
    assert info.value.code == "unsupported"
    assert info.value.reason == "AUSNachricht carries Linienfahrplan, no IstFahrt (real-time trip)"


@settings(max_examples=300, deadline=None)
@given(st.data(), st.booleans())
def test_mangled_documents_never_crash(data: st.DataObject, as_json: bool) -> None:
    """Cutting, splicing and overwriting a valid XML or JSON message yields records or InvalidEventError only."""
    document = json.dumps(flat_json()).encode() if as_json else answer(IST_FAHRT, IST_FAHRT)
    start = data.draw(st.integers(0, len(document)))
    end = data.draw(st.integers(start, min(len(document), start + 200)))
    filler = data.draw(st.sampled_from([b"", b"<", b"{", b"null", b"[1]", b'"$name"', b"\xff", b"9999-99-99"]))
    fmt = Vdv454AusFormat()
    try:
        records = fmt.split(document[:start] + filler + document[end:])
    except InvalidEventError:
        return
    for record in records:
        with contextlib.suppress(InvalidEventError):
            fmt.to_canonical(record.value)


@pytest.mark.parametrize("key", ["{LinienID", "Linien ID", "vdv:LinienID", "1Linie", ""])
def test_tree_dump_names_that_cannot_name_xml_elements_are_refused(key: str) -> None:
    """A tree dump's element or attribute name that can name no XML element (found by fuzzing: "{..." made
    ElementTree raise ValueError when writing the record) is malformed_json; a flat message, never written as XML,
    only ignores such a key."""
    dump = tree(fromstring(IST_FAHRT))
    assert len(mapped(json.dumps({**flat_json(), key: "x"}).encode())) == 1
    for document in (
        {**dump, "$": {key: "x"}},
        {**dump, "$children": [*dump["$children"], {"$name": key or "-", "$text": "x"}]},
    ):
        with pytest.raises(InvalidEventError) as info:
            Vdv454AusFormat().split(json.dumps(document).encode())
        assert info.value.code == "malformed_json"
        assert "cannot be an XML element or attribute name" in info.value.reason


def test_deeply_nested_json_and_bad_encodings_are_malformed_not_crashes() -> None:
    """JSON nested past the recursion limit and an unusable XML encoding declaration are refused, not raised."""
    with pytest.raises(InvalidEventError) as info:
        Vdv454AusFormat().split(b"[" * 100_000)
    assert info.value.code == "malformed_json"
    for encoding, code in ((b"UTF-800", "undecodable"), (b"rot13", "undecodable"), (b"utf-32", "malformed_xml")):
        with pytest.raises(InvalidEventError) as info:
            Vdv454AusFormat().split(b'<?xml version="1.0" encoding="' + encoding + b'"?><IstFahrt/>')
        assert info.value.code == code
