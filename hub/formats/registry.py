"""Every source format the hub speaks: the built-in ones (``FORMATS``, ``BY_RAW_TOPIC``) and those that installed
packages add through the entry point group ``hub.formats`` (``load_formats``).

A format from a package declares its raw topic (``raw_topic``, with ``raw_partitions``, ``raw_key`` and
``description`` for the topic's declaration) and the canonical kinds it produces (``kinds``); ``hub topics apply``
creates the topic, the normaliser subscribes to it and refuses an event of a kind the format did not declare. A format
that cannot be loaded, or whose declaration is wrong, stops start-up with a message naming it and its package.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from importlib.metadata import EntryPoint, entry_points
from types import MappingProxyType
from typing import Any

from pydantic import BaseModel

from hub.errors import ConfigError
from hub.formats.base import Format
from hub.formats.cap import CapFormat
from hub.formats.cloudevents_in import CloudEventsFormat
from hub.formats.driver_alarm import DriverAlarmFormat
from hub.formats.gtfsrt import AlertsFormat, TripUpdatesFormat, VehiclePositionsFormat
from hub.formats.ics import IcsFormat
from hub.formats.open311 import Open311Format
from hub.formats.replay import ReplayFormat
from hub.formats.settings import BUILTIN_SETTINGS, FormatSettings
from hub.formats.siri import SiriSxFormat, SiriVmFormat
from hub.formats.unit_report import UnitReportFormat
from hub.formats.vdv454 import Vdv454AusFormat
from hub.topology import CANONICAL_KINDS, DAY_MS, TOPICS, TopicSpec, spec

ENTRY_POINT_GROUP = "hub.formats"

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

#: The canonical kinds each built-in format produces (replay and CloudEvents carry any kind).
BUILTIN_KINDS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "replay-ndjson": CANONICAL_KINDS,
        "cap": ("incident",),
        "open311": ("incident",),
        "driver-alarm": ("incident",),
        "unit-report-polizei": ("unit-status",),
        "unit-report-ordnungsamt": ("unit-status",),
        "siri-sx": ("transit-disruption",),
        "siri-vm": ("vehicle-position",),
        "vdv454-aus": ("trip-update",),
        "cloudevents": CANONICAL_KINDS,
        "gtfsrt-vehicle-positions": ("vehicle-position",),
        "gtfsrt-trip-updates": ("trip-update",),
        "gtfsrt-alerts": ("transit-disruption",),
        "ics": ("planned-event",),
    }
)

#: Names of formats from packages: they become config values, metric labels and log fields.
NAME_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
#: Raw topics from packages follow ``raw.<agency>.<feed>`` like the built-in ones.
RAW_TOPIC_PATTERN = re.compile(r"^raw\.[a-z0-9][a-z0-9-]{0,30}\.[a-z0-9][a-z0-9-]{0,62}$")
MAX_RAW_PARTITIONS = 64


@dataclass(frozen=True)
class FormatType:
    """A format by name: the format, the canonical kinds it produces, the declaration of its raw topic, how its
    per-instance settings are read (None: it takes none) and where it comes from (``built-in`` or ``package NAME
    VERSION``)."""

    format: Format
    kinds: tuple[str, ...]
    topic: TopicSpec
    settings: FormatSettings | None
    origin: str

    @property
    def name(self) -> str:
        return self.format.name

    @property
    def builtin(self) -> bool:
        return self.origin == "built-in"


def builtin_types() -> dict[str, FormatType]:
    """The formats the hub ships, with the topics ``hub.topology`` declares for them."""
    return {
        name: FormatType(fmt, BUILTIN_KINDS[name], spec(fmt.raw_topic), BUILTIN_SETTINGS.get(name), "built-in")
        for name, fmt in FORMATS.items()
    }


def _origin(ep: EntryPoint) -> str:
    dist = ep.dist
    return f"package {dist.name} {dist.version}" if dist is not None else f"entry point {ep.value}"


def _attr(obj: object, name: str, default: Any = None) -> Any:
    return getattr(obj, name, default)


def check_format(obj: object, where: str) -> tuple[Format, tuple[str, ...], TopicSpec, FormatSettings | None]:
    """The format, kinds, raw topic and settings a package's format declares; ConfigError saying what is wrong."""
    if inspect.isclass(obj):
        try:
            obj = obj()
        except Exception as exc:
            raise ConfigError(f"format class from {where} cannot be made without arguments: {exc}") from exc
    name = _attr(obj, "name")
    label = f"format {name!r} ({where})" if isinstance(name, str) else f"format from {where}"
    problems = []
    if not isinstance(name, str) or not NAME_PATTERN.match(name):
        problems.append("name must be lower-case letters, digits or '-' (at most 63)")
    topic = _attr(obj, "raw_topic")
    if not isinstance(topic, str) or not RAW_TOPIC_PATTERN.match(topic):
        problems.append(f"raw_topic {topic!r} is not 'raw.<agency>.<feed>' (lower-case letters, digits, '-')")
    kinds = _attr(obj, "kinds")
    if not isinstance(kinds, tuple | list) or not kinds or any(k not in CANONICAL_KINDS for k in kinds):
        problems.append(f"kinds {kinds!r} must be a non-empty list of canonical kinds ({', '.join(CANONICAL_KINDS)})")
    for method in ("split", "to_canonical"):
        if not callable(_attr(obj, method)):
            problems.append(f"has no method {method}")
    partitions = _attr(obj, "raw_partitions", 3)
    if not isinstance(partitions, int) or not 1 <= partitions <= MAX_RAW_PARTITIONS:
        problems.append(f"raw_partitions {partitions!r} must be 1..{MAX_RAW_PARTITIONS}")
    settings = _plugin_settings(obj, problems)
    if problems:
        raise ConfigError(f"{label}: " + "; ".join(problems))
    declared = TopicSpec(
        topic,
        "raw",
        partitions,
        2 * DAY_MS,
        str(_attr(obj, "raw_key", "record id")),
        str(_attr(obj, "description", f"{name} records")) + f" ({where})",
    )
    fmt: Format = obj  # type: ignore[assignment]  # checked attribute by attribute above
    return fmt, tuple(kinds), declared, settings


