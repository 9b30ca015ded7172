"""The normaliser's pure core: one raw record in, canonical CloudEvents out, or an InvalidEventError with a reason.

Which format a record is in follows from its raw topic (``hub.formats.registry``: the built-in formats and those of
installed packages); mappers never touch Kafka. ``Normaliser`` applies the format settings a record carries (its
``hub_format_settings`` header, ``hub.formats.settings``) and refuses events of a kind its format did not declare.
``refuse_future`` refuses observations dated ahead of the hub's clock, which the worker passes in (``FutureLimit``:
the same check with its limit worked out once per batch).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from types import MappingProxyType

from hub.errors import InvalidEventError
from hub.formats.base import CanonicalRecord, Format
from hub.formats.registry import BY_RAW_TOPIC, FormatType, by_raw_topic

__all__ = ["BULK_TOPICS", "MAPPERS", "OBSERVED_AT", "FutureLimit", "Mapper", "Normaliser", "refuse_future"]

Mapper = Callable[[bytes], list[CanonicalRecord]]

#: Mapper per raw topic (declared name, without prefix): the topics the normaliser subscribes to.
MAPPERS: Mapping[str, Mapper] = MappingProxyType({topic: f.to_canonical for topic, f in BY_RAW_TOPIC.items()})

#: The raw topics of the high-rate feeds (vehicle positions, trip updates: hundreds to thousands a second). The
#: normaliser handles and sends the records of every other raw topic (those that carry incidents, alarms and unit
#: states) first, so an incident never waits behind the positions fetched with it.
BULK_TOPICS: frozenset[str] = frozenset(
    {"raw.havag.siri-vm", "raw.havag.gtfsrt-vehicle-positions", "raw.havag.gtfsrt-trip-updates"}
)

#: How many differently configured formats the normaliser keeps built (instances with their own settings).
MAX_CONFIGURED = 256


class Normaliser:
    """Maps raw records of the topics of ``formats`` (built-in and package formats by name): by the format as
    configured by the record's settings header, or by its defaults when it has none."""

    def __init__(self, formats: Mapping[str, FormatType]) -> None:
        self.by_topic = by_raw_topic(formats)
        self._configured: dict[tuple[str, bytes], Format] = {}

    @property
    def topics(self) -> list[str]:
        """The raw topics (declared names) to subscribe to."""
        return list(self.by_topic)

    def map(self, topic: str, value: bytes, settings: bytes | None = None) -> list[CanonicalRecord]:
        """The canonical records of one raw record read from ``topic`` (declared name); InvalidEventError for a
        record its format refuses, settings that do not fit the format, or an event of an undeclared kind."""
        ftype = self.by_topic[topic]
        fmt = ftype.format if settings is None else self._format(ftype, settings)
        records = fmt.to_canonical(value)
        for record in records:
            kind = record.event.hubkind
            if kind not in ftype.kinds:
                raise InvalidEventError(
                    f"format {ftype.name} made a {kind!r} event, which it does not declare "
                    f"(declared: {', '.join(ftype.kinds)})",
                    "processing_error",
                )
        return records

    def _format(self, ftype: FormatType, settings: bytes) -> Format:
        if ftype.settings is None:
            raise InvalidEventError(
                f"header hub_format_settings: format {ftype.name} takes no format_settings", "undecodable"
            )
        key = (ftype.name, settings)
        found = self._configured.get(key)
        if found is None:
            found = ftype.settings.from_header(ftype.name, settings)
            if len(self._configured) >= MAX_CONFIGURED:
                self._configured.clear()
            self._configured[key] = found
        return found


OBSERVED_AT: Mapping[str, str] = MappingProxyType(
    {
        "incident": "reported_at",
        "vehicle-position": "observed_at",
        "trip-update": "observed_at",
        "unit-status": "observed_at",
    }
)
"""Kinds whose event time is when something was observed or reported, with the payload field that says so: neither
may lie in the future. A transit disruption is not here: its time may be the start of planned works."""


def refuse_future(records: Sequence[CanonicalRecord], now: datetime, tolerance: timedelta) -> Sequence[CanonicalRecord]:
    """``records`` unchanged, or ``InvalidEventError`` (``schema_violation``) when one of them was observed more
    than ``tolerance`` after ``now``: a time in the future would keep the event from expiring and put it into
    weeks that have not happened. The reason names the field and the tolerance, never the value."""
    return FutureLimit(now, tolerance)(records)


class FutureLimit:
    """``refuse_future`` with its limit worked out once, for the records of a batch read at one time ``now``."""

    __slots__ = ("limit", "tolerance")

    def __init__(self, now: datetime, tolerance: timedelta) -> None:
        self.limit = now + tolerance
        self.tolerance = tolerance

    def __call__(self, records: Sequence[CanonicalRecord]) -> Sequence[CanonicalRecord]:
        limit = self.limit
        for record in records:
            event = record.event
            field = OBSERVED_AT.get(event.hubkind)
            if field is None:
                continue
            if event.time > limit:
                raise InvalidEventError(f"event time 'time' is {self._ahead()}", "schema_violation")
            value = event.data.get(field)
            if isinstance(value, str) and datetime.fromisoformat(value) > limit:
                raise InvalidEventError(f"field '{event.hubkind}.{field}' is {self._ahead()}", "schema_violation")
        return records

    def _ahead(self) -> str:
        return f"more than {self.tolerance.total_seconds() / 3600:g} h ahead of the hub's clock"
