"""SIRI-VM: one record per VehicleActivity, named by vehicle and RecordedAtTime, mapped to a VehiclePosition
with delay, line, direction, trip and stop."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hub.errors import InvalidEventError
from hub.formats.registry import FORMATS
from hub.formats.siri import SiriVmFormat
from hub.schemas import VehiclePosition, unwrap

SIRI_NS = "http://www.siri.org.uk/siri"

ACTIVITY = """
<VehicleActivity>
  <RecordedAtTime>2026-11-20T22:00:07+01:00</RecordedAtTime>
  <ValidUntilTime>2026-11-20T22:05:07+01:00</ValidUntilTime>
  <MonitoredVehicleJourney>
    <LineRef>de:HAVAG:Line:2</LineRef>
    <DirectionRef>H</DirectionRef>
    <FramedVehicleJourneyRef>
      <DataFrameRef>2026-11-20</DataFrameRef>
      <DatedVehicleJourneyRef>2-H-2200</DatedVehicleJourneyRef>
    </FramedVehicleJourneyRef>
    <PublishedLineName>2</PublishedLineName>
    <DestinationName xml:lang="en">Beesen</DestinationName>
    <DestinationName xml:lang="de">Halle, Beesen</DestinationName>
    <VehicleLocation><Longitude>11.9695</Longitude><Latitude>51.4825</Latitude></VehicleLocation>
    <Bearing>184.5</Bearing>
    <Delay>PT2M30S</Delay>
    <BlockRef>Umlauf-17</BlockRef>
    <VehicleRef>654</VehicleRef>
    <MonitoredCall><StopPointRef>de:15002:5232:1:1</StopPointRef><VehicleAtStop>false</VehicleAtStop></MonitoredCall>
  </MonitoredVehicleJourney>
</VehicleActivity>"""


def delivery(*activities: str) -> bytes:
    """A bare SIRI 2.0 VehicleMonitoringDelivery carrying ``activities``."""
    return f"""<Siri version="2.0" xmlns="{SIRI_NS}"><ServiceDelivery>
