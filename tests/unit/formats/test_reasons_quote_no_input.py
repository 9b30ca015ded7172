"""Dead-letter reasons never quote input (issue 12): a canary put in every JSON value and key, every XML text and
attribute, every token of the text formats and around the documents of each format's seeds drives the formats'
error paths; no reason may contain it. Reasons name the field and the rule; lengths, types and known enumerations
are fine, the value is not (``hub dlq show`` prints reasons, and the stages log them)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from xml.etree import ElementTree

import pytest

from hub.errors import InvalidEventError
from hub.formats.registry import FORMATS
from hub.schemas import CloudEvent
from hub.schemas.common import parser_message, validation_reason
from hub.schemas.registry import kind_for_type
from tests.unit.formats.seeds import every_format, own_seeds

CANARY = "Kowalski0176"


def _json_variants(doc: Any) -> Iterator[str]:
    """The document once per value with the canary in its place (as text, with a blank, where a number was), and
    once per object key renamed to the canary."""
    root = [doc]

    def walk(node: Any, put: Any) -> Iterator[str]:
        if isinstance(node, dict):
            for key in list(node):
                yield from walk(node[key], lambda v, k=key, n=node: n.__setitem__(k, v))
                value = node.pop(key)
                node[CANARY] = value
                yield json.dumps(root[0])
                del node[CANARY]
                node[key] = value
        elif isinstance(node, list):
            for i, item in enumerate(node):
                yield from walk(item, lambda v, i=i, n=node: n.__setitem__(i, v))
        else:
            for value in (CANARY, f"{CANARY} x", 12345 if isinstance(node, str) else CANARY):
                put(value)
                yield json.dumps(root[0])
                put(node)

    yield from walk(doc, lambda v: root.__setitem__(0, v))


def _xml_variants(document: bytes) -> Iterator[bytes]:
    """The document once per element with text and once per element with attributes, each set to the canary."""
    count = len(list(ElementTree.fromstring(document).iter()))
    for n in range(count):
        for where in ("text", "attributes"):
            tree = ElementTree.fromstring(document)
            element = list(tree.iter())[n]
            if where == "text" and (element.text or "").strip():
                element.text = CANARY
            elif where == "attributes" and element.attrib:
                element.attrib.update(dict.fromkeys(element.attrib, CANARY))
            else:
                continue
            yield ElementTree.tostring(tree)


def _variants(seed: bytes) -> Iterator[bytes]:
    yield CANARY.encode()
    yield b"{" + CANARY.encode()
    yield b"<" + CANARY.encode()
    try:
        doc = json.loads(seed)
    except ValueError:
        doc = None
    if doc is not None:
        yield from (v.encode() for v in _json_variants(doc))
    elif seed.lstrip().startswith(b"<"):
        yield from _xml_variants(seed)
    else:  # protobuf binary or text format: each printable token in turn
        for token in list(re.finditer(rb"[A-Za-z0-9_:-]{3,}", seed))[:200]:
            yield seed[: token.start()] + CANARY.encode() + seed[token.end() :]


def _reasons(name: str, document: bytes) -> Iterator[str]:
    fmt = FORMATS[name]
    try:
        records = fmt.split(document)
    except InvalidEventError as exc:
        yield exc.reason
        return
    for record in records:
        try:
            fmt.to_canonical(record.value)
        except InvalidEventError as exc:
            yield exc.reason


@pytest.mark.parametrize("name", every_format())
def test_no_reason_of_a_format_quotes_the_input(name: str) -> None:
    """Every reason the canary documents of format ``name`` are refused with leaves the canary out."""
    refused = 0
    for seed in own_seeds(name):
        for document in _variants(seed):
            for reason in _reasons(name, document):
                refused += 1
                assert CANARY.lower() not in reason.lower(), reason
    assert refused > 0, "the canaries reached no error path"


def test_envelope_and_registry_reasons_quote_no_input() -> None:
    """The canonical envelope's reasons: unknown attributes, unknown types, kinds that do not match."""
    event = {
        "specversion": "1.0",
        "id": "x",
        "source": "/x",
        "type": CANARY,
        "time": "2026-11-20T22:00:00Z",
        "data": {},
        "hubkind": "incident",
        "hubsourceid": "x",
        CANARY: CANARY,
    }
    with pytest.raises(InvalidEventError) as info:
        CloudEvent.from_bytes(json.dumps(event).encode())
    assert CANARY not in info.value.reason
    with pytest.raises(InvalidEventError) as info:
        kind_for_type(CANARY)
    assert CANARY not in info.value.reason


@pytest.mark.parametrize(
    "message",
    [
        f"invalid literal for int() with base 10: '{CANARY}'",
        f'Message type "transit_realtime.FeedMessage" has no field named "{CANARY}".',
        f"3:19 : Enum type 'x' has no value named {CANARY}.",
        f"Couldn't parse float: {CANARY} at FeedMessage.entity[0]",
        f"Couldn't parse integer: {CANARY}",
    ],
)
def test_parser_messages_lose_what_they_quote(message: str) -> None:
    """Third-party parser messages keep their words and positions, not the values they name."""
    assert CANARY not in parser_message(message)


def test_validation_reason_names_no_unknown_field() -> None:
    """An unknown field's name is input as well: the reason says where it is, once."""
    from pydantic import ValidationError

    from hub.schemas import Incident

    with pytest.raises(ValidationError) as info:
        Incident.model_validate({CANARY: 1, f"{CANARY}2": 2})
    reason = validation_reason(info.value)
    assert CANARY not in reason
    assert reason.count("holds a field that is not permitted") == 1
