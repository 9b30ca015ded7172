"""Field helpers shared by the three GTFS-RT mappings: times, car numbers, line names, DHIDs, floats, texts, and
dead-letter reasons that name the feed's own fields rather than the canonical model's.
"""

from __future__ import annotations

import html
import re
import struct
from collections.abc import Mapping
from datetime import datetime
from typing import Any, TypeVar

from google.transit.gtfs_realtime_pb2 import FeedHeader, TranslatedString, VehicleDescriptor
from pydantic import BaseModel, ValidationError

from hub.errors import InvalidEventError
from hub.formats.gtfsrt.decode import posix_time
from hub.network.gtfs_static import GtfsStatic
from hub.schemas.common import DHID_PATTERN

__all__ = [
    "best_text",
    "float32",
    "header_time",
    "is_dhid",
    "line_name",
    "optional_time",
    "validate",
    "vehicle_number",
]

_M = TypeVar("_M", bound=BaseModel)
_DHID = re.compile(DHID_PATTERN)
_SHORT = 16  # LineName and VehicleNumber: at most 16 characters
_TAG = re.compile(r"<[A-Za-z/!][^>]*>")
_SUMMARY_MAX = 1000
_LANGUAGE = "de"  # Halle's passengers read German; the summary takes that translation when there is one


def optional_time(message: Any, field: str, path: str) -> datetime | None:
    """The POSIX time in ``message.<field>`` as a UTC datetime; None when unset or 0 (feeds send 0 for "unknown")."""
    if not message.HasField(field):
        return None
    seconds: int = getattr(message, field)
    return posix_time(seconds, path) if seconds else None


def header_time(header: FeedHeader) -> datetime | None:
    """The feed's own timestamp (already checked by the decoder), or None."""
    return optional_time(header, "timestamp", "header.timestamp")


def vehicle_number(descriptor: VehicleDescriptor) -> str | None:
    """The car number: the label if set, else the id; a value longer than a car number can be is passed over."""
    for candidate in (descriptor.label, descriptor.id):
        value = candidate.strip()
        if 0 < len(value) <= _SHORT:
            return value
    return None


def line_name(route_id: str, gtfs: GtfsStatic) -> str | None:
    """The public line name of ``route_id``: from GTFS static when known, else the id itself when it is short."""
    if not route_id:
        return None
    route = gtfs.routes.get(route_id)
    if route is not None and 0 < len(route.name) <= _SHORT:
        return route.name
    return route_id if len(route_id) <= _SHORT else None


def is_dhid(stop_id: str) -> bool:
    return len(stop_id) <= 64 and _DHID.match(stop_id) is not None


def float32(value: float) -> float:
    """The shortest decimal with the same float32 value (protobuf ``float``): 37.80377, not 37.803768157958984."""
    packed = struct.pack("<f", value)
    for digits in range(1, 10):
        candidate = float(f"{value:.{digits}g}")
        try:
            if struct.pack("<f", candidate) == packed:
                return candidate
        except OverflowError:
            continue  # rounding near the float32 maximum went past it; more digits will not
    return value  # NaN; the canonical model refuses it with a reason


def best_text(text: TranslatedString) -> str | None:
    """The German translation, else the one without a language, else the first; plain text, at most 1000 chars."""
    translations = [t for t in text.translation if t.text.strip()]
    if not translations:
        return None
    chosen = next(
        (t for t in translations if t.language.lower().split("-")[0] == _LANGUAGE),
        next((t for t in translations if not t.language), translations[0]),
    )
    value = chosen.text
    if _TAG.search(value):
        # Some feeds (VVS Stuttgart) put HTML into alert texts; operators and the canonical model get plain text.
        value = html.unescape(_TAG.sub(" ", value))
    value = " ".join(value.split())
    return value if len(value) <= _SUMMARY_MAX else value[: _SUMMARY_MAX - 1] + "…"


def validate(model: type[_M], data: dict[str, Any], fields: Mapping[str, str]) -> _M:
    """``model`` from ``data``; on failure ``schema_violation`` naming the feed's fields (``fields`` maps canonical
    paths such as ``stop_updates.arrival_time`` to feed paths with ``[]`` for list indexes)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        parts = []
        for err in exc.errors(include_url=False, include_input=False):
            names = ".".join(str(p) for p in err["loc"] if not isinstance(p, int))
            where = fields.get(names, names)
            for index in (p for p in err["loc"] if isinstance(p, int)):
                where = where.replace("[]", f"[{index}]", 1)
            parts.append(f"{where}: {err['msg']}")
        raise InvalidEventError("; ".join(parts), "schema_violation") from exc