<ResponseTimestamp>2026-11-20T22:00:08+01:00</ResponseTimestamp><ProducerRef>HAVAG</ProducerRef>
<VehicleMonitoringDelivery version="2.0">{"".join(activities)}</VehicleMonitoringDelivery>
</ServiceDelivery></Siri>""".encode()


def one(document: bytes, fmt: SiriVmFormat | None = None) -> VehiclePosition:
    """The single position a one-activity document maps to."""
    fmt = fmt or SiriVmFormat()
    [record] = fmt.split(document)
    [out] = fmt.to_canonical(record.value)
    payload = unwrap(out.event)
    assert isinstance(payload, VehiclePosition)
    return payload


def refused(document: bytes) -> InvalidEventError:
    """The error to_canonical raises for the single record of ``document``."""
    fmt = SiriVmFormat()
    [record] = fmt.split(document)
    with pytest.raises(InvalidEventError) as info:
        fmt.to_canonical(record.value)
    return info.value


def test_format_is_registered_on_its_raw_topic() -> None:
    """The registry knows siri-vm, bound to the declared raw.havag.siri-vm topic."""
    fmt = FORMATS["siri-vm"]
    assert isinstance(fmt, SiriVmFormat)
    assert fmt.raw_topic == "raw.havag.siri-vm"


def test_activity_maps_to_a_vehicle_position() -> None:
    """Every mapped field: position, bearing, delay in seconds, public line, German destination, trip, run, stop."""
    payload = one(delivery(ACTIVITY))
    assert payload.vehicle == "654"
    assert (payload.lat, payload.lon, payload.bearing) == (51.4825, 11.9695, 184.5)
    assert payload.delay_s == 150
    assert payload.line == "2"
    assert payload.direction == "Halle, Beesen"
    assert payload.trip_id == "2-H-2200"
    assert payload.run == "Umlauf-17"
    assert payload.observed_at == datetime(2026, 11, 20, 21, 0, 7, tzinfo=UTC)
    assert (payload.current_stop_dhid, payload.next_stop_dhid) == (None, "de:15002:5232:1:1")


def test_record_is_named_by_vehicle_and_recorded_time() -> None:
    """record_id = VehicleRef, version = RecordedAtTime, key = VehicleRef; the event carries both."""
    fmt = SiriVmFormat()
    [record] = fmt.split(delivery(ACTIVITY))
    assert (record.record_id, record.version, record.key) == ("654", "2026-11-20T22:00:07+01:00", b"654")
    [out] = fmt.to_canonical(record.value)
    assert out.event.hubsourceid == record.identity
    assert (out.topic, out.key, out.event.source) == ("canon.vehicle-position", b"654", "/havag/siri/vm")


def test_monitoring_ref_prefixes_the_record_id() -> None:
    """With a VehicleMonitoringRef the record id is VehicleMonitoringRef/VehicleRef, the key still the vehicle."""
    activity = ACTIVITY.replace(
        "<ValidUntilTime>", "<VehicleMonitoringRef>HAL-Tram</VehicleMonitoringRef><ValidUntilTime>"
    )
    [record] = SiriVmFormat().split(delivery(activity))
    assert (record.record_id, record.key) == ("HAL-Tram/654", b"654")


def test_repeated_report_is_the_same_event_and_a_new_one_is_new() -> None:
    """Stable ids: the same activity maps to identical bytes; a later RecordedAtTime to a new id."""
    fmt = SiriVmFormat()
    a = fmt.to_canonical(fmt.split(delivery(ACTIVITY))[0].value)[0]
    b = fmt.to_canonical(fmt.split(delivery(ACTIVITY))[0].value)[0]
    later = ACTIVITY.replace("22:00:07+01:00", "22:00:17+01:00")
    c = fmt.to_canonical(fmt.split(delivery(later))[0].value)[0]
    assert a.value() == b.value()
    assert c.event.id != a.event.id


@pytest.mark.parametrize(("delay", "seconds"), [("PT0S", 0), ("-PT1M", -60), ("PT-274S", -274), ("P0DT1H", 3600)])
def test_delay_is_parsed_to_seconds(delay: str, seconds: int) -> None:
    """ISO 8601 delays, early or late, become signed seconds."""
    assert one(delivery(ACTIVITY.replace("PT2M30S", delay))).delay_s == seconds


def test_bad_delay_names_vehicle_and_element() -> None:
    """An unreadable Delay is a schema violation naming the vehicle and the Delay element."""
    error = refused(delivery(ACTIVITY.replace("PT2M30S", "2:30")))
    assert error.code == "schema_violation"
    assert error.reason == "vehicle <3 characters>: Delay: <4 characters> is not an ISO 8601 duration"


def test_vehicle_at_stop_sets_the_current_stop() -> None:
    """VehicleAtStop=true makes the monitored call the current stop; a non-DHID stop is left out."""
    at_stop = one(delivery(ACTIVITY.replace("<VehicleAtStop>false", "<VehicleAtStop>true")))
    assert (at_stop.current_stop_dhid, at_stop.next_stop_dhid) == ("de:15002:5232:1:1", None)
    local = one(delivery(ACTIVITY.replace("de:15002:5232:1:1", "125")))
    assert (local.current_stop_dhid, local.next_stop_dhid) == (None, None)


def test_minimal_activity_maps_with_fallbacks() -> None:
    """Without public name, destination, trip and block: LineRef if short, DirectionRef, CourseOfJourneyRef."""
    minimal = f"""<VehicleActivity xmlns="{SIRI_NS}"><RecordedAtTime>2026-11-20T21:00:07Z</RecordedAtTime>
<MonitoredVehicleJourney><LineRef>1005</LineRef><DirectionRef>back</DirectionRef>
<VehicleLocation><Longitude>11.9</Longitude><Latitude>51.5</Latitude></VehicleLocation>
<CourseOfJourneyRef>10052511</CourseOfJourneyRef><VehicleRef>1164</VehicleRef></MonitoredVehicleJourney>
</VehicleActivity>"""
    payload = one(delivery(minimal))
    assert (payload.line, payload.direction, payload.run, payload.trip_id) == ("1005", "back", "10052511", None)
    assert (payload.delay_s, payload.bearing) == (None, None)


def test_soap_siri_ws_answer_without_namespaces_splits() -> None:
    """SIRI-WS answers put unqualified wrappers around namespaced activities: found all the same."""
    namespaced = ACTIVITY.replace("<VehicleActivity>", f'<VehicleActivity xmlns="{SIRI_NS}">')
    document = f"""<?xml version="1.0"?><s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body>
