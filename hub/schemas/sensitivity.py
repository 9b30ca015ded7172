"""Sensitivity markers: which fields hold personal data, police assessments or operational secrets.

A field is marked in its model with ``Annotated[T, Sensitive("personal")]``. The marker lands in the exported
JSON Schema as ``"x-hub-sensitivity"`` and is read back by ``sensitive_fields`` for the pseudonymiser and the
log redactor.
"""

from __future__ import annotations

import types
from dataclasses import dataclass
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

__all__ = ["SENSITIVITIES", "SENSITIVITY_KEY", "Sensitive", "Sensitivity", "sensitive_fields"]

Sensitivity = Literal["personal", "police_assessment", "operational_secret"]
"""The closed set of sensitivity classes.

- ``personal``: identifies or describes a person (GDPR Art. 4(1)): caller, free text, addresses, officer
  positions.
- ``police_assessment``: a police judgement; SOG LSA § 26 forbids passing it outside police and security
  bodies.
- ``operational_secret``: call signs and deployment details that must not reach the public or non-public
  bodies.
"""

SENSITIVITIES: tuple[Sensitivity, ...] = get_args(Sensitivity)
SENSITIVITY_KEY = "x-hub-sensitivity"
"""The JSON Schema keyword that carries a field's sensitivity in the exported schemas."""


@dataclass(frozen=True, slots=True)
class Sensitive:
    """Marks a model field as sensitive: ``note: Annotated[str | None, Sensitive("personal")] = None``.

    A marked field that holds a model (or a list of models) is sensitive as a whole; fields inside it may
    carry their own marks, which ``sensitive_fields`` reports as well.
    """

    sensitivity: Sensitivity

    def __post_init__(self) -> None:
        if self.sensitivity not in SENSITIVITIES:
            raise ValueError(f"unknown sensitivity {self.sensitivity!r}; expected one of {SENSITIVITIES}")

    def __get_pydantic_json_schema__(self, core_schema: CoreSchema, handler: GetJsonSchemaHandler) -> JsonSchemaValue:
        # Set on the field's own schema (next to a $ref, never inside the shared definition), so a nested
        # model used elsewhere unmarked stays unmarked.
        json_schema = handler(core_schema)
        json_schema[SENSITIVITY_KEY] = self.sensitivity
        return json_schema


def sensitive_fields(model: type[BaseModel]) -> dict[str, Sensitivity]:
    """Every marked field of ``model`` as a dotted path, walking nested, optional and list-of models.

    List items are addressed through the list field's name without an index: a mark on ``name`` inside
    ``references: list[AgencyRef]`` is reported as ``references.name``.
    """
    return dict(_sensitive_fields(model))


@cache
def _sensitive_fields(model: type[BaseModel]) -> tuple[tuple[str, Sensitivity], ...]:
    found: dict[str, Sensitivity] = {}
    _walk(model, "", found, (model,))
    return tuple(found.items())


def _walk(
    model: type[BaseModel], prefix: str, found: dict[str, Sensitivity], stack: tuple[type[BaseModel], ...]
) -> None:
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        marks = [m.sensitivity for m in field.metadata if isinstance(m, Sensitive)]
        nested: list[type[BaseModel]] = []
        _scan(field.annotation, marks, nested)
        for mark in marks:
            _record(found, path, mark)
        for sub in nested:
            if sub in stack:  # a recursive model: its marks are already reported at the outer level
                continue
            _walk(sub, f"{path}.", found, (*stack, sub))


def _scan(annotation: Any, marks: list[Sensitivity], nested: list[type[BaseModel]]) -> None:
    """Collect marks and model types inside a field's annotation (Optional, unions, lists, Annotated)."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in nested:
            nested.append(annotation)
        return
    origin = get_origin(annotation)
    if origin is Annotated:
        inner, *metadata = get_args(annotation)
        marks.extend(m.sensitivity for m in metadata if isinstance(m, Sensitive))
        _scan(inner, marks, nested)
        return
    if origin is None:
        return
    if origin in (Union, types.UnionType) or isinstance(origin, type):
        for arg in get_args(annotation):
            if arg is not Ellipsis:
                _scan(arg, marks, nested)


def _record(found: dict[str, Sensitivity], path: str, mark: Sensitivity) -> None:
    previous = found.setdefault(path, mark)
    if previous != mark:
        raise TypeError(f"field {path!r} is marked both {previous!r} and {mark!r}; use one sensitivity")
