"""Span-level precision and recall of the scrubber on a labelled set (JSON lines of text and gold spans).

Three matchings: *exact* (same start, end and label) and *overlap* (same label and at least one shared character;
for recall a gold span counts once some found span overlaps it, for precision a found span counts once it overlaps
some gold span), and *covered*, what matters for privacy: a gold value counts as found when nothing of it is left,
that is every letter and digit of it lies inside some found span of any label (one name found as two spans, or a
plate found as a name, is covered; the blank or hyphen between two found parts says nothing and need not be inside
one); a found span counts as right when it overlaps some gold value of any label. Per label, covered recall is
counted by the gold value's label and covered precision by the found span's. Used by the tests (floors) and by
``bench/bench_scrub.py`` (figures).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from hub.privacy.scrub import CATEGORIES, Category, ScrubResult, scrub


@dataclass(frozen=True, slots=True)
class Example:
    """One labelled sentence: its text, gold spans as (start, end, label), and its split ("dev" or "heldout")."""

    text: str
    spans: tuple[tuple[int, int, Category], ...]
    split: str


@dataclass(slots=True)
class Counts:
    """True positives on the found side and the gold side (they differ for overlap matching), found, gold."""

    tp_found: int = 0
    tp_gold: int = 0
    found: int = 0
    gold: int = 0

    @property
    def precision(self) -> float:
        """Share of found spans that are right; 1.0 when nothing was found."""
        return self.tp_found / self.found if self.found else 1.0

    @property
    def recall(self) -> float:
        """Share of gold spans that were found; 1.0 when there was nothing to find."""
        return self.tp_gold / self.gold if self.gold else 1.0


@dataclass(slots=True)
class Report:
    """Counts per label and over all labels, for one matching mode."""

    per_label: dict[Category, Counts] = field(default_factory=lambda: {c: Counts() for c in CATEGORIES})
    overall: Counts = field(default_factory=Counts)


def load_examples(path: Path) -> list[Example]:
    """Read the labelled set; raises ValueError naming the line if a line is malformed."""
    examples = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        try:
            raw = json.loads(line)
            spans = tuple((int(s["start"]), int(s["end"]), _label(s["label"])) for s in raw["spans"])
            examples.append(Example(str(raw["text"]), spans, str(raw.get("split", "dev"))))
        except (ValueError, KeyError, TypeError) as exc:
            raise ValueError(f"{path}:{number}: {exc}") from exc
    return examples


def _label(value: object) -> Category:
    for category in CATEGORIES:
        if value == category:
            return category
    raise ValueError(f"unknown label {value!r} (known: {', '.join(CATEGORIES)})")


class Reports(NamedTuple):
    """The reports of one evaluation, one per matching mode."""

    exact: Report
    overlap: Report
    covered: Report


def evaluate(examples: Iterable[Example], scrubber: Callable[[str], ScrubResult] = scrub) -> tuple[Report, Report]:
    """(exact, overlap) reports of ``scrubber`` over ``examples``."""
    reports = evaluate_all(examples, scrubber)
    return reports.exact, reports.overlap


def evaluate_all(examples: Iterable[Example], scrubber: Callable[[str], ScrubResult] = scrub) -> Reports:
    """Exact, overlap and covered reports of ``scrubber`` over ``examples`` (the scrubber runs once a sentence)."""
    reports = Reports(Report(), Report(), Report())
    for ex in examples:
        found = [(s.start, s.end, s.category) for s in scrubber(ex.text).spans]
        _score(reports.exact, found, ex.spans, lambda a, b: a == b)
        _score(reports.overlap, found, ex.spans, lambda a, b: a[2] == b[2] and a[0] < b[1] and b[0] < a[1])
        _score_covered(reports.covered, ex.text, found, ex.spans)
    return reports


def covered(text: str, gold: tuple[int, int], found: Sequence[tuple[int, int, Category]]) -> bool:
    """Whether every letter and digit of ``text[gold[0]:gold[1]]`` lies inside some span of ``found``."""
    start, end = gold
    inside = [False] * (end - start)
    for f_start, f_end, _ in found:
        for i in range(max(f_start, start), min(f_end, end)):
            inside[i - start] = True
    return all(flag or not text[start + k].isalnum() for k, flag in enumerate(inside))


def _score_covered(
    report: Report, text: str, found: Sequence[tuple[int, int, Category]], gold: Sequence[tuple[int, int, Category]]
) -> None:
    for f_start, f_end, label in found:
        hit = any(f_start < g_end and g_start < f_end for g_start, g_end, _ in gold)
        for counts in (report.per_label[label], report.overall):
            counts.found += 1
            counts.tp_found += hit
    for g_start, g_end, label in gold:
        hit = covered(text, (g_start, g_end), found)
        for counts in (report.per_label[label], report.overall):
            counts.gold += 1
            counts.tp_gold += hit


def _score(
    report: Report,
    found: Sequence[tuple[int, int, Category]],
    gold: Sequence[tuple[int, int, Category]],
    match: Callable[[tuple[int, int, Category], tuple[int, int, Category]], bool],
) -> None:
    for f in found:
        hit = any(match(f, g) for g in gold)
        for counts in (report.per_label[f[2]], report.overall):
            counts.found += 1
            counts.tp_found += hit
    for g in gold:
        hit = any(match(f, g) for f in found)
        for counts in (report.per_label[g[2]], report.overall):
            counts.gold += 1
            counts.tp_gold += hit
