"""Every source format the hub speaks, by name and by raw topic."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from hub.formats.base import Format
from hub.formats.replay import ReplayFormat

_ALL: tuple[Format, ...] = (ReplayFormat(),)

FORMATS: Mapping[str, Format] = MappingProxyType({f.name: f for f in _ALL})
BY_RAW_TOPIC: Mapping[str, Format] = MappingProxyType({f.raw_topic: f for f in _ALL})
