"""JSON Schema export: a file per kind plus the envelope, sensitivity marks, identical bytes each run."""

from __future__ import annotations

import json
from pathlib import Path

from hub.schemas import KINDS, SENSITIVITY_KEY, export_json_schemas


def test_export_writes_every_schema_with_sensitivity_marks(tmp_path: Path) -> None:
    """Each kind and the envelope get a valid JSON file; marked fields carry x-hub-sensitivity."""
    out = tmp_path / "new" / "schemas"
    paths = export_json_schemas(out)
    assert [p.name for p in paths] == [f"{k}.schema.json" for k in KINDS] + ["cloudevent.schema.json"]
    docs = {p.name: json.loads(p.read_text(encoding="utf-8")) for p in paths}
    incident = docs["incident.schema.json"]
    assert incident["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert incident["x-hub-ce-type"] == "de.halle.hub.incident.v1"
    assert incident["properties"]["assessment"][SENSITIVITY_KEY] == "police_assessment"
    assert docs["unit-status.schema.json"]["properties"]["unit"][SENSITIVITY_KEY] == "operational_secret"
    assert docs["alert.schema.json"]["properties"]["recommended_unit"][SENSITIVITY_KEY] == "operational_secret"
    assert "hubsourceid" in docs["cloudevent.schema.json"]["required"]


def test_export_is_byte_identical_when_run_twice(tmp_path: Path) -> None:
    """Two exports give the same bytes, pretty-printed with sorted keys, so the files can be committed."""
    first = {p.name: p.read_bytes() for p in export_json_schemas(tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in export_json_schemas(tmp_path / "a")}
    assert first == second
    text = first["incident.schema.json"].decode()
    assert text.endswith("}\n")
    assert '\n  "$defs": {' in text
    doc = json.loads(text)
    assert list(doc) == sorted(doc)
