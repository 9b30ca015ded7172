"""Every source format the hub speaks, by name and by raw topic."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from hub.formats.base import Format
from hub.formats.cap import CapFormat
from hub.formats.cloudevents_in import CloudEventsFormat
from hub.formats.driver_alarm import DriverAlarmFormat
from hub.formats.gtfsrt import AlertsFormat, TripUpdatesFormat, VehiclePositionsFormat
from hub.formats.ics import IcsFormat
from hub.formats.open311 import Open311Format
from hub.formats.replay import ReplayFormat
from hub.formats.siri import SiriSxFormat, SiriVmFormat
from hub.formats.unit_report import UnitReportFormat
from hub.formats.vdv454 import Vdv454AusFormat

_ALL: tuple[Format, ...] = (
    ReplayFormat(),
    CapFormat(),
    Open311Format(),
    DriverAlarmFormat(),
    UnitReportFormat("polizei"),
    UnitReportFormat("ordnungsamt"),
    SiriSxFormat(),
    SiriVmFormat(),
    Vdv454AusFormat(),
    CloudEventsFormat(),
    VehiclePositionsFormat(),
    TripUpdatesFormat(),
    AlertsFormat(),
    IcsFormat(),
)

FORMATS: Mapping[str, Format] = MappingProxyType({f.name: f for f in _ALL})
BY_RAW_TOPIC: Mapping[str, Format] = MappingProxyType({f.raw_topic: f for f in _ALL})
