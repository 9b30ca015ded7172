"""The canonical event model: CloudEvents envelope, payload models, sensitivity marks, code lists, registry.

Importing this package has no side effects; every name below is the public surface (a test pins it).
"""

from hub.schemas.alert import Alert, AlertRecipient, AlertState, HoldAction, HoldRequest
from hub.schemas.codes import (
    DEFAULT_STATUS_CODES,
    INCIDENT_TOP_LEVELS,
    KNOWN_TYPE_CODES,
    ORDNUNGSAMT_STATUS_CODES,
    POLIZEI_STATUS_CODES,
    StatusCode,
    StatusCodeList,
    top_level,
)
from hub.schemas.common import DHID_PATTERN, HubModel, LifecycleStatus, validation_reason
from hub.schemas.envelope import CE_CONTENT_TYPE, HUB_EVENT_NAMESPACE, CloudEvent, event_id
from hub.schemas.examples import example_payload
from hub.schemas.export import export_json_schemas
from hub.schemas.incident import (
    AgencyRef,
    Confidentiality,
    Incident,
    IncidentMode,
    IncidentOrigin,
    Location,
    Person,
    RetentionClass,
)
from hub.schemas.planned import EventOrganiser, EventPlace, EventPosition, PlannedEvent, PlannedEventStatus
from hub.schemas.registry import KINDS, Kind, kind_for_model, kind_for_type, unwrap, wrap
from hub.schemas.sensitivity import SENSITIVITIES, SENSITIVITY_KEY, Sensitive, Sensitivity, sensitive_fields
from hub.schemas.transit import (
    DisruptionCause,
    DisruptionEffect,
    DisruptionSeverity,
    StopTimeUpdate,
    TransitDisruption,
    TripUpdate,
    VehiclePosition,
)
from hub.schemas.units import STATUS_CODES_CONTEXT_KEY, Agency, GeoFix, UnitStatus

__all__ = [
    "CE_CONTENT_TYPE",
    "DEFAULT_STATUS_CODES",
    "DHID_PATTERN",
    "HUB_EVENT_NAMESPACE",
    "INCIDENT_TOP_LEVELS",
    "KINDS",
    "KNOWN_TYPE_CODES",
    "ORDNUNGSAMT_STATUS_CODES",
    "POLIZEI_STATUS_CODES",
    "SENSITIVITIES",
    "SENSITIVITY_KEY",
    "STATUS_CODES_CONTEXT_KEY",
    "Agency",
    "AgencyRef",
    "Alert",
    "AlertRecipient",
    "AlertState",
    "CloudEvent",
    "Confidentiality",
    "DisruptionCause",
    "DisruptionEffect",
    "DisruptionSeverity",
    "EventOrganiser",
    "EventPlace",
    "EventPosition",
    "GeoFix",
    "HoldAction",
    "HoldRequest",
    "HubModel",
    "Incident",
    "IncidentMode",
    "IncidentOrigin",
    "Kind",
    "LifecycleStatus",
    "Location",
    "Person",
    "PlannedEvent",
    "PlannedEventStatus",
    "RetentionClass",
    "Sensitive",
    "Sensitivity",
    "StatusCode",
    "StatusCodeList",
    "StopTimeUpdate",
    "TransitDisruption",
    "TripUpdate",
    "UnitStatus",
    "VehiclePosition",
    "event_id",
    "example_payload",
    "export_json_schemas",
    "kind_for_model",
    "kind_for_type",
    "sensitive_fields",
    "top_level",
    "unwrap",
    "validation_reason",
    "wrap",
]
