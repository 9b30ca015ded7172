"""Integrity of the fourth held-out set, tests/data/scrub_heldout4_de.jsonl (issue 12).

These tests check the data only: its format, that its spans follow the labelling guide's mechanical rules, that it
is as large and varied as promised, that its check digits are right, and that it is exactly what its build
(tools/scrubset4, written apart from the scrubber) writes. They never run the scrubber.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from stdnum import iban as stdnum_iban
from stdnum.de import idnr

from tests.helpers.scrub_sets import LabelledSet, guide_labels
from tools.scrubset4 import build, gen

DATA = Path(__file__).resolve().parents[2] / "data"
SET = DATA / "scrub_heldout4_de.jsonl"
SOURCES = Path(build.__file__).resolve().parent

MIN_LINES = 1000
MIN_LABELLED_VALUES = 1100
MIN_HAND_WRITTEN = 600
# At least 60 % of the lines are written by hand; the rest come from tools/scrubset4/gen.py.
MIN_HAND_SHARE = 0.60
# Floors per style and per category, below what the build writes, so a change that drops a style or a category
# fails here instead of quietly shrinking the set.
STYLE_FLOORS = {
    "leitstelle": 95,
    "polizei": 95,
    "ordnungsamt": 80,
    "funk": 75,
    "notruf": 75,
    "buerger": 75,
    "email": 75,
    "chat": 70,
    "social": 70,
    "schichtbuch": 70,
    "sms": 65,
    "forum": 75,
}
LABEL_FLOORS = {
    "NAME": 420,
    "PHONE": 120,
    "EMAIL": 45,
    "PLATE": 110,
    "IBAN": 30,
    "DOB": 50,
    "ADDRESS": 100,
    "IDNUMBER": 60,
    "ORIGIN": 110,
}
SET_CHECKS = LabelledSet(SET, "heldout4", STYLE_FLOORS, LABEL_FLOORS, MIN_LINES)
RECORDS = SET_CHECKS.records()


def _values(label: str) -> list[str]:
    return SET_CHECKS.values(RECORDS, label)


def test_the_guide_defines_the_labels_the_build_uses() -> None:
    assert guide_labels() == set(build.LABELS) == set(build.CODES.values())


def test_every_line_has_the_guide_format() -> None:
    SET_CHECKS.check_format(RECORDS)


def test_spans_lie_inside_the_text_sorted_and_never_overlap() -> None:
    SET_CHECKS.check_spans_inside_sorted_apart(RECORDS)


def test_span_text_has_no_surrounding_blank_or_punctuation() -> None:
    SET_CHECKS.check_span_edges(RECORDS)


def test_names_leave_titles_and_forms_of_address_outside() -> None:
    SET_CHECKS.check_names_without_titles(RECORDS)


def test_no_markup_is_left_in_the_text() -> None:
    SET_CHECKS.check_no_markup(RECORDS)


def test_the_set_is_as_large_and_varied_as_promised() -> None:
    labels = SET_CHECKS.check_size_and_variety(RECORDS)
    assert sum(labels.values()) >= MIN_LABELLED_VALUES, sum(labels.values())


def test_every_style_the_build_knows_is_in_the_set() -> None:
    assert set(build.STYLES) == set(STYLE_FLOORS)
    assert {str(r["style"]) for r in RECORDS} == set(build.STYLES)


def test_most_lines_are_written_by_hand() -> None:
    hand = [rec for style in build.STYLES for rec in build.records_from_file(SOURCES / f"{style}.txt", style)]
    assert len(hand) >= MIN_HAND_WRITTEN
    texts = {r["text"] for r in RECORDS}
    assert all(r["text"] in texts for r in hand)
    generated = list(gen.generate())
    assert len(hand) + len(generated) == len(RECORDS)
    assert len(hand) >= MIN_HAND_SHARE * len(RECORDS), (len(hand), len(RECORDS))


def test_ibans_and_tax_ids_carry_correct_check_digits() -> None:
    ibans = _values("IBAN")
    assert ibans
    assert [v for v in ibans if not stdnum_iban.is_valid(v)] == []
    assert {v.replace(" ", "")[:2].upper() for v in ibans} > {"DE"}, "foreign IBANs too"
    tax_ids = [v for v in _values("IDNUMBER") if re.fullmatch(r"[\d ]+", v) and len(v.replace(" ", "")) == 11]
    assert len(tax_ids) >= 10
    assert [v for v in tax_ids if not idnr.is_valid(v)] == []


def test_vins_carry_the_check_digit() -> None:
    vins = [v for v in _values("IDNUMBER") if len(v) == 17 and v.isalnum() and v[:1].isalpha()]
    assert len(vins) >= 3
    for v in vins:
        assert not set(v) & set("IOQ"), v
        assert build.vin_check(v[:8] + "?" + v[9:]) == v, v


def test_the_check_digit_helpers_match_published_examples() -> None:
    # Published example numbers, so that the helpers cannot agree with a wrong check only among themselves.
    assert build.iban_check("DE?? 3704 0044 0532 0130 00") == "DE89 3704 0044 0532 0130 00"
    assert build.vin_check("1M8GDM9A?KP042788") == "1M8GDM9AXKP042788"
    assert build.taxid_check("3657426180?") == "36574261809"


def test_the_emergency_numbers_are_never_labelled() -> None:
    assert not {"110", "112"} & set(_values("PHONE"))


def test_a_broken_source_line_is_refused() -> None:
    with pytest.raises(build.SourceError):
        build.parse("Konto [[DE?? 1234|Q]]")
    text, spans = build.parse("Steuer-ID [[12 345 678 90?|X]]")  # no digit repeated: not a tax id
    with pytest.raises(build.SourceError):
        build.check_spans(text, spans, "test")


def test_the_file_is_exactly_what_the_build_writes() -> None:
    assert SET.read_text(encoding="utf-8") == build.render(build.build())
