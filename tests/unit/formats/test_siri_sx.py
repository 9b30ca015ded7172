"""SIRI-SX: documents cut into one record per situation, whatever wraps them, and each mapped to a
TransitDisruption; control messages, error deliveries and unsafe XML handled as documented."""

from __future__ import annotations

import contextlib
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.errors import InvalidEventError
from hub.formats.base import declared_version
from hub.formats.registry import FORMATS
from hub.formats.siri import SiriSxFormat
from hub.schemas import TransitDisruption, unwrap

SIRI_NS = "http://www.siri.org.uk/siri"

SITUATION = """
<PtSituationElement>
  <CreationTime>2026-11-20T06:00:00+01:00</CreationTime>
  <ParticipantRef>HAVAG</ParticipantRef>
  <SituationNumber>HAVAG-SX-1</SituationNumber>
  <Version>2</Version>
  <Progress>open</Progress>
  <ValidityPeriod><StartTime>2026-11-20T07:00:00+01:00</StartTime><EndTime>2026-11-20T19:00:00+01:00</EndTime></ValidityPeriod>
  <ValidityPeriod><StartTime>2026-11-21T07:00:00+01:00</StartTime><EndTime>2026-11-21T19:00:00+01:00</EndTime></ValidityPeriod>
  <PublicationWindow><StartTime>2026-11-19T00:00:00+01:00</StartTime></PublicationWindow>
  <AlertCause>constructionWork</AlertCause>
  <Severity>severe</Severity>
  <Summary xml:lang="en">Track works at Marktplatz</Summary>
  <Summary xml:lang="de">Gleisbauarbeiten am Marktplatz</Summary>
  <Description xml:lang="de">Die Linien 2 und 5 fahren eine Umleitung.</Description>
  <Affects>
    <Networks><AffectedNetwork>
      <AffectedLine><LineRef>de:HAVAG:Line:2</LineRef><PublishedLineName>2</PublishedLineName></AffectedLine>
      <AffectedLine><LineRef>5</LineRef></AffectedLine>
    </AffectedNetwork></Networks>
    <StopPoints>
      <AffectedStopPoint><StopPointRef>de:15002:5232:1:1</StopPointRef></AffectedStopPoint>
      <AffectedStopPoint><StopPointRef>4711</StopPointRef></AffectedStopPoint>
    </StopPoints>
  </Affects>
  <Consequences>
    <Consequence><Condition>diverted</Condition><Severity>slight</Severity>
      <Affects><Networks><AffectedNetwork><AffectedLine><PublishedLineName>2</PublishedLineName></AffectedLine>
      </AffectedNetwork></Networks></Affects>
    </Consequence>
  </Consequences>
</PtSituationElement>"""


def delivery(*situations: str, version: str = "2.0", status: str = "") -> bytes:
    """A bare SIRI 2.0 ServiceDelivery carrying ``situations``."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<Siri version="{version}" xmlns="{SIRI_NS}">
  <ServiceDelivery>
    <ResponseTimestamp>2026-11-20T06:00:05+01:00</ResponseTimestamp>
    <ProducerRef>HAVAG</ProducerRef>
    <SituationExchangeDelivery version="{version}">{status}
      <ResponseTimestamp>2026-11-20T06:00:05+01:00</ResponseTimestamp>
      <Situations>{"".join(situations)}</Situations>
    </SituationExchangeDelivery>
  </ServiceDelivery>
</Siri>""".encode()


def situation(**changes: str) -> str:
    """SITUATION with the first element of a name given new text (``Progress="closed"``), or every element of
    that name removed (``Summary=""``)."""
    text = SITUATION
    for name, value in changes.items():
        while value == "" and f"<{name}" in text:
            start = text.index(f"<{name}")
            text = text[:start] + text[text.index(f"</{name}>", start) + len(name) + 3 :]
        if value:
            start = text.index(f"<{name}")
            end = text.index(f"</{name}>", start) + len(name) + 3
            text = text[:start] + f"<{name}>{value}</{name}>" + text[end:]
    return text


def one(document: bytes, fmt: SiriSxFormat | None = None) -> TransitDisruption:
    """The single disruption a one-situation document maps to."""
    fmt = fmt or SiriSxFormat()
    [record] = fmt.split(document)
    [out] = fmt.to_canonical(record.value)
    payload = unwrap(out.event)
    assert isinstance(payload, TransitDisruption)
    return payload


