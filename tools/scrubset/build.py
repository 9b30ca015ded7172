"""Build the held-out labelled set for the German free-text scrubber from hand-written sources.

Run: python -m tools.scrubset.build [--check]

Sources: one text file per writing style in this folder (``*.txt``), one sentence a line, personal values marked
inline as ``[[LABEL:value]]``; lines starting with ``#`` and blank lines are skipped. ``generate.py`` adds sentences
from hand-written pools and templates (seeded, so the output is the same on every run). In an IBAN the check digits
may be written ``??`` and in an 11-digit tax id the last digit ``?``: the build computes them.

Writes ``tests/data/scrub_heldout_de.jsonl`` (``--check`` only compares) and prints counts per label and style.
The set is independent of the scrubber: nothing here reads the scrubber, its lexicons or any package name list.
The labelling rules are in ``tests/data/SCRUB_LABELS.md``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from tools.scrubset import generate

HERE = Path(__file__).resolve().parent
OUT = HERE.parents[1] / "tests" / "data" / "scrub_heldout_de.jsonl"
LABELS = ("NAME", "PHONE", "EMAIL", "PLATE", "IBAN", "DOB", "ADDRESS", "IDNUMBER", "ORIGIN")
STYLES = ("leitstelle", "buerger", "funk", "polizei", "ordnungsamt")
MARK = re.compile(r"\[\[([A-Z]+):(.*?)\]\]")
IBAN_LENGTHS = {"DE": 22, "AT": 20, "PL": 28, "NL": 18, "FR": 27, "ES": 24, "IT": 27, "TR": 26, "RO": 24}
IBAN_LENGTHS |= {"BE": 16, "CH": 21, "GB": 22, "UA": 29, "BG": 22, "CZ": 24, "LU": 20, "DK": 18, "LT": 20}


class MarkupError(ValueError):
    """A source line whose markup cannot be read or whose spans break a rule."""


@dataclass(frozen=True, slots=True)
class Sentence:
    """One labelled sentence: text, spans (start, end, label), style and whether it was generated."""

    text: str
    spans: tuple[tuple[int, int, str], ...]
    style: str
    generated: bool


def iban_check_digits(country: str, bban: str) -> str:
    """The two ISO 13616 check digits for ``country`` and ``bban``."""
    digits = "".join(str(int(ch, 36)) for ch in (bban + country + "00").upper())
    return f"{98 - int(digits) % 97:02d}"


def iban_valid(iban: str) -> bool:
    """Mod-97 check and length for the countries this set uses."""
    compact = iban.replace(" ", "").upper()
    if IBAN_LENGTHS.get(compact[:2]) != len(compact):
        return False
    rearranged = compact[4:] + compact[:4]
    return int("".join(str(int(ch, 36)) for ch in rearranged)) % 97 == 1


def steuer_id_check_digit(first_ten: str) -> str:
    """ISO 7064 MOD 11,10 check digit of a German tax id (Steuer-ID)."""
    product = 10
    for ch in first_ten:
        total = (int(ch) + product) % 10 or 10
        product = total * 2 % 11
    check = 11 - product
    return "0" if check == 10 else str(check)


def fill_checksums(label: str, value: str) -> str:
    """Replace ``??`` in an IBAN and a trailing ``?`` in a tax id by the computed check digits."""
    if label == "IBAN" and value[2:4] == "??":
        compact = value.replace(" ", "")
        return value[:2] + iban_check_digits(compact[:2], compact[4:]) + value[4:]
    if label == "IDNUMBER" and value.endswith("?"):
        digits = re.sub(r"\D", "", value[:-1])
        if len(digits) != 10:
            raise MarkupError(f"tax id placeholder needs 10 digits before '?': {value!r}")
        return value[:-1] + steuer_id_check_digit(digits)
    return value


def parse(line: str) -> tuple[str, tuple[tuple[int, int, str], ...]]:
    """Text and spans of one marked-up line."""
    text, spans, pos = [], [], 0
    length = 0
    for match in MARK.finditer(line):
        label, value = match.group(1), fill_checksums(match.group(1), match.group(2))
        if label not in LABELS:
            raise MarkupError(f"unknown label {label!r}")
        before = line[pos : match.start()]
        text.append(before)
        length += len(before)
        spans.append((length, length + len(value), label))
        text.append(value)
        length += len(value)
        pos = match.end()
    text.append(line[pos:])
    joined = "".join(text)
    if "[[" in joined or "]]" in joined:
        raise MarkupError("unclosed or malformed [[...]] markup")
    return joined, tuple(spans)


NOT_IN_NAME = ("Herr ", "Herrn ", "Frau ", "Hr. ", "Fr. ", "Dr. ", "Prof. ", "Familie ", "Zeuge ", "Zeugin ")
SHAPE = {
    "PHONE": re.compile(r"(?:\D*\d){5}"),
    "DOB": re.compile(r"\d"),
    "ADDRESS": re.compile(r"\d"),
    "EMAIL": re.compile(r"\S(?:@|\(at\)|\[at\]| at )\S"),
}


def check_rules(label: str, piece: str) -> None:
    """The labelling rules a span can be checked against on its own (SCRUB_LABELS.md)."""
    if label == "NAME" and piece.startswith(NOT_IN_NAME):
        raise MarkupError(f"NAME {piece!r} starts with a title or role word, which is not part of the name")
    if label in SHAPE and not SHAPE[label].search(piece):
        raise MarkupError(f"{label} {piece!r} does not look like one")
    if label == "IBAN" and not iban_valid(piece):
        raise MarkupError(f"IBAN {piece!r} fails its check digits or length")
    if label == "IDNUMBER" and re.fullmatch(r"[\d ]{11,14}", piece) and len(piece.replace(" ", "")) == 11:
        digits = piece.replace(" ", "")
        if steuer_id_check_digit(digits[:10]) != digits[10]:
            raise MarkupError(f"tax id {piece!r} has a wrong check digit")


def check_sentence(text: str, spans: tuple[tuple[int, int, str], ...], marked: list[str]) -> None:
    """Every span is inside the text, equals its marked value, has no outer blanks, and none overlap."""
    if text != text.strip() or not text:
        raise MarkupError("sentence is empty or has leading/trailing blanks")
    last_end = 0
    for (start, end, label), value in zip(spans, marked, strict=True):
        piece = text[start:end]
        if piece != value or not piece or piece != piece.strip():
            raise MarkupError(f"span {start}:{end} {label} is {piece!r}, marked {value!r}")
        if start < last_end:
            raise MarkupError(f"span {start}:{end} overlaps the one before")
        last_end = end
        check_rules(label, piece)


def read_line(line: str, style: str, generated: bool) -> Sentence:
    """One source line as a checked sentence."""
    text, spans = parse(line)
    marked = [fill_checksums(m.group(1), m.group(2)) for m in MARK.finditer(line)]
    check_sentence(text, spans, marked)
    return Sentence(text, spans, style, generated)


def source_lines(style: str) -> list[str]:
    """The hand-written lines of one style, comments and blanks skipped."""
    raw = (HERE / f"{style}.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in raw if line.strip() and not line.lstrip().startswith("#")]


def collect() -> list[Sentence]:
    """All sentences, hand-written first per style, then the generated ones; refuses duplicates."""
    sentences: list[Sentence] = []
    lines = [(s, line, False) for s in STYLES for line in source_lines(s)]
    lines += [(s, line, True) for s, line in generate.sentences()]
    seen: dict[str, str] = {}
    for style, line, generated in lines:
        try:
            sentence = read_line(line, style, generated)
        except MarkupError as exc:
            raise MarkupError(f"{style}: {line!r}: {exc}") from exc
        if sentence.text in seen:
            raise MarkupError(f"duplicate sentence ({seen[sentence.text]} and {style}): {sentence.text!r}")
        seen[sentence.text] = style
        sentences.append(sentence)
    return sentences


def render(sentences: list[Sentence]) -> str:
    """The JSON lines of the set."""
    rows = []
    for s in sentences:
        spans = [{"start": a, "end": b, "label": label} for a, b, label in s.spans]
        row = {"text": s.text, "spans": spans, "split": "heldout", "style": s.style}
        rows.append(json.dumps(row, ensure_ascii=False))
    return "\n".join(rows) + "\n"


def report(sentences: list[Sentence]) -> str:
    """Counts per label and per style, hand-written and generated."""
    labels = Counter(label for s in sentences for _, _, label in s.spans)
    lines = [f"sentences: {len(sentences)} ({sum(not s.generated for s in sentences)} hand-written)"]
    lines.append(f"without personal data: {sum(not s.spans for s in sentences)}")
    lines.append("per label: " + ", ".join(f"{lab} {labels[lab]}" for lab in LABELS))
    for style in STYLES:
        mine = [s for s in sentences if s.style == style]
        hand = sum(not s.generated for s in mine)
        spans = Counter(label for s in mine for _, _, label in s.spans)
        detail = ", ".join(f"{lab} {spans[lab]}" for lab in LABELS if spans[lab])
        lines.append(f"  {style}: {len(mine)} sentences ({hand} hand-written, {len(mine) - hand} generated); {detail}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="compare with the committed file instead of writing")
    args = parser.parse_args()
    sentences = collect()
    text = render(sentences)
    print(report(sentences))
    if args.check:
        if not OUT.exists() or OUT.read_text(encoding="utf-8") != text:
            sys.exit(f"{OUT} is not what the sources build; run python -m tools.scrubset.build")
        print(f"{OUT} is up to date")
        return
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
