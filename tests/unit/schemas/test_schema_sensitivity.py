"""Sensitivity marks: declared in the models, reported as dotted paths, carried into the JSON Schema."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import BaseModel

from hub.schemas import (
    SENSITIVITY_KEY,
    Alert,
    Incident,
    Sensitive,
    TransitDisruption,
    UnitStatus,
    VehiclePosition,
    sensitive_fields,
)


def test_incident_marks_are_exactly_these() -> None:
    """Incident reports free text, address and named area, caller and assessment, and nothing else."""
    assert sensitive_fields(Incident) == {
        "location.address": "personal",
        "area": "personal",
        "description": "personal",
        "caller.name": "personal",
        "caller.phone": "personal",
        "assessment": "police_assessment",
    }


def test_other_kinds_marks() -> None:
    """Call signs are operational secrets, officer positions and who acknowledged an alert personal; transit data
    carries no marks."""
    assert sensitive_fields(UnitStatus) == {"unit": "operational_secret", "position": "personal"}
    assert sensitive_fields(Alert) == {"recommended_unit": "operational_secret", "acknowledged_by": "personal"}
    assert sensitive_fields(VehiclePosition) == {}
    assert sensitive_fields(TransitDisruption) == {}


class _Leaf(BaseModel):
    secret: Annotated[str, Sensitive("operational_secret")]
    plain: str


class _Tree(BaseModel):
    items: list[_Leaf]
    maybe: _Leaf | None = None
    whole: Annotated[_Leaf | None, Sensitive("personal")] = None
    tags: list[Annotated[str, Sensitive("personal")]] = []
    child: _Tree | None = None


def test_walks_lists_optionals_inner_annotations_and_recursion() -> None:
    """Marks in list items, optional models, list element types and a recursive model are found once."""
    assert sensitive_fields(_Tree) == {
        "items.secret": "operational_secret",
        "maybe.secret": "operational_secret",
        "whole": "personal",
        "whole.secret": "operational_secret",
        "tags": "personal",
    }


def test_result_is_a_fresh_dict() -> None:
    """Mutating the returned mapping does not change what the next caller sees."""
    first = sensitive_fields(Incident)
    first.clear()
    assert sensitive_fields(Incident)["assessment"] == "police_assessment"


def test_unknown_and_conflicting_marks_are_refused() -> None:
    """A sensitivity outside the closed set, or two different marks on one field, is a programming error."""
    with pytest.raises(ValueError, match="unknown sensitivity"):
        Sensitive("secret")  # type: ignore[arg-type]

    class Twice(BaseModel):
        x: Annotated[str, Sensitive("personal"), Sensitive("operational_secret")]

    with pytest.raises(TypeError, match="marked both"):
        sensitive_fields(Twice)


def test_json_schema_carries_marks_on_the_field_not_the_shared_definition() -> None:
    """x-hub-sensitivity sits on marked properties; GeoFix's own definition stays unmarked."""
    incident = Incident.model_json_schema()
    assert incident["properties"]["description"][SENSITIVITY_KEY] == "personal"
    assert incident["properties"]["assessment"][SENSITIVITY_KEY] == "police_assessment"
    assert incident["$defs"]["Person"]["properties"]["name"][SENSITIVITY_KEY] == "personal"
    assert incident["$defs"]["Location"]["properties"]["address"][SENSITIVITY_KEY] == "personal"
    assert SENSITIVITY_KEY not in incident["properties"]["caller"]
    unit = UnitStatus.model_json_schema()
    assert unit["properties"]["position"][SENSITIVITY_KEY] == "personal"
    assert unit["properties"]["unit"][SENSITIVITY_KEY] == "operational_secret"
    assert all(SENSITIVITY_KEY not in p for p in unit["$defs"]["GeoFix"]["properties"].values())
