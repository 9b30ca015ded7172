"""Integrity of the held-out labelled set for the German scrubber (tests/data/scrub_heldout_de.jsonl).

Checks the file only, never the scrubber: it loads with the evaluation's reader, every span lies inside its
sentence with a known label and no overlap, the set is large and varied enough for the figures it is meant to give,
and it is exactly what ``python -m tools.scrubset.build`` makes from the hand-written sources.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from hub.privacy.scrub_eval import load_examples
from tools.scrubset import build

DATA = Path(__file__).resolve().parents[2] / "data" / "scrub_heldout_de.jsonl"
LABELS = {"NAME", "PHONE", "EMAIL", "PLATE", "IBAN", "DOB", "ADDRESS", "IDNUMBER", "ORIGIN"}
MIN_PER_LABEL = {
    "NAME": 600,
    "PHONE": 150,
    "PLATE": 120,
    "EMAIL": 60,
    "ADDRESS": 100,
    "IBAN": 40,
    "DOB": 60,
    "IDNUMBER": 60,
    "ORIGIN": 60,
}


@pytest.fixture(scope="module")
def rows() -> list[dict[str, object]]:
    return [json.loads(line) for line in DATA.read_text(encoding="utf-8").splitlines()]


def test_loads_with_the_evaluation_reader() -> None:
    """The evaluation's own reader takes every line; all sentences are in the held-out split."""
    examples = load_examples(DATA)
    assert len(examples) >= 1200
    assert {ex.split for ex in examples} == {"heldout"}


def test_spans_are_inside_the_text_known_and_apart(rows: list[dict[str, object]]) -> None:
    """Offsets are valid indices into the text, spans are sorted, do not overlap and carry no outer blanks."""
    for row in rows:
        text = row["text"]
        assert isinstance(text, str)
        assert text
        assert text == text.strip()
        end_before = 0
        for span in row["spans"]:  # type: ignore[attr-defined]
            start, end, label = span["start"], span["end"], span["label"]
            assert label in LABELS, row
            assert end_before <= start < end <= len(text), row
            piece = text[start:end]
            assert piece == piece.strip(), row
            end_before = end


def test_no_sentence_twice(rows: list[dict[str, object]]) -> None:
    texts = [row["text"] for row in rows]
    assert len(texts) == len(set(texts))


def test_every_label_and_style_is_well_represented(rows: list[dict[str, object]]) -> None:
    """At least the agreed number of gold spans per label, at least 200 sentences per writing style."""
    labels = Counter(span["label"] for row in rows for span in row["spans"])  # type: ignore[attr-defined]
    for label, floor in MIN_PER_LABEL.items():
        assert labels[label] >= floor, (label, labels[label])
    styles = Counter(row["style"] for row in rows)
    assert set(styles) == set(build.STYLES)
    assert min(styles.values()) >= 200, styles
    assert sum(not row["spans"] for row in rows) >= 150, "too few sentences without personal data"


def test_file_is_what_the_sources_build() -> None:
    """The JSONL is generated, not edited: rebuilding from tools/scrubset gives the same bytes."""
    assert build.render(build.collect()) == DATA.read_text(encoding="utf-8")
