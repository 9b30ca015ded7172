"""Writes the JSON Schema of every canonical kind and of the envelope, for integrators and schema checks.

Output is deterministic (sorted keys, fixed indentation), so the files can be committed and diffed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from hub.schemas.envelope import CloudEvent
from hub.schemas.registry import KINDS

__all__ = ["JSON_SCHEMA_DIALECT", "export_json_schemas", "json_schema_for"]

JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema_for(model: type[BaseModel], **extra: str) -> dict[str, Any]:
    """The validation JSON Schema of ``model`` with the dialect and the ``x-hub-*`` keys in ``extra``."""
    schema = model.model_json_schema(mode="validation")
    schema["$schema"] = JSON_SCHEMA_DIALECT
    schema.update(extra)
    return schema


def _write(path: Path, schema: dict[str, Any]) -> Path:
    text = json.dumps(schema, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    path.write_text(text, encoding="utf-8")
    return path


def export_json_schemas(directory: Path) -> list[Path]:
    """Write ``<kind>.schema.json`` for every kind and ``cloudevent.schema.json``; return the paths written.

    Creates ``directory`` if needed and overwrites earlier exports. Fields marked sensitive carry
    ``"x-hub-sensitivity"``.
    """
    directory.mkdir(parents=True, exist_ok=True)
    written = [
        _write(
            directory / f"{kind.name}.schema.json",
            json_schema_for(kind.model, **{"x-hub-kind": kind.name, "x-hub-ce-type": kind.ce_type}),
        )
        for kind in KINDS.values()
    ]
    written.append(_write(directory / "cloudevent.schema.json", json_schema_for(CloudEvent)))
    return written
