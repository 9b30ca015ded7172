"""Integrity of the second held-out set, tests/data/scrub_heldout2_de.jsonl (issue 12).

These tests check the data only: its format, that its spans follow the labelling guide's mechanical rules, that it
is as large and varied as promised, that its check digits are right, and that it is exactly what its generator
(tools/scrubset2, written apart from the scrubber) writes. They never run the scrubber.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from pathlib import Path

import pytest
from stdnum import iban as stdnum_iban
from stdnum.de import idnr

from tests.helpers.scrub_sets import LabelledSet
from tools.scrubset2 import build

DATA = Path(__file__).resolve().parents[2] / "data"
SET = DATA / "scrub_heldout2_de.jsonl"
GUIDE = DATA / "SCRUB_LABELS.md"

MIN_LINES = 1200
MIN_SPANS = 1800
# Floors per style and per category, well below what the build writes, so a change that drops a style or a
# category fails here instead of quietly shrinking the set.
STYLE_FLOORS = {
    "leitstelle": 250,
    "buerger": 250,
    "funk": 150,
    "polizei": 200,
    "ordnungsamt": 200,
    "notruf": 120,
    "chat": 100,
}
LABEL_FLOORS = {
    "NAME": 700,
    "PHONE": 150,
    "EMAIL": 60,
    "PLATE": 150,
    "IBAN": 50,
    "DOB": 100,
    "ADDRESS": 180,
    "IDNUMBER": 110,
    "ORIGIN": 150,
}


def _guide_labels() -> set[str]:
    return set(re.findall(r"^\*\*([A-Z]+)\*\*:", GUIDE.read_text(encoding="utf-8"), flags=re.MULTILINE))


def _records() -> list[dict[str, object]]:
    out = []
    for n, line in enumerate(SET.read_text(encoding="utf-8").splitlines(), 1):
        try:
            out.append(json.loads(line))
        except json.JSONDecodeError as exc:  # pragma: no cover - the message is the point
            pytest.fail(f"line {n} is not JSON: {exc}")
    return out


RECORDS = _records()


def _spans(rec: dict[str, object]) -> list[dict[str, object]]:
    spans = rec["spans"]
    assert isinstance(spans, list)
    return spans


def _values(label: str) -> list[str]:
    return [
        str(r["text"])[int(s["start"]) : int(s["end"])]  # type: ignore[call-overload]
        for r in RECORDS
        for s in _spans(r)
        if s["label"] == label
    ]


def test_the_guide_defines_the_labels_the_build_uses() -> None:
    assert _guide_labels() == set(build.LABELS)


def test_every_line_has_the_guide_format() -> None:
    for n, rec in enumerate(RECORDS, 1):
        assert set(rec) == {"text", "spans", "split", "style"}, n
        assert isinstance(rec["text"], str)
        assert rec["text"], n
        assert rec["split"] == "heldout2", n
        assert rec["style"] in STYLE_FLOORS, (n, rec["style"])
        for span in _spans(rec):
            assert set(span) == {"start", "end", "label"}, n


def test_spans_lie_inside_the_text_sorted_and_never_overlap() -> None:
    LabelledSet(SET, "heldout2", STYLE_FLOORS, LABEL_FLOORS, MIN_LINES).check_spans_inside_sorted_apart(RECORDS)


def test_span_text_has_no_surrounding_blank_or_punctuation() -> None:
    for n, rec in enumerate(RECORDS, 1):
        text = str(rec["text"])
        for span in _spans(rec):
            value = text[int(span["start"]) : int(span["end"])]  # type: ignore[call-overload]
            assert value == value.strip(), (n, value)
            assert not value.startswith(("[", ",", ";", ":", "*", "-", '"')), (n, value)
            assert not value.endswith((",", ";", ":", "(", "[", "-", '"')), (n, value)
            # A bracket belongs to a value only as a pair inside it: "(0345) 123456", "Halle (Saale)".
            assert value.count("(") == value.count(")"), (n, value)
            # A value never runs on into the middle of a word on either side.
            s, e = int(span["start"]), int(span["end"])  # type: ignore[call-overload]
            assert s == 0 or not (text[s - 1].isalnum() and value[0].isalnum()), (n, text, value)
            assert e == len(text) or not (text[e].isalnum() and value[-1].isalnum()), (n, text, value)


def test_no_pattern_mark_is_left_in_the_text() -> None:
    for rec in RECORDS:
        assert not re.search(r"\[\[|\]\]|\{[A-Z]+[:@}]", str(rec["text"])), rec["text"]


def test_the_set_is_as_large_and_varied_as_promised() -> None:
    assert len(RECORDS) >= MIN_LINES
    styles = Counter(str(r["style"]) for r in RECORDS)
    for style, floor in STYLE_FLOORS.items():
        assert styles[style] >= floor, (style, styles[style])
    labels = Counter(str(s["label"]) for r in RECORDS for s in _spans(r))
    assert sum(labels.values()) >= MIN_SPANS
    for label, floor in LABEL_FLOORS.items():
        assert labels[label] >= floor, (label, labels[label])
    # Real notes often hold nothing personal: between a tenth and two fifths of the lines have no span.
    empty = sum(1 for r in RECORDS if not _spans(r))
    assert 0.10 * len(RECORDS) <= empty <= 0.40 * len(RECORDS), empty
    assert len({r["text"] for r in RECORDS}) == len(RECORDS), "duplicate lines"


def test_ibans_and_tax_ids_carry_correct_check_digits() -> None:
    ibans = _values("IBAN")
    assert ibans
    assert [v for v in ibans if not stdnum_iban.is_valid(v)] == []
    tax_ids = [v for v in _values("IDNUMBER") if re.fullmatch(r"[\d ]+", v) and len(v.replace(" ", "")) == 11]
    assert len(tax_ids) >= 15
    assert [v for v in tax_ids if not idnr.is_valid(v)] == []


def test_vins_carry_the_check_digit() -> None:
    vins = [v for v in _values("IDNUMBER") if len(v) == 17 and v.isalnum() and v[:1].isalpha()]
    assert len(vins) >= 15
    values = {str(i): i for i in range(10)}
    values.update(dict(zip("ABCDEFGH", range(1, 9), strict=True)))
    values.update(dict(zip("JKLMN", range(1, 6), strict=True)) | {"P": 7, "R": 9})
    values.update(dict(zip("STUVWXYZ", range(2, 10), strict=True)))
    weights = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)
    for v in vins:
        assert not set(v) & set("IOQ"), v
        total = sum(values[c] * w for c, w in zip(v, weights, strict=True)) % 11
        assert v[8] == ("X" if total == 10 else str(total)), v


def test_the_emergency_numbers_are_never_labelled() -> None:
    assert not {"110", "112"} & set(_values("PHONE"))


def test_the_file_is_exactly_what_the_generator_writes() -> None:
    assert SET.read_text(encoding="utf-8") == build.render(build.build())
