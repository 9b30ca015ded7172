"""Seed documents for fuzzing every format: the valid documents the format tests are written around, and the
shared conformance corpus (``../shared/corpus``) where it is present. Used by test_fuzz and bench.fuzz_formats.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

from google.protobuf import json_format, text_format
from google.transit import gtfs_realtime_pb2 as pb

from hub.formats.registry import FORMATS
from hub.samples import sample_lines

CORPUS = Path(__file__).resolve().parents[4] / "shared" / "corpus"
#: Corpus folders per format (relative to the corpus root); formats not named here have no third-party corpus.
CORPUS_DIRS: Mapping[str, tuple[str, ...]] = MappingProxyType(
    {
        "gtfsrt-vehicle-positions": ("gtfs-rt",),
        "gtfsrt-trip-updates": ("gtfs-rt",),
        "gtfsrt-alerts": ("gtfs-rt",),
        "siri-sx": ("siri",),
        "siri-vm": ("siri",),
        "vdv454-aus": ("vdv454",),
        "cloudevents": ("cloudevents",),
        "cap": ("cap",),
        "open311": ("open311",),
    }
)
_NOT_DOCUMENTS = (".md",)  # the corpus's notes on where its files come from


def _gtfsrt() -> list[bytes]:
    # Imported here: test modules import pytest, which the benchmark need not load for the other formats.
    from tests.unit.formats.test_gtfsrt_split import _alert, _feed, _trip, _vehicle

    feed = _feed(_vehicle(), _vehicle("v2", "655"), _trip(), _alert())
    return [
        feed.SerializeToString(),
        json_format.MessageToJson(feed).encode(),
        text_format.MessageToString(feed).encode(),
    ]


def _own(name: str) -> list[bytes]:
    """The format tests' own valid documents of format ``name``."""
    if name.startswith("gtfsrt-"):
        return _gtfsrt()
    if name == "replay-ndjson":
        return [b"\n".join(sample_lines(6, 0))]
    if name == "cap":
        from tests.unit.formats.test_cap_containers import SEEDS as CAP

        return list(CAP.values())
    if name == "open311":
        from tests.unit.formats.test_open311 import SEEDS as OPEN311

        return list(OPEN311.values())
    if name == "driver-alarm":
        from tests.unit.formats.test_driver_alarm import CLEARED, RAISED

        return [json.dumps([RAISED, CLEARED]).encode(), json.dumps(RAISED).encode()]
    if name.startswith("unit-report-"):
        from tests.unit.formats.test_unit_report import REPORT

        return [json.dumps([REPORT, {**REPORT, "unit": "Leo Halle 12/4"}]).encode()]
    if name == "siri-sx":
        from tests.unit.formats.test_siri_sx import SITUATION, delivery, situation

        return [delivery(SITUATION, situation(SituationNumber="HAVAG-SX-2"))]
    if name == "siri-vm":
        from tests.unit.formats.test_siri_vm import ACTIVITY
        from tests.unit.formats.test_siri_vm import delivery as vm_delivery

        return [vm_delivery(ACTIVITY, ACTIVITY.replace("654", "655"))]
    if name == "vdv454-aus":
        from tests.unit.formats.test_vdv454 import IST_FAHRT, answer, flat_json

        return [answer(IST_FAHRT, IST_FAHRT), json.dumps([flat_json(), flat_json(LinienID="HAVAG-5")]).encode()]
    if name == "cloudevents":
        from hub.schemas import example_payload
        from tests.unit.formats.test_cloudevents_in import body, event

        second = event(id="E-2", type="de.halle.hub.unit-status.v1", data=example_payload("unit-status", 1))
        return [body(event(), second), body(event())]
    raise KeyError(f"no seed documents for format {name!r}")


def own_seeds(name: str) -> list[bytes]:
    """The valid documents the tests of format ``name`` are built on (every format has some)."""
    return _own(name)


def corpus_seeds(name: str, max_bytes: int = 64 * 1024) -> list[bytes]:
    """The corpus files of format ``name`` up to ``max_bytes`` each, sorted by path; [] without a corpus."""
    found: list[bytes] = []
    for folder in CORPUS_DIRS.get(name, ()):
        root = CORPUS / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix.lower() not in _NOT_DOCUMENTS and path.stat().st_size <= max_bytes:
                found.append(path.read_bytes())
    return found


def every_format() -> list[str]:
    """Names of every registered format, sorted."""
    return sorted(FORMATS)
