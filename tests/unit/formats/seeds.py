"""Seed documents for fuzzing every format: the valid documents the format tests are written around, and the
shared conformance corpus (``../shared/corpus``) where it is present. Used by test_fuzz and bench.fuzz_formats.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from google.protobuf import json_format, text_format

from bench.bench_formats import CORPUS_DIRS, DEFAULT_CORPUS
from hub.formats.registry import FORMATS
from hub.samples import sample_lines
from hub.schemas import example_payload
from tests.unit.formats import (
    test_cap_containers,
    test_cloudevents_in,
    test_driver_alarm,
    test_gtfsrt_split,
    test_ics,
    test_open311,
    test_siri_sx,
    test_siri_vm,
    test_unit_report,
    test_vdv454,
)

_NOT_DOCUMENTS = (".md",)  # the corpus's notes on where its files come from


def _gtfsrt() -> list[bytes]:
    t = test_gtfsrt_split
    feed = t._feed(t._vehicle(), t._vehicle("v2", "655"), t._trip(), t._alert())
    lines = [json_format.MessageToJson(t._feed(t._vehicle("v1"), timestamp=t.T0 + i), indent=None) for i in range(3)]
    return [
        feed.SerializeToString(),
        json_format.MessageToJson(feed).encode(),
        "\n".join(lines).encode(),  # NDJSON: one feed snapshot per line
        text_format.MessageToString(feed).encode(),
    ]


def _cloudevents() -> list[bytes]:
    t = test_cloudevents_in
    second = t.event(id="E-2", type="de.halle.hub.unit-status.v1", data=example_payload("unit-status", 1))
    return [t.body(t.event(), second), t.body(t.event())]


def _vdv454() -> list[bytes]:
    t = test_vdv454
    return [t.answer(t.IST_FAHRT, t.IST_FAHRT), json.dumps([t.flat_json(), t.flat_json(LinienID="HAVAG-5")]).encode()]


def _unit_reports() -> list[bytes]:
    report = test_unit_report.REPORT
    return [json.dumps([report, {**report, "unit": "Leo Halle 12/4"}]).encode(), json.dumps(report).encode()]


_OWN: dict[str, Callable[[], list[bytes]]] = {
    "replay-ndjson": lambda: [b"\n".join(sample_lines(6, 0))],
    "cap": lambda: list(test_cap_containers.SEEDS.values()),
    "open311": lambda: list(test_open311.SEEDS.values()),
    "driver-alarm": lambda: [
        json.dumps([test_driver_alarm.RAISED, test_driver_alarm.CLEARED]).encode(),
        json.dumps(test_driver_alarm.RAISED).encode(),
    ],
    "unit-report-polizei": _unit_reports,
    "unit-report-ordnungsamt": _unit_reports,
    "siri-sx": lambda: [
        test_siri_sx.delivery(test_siri_sx.SITUATION, test_siri_sx.situation(SituationNumber="HAVAG-SX-2"))
    ],
    "siri-vm": lambda: [test_siri_vm.delivery(test_siri_vm.ACTIVITY, test_siri_vm.ACTIVITY.replace("654", "655"))],
    "vdv454-aus": _vdv454,
    "cloudevents": _cloudevents,
    "gtfsrt-vehicle-positions": _gtfsrt,
    "gtfsrt-trip-updates": _gtfsrt,
    "gtfsrt-alerts": _gtfsrt,
    "ics": lambda: list(test_ics.SEEDS.values()),
}


def own_seeds(name: str) -> list[bytes]:
    """The valid documents the tests of format ``name`` are built on (every registered format has some)."""
    return _OWN[name]()


def corpus_seeds(name: str, corpus: Path = DEFAULT_CORPUS, max_bytes: int = 64 * 1024) -> list[bytes]:
    """The corpus files of format ``name`` up to ``max_bytes`` each (larger ones make slow fuzzing, and their
    parts are in the smaller ones), sorted by path; [] without a corpus or corpus folders for the format."""
    found: list[bytes] = []
    for folder in CORPUS_DIRS.get(name, ()):
        root = corpus / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.is_file() and path.suffix.lower() not in _NOT_DOCUMENTS and path.stat().st_size <= max_bytes:
                found.append(path.read_bytes())
    return found


def every_format() -> list[str]:
    """Names of every registered format, sorted."""
    return sorted(FORMATS)
