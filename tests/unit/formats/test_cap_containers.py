"""CAP split: bare alerts, feeds, EDXL-DE, ZIP archives (with their bomb guards), JSON, unsafe and foreign XML."""

from __future__ import annotations

import io
import zipfile

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.errors import InvalidEventError
from hub.formats.base import MAX_DOCUMENT_BYTES
from hub.formats.cap import CapFormat
from hub.formats.cap import containers as cap_containers
from hub.formats.jsondoc import MAX_RECORD_BYTES
from tests.unit.formats.fuzz import mutated, survives
from tests.unit.formats.test_cap_samples import SENDER, SENT, alert

FMT = CapFormat()
ATOM = "http://www.w3.org/2005/Atom"


def _body(doc: bytes) -> str:
    """The <alert> element of a sample without its XML declaration, for embedding."""
    return doc.decode().split("?>", 1)[1].strip()


def split_refused(document: bytes) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as caught:
        FMT.split(document)
    return caught.value


def zipped(*members: tuple[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members:
            archive.writestr(name, content)
    return buf.getvalue()


SEEDS = {
    "alert": alert(),
    "zip": zipped(("a.xml", alert()), ("b.xml", alert("E-2"))),
    "json": b'[{"identifier":"E-1","sender":"s","sent":"2026-11-20T22:00:07+01:00","status":"Actual",'
    b'"msgType":"Alert","scope":"Public","info":[{"category":["Fire"],"urgency":"Immediate","severity":"Severe",'
    b'"certainty":"Observed","area":[{"circle":["51.48,11.96 1"]}]}]}]',
}


def test_bare_alert_goes_on_unchanged() -> None:
    """A single alert is one record whose value is the document byte for byte."""
    doc = alert()
    [record] = FMT.split(doc, "application/cap+xml")
    assert record.value == doc


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE alert [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>&lol3;</identifier></alert>"""

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>E-1</identifier><sender>&xxe;</sender></alert>"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_entity_attacks_are_refused_as_unsafe_xml(document: bytes) -> None:
    """Entity expansion and external entities never reach a parser that would resolve them."""
    err = split_refused(document)
    assert err.code == "unsafe_xml"
    with pytest.raises(InvalidEventError) as caught:
        FMT.to_canonical(document)  # a raw record smuggled past split is refused the same way
    assert caught.value.code == "unsafe_xml"


@pytest.mark.parametrize(
    ("document", "code", "words"),
    [
        (b"-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n", "malformed_xml", "not a CAP document"),
        (b'<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"/>', "malformed_xml", "root element <schema>"),
        (b'<alert xmlns="urn:example:not-cap"/>', "malformed_xml", "root element <alert> in namespace"),
        (b"<alert><identifier>x</alert>", "malformed_xml", "not well-formed"),
        (b'"a JSON string"', "malformed_xml", "not a CAP document"),
        (b"{not json", "malformed_json", "not JSON"),
        (b"x" * (MAX_DOCUMENT_BYTES + 1), "too_large", "limit is"),
    ],
)
def test_documents_that_are_not_cap_are_refused_whole(document: bytes, code: str, words: str) -> None:
    """Certificates, schemas, foreign XML, broken XML or JSON and oversized bodies fail at split with a reason."""
    err = split_refused(document)
    assert err.code == code
    assert words in err.reason


def test_oversized_record_is_refused_by_to_canonical() -> None:
    """A raw record over the record limit is refused before parsing."""
    with pytest.raises(InvalidEventError) as caught:
        FMT.to_canonical(b"<" + b"x" * MAX_RECORD_BYTES)
    assert caught.value.code == "too_large"


def test_atom_feed_with_embedded_alerts_gives_one_record_each() -> None:
    """Entries whose content embeds a full CAP alert are cut out as standalone CAP records."""
    entries = "".join(
        f"<entry><id>{n}</id><content type='text/xml'>{_body(alert(f'E-{n}'))}</content></entry>" for n in (1, 2)
    )
    feed = f'<feed xmlns="{ATOM}"><title>Lage</title>{entries}</feed>'.encode()
    records = FMT.split(feed)
    assert [r.record_id for r in records] == [f"{SENDER},E-1", f"{SENDER},E-2"]
    assert [FMT.to_canonical(r.value)[0].event.data["incident_id"] for r in records] == [
        f"{SENDER},E-1",
        f"{SENDER},E-2",
    ]


def test_embedded_alert_maps_to_the_same_event_as_the_bare_one() -> None:
    """The re-serialised alert of a feed gives the identical event as the same alert sent alone."""
    feed = f'<feed xmlns="{ATOM}"><entry><content>{_body(alert())}</content></entry></feed>'.encode()
    [from_feed] = FMT.split(feed)
    [bare] = FMT.split(alert())
    assert (from_feed.record_id, from_feed.version, from_feed.key) == (bare.record_id, bare.version, bare.key)
    assert FMT.to_canonical(from_feed.value)[0].value() == FMT.to_canonical(bare.value)[0].value()


@pytest.mark.parametrize(
    ("document", "words"),
    [
        (f'<feed xmlns="{ATOM}"><title>leer</title></feed>'.encode(), "Atom feed has no entries"),
        (
            f'<feed xmlns="{ATOM}"><entry><link href="https://example.org/e1.cap"/></entry></feed>'.encode(),
            "Atom feed of 1 entry embeds no CAP alert",
        ),
        (
            b"<rss><channel><item><link>https://example.org/e1.cap</link></item><item/></channel></rss>",
            "RSS feed of 2 items embeds no CAP alert",
        ),
    ],
)
def test_feeds_that_only_link_are_unsupported(document: bytes, words: str) -> None:
    """An index of links is not an incident: unsupported, saying the linked alerts must be fetched."""
    err = split_refused(document)
    assert err.code == "unsupported"
    assert words in err.reason


def test_edxl_de_distribution_gives_its_embedded_alerts() -> None:
    """EDXL-DE contentObjects with embedded CAP alerts give one record per alert."""
    objects = "".join(
        f"<contentObject><xmlContent><embeddedXMLContent>{_body(alert(f'E-{n}'))}</embeddedXMLContent>"
        "</xmlContent></contentObject>"
        for n in (1, 2, 3)
    )
    doc = f'<EDXLDistribution xmlns="urn:oasis:names:tc:emergency:EDXL:DE:1.0">{objects}</EDXLDistribution>'
    assert len(FMT.split(doc.encode())) == 3
    empty = b'<EDXLDistribution xmlns="urn:oasis:names:tc:emergency:EDXL:DE:1.0"><contentObject/></EDXLDistribution>'
    assert split_refused(empty).code == "unsupported"


def test_zip_of_cap_files_gives_one_record_per_member_and_keeps_bad_ones_visible() -> None:
    """A ZIP (as DWD publishes) yields its alerts; a broken member is passed on to be dead-lettered, not dropped."""
    update = alert("E-1.1", msg_type="Update", references=f"{SENDER},E-1,{SENT}")
    records = FMT.split(zipped(("a.xml", alert("E-1")), ("b.xml", update), ("c.xml", b"<alert>broken")))
    assert [r.record_id for r in records[:2]] == [f"{SENDER},E-1", f"{SENDER},E-1.1"]
    assert records[0].key == records[1].key
    assert records[1].value == update
    assert records[2].record_id.startswith("sha256:")
    with pytest.raises(InvalidEventError) as caught:
        FMT.to_canonical(records[2].value)
    assert caught.value.code == "malformed_xml"


def test_zip_member_maps_to_the_same_event_as_the_bare_file() -> None:
    """Whether an alert came alone or in an archive, its event is identical."""
    [member] = FMT.split(zipped(("a.xml", alert())))
    assert FMT.to_canonical(member.value)[0].value() == FMT.to_canonical(alert())[0].value()


def test_zip_bomb_is_refused_by_what_it_expands_to() -> None:
    """A member that inflates beyond the document limit is refused while reading, whatever its header says."""
    bomb = zipped(("bomb.xml", b"<" + b" " * (MAX_DOCUMENT_BYTES + 10)))
    assert len(bomb) < 100_000  # highly compressible: small on the wire
    err = split_refused(bomb)
    assert (err.code, "expands to more than" in err.reason) == ("too_large", True)


def test_zip_total_and_member_count_are_limited(monkeypatch: pytest.MonkeyPatch) -> None:
    """Too many members, or members adding up past the total limit, refuse the archive as too_large."""
    monkeypatch.setattr(cap_containers, "MAX_ZIP_MEMBERS", 2)
    err = split_refused(zipped(*((f"{n}.xml", alert(f"E-{n}")) for n in range(3))))
    assert (err.code, err.reason) == ("too_large", "ZIP archive has 3 files, limit is 2")
    monkeypatch.setattr(cap_containers, "MAX_ZIP_MEMBERS", 100)
    monkeypatch.setattr(cap_containers, "MAX_ZIP_TOTAL_BYTES", 2 * len(alert()) + 10)
    err = split_refused(zipped(*((f"{n}.xml", alert(f"E-{n}")) for n in range(3))))
    assert err.code == "too_large"
    assert "ZIP archive expands to more than" in err.reason


@pytest.mark.parametrize(
    "member",
    [("inner.zip", b"whatever"), ("inner.xml", zipped(("a.xml", alert())))],
    ids=["by-name", "by-content"],
)
def test_nested_archives_are_refused(member: tuple[str, bytes]) -> None:
    """An archive inside the archive is refused, whether its name or its first bytes give it away."""
    err = split_refused(zipped(("a.xml", alert()), member))
    assert (err.code, "nested archives are refused" in err.reason) == ("unsupported", True)


def test_broken_zip_is_undecodable() -> None:
    """A ZIP whose directory is cut off is a broken envelope."""
    whole = zipped(("a.xml", alert()))
    assert split_refused(whole[: len(whole) - 30]).code == "undecodable"


def test_json_array_gives_one_record_per_alert_and_passes_junk_on() -> None:
    """A JSON array of CAP objects is cut into compact records; a non-object element still becomes a record."""
    doc = (
        b'[{"identifier":"E-1","sender":"s@example.org","sent":"2026-11-20T22:00:07+01:00"},'
        b' 42, {"identifier":"E-2","sender":"s@example.org","sent":"2026-11-20T22:01:07+01:00"}]'
    )
    records = FMT.split(doc)
    assert [r.record_id for r in records][::2] == ["s@example.org,E-1", "s@example.org,E-2"]
    assert records[1].record_id.startswith("sha256:")
    assert records[1].value == b"42"
    with pytest.raises(InvalidEventError) as caught:
        FMT.to_canonical(records[1].value)
    assert caught.value.code == "malformed_json"


def test_feed_alert_without_identity_is_named_by_content_and_refused_later() -> None:
    """An embedded alert missing its identifier becomes a content-named record that to_canonical refuses."""
    broken = _body(alert()).replace("<identifier>E-2026-000123</identifier>", "")
    feed = f'<feed xmlns="{ATOM}"><entry><content>{broken}</content></entry></feed>'.encode()
    [record] = FMT.split(feed)
    assert record.record_id.startswith("sha256:")
    with pytest.raises(InvalidEventError) as caught:
        FMT.to_canonical(record.value)
    assert (caught.value.code, caught.value.reason) == ("schema_violation", "CAP alert is missing identifier")


def test_update_with_broken_reference_still_gets_a_key() -> None:
    """split never fails on a bad reference; the record keys by itself and to_canonical names the fault."""
    [record] = FMT.split(alert("E-2", msg_type="Update", references="a,b"))
    assert record.key == f"{SENDER},E-2".encode()
    with pytest.raises(InvalidEventError) as caught:
        FMT.to_canonical(record.value)
    assert (caught.value.code, caught.value.reason) == (
        "schema_violation",
        "references: entry 1 is not a 'sender,identifier,sent' triple",
    )


@settings(max_examples=300, deadline=None)
@given(st.sampled_from(["alert", "zip", "json"]).flatmap(lambda kind: mutated(SEEDS[kind])))
def test_damaged_documents_never_escape_as_anything_but_a_reason(document: bytes) -> None:
    """Mutated alerts, ZIPs and JSON only ever give records or InvalidEventError, never another exception."""
    survives(FMT, document)


def test_unknown_encoding_in_the_xml_declaration_is_undecodable() -> None:
    """An encoding Python does not know (found by fuzzing) is a reason, not a LookupError."""
    document = alert().replace(b'encoding="UTF-8"', b'encoding="UTF-88"')
    assert split_refused(document).code == "undecodable"
    with pytest.raises(InvalidEventError) as caught:
        FMT.to_canonical(document)
    assert caught.value.code == "undecodable"
