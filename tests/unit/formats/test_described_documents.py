"""A JSON Schema, an Avro schema or an OpenAPI description sent to a JSON format is refused as what it is, alike
everywhere: ``malformed_json`` (JSON, but not the expected document, as an XML Schema is ``malformed_xml``), the
reason naming it, never a missing field of a record or "not JSON"."""

from __future__ import annotations

import json

import pytest

from hub.errors import InvalidEventError
from hub.formats.jsondoc import description_of
from hub.formats.registry import FORMATS

JSON_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "Driver alarm",
    "type": "object",
    "properties": {"alarm_id": {"type": "string"}, "vehicle": {"type": "string"}},
    "required": ["alarm_id"],
}
DESCRIPTIONS = {
    "a JSON Schema": JSON_SCHEMA,
    "an Avro schema": {"type": "record", "name": "Alarm", "fields": [{"name": "id", "type": "string"}]},
    "an OpenAPI description": {"openapi": "3.1.0", "info": {"title": "hub", "version": "1"}, "paths": {}},
}
#: Every format that reads JSON (or may be sent it in its place): not SIRI's XML, not iCalendar's text, which refuse
#: a JSON document as what it is not (tests/unit/formats/test_ics.py for the calendar).
JSON_FORMATS = sorted(name for name in FORMATS if not name.startswith("siri") and name != "ics")


@pytest.mark.parametrize("name", JSON_FORMATS)
@pytest.mark.parametrize("what", sorted(DESCRIPTIONS))
def test_every_json_format_names_a_description_for_what_it_is(name: str, what: str) -> None:
    """Pretty-printed, as such files are (the replay format would otherwise call each line "not JSON")."""
    document = json.dumps(DESCRIPTIONS[what], indent=2).encode()
    with pytest.raises(InvalidEventError) as info:
        FORMATS[name].split(document)
    assert info.value.code == "malformed_json"
    assert info.value.reason.startswith(f"{what}, not ")


@pytest.mark.parametrize(
    "value",
    [
        {"type": "Feature", "properties": {"name": "Marktplatz"}, "geometry": None},  # GeoJSON, not a schema
        {"type": "record-like", "fields": []},
        {"header": {"gtfsRealtimeVersion": "2.0"}, "entity": []},
        [JSON_SCHEMA],  # an array is never one description
    ],
)
def test_data_documents_are_no_descriptions(value: object) -> None:
    assert description_of(value) is None