<VehicleMonitoringAnswer><ServiceDeliveryInfo><ProducerRef xmlns="{SIRI_NS}">HAVAG</ProducerRef></ServiceDeliveryInfo>
<Answer><VehicleMonitoringDelivery version="1.4">{namespaced}
</VehicleMonitoringDelivery></Answer></VehicleMonitoringAnswer></s:Body></s:Envelope>"""
    assert one(document.encode()) == one(delivery(ACTIVITY))


def test_activity_without_position_is_a_schema_violation() -> None:
    """An empty VehicleLocation has nothing to report: the reason says so and names the vehicle."""
    error = refused(delivery(ACTIVITY.replace("<Longitude>11.9695</Longitude><Latitude>51.4825</Latitude>", "")))
    assert error.code == "schema_violation"
    assert (
        error.reason == "vehicle <3 characters>: VehicleLocation has no Latitude and Longitude (no position to report)"
    )


def test_activity_without_vehicle_travels_and_is_refused() -> None:
    """No VehicleRef: the record is named by position and dead-letters with the reason."""
    fmt = SiriVmFormat()
    records = fmt.split(delivery(ACTIVITY, ACTIVITY.replace("<VehicleRef>654</VehicleRef>", "")))
    assert [r.record_id for r in records] == ["654", "activity-2"]
    with pytest.raises(InvalidEventError) as info:
        fmt.to_canonical(records[1].value)
    assert info.value.reason == "VehicleActivity has no VehicleRef: the vehicle is unknown"


def test_out_of_range_coordinates_are_refused_by_the_model() -> None:
    """A latitude outside -90..90 is a schema violation naming the field, not the value."""
    error = refused(delivery(ACTIVITY.replace("51.4825", "151.4825")))
    assert error.code == "schema_violation"
    assert error.reason.startswith("vehicle <3 characters>: VehicleLocation/Latitude is out of range (-90 to 90)")
    assert "151.4825" not in error.reason


@pytest.mark.parametrize(
    ("lat", "lon", "words"),
    [
        ("90", "180", "VehicleLocation/Latitude is 90, the edge of its range: a placeholder"),
        ("90.0", "11.9695", "VehicleLocation/Latitude is 90, the edge of its range"),
        ("51.4825", "-180", "VehicleLocation/Longitude is -180, the edge of its range"),
        ("0", "0", "VehicleLocation/Latitude is exactly 0"),
        ("0.000", "11.9695", "VehicleLocation/Latitude is exactly 0"),
        ("NaN", "11.9695", "VehicleLocation/Latitude is not a finite number"),
    ],
)
def test_placeholder_coordinates_are_refused_like_gtfs_rt_refuses_them(lat: str, lon: str, words: str) -> None:
    """Lat 90 / lon 180, 0/0 and other placeholders are refused with the reason GTFS-RT and unit reports give
    (hub.formats.position, one check for every position format); before, SIRI-VM passed lat 90 / lon 180 on."""
    located = f"<Longitude>{lon}</Longitude><Latitude>{lat}</Latitude>"
    error = refused(delivery(ACTIVITY.replace("<Longitude>11.9695</Longitude><Latitude>51.4825</Latitude>", located)))
    assert error.code == "schema_violation"
    assert error.reason.startswith(f"vehicle <3 characters>: {words}")


def test_non_numeric_bearing_is_refused() -> None:
    """A bearing that is no number is a schema violation naming it."""
    assert (
        refused(delivery(ACTIVITY.replace("184.5", "south"))).reason
        == "vehicle <3 characters>: Bearing is not a number"
    )


def test_local_recorded_time_needs_a_configured_zone() -> None:
    """A RecordedAtTime without offset is refused by default and read in the configured zone otherwise."""
    naive = ACTIVITY.replace("2026-11-20T22:00:07+01:00", "2026-11-20T22:00:07")
    assert "RecordedAtTime: <19 characters> has no UTC offset" in refused(delivery(naive)).reason
    zoned = one(delivery(naive), SiriVmFormat(naive_tz=timezone(timedelta(hours=1))))
    assert zoned.observed_at == datetime(2026, 11, 20, 21, 0, 7, tzinfo=UTC)


def test_empty_delivery_and_subscription_response_give_no_records() -> None:
    """Nothing moving, or a subscription acknowledged: no records, no error."""
    assert SiriVmFormat().split(delivery()) == []
    response = f"""<SubscriptionResponse xmlns="{SIRI_NS}"><ResponseStatus><Status>true</Status></ResponseStatus>
