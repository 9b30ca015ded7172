"""The registry of canonical kinds: name, payload model, CloudEvents type and Kafka partition key of each.

``wrap`` and ``unwrap`` move a payload into and out of its ``CloudEvent`` envelope.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import MappingProxyType
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from hub.errors import InvalidEventError
from hub.schemas.alert import Alert
from hub.schemas.common import validation_reason
from hub.schemas.envelope import CloudEvent, event_id
from hub.schemas.incident import Incident
from hub.schemas.planned import PlannedEvent
from hub.schemas.transit import TransitDisruption, TripUpdate, VehiclePosition
from hub.schemas.units import UnitStatus

__all__ = ["KINDS", "Kind", "kind_for_model", "kind_for_type", "unwrap", "wrap"]

_M = TypeVar("_M", bound=BaseModel)


@dataclass(frozen=True)
class Kind:
    """One canonical kind of event; ``partition_key`` gives the Kafka message key of its payloads."""

    name: str
    model: type[BaseModel]
    ce_type: str
    partition_key: Callable[[BaseModel], str]

    def parse(self, data: Mapping[str, Any], *, context: Mapping[str, Any] | None = None) -> BaseModel:
        """Validate ``data`` as this kind's payload; raise ``InvalidEventError`` naming the bad fields."""
        try:
            return self.model.model_validate(data, context=dict(context) if context is not None else None)
        except ValidationError as exc:
            raise InvalidEventError(f"invalid {self.name}: {validation_reason(exc)}", "schema_violation") from exc


def _as(payload: BaseModel, model: type[_M]) -> _M:
    if not isinstance(payload, model):
        raise TypeError(f"expected a {model.__name__} payload, got {type(payload).__name__}")
    return payload


def _incident_key(payload: BaseModel) -> str:
    return _as(payload, Incident).incident_id


def _vehicle_key(payload: BaseModel) -> str:
    return _as(payload, VehiclePosition).vehicle


def _trip_key(payload: BaseModel) -> str:
    return _as(payload, TripUpdate).trip_id


def _disruption_key(payload: BaseModel) -> str:
    return _as(payload, TransitDisruption).disruption_id


def _unit_key(payload: BaseModel) -> str:
    status = _as(payload, UnitStatus)
    return f"{status.agency}:{status.unit}"


def _planned_event_key(payload: BaseModel) -> str:
    return _as(payload, PlannedEvent).event_id


def _alert_key(payload: BaseModel) -> str:
    return _as(payload, Alert).alert_id


KINDS: Mapping[str, Kind] = MappingProxyType(
    {
        kind.name: kind
        for kind in (
            Kind("incident", Incident, "de.halle.hub.incident.v1", _incident_key),
            Kind("vehicle-position", VehiclePosition, "de.halle.hub.vehicle-position.v1", _vehicle_key),
            Kind("trip-update", TripUpdate, "de.halle.hub.trip-update.v1", _trip_key),
            Kind("transit-disruption", TransitDisruption, "de.halle.hub.transit-disruption.v1", _disruption_key),
            Kind("unit-status", UnitStatus, "de.halle.hub.unit-status.v1", _unit_key),
            Kind("planned-event", PlannedEvent, "de.halle.hub.planned-event.v1", _planned_event_key),
            Kind("alert", Alert, "de.halle.hub.alert.v1", _alert_key),
        )
    }
)
"""Every canonical kind by name. Topic names (``canon.<name>``) and JSON Schema files use these names."""

_BY_TYPE: Mapping[str, Kind] = MappingProxyType({kind.ce_type: kind for kind in KINDS.values()})
_BY_MODEL: Mapping[type[BaseModel], Kind] = MappingProxyType({kind.model: kind for kind in KINDS.values()})


def kind_for_type(ce_type: str) -> Kind:
    """The kind whose CloudEvents ``type`` is ``ce_type``; ``InvalidEventError`` for an unknown type."""
    try:
        return _BY_TYPE[ce_type]
    except KeyError:
        raise InvalidEventError(f"unknown event type (not one of {', '.join(_BY_TYPE)})", "unknown_kind") from None


def kind_for_model(model: type[BaseModel]) -> Kind:
    """The kind whose payload model is ``model``; ``KeyError`` if it is not a canonical model."""
    try:
        return _BY_MODEL[model]
    except KeyError:
        raise KeyError(f"{model.__name__} is not a canonical payload model") from None


#: The envelope's attributes as a source's people know them.
_ENVELOPE_NAMES = {"hubsourceid": "source record id", "subject": "partition key"}


def wrap(
    payload: BaseModel,
    *,
    source: str,
    source_record_id: str,
    time: datetime,
    subject: str | None = None,
    recipient: str | None = None,
) -> CloudEvent:
    """Put a canonical payload in its envelope, with the stable id of ``(source, source_record_id, kind)``;
    ``InvalidEventError`` (``schema_violation``, naming the attribute) when the source's id or name cannot be one."""
    kind = kind_for_model(type(payload))
    try:
        return CloudEvent(
            id=event_id(source, source_record_id, kind.name),
            source=source,
            type=kind.ce_type,
            time=time,
            subject=subject,
            data=payload.model_dump(mode="json"),
            hubkind=kind.name,
            hubrecipient=recipient,
            hubsourceid=source_record_id,
        )
    except ValidationError as exc:  # what the source gave for the envelope: its id, its name, the time
        # Told in the source's terms: breaking the envelope's limits is the record's fault, not the hub's.
        reason = validation_reason(exc)
        for attribute, name in _ENVELOPE_NAMES.items():
            reason = re.sub(rf"(^|; ){attribute}:", rf"\g<1>{name}:", reason)
        raise InvalidEventError(f"the event envelope refuses it: {reason}", "schema_violation") from exc


def unwrap(event: CloudEvent, *, context: Mapping[str, Any] | None = None) -> BaseModel:
    """The validated payload of ``event``; ``InvalidEventError`` if type, kind and data do not fit."""
    kind = kind_for_type(event.type)
    if event.hubkind != kind.name:
        raise InvalidEventError(f"hubkind does not match type {kind.ce_type}", "undecodable")
    return kind.parse(event.data, context=context)