def _plugin_settings(obj: object, problems: list[str]) -> FormatSettings | None:
    """A package format's settings: ``settings_model`` (a pydantic model) and ``configured(settings)``."""
    model = _attr(obj, "settings_model")
    if model is None:
        return None
    configured: Callable[[Any], Format] | None = _attr(obj, "configured")
    if not inspect.isclass(model) or not issubclass(model, BaseModel) or not callable(configured):
        problems.append("settings_model must be a pydantic model, and configured(settings) must make the format")
        return None
    return FormatSettings(model, configured)


def load_formats(eps: Iterable[EntryPoint] | None = None) -> dict[str, FormatType]:
    """Built-in formats plus every entry point of ``hub.formats``; ConfigError on the first that fails."""
    types = builtin_types()
    declared = {t.name: "built-in" for t in TOPICS}
    for ep in entry_points(group=ENTRY_POINT_GROUP) if eps is None else eps:
        where = _origin(ep)
        try:
            obj = ep.load()
        except Exception as exc:
            raise ConfigError(
                f"format {ep.name!r} from {where} failed to import ({ep.value}): {type(exc).__name__}: {exc}"
            ) from exc
        fmt, kinds, topic, settings = check_format(obj, where)
        if fmt.name != ep.name:
            raise ConfigError(f"format {ep.name!r} from {where} calls itself {fmt.name!r}: the names must match")
        if fmt.name in types:
            raise ConfigError(f"format {fmt.name!r} from {where} clashes with the one from {types[fmt.name].origin}")
        if topic.name in declared:
            other = declared[topic.name]
            raise ConfigError(f"format {fmt.name!r} from {where}: raw topic {topic.name} is also declared by {other}")
        declared[topic.name] = where
        types[fmt.name] = FormatType(fmt, kinds, topic, settings, where)
    return types


def package_topics(types: Mapping[str, FormatType]) -> tuple[TopicSpec, ...]:
    """The raw topics that formats from packages declare (the built-in ones are in ``hub.topology.TOPICS``)."""
    return tuple(t.topic for t in types.values() if not t.builtin)


def declared_topics(types: Mapping[str, FormatType] | None = None) -> tuple[TopicSpec, ...]:
    """Every topic of the deployment: ``hub.topology.TOPICS`` and the raw topics of the formats from packages
    (``types`` defaults to the installed ones)."""
    return (*TOPICS, *package_topics(load_formats() if types is None else types))


def by_raw_topic(types: Mapping[str, FormatType]) -> dict[str, FormatType]:
    """The formats by the raw topic (declared name) their records travel on."""
    return {t.format.raw_topic: t for t in types.values()}
