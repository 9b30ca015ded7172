"""The shared checks of the labelled scrubber sets (tests/helpers/scrub_sets.py) refuse what the guide forbids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.helpers.scrub_sets import LabelledSet


def _set(tmp_path: Path, *records: dict[str, object]) -> tuple[LabelledSet, list[dict[str, object]]]:
    path = tmp_path / "set.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")
    checks = LabelledSet(path, "heldoutX", {"chat": 1}, {"NAME": 1}, 1)
    return checks, checks.records()


def _line(text: str, start: int, end: int, label: str = "NAME") -> dict[str, object]:
    return {"text": text, "spans": [{"start": start, "end": end, "label": label}], "split": "heldoutX", "style": "chat"}


def test_a_well_formed_line_passes_every_check(tmp_path: Path) -> None:
    checks, records = _set(tmp_path, _line("ruf mal Anna Kowalski an", 8, 21))
    checks.check_format(records)
    checks.check_spans_inside_sorted_apart(records)
    checks.check_span_edges(records)
    checks.check_names_without_titles(records)
    checks.check_no_markup(records)


@pytest.mark.parametrize(
    ("line", "check"),
    [
        (_line("ruf mal Anna Kowalski an", 7, 21), "check_span_edges"),  # a blank at the value's edge
        (_line("ruf mal AnnaKowalski an", 8, 12), "check_span_edges"),  # runs into the middle of a word
        (_line("ruf mal Frau Kowalski an", 8, 21), "check_names_without_titles"),
        (_line("ruf mal Anna an", 8, 40), "check_spans_inside_sorted_apart"),  # past the text's end
        (_line("ruf mal Anna an", 8, 12, "PERSON"), "check_spans_inside_sorted_apart"),  # no such label
        ({**_line("ruf mal Anna an", 8, 12), "split": "dev"}, "check_format"),
        (_line("ruf mal [[Anna|N]] an", 10, 14), "check_no_markup"),
    ],
)
def test_what_the_guide_forbids_is_refused(tmp_path: Path, line: dict[str, object], check: str) -> None:
    checks, records = _set(tmp_path, line)
    with pytest.raises(AssertionError):
        getattr(checks, check)(records)
