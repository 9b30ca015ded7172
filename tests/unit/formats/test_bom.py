"""A UTF-8 byte-order mark before a JSON document is accepted alike by every format that reads JSON: the same
records and the same canonical events as without it (before, some formats refused it as malformed_json)."""

from __future__ import annotations

import pytest

from hub.formats.registry import FORMATS
from tests.unit.formats.seeds import every_format, own_seeds

BOM = b"\xef\xbb\xbf"


def _outcome(name: str, document: bytes) -> tuple[list[tuple[str, str]], list[bytes]]:
    """(record id, version) of each record, and the canonical events in bytes."""
    fmt = FORMATS[name]
    records = fmt.split(document)
    return [(r.record_id, r.version) for r in records], [o.value() for r in records for o in fmt.to_canonical(r.value)]


def _json_seeds() -> list[tuple[str, int]]:
    return [
        (name, n)
        for name in every_format()
        for n, seed in enumerate(own_seeds(name))
        if seed.lstrip(b" \t\r\n")[:1] in (b"{", b"[") and FORMATS[name].split(seed)  # some records to compare
    ]


def test_every_json_reading_format_has_a_json_seed() -> None:
    """The test below covers each JSON format (so a new one is covered or noticed)."""
    assert {name for name, _ in _json_seeds()} >= {
        "replay-ndjson",
        "cap",
        "open311",
        "driver-alarm",
        "unit-report-polizei",
        "unit-report-ordnungsamt",
        "vdv454-aus",
        "cloudevents",
        "gtfsrt-vehicle-positions",
    }


@pytest.mark.parametrize(("name", "number"), _json_seeds())
def test_a_bom_changes_nothing(name: str, number: int) -> None:
    seed = own_seeds(name)[number]
    plain = _outcome(name, seed)
    assert plain[0], "the seed gives records"
    assert _outcome(name, BOM + seed) == plain
