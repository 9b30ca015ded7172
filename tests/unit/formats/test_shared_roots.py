"""The roots every format reads through (issue 11): the JSON decoder, the XML parser and the envelope map what the
fuzzer found (huge integers, lone surrogates, nesting past the recursion limit, whitespace in a source) to reason
codes, so no format can raise them as anything else."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from hub.errors import InvalidEventError
from hub.formats.base import canonical
from hub.formats.jsondoc import compact, decode_json, loads
from hub.formats.xml import MAX_DEPTH, parse_xml
from hub.schemas import VehiclePosition, example_payload


def _refusal(call: object, *args: object) -> InvalidEventError:
    with pytest.raises(InvalidEventError) as info:
        call(*args)  # type: ignore[operator]
    return info.value


@pytest.mark.parametrize(
    ("text", "code", "reason"),
    [
        ('{"n": ' + "9" * 5000 + "}", "malformed_json", "an integer of more than 4300 digits"),
        ("[" + "-" + "1" * 4301 + "]", "malformed_json", "an integer of more than 4300 digits"),
        ('{"id": "E-\\ud800"}', "undecodable", "a string holds a lone UTF-16 surrogate escape"),
        ('{"\\udfff": 1}', "undecodable", "a string holds a lone UTF-16 surrogate escape"),
        ('[[[{"a": ["x\\ud83d"]}]]]', "undecodable", "a string holds a lone UTF-16 surrogate escape"),
        ("[" * 100_000, "malformed_json", "nested too deeply"),
        ('{"a": 1', "malformed_json", "not JSON: Expecting ',' delimiter at line 1 column 8"),
    ],
)
def test_json_the_hub_cannot_carry_is_refused_with_a_reason(text: str, code: str, reason: str) -> None:
    """Integers past Python's digit limit, lone surrogates (in values and keys, at any depth) and nesting past the
    recursion limit are reasons, as syntax errors always were."""
    error = _refusal(loads, text)
    assert error.code == code
    assert reason in error.reason
    assert _refusal(loads, text, "line 3: ").reason.startswith("line 3: ")


def test_json_that_only_looks_like_a_lone_surrogate_is_read() -> None:
    """A surrogate pair is one character, and an escaped backslash before "ud800" is no escape: both are read."""
    assert loads('{"a": "\\ud83d\\ude00", "b": "\\\\ud800"}') == {"a": "\U0001f600", "b": "\\ud800"}
    assert decode_json(b'{"n": ' + b"9" * 4300 + b"}") == {"n": int("9" * 4300)}


def test_re_encoding_what_was_read_deeper_than_it_can_be_written_is_a_reason() -> None:
    """A value read at one stack depth and written at a deeper one may pass the reader's limit and not the writer's:
    compact says so as malformed_json instead of raising RecursionError."""

    def deeper(levels: int) -> bytes:
        return compact(value) if levels == 0 else deeper(levels - 1)

    value = loads("[" * 900 + "]" * 900)
    error = _refusal(deeper, 300)
    assert (error.code, error.reason) == ("malformed_json", "not JSON the hub can re-encode: nested too deeply")
    assert compact({"a": [1, "é"]}) == '{"a":[1,"é"]}'.encode()


def test_xml_nested_deeper_than_the_limit_is_refused_when_read() -> None:
    """XML nested past MAX_DEPTH is malformed_xml at parse time (writing it back out would hit the recursion limit
    later, at a depth that depends on the caller); at the limit it is read."""
    deep = b"<a>" * (MAX_DEPTH + 1) + b"</a>" * (MAX_DEPTH + 1)
    error = _refusal(parse_xml, deep)
    assert (error.code, error.reason) == ("malformed_xml", f"XML nested deeper than {MAX_DEPTH} elements")
    assert parse_xml(b"<a>" * MAX_DEPTH + b"</a>" * MAX_DEPTH).tag == "a"


@pytest.mark.parametrize(
    ("source", "record_id", "reason"),
    [
        ("/havag gtfsrt", "v1", "source: String should match pattern"),
        ("/havag/gtfsrt", "v" * 1025, "source record id: String should have at most 1024 characters"),
    ],
)
def test_an_envelope_the_record_cannot_fill_is_a_schema_violation(source: str, record_id: str, reason: str) -> None:
    """A source with whitespace or a source record id over 1024 characters breaks the envelope: schema_violation
    naming the source's terms, not a pydantic ValidationError."""
    payload = VehiclePosition.model_validate(example_payload("vehicle-position", 1))
    error = _refusal(lambda: canonical(payload, source=source, source_record_id=record_id, time=datetime.now(UTC)))
    assert error.code == "schema_violation"
    assert error.reason.startswith("the event envelope refuses it: ")
    assert reason in error.reason
