"""The data checks every labelled scrubber set written apart from the scrubber shares (tests/data/SCRUB_LABELS.md's
mechanical rules): its format, spans inside the text, sorted and apart, no blank or punctuation at a value's edge,
titles outside names, no markup left, and its promised size and variety. They read the data only, never the
scrubber. Each set's own test module adds what is particular to it (its build, its check digits)."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

GUIDE = Path(__file__).resolve().parents[1] / "data" / "SCRUB_LABELS.md"

#: What a NAME span must never start with: the guide keeps titles, forms of address and roles outside.
NAME_PREFIXES = ("Herr ", "Herrn ", "Frau ", "Hr. ", "Fr. ", "Dr. ", "Prof. ", "Familie ", "Fam. ", "der ", "die ")

Rec = dict[str, object]
Span = dict[str, object]


def guide_labels() -> set[str]:
    """The labels the labelling guide defines."""
    return set(re.findall(r"^\*\*([A-Z]+)\*\*:", GUIDE.read_text(encoding="utf-8"), flags=re.MULTILINE))


def spans(rec: Rec) -> list[Span]:
    found = rec["spans"]
    assert isinstance(found, list)
    return found


def value(rec: Rec, span: Span) -> str:
    return str(rec["text"])[int(span["start"]) : int(span["end"])]  # type: ignore[call-overload]


@dataclass(frozen=True)
class LabelledSet:
    """One JSON-lines set: its records, the split every line names, and the floors it promises."""

    path: Path
    split: str
    style_floors: Mapping[str, int]
    label_floors: Mapping[str, int]
    min_lines: int

    def records(self) -> list[Rec]:
        out = []
        for n, line in enumerate(self.path.read_text(encoding="utf-8").splitlines(), 1):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError as exc:  # pragma: no cover - the message is the point
                pytest.fail(f"{self.path.name} line {n} is not JSON: {exc}")
        return out

    def values(self, records: list[Rec], label: str) -> list[str]:
        return [value(r, s) for r in records for s in spans(r) if s["label"] == label]

    def check_format(self, records: list[Rec]) -> None:
        assert records
        for n, rec in enumerate(records, 1):
            assert set(rec) == {"text", "spans", "split", "style"}, n
            assert isinstance(rec["text"], str)
            assert rec["text"].strip(), n
            assert rec["split"] == self.split, n
            assert rec["style"] in self.style_floors, (n, rec["style"])
            for span in spans(rec):
                assert set(span) == {"start", "end", "label"}, n

    def check_spans_inside_sorted_apart(self, records: list[Rec]) -> None:
        labels = guide_labels()
        for n, rec in enumerate(records, 1):
            text = str(rec["text"])
            end_before = 0
            for span in spans(rec):
                start, end = span["start"], span["end"]
                assert isinstance(start, int)
                assert isinstance(end, int)
                assert end_before <= start < end <= len(text), (n, text, span)
                assert span["label"] in labels, (n, span)
                end_before = end

    def check_span_edges(self, records: list[Rec]) -> None:
        for n, rec in enumerate(records, 1):
            text = str(rec["text"])
            for span in spans(rec):
                v = value(rec, span)
                assert v == v.strip(), (n, v)
                assert not v.startswith(("[", ",", ";", ":", "*", "-", '"', "„", "'")), (n, v)
                assert not v.endswith((",", ";", ":", "(", "[", "-", '"', "“", "'", "!", "?")), (n, v)
                # A bracket belongs to a value only as a pair inside it: "(0345) 123456", "Halle (Saale)".
                assert v.count("(") == v.count(")"), (n, v)
                # A value never runs on into the middle of a word on either side.
                s, e = int(span["start"]), int(span["end"])  # type: ignore[call-overload]
                assert s == 0 or not (text[s - 1].isalnum() and v[0].isalnum()), (n, text, v)
                assert e == len(text) or not (text[e].isalnum() and v[-1].isalnum()), (n, text, v)

    def check_names_without_titles(self, records: list[Rec]) -> None:
        prefixes = tuple(p.lower() for p in NAME_PREFIXES)
        assert [v for v in self.values(records, "NAME") if v.lower().startswith(prefixes)] == []

    def check_no_markup(self, records: list[Rec]) -> None:
        for rec in records:
            assert not re.search(r"\[\[|\]\]|\|[A-Z]\]", str(rec["text"])), rec["text"]
            # A "?" inside a value would be a check digit the build failed to fill.
            assert all("?" not in value(rec, s) for s in spans(rec)), rec["text"]

    def check_size_and_variety(self, records: list[Rec]) -> Counter[str]:
        """Lines, styles and labels at their floors, a fifth to two fifths of the lines with nothing personal (hard
        negatives), no line twice; returns the count per label."""
        assert len(records) >= self.min_lines
        styles = Counter(str(r["style"]) for r in records)
        for style, floor in self.style_floors.items():
            assert styles[style] >= floor, (style, styles[style])
        labels = Counter(str(s["label"]) for r in records for s in spans(r))
        for label, floor in self.label_floors.items():
            assert labels[label] >= floor, (label, labels[label])
        empty = sum(1 for r in records if not spans(r))
        assert 0.20 * len(records) <= empty <= 0.40 * len(records), empty
        assert len({r["text"] for r in records}) == len(records), "duplicate lines"
        return labels
