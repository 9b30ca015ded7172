"""No canonical string holds a NUL or a lone surrogate: every string field of every payload model and of the
envelope is checked once, and a record carrying one is refused at the normaliser with the field named."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from hub.errors import InvalidEventError
from hub.samples import good_record
from hub.schemas import HUB_EVENT_NAMESPACE, KINDS, CloudEvent, HubModel, Incident, event_id, example_payload, wrap
from hub.schemas.common import StorableStrings, unstorable_character, validation_reason
from hub.streams.normalise import MAPPERS
from hub.topology import raw_topic

NUL = "\x00"
SURROGATE = "\ud800"
T0 = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)


def _refused(model: type[BaseModel], data: dict[str, Any]) -> str:
    with pytest.raises(ValidationError) as info:
        model.model_validate(data)
    return validation_reason(info.value)


def _string_cases() -> list[tuple[str, str]]:
    """(kind, field) for every string field of every kind that its first example sets."""
    return [
        (name, field)
        for name, kind in KINDS.items()
        for field in getattr(kind.model, "_string_fields")  # noqa: B009 - a class variable of the check
        if isinstance(example_payload(name, 0).get(field), str)
    ]


@pytest.mark.parametrize(("kind", "field"), _string_cases())
def test_a_nul_in_any_string_field_of_any_kind_is_refused_naming_the_field(kind: str, field: str) -> None:
    """A NUL appended to any string field of any kind's example is refused with that field named."""
    data = example_payload(kind, 0)
    data[field] += NUL
    with pytest.raises(InvalidEventError) as info:
        KINDS[kind].parse(data)
    assert info.value.code == "schema_violation"
    assert f"{field}: " in info.value.reason


def test_nul_and_lone_surrogates_are_named_in_nested_models_and_list_items() -> None:
    """A caller's name, a list item and a plain free text field are each named with their path; no value is
    echoed."""
    incident = example_payload("incident", 0)
    reason = _refused(Incident, {**incident, "caller": {"name": f"Erika{NUL}"}, "description": f"x{SURROGATE}y"})
    assert "caller.name: contains a NUL character (U+0000)" in reason
    assert "description: contains a lone surrogate" in reason
    assert "Erika" not in reason
    disruption = example_payload("transit-disruption", 0)
    reason = _refused(KINDS["transit-disruption"].model, {**disruption, "lines": ["5", f"9{NUL}"]})
    assert reason.startswith("lines.1: contains a NUL character")


def test_ordinary_unicode_passes() -> None:
    """Umlauts, astral characters (one code point, no surrogate pair in Python) and control characters other than
    NUL are kept."""
    for text in ("Große Ulrichstraße", "Tram 🚋 steht", "tab\there", "ü" * 3000):
        assert unstorable_character(text) is None
    incident = Incident.model_validate({**example_payload("incident", 0), "description": "Fahrgast 🚋 ärgert sich"})
    assert incident.description == "Fahrgast 🚋 ärgert sich"


def test_what_the_check_finds_is_said_in_words() -> None:
    """The first bad character is named: NUL, or the lone surrogate's code point."""
    assert unstorable_character(f"abc{NUL}") == "a NUL character (U+0000)"
    assert unstorable_character(f"ä{NUL}") == "a NUL character (U+0000)"
    assert unstorable_character("ä\udfff") == "a lone surrogate (U+DFFF)"


def test_the_envelope_refuses_them_in_its_attributes_and_leaves_data_to_the_payload() -> None:
    """wrap() refuses a source record id with a NUL or a lone surrogate as a schema violation naming
    ``hubsourceid``; the envelope does not walk ``data`` again (the payload model has checked it)."""
    payload = Incident.model_validate(example_payload("incident", 0))
    for bad in (f"E-1{NUL}", f"E-1{SURROGATE}"):
        with pytest.raises(InvalidEventError) as info:
            wrap(payload, source="/polizei/els", source_record_id=bad, time=T0)
        assert info.value.code == "schema_violation"
        assert info.value.reason.startswith("the event envelope refuses it: source record id: contains a ")
    assert CloudEvent._checked_elsewhere == {"data"}
    event = wrap(payload, source="/polizei/els", source_record_id="E-1", time=T0)
    with pytest.raises(InvalidEventError, match="hubsourceid: contains a NUL") as info:
        CloudEvent.from_bytes(event.to_bytes().replace(b'"E-1"', b'"E-1\\u0000"'))


def test_event_ids_of_valid_strings_are_uuid5_as_before() -> None:
    """The id is uuid5 of the JSON name for every valid string (ids are fixed forever), and a lone surrogate no
    longer raises while the id is made (the envelope refuses it instead)."""
    for source, ident in (("/polizei/els", "E-1"), ("/havag/gtfsrt", "Wagen 654 🚋 ü")):
        name = json.dumps([source, ident, "incident"], ensure_ascii=False, separators=(",", ":"))
        assert event_id(source, ident, "incident") == str(uuid.uuid5(HUB_EVENT_NAMESPACE, name))
    assert uuid.UUID(event_id("/polizei/els", f"E{SURROGATE}", "incident")).version == 5


def test_a_model_with_strings_the_check_cannot_walk_is_refused_when_defined() -> None:
    """A field holding strings in another container (a dict, a tuple) stops the class definition, so no future
    field goes unchecked silently."""
    with pytest.raises(TypeError, match="does not walk"):

        class Tagged(HubModel):
            tags: dict[str, str]

    class Checked(StorableStrings):
        _checked_elsewhere = frozenset({"extra"})
        name: str
        extra: dict[str, Any]

    assert Checked._string_fields == ("name",)


@pytest.mark.parametrize(
    ("escape", "code", "found"),
    [
        ("\\u0000", "schema_violation", "data.description: contains a NUL character (U+0000)"),
        # The formats' JSON reader refuses a lone surrogate escape before any model sees it.
        ("\\ud800", "undecodable", "not text the hub can carry: a string holds a lone UTF-16 surrogate"),
    ],
)
def test_the_normaliser_dead_letters_a_replay_line_carrying_one(escape: str, code: str, found: str) -> None:
    """A replay line whose payload text holds a JSON ``\\u0000`` or ``\\ud800`` escape is refused in the normaliser's
    mapper with its reason (so it lands in dlq.normalise): the NUL as a schema violation naming the field, the
    surrogate by the JSON reader."""
    record = good_record(0)
    record["kind"], record["data"] = "incident", {**example_payload("incident", 0), "description": "Zeuge"}
    line = json.dumps(record).encode().replace(b"Zeuge", f"Zeu{escape}ge".encode())
    with pytest.raises(InvalidEventError) as info:
        MAPPERS[raw_topic("replay", "ndjson")](line)
    assert info.value.code == code
    assert found in info.value.reason
