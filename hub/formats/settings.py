"""Per-instance format settings: what a deployment sets for one connector instance's format in the connectors file
(``[connectors.NAME.format_settings]``), and how they travel with each raw record to the normaliser.

The connector runner validates the table with the format's settings model (``hub connectors validate`` reports
every problem by key path) and puts the settings themselves, as compact JSON, in the ``hub_format_settings`` header
of every raw record of the instance. The normaliser maps a record with that header by the format configured with
those settings, and a record without it by the format's defaults. The settings travel with the record rather than
by reference to the connectors file so the normaliser needs no copy of that file, and a record replayed later is
read as it was meant when it was cut.

Built-in settings: ``naive_tz`` (SIRI-SX, SIRI-VM, VDV 454 AUS: the time zone of a server that sends local times);
the CAP acceptance policy (``refused_categories``, ``languages``, ``event_types``, ``default_origin``); the Open311
service table (``service_types``, ``fallback``, ``default_rules``); the GTFS static data for the GTFS-RT formats
(``gtfs_static``, a folder or zip file that must exist where the connectors are validated and where the normaliser
runs).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Any, Self
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hub.errors import ConfigError, InvalidEventError
from hub.formats.base import Format
from hub.formats.cap import CapFormat
from hub.formats.cap.mapping import CapPolicy
from hub.formats.gtfsrt import AlertsFormat, TripUpdatesFormat, VehiclePositionsFormat
from hub.formats.gtfsrt.feed import GtfsRtFormat
from hub.formats.ics import DEFAULT_WINDOW_DAYS, IcsFormat
from hub.formats.open311 import DEFAULT_SERVICE_TYPES, Open311Format, ServiceRule, ServiceTypeTable
from hub.formats.siri import SiriSxFormat, SiriVmFormat
from hub.formats.vdv454 import Vdv454AusFormat
from hub.network.gtfs_static import GtfsStatic, load_gtfs
from hub.schemas.common import validation_reason

#: The raw record header that carries an instance's format settings (compact JSON of the settings table).
FORMAT_SETTINGS_HEADER = "hub_format_settings"
#: The key of the settings table in a connector instance's table of the connectors file.
FORMAT_SETTINGS_KEY = "format_settings"


@dataclass(frozen=True)
class FormatSettings:
    """How a format reads per-instance settings: the pydantic ``model`` of the table, and ``configure``, which makes
    the format configured with a validated instance of it."""

    model: type[BaseModel]
    configure: Callable[[Any], Format]

    def validate(self, table: Mapping[str, Any]) -> BaseModel:
        """The validated settings; pydantic's ValidationError when the table is wrong."""
        return self.model.model_validate(table)

    def header(self, settings: BaseModel) -> bytes:
        """The ``hub_format_settings`` header value: the keys the table set, as compact JSON."""
        table = settings.model_dump(mode="json", exclude_unset=True)
        return json.dumps(table, ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode("utf-8")

    def from_header(self, format_name: str, value: bytes) -> Format:
        """The format configured by a header value; InvalidEventError (``undecodable``) naming the header when the
        value is not a valid settings table of this format or the format cannot be configured with it here."""
        where = f"header {FORMAT_SETTINGS_HEADER} (format_settings of format {format_name})"
        try:
            table = json.loads(value)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidEventError(f"{where}: not JSON: {exc}", "undecodable") from exc
        if not isinstance(table, dict):
            raise InvalidEventError(f"{where}: not a JSON object", "undecodable")
        try:
            return self.configure(self.validate(table))
        except ValidationError as exc:
            raise InvalidEventError(f"{where}: {validation_reason(exc)}", "undecodable") from exc
        except ConfigError as exc:
            raise InvalidEventError(f"{where}: {exc}", "undecodable") from exc


class _Table(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def zone(name: str) -> ZoneInfo:
    """The IANA time zone ``name``; ValueError saying what is wrong."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {name!r} (expected an IANA name such as 'Europe/Berlin')") from None


class LocalTimeSettings(_Table):
    """SIRI-SX, SIRI-VM and VDV 454 AUS: the time zone of a server that sends times without a UTC offset."""

    naive_tz: str | None = Field(
        default=None,
        description="IANA time zone applied to times without UTC offset (e.g. 'Europe/Berlin'); "
        "without it such times are refused",
    )

    @field_validator("naive_tz")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None:
            zone(value)
        return value

    def tz(self) -> ZoneInfo | None:
        return zone(self.naive_tz) if self.naive_tz else None


class IcsSettings(_Table):
    """iCalendar: the zone of floating times (no TZID, no UTC), the organiser named when a calendar names none, and
    how far ahead recurring events are expanded."""

    naive_tz: str = Field(default="Europe/Berlin", description="IANA time zone of times without TZID or UTC")
    organiser: str | None = Field(default=None, min_length=1, max_length=200, description="the calendar's organiser")
    window_days: int = Field(
        default=DEFAULT_WINDOW_DAYS, ge=1, le=3660, description="days ahead over which recurring events are expanded"
    )

    @field_validator("naive_tz")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        zone(value)
        return value

    def format(self) -> IcsFormat:
        return IcsFormat(naive_tz=self.naive_tz, organiser=self.organiser, window_days=self.window_days)


class CapSettings(_Table):
    """CAP: which messages are accepted and how they are mapped (``hub.formats.cap.mapping.CapPolicy``); a key
    left out keeps the default."""

    refused_categories: list[str] | None = Field(
        default=None, description="CAP categories refused as unsupported, e.g. [] to accept weather alerts (Met)"
    )
    languages: list[str] | None = Field(default=None, description="preferred info languages, first match wins")
    event_types: dict[str, str] | None = Field(default=None, description="CAP event (lower-case) -> hub type code")
    default_origin: str | None = Field(default=None, description="incident origin when the message names none")

    @model_validator(mode="after")
    def _valid_policy(self) -> Self:
        try:
            self.policy()
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return self

    def policy(self) -> CapPolicy:
        given: dict[str, Any] = {}
        if self.refused_categories is not None:
            given["refused_categories"] = frozenset(self.refused_categories)
        if self.languages is not None:
            given["languages"] = tuple(self.languages)
        if self.event_types is not None:
            given["event_types"] = dict(self.event_types)
        if self.default_origin is not None:
            given["default_origin"] = self.default_origin
        return CapPolicy(**given)


class ServiceRuleSettings(_Table):
    """One rule of the Open311 service table: requests with service code ``code``, or whose service name contains
    ``keyword``, get ``type_code`` and ``priority``."""

    type_code: str = Field(description="hub type code, e.g. 'PUBLIC_ORDER/NUISANCE'")
    priority: int = Field(default=4, ge=1, le=5)
    code: str | None = None
    keyword: str | None = None

    def rule(self) -> ServiceRule:
        return ServiceRule(self.type_code, self.priority, self.code, self.keyword)


class Open311Settings(_Table):
    """Open311: the service table. ``service_types`` are tried first, then (unless ``default_rules`` is false) the
    built-in rules; ``fallback`` replaces the built-in fallback (``OTHER``, priority 4)."""

    service_types: list[ServiceRuleSettings] = Field(default_factory=list)
    fallback: ServiceRuleSettings | None = None
    default_rules: bool = True

    @model_validator(mode="after")
    def _valid_table(self) -> Self:
        try:
            self.table()
        except ConfigError as exc:
            raise ValueError(str(exc)) from None
        return self

    def table(self) -> ServiceTypeTable:
        rules = [r.rule() for r in self.service_types]
        if self.default_rules:
            rules += list(DEFAULT_SERVICE_TYPES.rules)
        if self.fallback is None:
            return ServiceTypeTable(rules)
        return ServiceTypeTable(rules, self.fallback.rule())


@cache
def _gtfs(path: str) -> GtfsStatic:
    return load_gtfs(path)


class GtfsSettings(_Table):
    """GTFS-RT: the GTFS static data that names routes and stops (default: the HAVAG data shipped with the hub)."""

    gtfs_static: str | None = Field(default=None, description="a GTFS folder or zip file (absolute path)")

    @field_validator("gtfs_static")
    @classmethod
    def _readable(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if not os.path.isabs(value):
            raise ValueError(f"{value!r} is not an absolute path (the normaliser runs elsewhere)")
        try:
            _gtfs(value)
        except (ConfigError, OSError, KeyError, ValueError) as exc:
            raise ValueError(f"cannot read GTFS static data at {value}: {exc}") from None
        return value

    def gtfs(self) -> GtfsStatic | None:
        return _gtfs(self.gtfs_static) if self.gtfs_static else None


def _gtfsrt(cls: type[GtfsRtFormat]) -> FormatSettings:
    return FormatSettings(GtfsSettings, lambda s: cls(s.gtfs()))


#: The settings of the built-in formats that take any, by format name.
BUILTIN_SETTINGS: Mapping[str, FormatSettings] = MappingProxyType(
    {
        "siri-sx": FormatSettings(LocalTimeSettings, lambda s: SiriSxFormat(s.tz())),
        "siri-vm": FormatSettings(LocalTimeSettings, lambda s: SiriVmFormat(s.tz())),
        "vdv454-aus": FormatSettings(LocalTimeSettings, lambda s: Vdv454AusFormat(s.tz())),
        "cap": FormatSettings(CapSettings, lambda s: CapFormat(s.policy())),
        "open311": FormatSettings(Open311Settings, lambda s: Open311Format(s.table())),
        "gtfsrt-vehicle-positions": _gtfsrt(VehiclePositionsFormat),
        "gtfsrt-trip-updates": _gtfsrt(TripUpdatesFormat),
        "gtfsrt-alerts": _gtfsrt(AlertsFormat),
        "ics": FormatSettings(IcsSettings, IcsSettings.format),
    }
)
