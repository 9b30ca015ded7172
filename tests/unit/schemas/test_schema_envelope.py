"""The CloudEvents envelope: stable ids, structured-mode bytes, strict parsing with reasons."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from hub.errors import InvalidEventError
from hub.schemas import CE_CONTENT_TYPE, HUB_EVENT_NAMESPACE, CloudEvent, event_id


def _event(**changes: Any) -> CloudEvent:
    fields: dict[str, Any] = {
        "id": event_id("/hub/polizei/cap", "CAP-2025-0001", "incident"),
        "source": "/hub/polizei/cap",
        "type": "de.halle.hub.incident.v1",
        "time": datetime(2025, 6, 2, 20, 15, 3, tzinfo=UTC),
        "data": {"incident_id": "PI-1", "note": None, "text": "Fahrgäste am Marktplatz"},
        "hubkind": "incident",
        "hubsourceid": "CAP-2025-0001",
    }
    return CloudEvent(**{**fields, **changes})


def test_event_id_is_pinned_uuid5_under_the_documented_namespace() -> None:
    """The namespace is derived as documented and a known input keeps its id forever."""
    assert uuid.uuid5(uuid.NAMESPACE_URL, "urn:x-hub:halle:events") == HUB_EVENT_NAMESPACE
    first = event_id("/hub/polizei/cap", "CAP-2025-0001", "incident")
    assert first == event_id("/hub/polizei/cap", "CAP-2025-0001", "incident")
    assert uuid.UUID(first).version == 5
    assert first == str(uuid.uuid5(HUB_EVENT_NAMESPACE, '["/hub/polizei/cap","CAP-2025-0001","incident"]'))
    assert first == "2f91300e-1749-5364-9c37-f598a44ebc57"


def test_event_id_differs_when_any_part_differs() -> None:
    """Source, record id and kind each change the id, and shifting a separator does not collide."""
    ids = {
        event_id("/hub/polizei/cap", "1", "incident"),
        event_id("/hub/havag/itcs", "1", "incident"),
        event_id("/hub/polizei/cap", "2", "incident"),
        event_id("/hub/polizei/cap", "1", "alert"),
        event_id("/a/b", "c", "incident"),
        event_id("/a", "b/c", "incident"),
    }
    assert len(ids) == 6


def test_round_trip_is_compact_utf8_and_keeps_nulls_inside_data() -> None:
    """to_bytes: compact UTF-8, extensions at top level, unset attributes omitted; from_bytes inverts it."""
    event = _event()
    raw = event.to_bytes()
    assert CloudEvent.from_bytes(raw) == event
    doc = json.loads(raw)
    assert {"hubkind", "hubsourceid"} <= doc.keys()
    assert not {"subject", "dataschema", "hubrecipient"} & doc.keys()
    assert doc["data"]["note"] is None
    assert doc["time"] == "2025-06-02T20:15:03Z"
    assert "Fahrgäste".encode() in raw
    assert b" " not in raw.replace(b"Fahrg\xc3\xa4ste am Marktplatz", b"")
    assert CE_CONTENT_TYPE == "application/cloudevents+json"


def test_attribute_names_follow_cloudevents_naming() -> None:
    """Every attribute name is lower-case letters and digits, at most 20 long, as CloudEvents requires."""
    for name in CloudEvent.model_fields:
        assert re.fullmatch(r"[a-z0-9]{1,20}", name), name


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"time": datetime(2025, 6, 2, 20, 15)}, "time"),
        ({"specversion": "0.3"}, "specversion"),
        ({"datacontenttype": "application/xml"}, "datacontenttype"),
        ({"hubkind": "Incident"}, "hubkind"),
        ({"source": "has space"}, "source"),
        ({"id": ""}, "id"),
    ],
)
def test_invalid_attributes_are_rejected_naming_the_attribute(changes: dict[str, Any], field: str) -> None:
    """Naive time, wrong spec version or content type, bad extension values each fail on their own field."""
    with pytest.raises(ValidationError) as info:
        _event(**changes)
    assert [e["loc"][0] for e in info.value.errors()] == [field]


@pytest.mark.parametrize(
    ("raw", "code", "words"),
    [
        (b"{not json", "malformed_json", "not a JSON document"),
        (b'{"x": NaN}', "malformed_json", "NaN is not valid JSON"),
        (b"\xff\xfe{}", "undecodable", "not UTF-8"),
        (b"[]", "malformed_json", "batch"),
        (b'"event"', "malformed_json", "must be a JSON object"),
    ],
)
def test_from_bytes_refuses_non_events_with_reason_and_code(raw: bytes, code: str, words: str) -> None:
    """Bytes that are not one JSON object raise InvalidEventError with a reason code for the dead-letter."""
    with pytest.raises(InvalidEventError) as info:
        CloudEvent.from_bytes(raw)
    assert info.value.code == code
    assert words in info.value.reason


def test_from_bytes_reason_names_fields_without_echoing_values() -> None:
    """A bad envelope's reason names the attribute but never repeats its (possibly personal) value."""
    doc = json.loads(_event().to_bytes())
    doc["time"] = "2025-06-02T20:15:03"
    doc["hubsourceid"] = ""
    doc["data"] = "Erika Mustermann, 0345 123456"
    with pytest.raises(InvalidEventError) as info:
        CloudEvent.from_bytes(json.dumps(doc).encode())
    reason = info.value.reason
    assert "time: timestamp must carry a UTC offset" in reason
    assert "hubsourceid:" in reason
    assert "data:" in reason
    assert "Mustermann" not in reason
