"""The labelled German test set for the scrubber, and the precision/recall floors the scrubber must keep on it.

Figures are span-level: *exact* means same start, end and label; *overlap* means same label and at least one shared
character. The "heldout" split was written together with the rest, before the scrubber, and never used for tuning.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest

from hub.privacy.scrub import CATEGORIES, ScrubResult, Span, scrub
from hub.privacy.scrub_eval import Example, evaluate, load_examples

DATA = Path(__file__).resolve().parents[2] / "data" / "scrub_de.jsonl"

# Floors set from what the scrubber reaches (whole set: every label 1.00 exact; held-out 0.98 exact, 1.00
# overlap), less a margin so that a list change that trades one span does not fail the build.
LABEL_FLOOR = 0.95
OVERALL_FLOOR = 0.97
HELDOUT_EXACT_FLOOR = 0.95
HELDOUT_OVERLAP_FLOOR = 0.97


@pytest.fixture(scope="module")
def examples() -> list[Example]:
    """The labelled set, parsed."""
    return load_examples(DATA)


def test_labelled_set_is_well_formed(examples: list[Example]) -> None:
    """At least 250 sentences, spans inside the text, known labels, no overlaps, no padding, both splits present."""
    assert len(examples) >= 250
    for line in DATA.read_text(encoding="utf-8").splitlines():
        assert set(json.loads(line)) == {"text", "spans", "split"}
    for ex in examples:
        assert ex.split in ("dev", "heldout")
        ordered = sorted(ex.spans)
        for start, end, label in ordered:
            assert label in CATEGORIES
            assert 0 <= start < end <= len(ex.text)
            value = ex.text[start:end]
            assert value == value.strip(), (ex.text, value)
        for (_, end, _), (start, _, _) in itertools.pairwise(ordered):
            assert end <= start, ex.text
    assert sum(ex.split == "heldout" for ex in examples) >= 60
    assert sum(not ex.spans for ex in examples) >= 100, "plenty of negatives"
    assert {label for ex in examples for _, _, label in ex.spans} == set(CATEGORIES)


def test_scrubber_keeps_its_floors_on_the_whole_set(examples: list[Example]) -> None:
    """Exact-match precision and recall per label and overall stay at or above the floors."""
    exact, _ = evaluate(examples)
    for label, counts in exact.per_label.items():
        assert counts.precision >= LABEL_FLOOR, (label, counts)
        assert counts.recall >= LABEL_FLOOR, (label, counts)
    assert exact.overall.precision >= OVERALL_FLOOR
    assert exact.overall.recall >= OVERALL_FLOOR


def test_scrubber_keeps_its_floors_on_the_heldout_split(examples: list[Example]) -> None:
    """On sentences never used for tuning, overall precision and recall stay at or above the floors."""
    exact, overlap = evaluate([ex for ex in examples if ex.split == "heldout"])
    assert exact.overall.precision >= HELDOUT_EXACT_FLOOR
    assert exact.overall.recall >= HELDOUT_EXACT_FLOOR
    assert overlap.overall.precision >= HELDOUT_OVERLAP_FLOOR
    assert overlap.overall.recall >= HELDOUT_OVERLAP_FLOOR


def test_negatives_come_back_unchanged(examples: list[Example]) -> None:
    """Sentences without personal data (stops, streets without numbers, event dates, car numbers) stay verbatim."""
    changed = [ex.text for ex in examples if not ex.spans and scrub(ex.text).text != ex.text]
    assert changed == []


def test_evaluation_counts_exact_and_overlap_matches() -> None:
    """A span found one character short counts for overlap but not for exact matching."""
    ex = Example("Frau Weiß ruft an.", ((5, 9, "NAME"),), "dev")
    exact, overlap = evaluate([ex], lambda text: ScrubResult(text, (Span(5, 8, "NAME"),)))
    assert (exact.overall.precision, exact.overall.recall) == (0.0, 0.0)
    assert (overlap.overall.precision, overlap.overall.recall) == (1.0, 1.0)