def test_format_is_registered_on_its_raw_topic() -> None:
    """The registry knows siri-sx, bound to the declared raw.havag.siri-sx topic."""
    fmt = FORMATS["siri-sx"]
    assert isinstance(fmt, SiriSxFormat)
    assert fmt.raw_topic == "raw.havag.siri-sx"


def test_situation_maps_with_german_text_and_all_fields() -> None:
    """Two languages: the German summary wins; validity spans both periods; codes are mapped."""
    payload = one(delivery(SITUATION))
    assert payload.disruption_id == "HAVAG-SX-1"
    assert payload.summary == "Gleisbauarbeiten am Marktplatz"
    assert payload.lines == ["2", "5"]
    assert payload.stop_dhids == ["de:15002:5232:1:1"]  # 4711 is no DHID
    assert (payload.cause, payload.effect, payload.severity) == ("construction", "detour", "severe")
    assert payload.status == "updated"  # open, Version 2
    cet = timezone(timedelta(hours=1))
    assert payload.valid_from == datetime(2026, 11, 20, 7, 0, tzinfo=cet)
    assert payload.valid_to == datetime(2026, 11, 21, 19, 0, tzinfo=cet)


def test_record_is_named_by_situation_number_and_version() -> None:
    """record_id is the SituationNumber, version the Version with a content digest; the event's source id carries
    both."""
    fmt = SiriSxFormat()
    [record] = fmt.split(delivery(SITUATION))
    assert (record.record_id, declared_version(record.version), record.key) == ("HAVAG-SX-1", "2", b"HAVAG-SX-1")
    assert re.fullmatch(r"2#[0-9a-f]{16}", record.version)
    [out] = fmt.to_canonical(record.value)
    assert out.event.hubsourceid == record.identity == f"HAVAG-SX-1@{record.version}"
    assert out.event.source == "/havag/siri/sx"
    assert out.topic == "canon.transit-disruption"
    assert out.key == b"HAVAG-SX-1"
    assert out.event.time == datetime(2026, 11, 20, 6, 0, tzinfo=timezone(timedelta(hours=1)))  # CreationTime


def test_version_falls_back_to_versioned_at_then_creation_time() -> None:
    """Without Version the VersionedAtTime, else the CreationTime names the version."""
    versioned = situation(Version="").replace(
        "<Progress>", "<VersionedAtTime>2026-11-20T06:30:00+01:00</VersionedAtTime><Progress>"
    )
    [record] = SiriSxFormat().split(delivery(versioned))
    assert declared_version(record.version) == "2026-11-20T06:30:00+01:00"
    [record] = SiriSxFormat().split(delivery(situation(Version="")))
    assert declared_version(record.version) == "2026-11-20T06:00:00+01:00"


def test_same_situation_gives_identical_event_and_new_version_a_new_one() -> None:
    """Stable ids: a repeated delivery maps to the same bytes; a new Version to a new event id."""
    fmt = SiriSxFormat()
    first = fmt.to_canonical(fmt.split(delivery(SITUATION))[0].value)[0]
    again = fmt.to_canonical(fmt.split(delivery(SITUATION))[0].value)[0]
    newer = fmt.to_canonical(fmt.split(delivery(situation(Version="3")))[0].value)[0]
    assert first.value() == again.value()
    assert newer.event.id != first.event.id


def test_same_version_with_other_content_is_a_new_version_and_a_new_event() -> None:
    """A server changing a situation without raising its Version (issue 15): the digest in the version makes it a
    new record version (so the connector does not drop it as a duplicate) and a new event id (so nothing
    downstream takes it for the first); the connector counts and logs it (tests/unit/connectors/test_cutting.py)."""
    fmt = SiriSxFormat()
    [first] = fmt.split(delivery(SITUATION))
    [changed] = fmt.split(delivery(situation(Summary="Gleisbauarbeiten, Linie 2 fährt nicht")))
    assert declared_version(first.version) == declared_version(changed.version) == "2"
    assert first.version != changed.version
    first_event = fmt.to_canonical(first.value)[0].event
    changed_event = fmt.to_canonical(changed.value)[0].event
    assert first_event.id != changed_event.id


