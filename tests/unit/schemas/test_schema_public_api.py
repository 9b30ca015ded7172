"""The public surface of hub.schemas is pinned, and importing it has no side effects."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import hub.schemas

PUBLIC = {
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
    "GeoFix",
    "HoldAction",
    "HoldRequest",
    "HubModel",
    "EventOrganiser",
    "EventPlace",
    "EventPosition",
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
}


def test_public_names_are_pinned() -> None:
    """__all__ lists exactly the agreed names and each of them exists."""
    assert set(hub.schemas.__all__) == PUBLIC
    assert all(hasattr(hub.schemas, name) for name in PUBLIC)


def test_import_prints_nothing_and_writes_nothing(tmp_path: Path) -> None:
    """A fresh interpreter importing hub.schemas in an empty directory leaves it empty and stays silent."""
    done = subprocess.run(
        [sys.executable, "-W", "error", "-c", "import hub.schemas"],
        cwd=tmp_path,
        capture_output=True,
        check=True,
        env={"PYTHONPATH": str(Path(hub.schemas.__file__).parents[2]), "PYTHONDONTWRITEBYTECODE": "1"},
    )
    assert (done.stdout, done.stderr) == (b"", b"")
    assert list(tmp_path.iterdir()) == []