</SubscriptionResponse>"""
    assert SiriVmFormat().split(response.encode()) == []


def test_refused_subscription_is_source_failed_with_its_description() -> None:
    """A SubscribeResponse with Status=false reports the server's description to the operator."""
    response = f"""<SubscribeResponse xmlns="{SIRI_NS}"><Answer><ResponseStatus><Status>false</Status>
<ErrorCondition><CapabilityNotSupportedError/><Description>UpdateInterval</Description></ErrorCondition>
</ResponseStatus></Answer></SubscribeResponse>"""
    with pytest.raises(InvalidEventError) as info:
        SiriVmFormat().split(response.encode())
    assert info.value.code == "source_failed"
    assert info.value.reason == "SIRI ResponseStatus reports Status=false: CapabilityNotSupportedError: UpdateInterval"


def test_estimated_timetable_is_unsupported() -> None:
    """A SIRI-ET delivery on the VM endpoint is unsupported, naming the service."""
    document = f"<Siri xmlns='{SIRI_NS}'><ServiceDelivery><EstimatedTimetableDelivery/></ServiceDelivery></Siri>"
    with pytest.raises(InvalidEventError) as info:
        SiriVmFormat().split(document.encode())
    assert "carries EstimatedTimetableDelivery, not VehicleMonitoringDelivery (SIRI-VM)" in info.value.reason


def test_truncated_record_is_malformed() -> None:
    """A raw record cut short is malformed_xml."""
    [record] = SiriVmFormat().split(delivery(ACTIVITY))
    with pytest.raises(InvalidEventError) as info:
        SiriVmFormat().to_canonical(record.value[:-30])
    assert info.value.code == "malformed_xml"


@settings(max_examples=300, deadline=None)
@given(st.data())
def test_mangled_documents_never_crash(data: st.DataObject) -> None:
    """Cutting, splicing and overwriting a valid delivery yields records or InvalidEventError, nothing else."""
    document = delivery(ACTIVITY, ACTIVITY.replace("654", "655"))
    start = data.draw(st.integers(0, len(document)))
    end = data.draw(st.integers(start, min(len(document), start + 200)))
    filler = data.draw(st.sampled_from([b"", b"<", b"&", b"PT-", b"+99:99", b"\xff", b"<Delay>P1Y</Delay>", b"1e999"]))
    fmt = SiriVmFormat()
    try:
        records = fmt.split(document[:start] + filler + document[end:])
    except InvalidEventError:
        return
    for record in records:
        with contextlib.suppress(InvalidEventError):
            fmt.to_canonical(record.value)


def test_the_feed_time_is_the_servers_newest_response_timestamp() -> None:
    """The connector's stale check reads when the server answered: the newest ResponseTimestamp (the delivery's own
    one too); a local time only with the instance's zone, and none from a document that is no SIRI at all."""
    answered = delivery(ACTIVITY).replace(
        b'<VehicleMonitoringDelivery version="2.0">',
        b'<VehicleMonitoringDelivery version="2.0"><ResponseTimestamp>2026-11-20T22:00:09+01:00</ResponseTimestamp>',
    )
    assert SiriVmFormat().feed_timestamp(answered) == datetime(2026, 11, 20, 21, 0, 9, tzinfo=UTC)
    local = delivery(ACTIVITY).replace(b"2026-11-20T22:00:08+01:00", b"2026-11-20T22:00:08")
    assert SiriVmFormat().feed_timestamp(local) is None
    berlin = SiriVmFormat(timezone(timedelta(hours=1))).feed_timestamp(local)
    assert berlin == datetime(2026, 11, 20, 21, 0, 8, tzinfo=UTC)
    assert SiriVmFormat().feed_timestamp(b"not xml") is None