def test_the_same_content_keeps_its_version_whatever_the_prefixes_and_layout() -> None:
    """Prefixes, namespace declarations and indentation change no version: a re-sent situation stays a duplicate."""
    prefixed = SITUATION.replace("<", "<siri:").replace("<siri:/", "</siri:")
    document = f"""<siri:Siri xmlns:siri="{SIRI_NS}"><siri:ServiceDelivery><siri:SituationExchangeDelivery>
<siri:Situations>{" ".join(prefixed.split())}</siri:Situations></siri:SituationExchangeDelivery></siri:ServiceDelivery>
</siri:Siri>"""
    [plain] = SiriSxFormat().split(delivery(SITUATION))
    [other] = SiriSxFormat().split(document.encode())
    assert plain.version == other.version


def test_record_is_standalone_xml_with_its_namespace() -> None:
    """A record is the situation alone, namespaced, without the trailing whitespace of the document."""
    [record] = SiriSxFormat().split(delivery(SITUATION))
    assert record.value.startswith(b"<ns0:PtSituationElement")
    assert SIRI_NS.encode() in record.value
    assert record.value.endswith(b"</ns0:PtSituationElement>")


def test_soap_wrapped_siri_1_delivery_with_prefixes_splits_the_same() -> None:
    """A SIRI 1.x delivery with prefixes inside a SOAP envelope gives the same situation."""
    prefixed = SITUATION.replace("<", "<siri:").replace("<siri:/", "</siri:")
    document = f"""<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/">
<soapenv:Body><siri:GetSituationExchangeResponse xmlns:siri="{SIRI_NS}"><Answer>
<siri:SituationExchangeDelivery version="1.4"><siri:Situations>{prefixed}</siri:Situations>
</siri:SituationExchangeDelivery></Answer></siri:GetSituationExchangeResponse></soapenv:Body></soapenv:Envelope>"""
    assert one(document.encode()) == one(delivery(SITUATION))


def test_several_situations_give_several_records_and_bad_ones_still_travel() -> None:
    """A situation without number still becomes a record (named by position) and dead-letters on its own."""
    fmt = SiriSxFormat()
    second = situation(SituationNumber="HAVAG-SX-2")
    broken = situation(SituationNumber="")
    records = fmt.split(delivery(SITUATION, second, broken))
    assert [r.record_id for r in records] == ["HAVAG-SX-1", "HAVAG-SX-2", "situation-3"]
    assert len(fmt.to_canonical(records[1].value)) == 1
    with pytest.raises(InvalidEventError) as info:
        fmt.to_canonical(records[2].value)
    assert (info.value.code, info.value.reason) == ("schema_violation", "PtSituationElement has no SituationNumber")


def test_empty_delivery_and_heartbeat_give_no_records() -> None:
    """Nothing new, or a heartbeat (even in SOAP): no records and no error."""
    assert SiriSxFormat().split(delivery()) == []
    heartbeat = f"""<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<q1:HeartbeatNotification xmlns:q1="{SIRI_NS}"><q1:RequestTimestamp>2026-11-20T08:31:43+01:00</q1:RequestTimestamp>
<q1:ProducerRef>HAVAG</q1:ProducerRef></q1:HeartbeatNotification></s:Body></s:Envelope>"""
    assert SiriSxFormat().split(heartbeat.encode()) == []


def test_error_delivery_is_source_failed_with_the_servers_error_text() -> None:
    """Status=false is visible to an operator: source_failed, quoting the ErrorText."""
    status = (
        "<Status>false</Status><ErrorCondition><OtherError><ErrorText>Datenbank nicht erreichbar</ErrorText>"
        "</OtherError></ErrorCondition>"
    )
    with pytest.raises(InvalidEventError) as info:
        SiriSxFormat().split(delivery(status=status))
    assert info.value.code == "source_failed"
    assert info.value.reason == (
        "SIRI SituationExchangeDelivery reports Status=false: OtherError: Datenbank nicht erreichbar"
    )


def test_failed_heartbeat_is_an_error_not_silence() -> None:
    """A heartbeat reporting Status=false (service down) is source_failed with its error, not dropped."""
    heartbeat = f"""<HeartbeatNotification xmlns="{SIRI_NS}"><Status>false</Status>
<ErrorCondition><ServiceNotAvailableError/><Description>Wartung</Description></ErrorCondition>
</HeartbeatNotification>"""
    with pytest.raises(InvalidEventError) as info:
        SiriSxFormat().split(heartbeat.encode())
    assert info.value.reason == "SIRI HeartbeatNotification reports Status=false: ServiceNotAvailableError: Wartung"


