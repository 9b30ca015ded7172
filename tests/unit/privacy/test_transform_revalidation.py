"""When the share's payload is validated again, and when it need not be (``steps_keep_valid``): only a plan whose
every step drops a top-level field to None that the field's type takes, on a model that checks nothing across
fields, skips it; every other plan validates each share as before."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime
from typing import Annotated, Any

import pytest
from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator

from hub.config import Settings
from hub.errors import InvalidEventError
from hub.privacy import transform
from hub.privacy.keys import demo_keyring
from hub.privacy.policy import FieldStep, Rule, default_policy
from hub.privacy.retention import RetentionPeriods
from hub.privacy.setup import key_names
from hub.privacy.transform import share_plan, steps_keep_valid
from hub.schemas import KINDS, HubModel, example_payload, wrap
from hub.streams.pseudonymise import Pseudonymiser

POLICY = default_policy()
KEYS = demo_keyring(key_names(POLICY))


def _drop(path: str, *, to_list: bool = False) -> FieldStep:
    return FieldStep(path, tuple(path.split(".")), Rule("drop"), drop_to_list=to_list)


def _no_none(value: str | None) -> str | None:
    if value is None:
        raise ValueError("required here")
    return value


class _Plain(HubModel):
    name: str
    note: str | None = Field(default=None, max_length=8)
    tags: list[str] = Field(default_factory=list)
    guarded: Annotated[str | None, AfterValidator(_no_none)] = "x"


class _Inner(HubModel):
    label: str | None = None


class _Nested(HubModel):
    inner: _Inner | None = None


class _FieldChecked(HubModel):
    start: int
    note: str | None = None

    @field_validator("start")
    @classmethod
    def _positive(cls, value: int) -> int:
        return value


class _CrossChecked(HubModel):
    note: str | None = None
    other: str | None = None

    @model_validator(mode="after")
    def _one_of(self) -> _CrossChecked:
        if self.note is None and self.other is None:
            raise ValueError("one of note and other")
        return self


class _PostInit(HubModel):
    note: str | None = None

    def model_post_init(self, context: Any) -> None:
        if self.note is None:
            raise ValueError("note required after all")


@pytest.mark.parametrize(
    ("model", "steps", "keeps"),
    [
        (_Plain, (_drop("note"),), True),  # None passes str | None with its max_length
        (_Plain, (), True),
        (_Plain, (_drop("name"),), False),  # a required str: None does not validate
        (_Plain, (_drop("guarded"),), False),  # its own validator refuses None
        (_Plain, (_drop("tags", to_list=True),), False),  # emptied lists are validated (not proven here)
        (_Plain, (FieldStep("note", ("note",), Rule("pseudonymise")),), False),  # only drops are proven
        (_Plain, (FieldStep("note", ("note",), Rule("withhold")),), False),
        (_Plain, (_drop("missing"),), False),
        (_Nested, (_drop("inner"),), True),
        (_Nested, (_drop("inner.label"),), False),  # a nested path
        (_FieldChecked, (_drop("note"),), False),  # any field validator may read the changed field
        (_CrossChecked, (_drop("note"),), False),  # a check across fields
        (_PostInit, (_drop("note"),), False),
    ],
)
def test_steps_keep_valid_only_when_proven(model: type[BaseModel], steps: tuple[FieldStep, ...], keeps: bool) -> None:
    assert steps_keep_valid(model, steps) is keeps


def test_the_models_where_a_drop_would_break_the_payload_are_refused_for_real() -> None:
    """What the refused cases above guard against does happen: the payload with the field None does not validate."""
    with pytest.raises(ValueError, match="one of note and other"):
        _CrossChecked.model_validate({"note": None})
    with pytest.raises(ValueError, match="required here"):
        _Plain.model_validate({"name": "n", "guarded": None})
    with pytest.raises(ValueError, match="note required after all"):
        _PostInit.model_validate({})


@pytest.mark.parametrize(
    ("domain", "kind", "keeps"),
    [
        ("ordnungsamt", "vehicle-position", True),  # drops direction, trip_id and run: all optional
        ("polizei", "vehicle-position", True),  # no steps
        ("ordnungsamt", "incident", False),  # generalises, scrubs, pseudonymises nested fields
        ("ordnungsamt", "unit-status", False),  # pseudonymises; the status digit is checked against the agency
        ("ordnungsamt", "trip-update", False),  # a nested drop and a pseudonym
        ("analytics", "transit-disruption", False),
    ],
)
def test_default_policy_plans(domain: str, kind: str, keeps: bool) -> None:
    plan = share_plan(POLICY, KEYS, domain, kind)
    assert plan is not None
    assert plan.keeps_valid is keeps


def _raw(kind: str, i: int) -> bytes:
    payload = KINDS[kind].model.model_validate(example_payload(kind, i))
    event = wrap(payload, source="/havag/itcs", source_record_id=f"r-{i}", time=datetime(2026, 12, 6, tzinfo=UTC))
    return event.to_bytes()


def test_the_stage_validates_only_shares_whose_plan_could_break_them(monkeypatch: pytest.MonkeyPatch) -> None:
    """A vehicle position's shares are made without validating them again, and are the same bytes as with it; an
    incident's shares outside the police (whose plans change it in place) are still validated, each one."""
    validated: list[tuple[str, str]] = []
    original = transform._validated

    def counted(kind: Any, data: dict[str, Any], domain: str) -> BaseModel:
        validated.append((kind.name, domain))
        return original(kind, data, domain)

    core = Pseudonymiser(POLICY, KEYS, RetentionPeriods.from_settings(Settings()))
    positions = [_raw("vehicle-position", i) for i in range(20)]
    expected = [core.process(raw) for raw in positions]
    monkeypatch.setattr(transform, "_validated", counted)
    assert [core.process(raw) for raw in positions] == expected  # shares, register rows, vault: the same
    assert validated == []
    # The Ordnungsamt's shares changed the payload (a direction dropped), so each would have been validated before.
    ordnungsamt = [s.value for e in expected for s in e.shares if s.domain == "ordnungsamt"]
    assert len(ordnungsamt) == len(positions)
    assert all(b'"direction":null' in value for value in ordnungsamt)
    assert all(b'"direction":null' not in raw for raw in positions)
    shared = core.process(_raw("incident", 3))
    assert validated == [("incident", s.domain) for s in shared.shares if s.domain != "polizei"] != []


def test_a_plan_not_proven_still_refuses_a_share_that_does_not_validate(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where the plan is not proven, a share whose payload does not validate is refused as before (here a step that
    leaves the payload invalid, stood in by a validation that fails)."""
    core = Pseudonymiser(POLICY, KEYS, RetentionPeriods.from_settings(Settings()))
    plan = share_plan(POLICY, KEYS, "ordnungsamt", "vehicle-position")
    assert plan is not None
    core._plans["vehicle-position"] = (dataclasses.replace(plan, keeps_valid=False),)

    def refuse(kind: Any, data: dict[str, Any], domain: str) -> BaseModel:
        raise InvalidEventError(f"share of {kind.name} for {domain} does not validate: x", "processing_error")

    monkeypatch.setattr(transform, "_validated", refuse)
    with pytest.raises(InvalidEventError, match="does not validate"):
        core.process(_raw("vehicle-position", 1))
