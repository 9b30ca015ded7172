"""The normaliser's pure core: one raw record in, canonical CloudEvents out, or an InvalidEventError with a reason.

Which format a record is in follows from its raw topic (``hub.formats.registry.BY_RAW_TOPIC``); mappers never
touch Kafka.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from hub.formats.base import CanonicalRecord
from hub.formats.registry import BY_RAW_TOPIC

Mapper = Callable[[bytes], list[CanonicalRecord]]

#: Mapper per raw topic (declared name, without prefix): the topics the normaliser subscribes to.
MAPPERS: Mapping[str, Mapper] = MappingProxyType({topic: f.to_canonical for topic, f in BY_RAW_TOPIC.items()})