def test_other_siri_service_is_unsupported() -> None:
    """A VehicleMonitoringDelivery sent to the SX endpoint names what it is."""
    document = f"""<Siri xmlns="{SIRI_NS}"><ServiceDelivery><VehicleMonitoringDelivery/></ServiceDelivery></Siri>"""
    with pytest.raises(InvalidEventError) as info:
        SiriSxFormat().split(document.encode())
    assert info.value.code == "unsupported"
    assert "carries VehicleMonitoringDelivery, not SituationExchangeDelivery (SIRI-SX)" in info.value.reason


def test_soap_fault_is_source_failed_with_its_fault_string() -> None:
    """A SOAP Fault from the server is reported with its faultstring."""
    fault = """<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><s:Fault>
<faultcode>s:Server</faultcode><faultstring>Abo unbekannt</faultstring></s:Fault></s:Body></s:Envelope>"""
    with pytest.raises(InvalidEventError) as info:
        SiriSxFormat().split(fault.encode())
    assert (info.value.code, info.value.reason) == (
        "source_failed",
        "SOAP Fault from the SIRI server: a fault text of 13 characters in the dead letter",
    )


def test_xml_that_is_not_siri_is_malformed() -> None:
    """Another XML document (here a CAP alert) is malformed_xml naming its root element."""
    with pytest.raises(InvalidEventError) as info:
        SiriSxFormat().split(b'<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"><identifier>x</identifier></alert>')
    assert info.value.code == "malformed_xml"
    assert "root element 'alert'" in info.value.reason


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<Siri xmlns="http://www.siri.org.uk/siri"><ServiceDelivery><ProducerRef>&lol3;</ProducerRef></ServiceDelivery></Siri>"""
XXE = b"""<?xml version="1.0"?>
<!DOCTYPE Siri [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Siri xmlns="http://www.siri.org.uk/siri"><ServiceDelivery><ProducerRef>&xxe;</ProducerRef></ServiceDelivery></Siri>"""


@pytest.mark.parametrize("document", [BILLION_LAUGHS, XXE], ids=["billion-laughs", "xxe"])
def test_entity_attacks_are_refused_as_unsafe(document: bytes) -> None:
    """Entity expansion and external entities never reach the parser's expansion: unsafe_xml."""
    with pytest.raises(InvalidEventError) as info:
        SiriSxFormat().split(document)
    assert info.value.code == "unsafe_xml"


def test_unsafe_record_is_refused_by_to_canonical_too() -> None:
    """A raw record is parsed as safely as a document."""
    with pytest.raises(InvalidEventError) as info:
        SiriSxFormat().to_canonical(XXE)
    assert info.value.code == "unsafe_xml"


def test_truncated_document_is_malformed() -> None:
    """A body cut off in transit is malformed_xml, not a partial delivery."""
    document = delivery(SITUATION)
    with pytest.raises(InvalidEventError) as info:
        SiriSxFormat().split(document[: len(document) // 2])
    assert info.value.code == "malformed_xml"


def test_record_of_another_element_is_malformed() -> None:
    """to_canonical takes exactly one PtSituationElement."""
    with pytest.raises(InvalidEventError) as info:
        SiriSxFormat().to_canonical(delivery(SITUATION))
    assert info.value.code == "malformed_xml"
    assert "record must be one PtSituationElement element, got 'Siri'" in info.value.reason


def test_local_times_need_a_configured_zone() -> None:
    """Times without offset dead-letter by default and map in the zone the feed is configured with."""
    naive = SITUATION.replace("+01:00", "")
    fmt = SiriSxFormat()
    [record] = fmt.split(delivery(naive))
    with pytest.raises(InvalidEventError) as info:
        fmt.to_canonical(record.value)
    assert "CreationTime: <19 characters> has no UTC offset" in info.value.reason
    zoned = one(delivery(naive), SiriSxFormat(naive_tz=timezone(timedelta(hours=1))))
    assert zoned == one(delivery(SITUATION))


def test_summary_falls_back_to_description_and_refuses_neither() -> None:
    """Without Summary the Description is the summary; without both the situation is a schema violation."""
    assert one(delivery(situation(Summary=""))).summary == "Die Linien 2 und 5 fahren eine Umleitung."
    fmt = SiriSxFormat()
    [record] = fmt.split(delivery(situation(Summary="", Description="")))
    with pytest.raises(InvalidEventError) as info:
        fmt.to_canonical(record.value)
    assert info.value.reason == "situation <10 characters> has no Summary or Description text"


def test_long_summary_is_cut_to_the_model_limit() -> None:
    """A summary over 1000 characters is shortened, not refused."""
    long_text = SITUATION.replace("Gleisbauarbeiten am Marktplatz", "Umleitung " * 200)
    payload = one(delivery(long_text))
    assert len(payload.summary) == 1000


@pytest.mark.parametrize(
    ("progress", "version", "status"),
    [
        ("open", "1", "open"),
        ("published", "1", "open"),
        ("open", "4", "updated"),
        ("closing", "2", "closed"),
        ("closed", "9", "closed"),
    ],
)
def test_progress_maps_to_lifecycle_status(progress: str, version: str, status: str) -> None:
    """Open/published are open (updated from Version 2 on); closing/closed are closed."""
    assert one(delivery(situation(Progress=progress, Version=version))).status == status


def test_draft_situation_is_unsupported() -> None:
    """A draft is not published to passengers: unsupported with the reason, not silently dropped."""
    fmt = SiriSxFormat()
    [record] = fmt.split(delivery(situation(Progress="draft")))
    with pytest.raises(InvalidEventError) as info:
        fmt.to_canonical(record.value)
    assert info.value.code == "unsupported"
    assert "not published yet (Progress=draft)" in info.value.reason


@pytest.mark.parametrize(
    ("reason_xml", "cause"),
    [
        ("<AlertCause>policeActivity</AlertCause>", "police_activity"),
        ("<MiscellaneousReason>accident</MiscellaneousReason>", "accident"),
        ("<EnvironmentReason>heavySnowFall</EnvironmentReason>", "weather"),
        ("<EnvironmentReason>somethingNew</EnvironmentReason>", "weather"),
        ("<EquipmentReason>liftFailure</EquipmentReason>", "technical_problem"),
        ("<EquipmentReason>repairWork</EquipmentReason>", "maintenance"),
        ("<PersonnelReason>industrialAction</PersonnelReason>", "strike"),
        ("<MiscellaneousReason>demonstration</MiscellaneousReason>", "demonstration"),
        ("<MiscellaneousReason>illVehicleOccupants</MiscellaneousReason>", "medical_emergency"),
        ("<MiscellaneousReason>overcrowded</MiscellaneousReason>", "other"),
        ("<UnknownReason>Unknown</UnknownReason>", "unknown"),
        ("", "unknown"),
    ],
)
def test_reasons_map_to_causes(reason_xml: str, cause: str) -> None:
    """SIRI 1.x reason elements and 2.x AlertCause map as the documented table says."""
    text = SITUATION.replace("<AlertCause>constructionWork</AlertCause>", reason_xml)
    assert one(delivery(text)).cause == cause


@pytest.mark.parametrize(
    ("severity", "expected"),
    [
        ("slight", "info"),
        ("noImpact", "info"),
        ("normal", "warning"),
        ("verySevere", "severe"),
        ("pti26_4", "severe"),
        ("undefined", "unknown"),
        ("odd", "unknown"),
    ],
)
def test_severities_map(severity: str, expected: str) -> None:
    """SIRI severities fall into info, warning, severe or unknown."""
    assert one(delivery(situation(Severity=severity))).severity == expected


def test_severity_and_effect_come_from_the_consequence_when_absent_above() -> None:
    """Without a situation-level Severity, the first consequence's applies; its Condition is the effect."""
    payload = one(delivery(SITUATION.replace("<Severity>severe</Severity>", "")))
    assert (payload.severity, payload.effect) == ("info", "detour")


@pytest.mark.parametrize(
    ("condition", "effect"),
    [
        ("cancelled", "no_service"),
        ("delayed", "significant_delays"),
        ("altered", "modified_service"),
        ("stopMoved", "stop_moved"),
        ("normalService", "no_effect"),
        ("somethingElse", "other"),
    ],
)
def test_conditions_map_to_effects(condition: str, effect: str) -> None:
    """Consequence/Condition values map as the documented table says."""
    assert one(delivery(situation(Condition=condition))).effect == effect


def test_open_ended_and_placeholder_end_give_no_valid_to() -> None:
    """A period without EndTime or with 9999-12-31 is open-ended."""
    text = SITUATION.replace("<EndTime>2026-11-21T19:00:00+01:00</EndTime>", "<EndTime>9999-12-31T23:59:59</EndTime>")
    assert one(delivery(text)).valid_to is None


def test_publication_window_then_creation_time_give_valid_from() -> None:
    """Without validity periods the publication window starts it, without that the creation time."""
    no_validity = situation(ValidityPeriod="")
    assert one(delivery(no_validity)).valid_from == datetime(2026, 11, 18, 23, 0, tzinfo=UTC)
    neither = situation(ValidityPeriod="", PublicationWindow="")
    assert one(delivery(neither)).valid_from == datetime(2026, 11, 20, 5, 0, tzinfo=UTC)


def test_reversed_period_is_a_schema_violation() -> None:
    """An end before the start is refused with the model's reason, naming the situation."""
    text = SITUATION.replace("2026-11-21T19:00:00+01:00", "2026-11-01T19:00:00+01:00").replace(
        "<ValidityPeriod><StartTime>2026-11-20T07:00:00+01:00</StartTime><EndTime>2026-11-20T19:00:00+01:00</EndTime>"
        "</ValidityPeriod>",
        "",
    )
    fmt = SiriSxFormat()
    [record] = fmt.split(delivery(text))
    with pytest.raises(InvalidEventError) as info:
        fmt.to_canonical(record.value)
    assert info.value.code == "schema_violation"
    assert info.value.reason == "situation <10 characters>: valid_to: valid_to is before valid_from"


def test_oversized_document_is_refused_before_parsing() -> None:
    """A body over the document limit is too_large."""
    with pytest.raises(InvalidEventError) as info:
        SiriSxFormat().split(b"<Siri>" + b" " * (16 * 1024 * 1024) + b"</Siri>")
    assert info.value.code == "too_large"


@pytest.mark.parametrize(("version", "status"), [("02", "updated"), ("0001", "open"), ("²", "open")])
def test_versions_are_compared_as_text(version: str, status: str) -> None:
    """Whether a situation is open or updated follows from its Version as text: digits int() does not read ("²",
    found by fuzzing: ValueError) are no version above 1."""
    fmt = SiriSxFormat()
    [record] = fmt.split(delivery(situation(Version=version)))
    assert unwrap(fmt.to_canonical(record.value)[0].event).status == status  # type: ignore[attr-defined]


def test_a_version_of_more_digits_than_int_takes_is_a_reason() -> None:
    """A Version of 5,000 digits (found by fuzzing: int() raised ValueError) is refused as too long an identity."""
    fmt = SiriSxFormat()
    [record] = fmt.split(delivery(situation(Version="2" + "0" * 4999)))
    with pytest.raises(InvalidEventError) as info:
        fmt.to_canonical(record.value)
    assert info.value.code == "schema_violation"


def test_overlong_version_is_refused_not_a_crash() -> None:
    """A Version text too long for the envelope's source id is a schema violation naming the situation."""
    fmt = SiriSxFormat()
    [record] = fmt.split(delivery(situation(Version="9" * 2000)))
    with pytest.raises(InvalidEventError) as info:
        fmt.to_canonical(record.value)
    assert info.value.code == "schema_violation"
    assert "record id and version of <10 characters> are longer than 1024 characters" in info.value.reason


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mangled_documents_never_crash(data: st.DataObject) -> None:
    """Cutting, splicing and overwriting a valid delivery yields records or InvalidEventError, nothing else."""
    document = delivery(SITUATION, situation(SituationNumber="HAVAG-SX-2"))
    start = data.draw(st.integers(0, len(document)))
    end = data.draw(st.integers(start, min(len(document), start + 200)))
    filler = data.draw(st.sampled_from([b"", b"<", b"&", b"</Summary>", b"+99:99", b"\xff", b"<Version>x</Version>"]))
    mangled = document[:start] + filler + document[end:]
    fmt = SiriSxFormat()
    try:
        records = fmt.split(mangled)
    except InvalidEventError:
        return
    for record in records:
        with contextlib.suppress(InvalidEventError):
            fmt.to_canonical(record.value)


@pytest.mark.parametrize(
    ("encoding", "code", "words"),
    [
        ("UTF-800", "undecodable", "encoding Python does not know"),
        ("rot13", "undecodable", "encoding Python does not know"),
        ("utf-32", "malformed_xml", "unusable encoding declaration"),
    ],
)
def test_unusable_encoding_declaration_is_refused(encoding: str, code: str, words: str) -> None:
    """An XML declaration naming an unknown or unusable encoding is refused with a reason, not a crash."""
    document = delivery(SITUATION).replace(b'encoding="UTF-8"', f'encoding="{encoding}"'.encode())
    with pytest.raises(InvalidEventError) as info:
        SiriSxFormat().split(document)
    assert info.value.code == code
    assert words in info.value.reason
