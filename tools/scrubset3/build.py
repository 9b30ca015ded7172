"""Builds tests/data/scrub_heldout3_de.jsonl: `python -m tools.scrubset3.build` (same bytes on every run).

Written apart from the scrubber (see README.md beside this file): never use this set, or anything derived from
it, to tune the scrubber.

The sentences are the `*.txt` files beside this module, one line a sentence, written out by hand, plus the lines
`generate.py` makes from hand-written pieces. In a line, `[[value|C]]` marks a value and its label by a one-letter
code (`CODES`); `\\n` is a line break inside the sentence; `#` starts a comment line. Check digits are left to the
build: `??` after an IBAN's country code, a `?` as the last digit of a tax id or as the ninth character of a VIN.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

from stdnum import iban as stdnum_iban
from stdnum.de import idnr
from stdnum.iso7064 import mod_11_10

from tools.scrubset3 import generate

HERE = Path(__file__).resolve().parent
OUT = HERE.parents[1] / "tests" / "data" / "scrub_heldout3_de.jsonl"
SPLIT = "heldout3"
LABELS = ("NAME", "PHONE", "EMAIL", "PLATE", "IBAN", "DOB", "ADDRESS", "IDNUMBER", "ORIGIN")
CODES = {
    "N": "NAME",
    "T": "PHONE",
    "E": "EMAIL",
    "K": "PLATE",
    "I": "IBAN",
    "D": "DOB",
    "A": "ADDRESS",
    "X": "IDNUMBER",
    "O": "ORIGIN",
}
STYLES = ("leitstelle", "buerger", "funk", "polizei", "ordnungsamt", "notruf", "chat", "social", "email")
_MARK = re.compile(r"\[\[(.+?)\|([A-Z])\]\]", re.DOTALL)

_VIN_VALUES = {str(i): i for i in range(10)}
_VIN_VALUES.update(dict(zip("ABCDEFGH", range(1, 9), strict=True)))
_VIN_VALUES.update(dict(zip("JKLMN", range(1, 6), strict=True)) | {"P": 7, "R": 9})
_VIN_VALUES.update(dict(zip("STUVWXYZ", range(2, 10), strict=True)))
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


class SourceError(ValueError):
    """A hand-written line that breaks the markup or the labelling guide's mechanical rules."""


def iban_check(value: str) -> str:
    """`value` with its `??` replaced by the ISO 13616 check digits (blanks and case kept as written)."""
    compact = value.replace(" ", "").upper()
    country, bban = compact[:2], compact[4:]
    digits = "".join(str(int(c, 36)) for c in bban + country) + "00"
    check = f"{98 - int(digits) % 97:02d}"
    return value.replace("??", check, 1)


def vin_check(value: str) -> str:
    """`value` with the `?` at its ninth place replaced by the ISO 3779 check digit."""
    total = sum(_VIN_VALUES[c] * w for c, w in zip(value.replace("?", "0"), _VIN_WEIGHTS, strict=True)) % 11
    return value.replace("?", "X" if total == 10 else str(total), 1)


def taxid_check(value: str) -> str:
    """`value` with its final `?` replaced by the ISO 7064 MOD 11,10 check digit of a German tax id."""
    digits = re.sub(r"\D", "", value)
    return value[:-1] + mod_11_10.calc_check_digit(digits)


def _fill(value: str, label: str) -> str:
    if "?" not in value:
        return value
    if label == "IBAN":
        return iban_check(value)
    if label == "IDNUMBER" and len(value) == 17:
        return vin_check(value)
    if label == "IDNUMBER" and value.endswith("?"):
        return taxid_check(value)
    raise SourceError(f"no check digit rule for {value!r} ({label})")


def parse(line: str) -> tuple[str, list[dict[str, object]]]:
    """One marked-up line -> (text, spans)."""
    line = line.replace("\\n", "\n")
    text: list[str] = []
    spans: list[dict[str, object]] = []
    pos = 0
    length = 0
    for m in _MARK.finditer(line):
        before = line[pos : m.start()]
        text.append(before)
        length += len(before)
        if m.group(2) not in CODES:
            raise SourceError(f"unknown label code {m.group(2)!r} in {line!r}")
        label = CODES[m.group(2)]
        value = _fill(m.group(1), label)
        spans.append({"start": length, "end": length + len(value), "label": label})
        text.append(value)
        length += len(value)
        pos = m.end()
    text.append(line[pos:])
    out = "".join(text)
    if "[[" in out or "]]" in out:
        raise SourceError(f"stray markup in {line!r}")
    return out, spans


def check_spans(text: str, spans: list[dict[str, object]], where: str) -> None:
    """Refuse a value with a blank at its edge, an IBAN or a tax id whose check digits are wrong."""
    for span in spans:
        value = text[int(span["start"]) : int(span["end"])]  # type: ignore[call-overload]
        if value != value.strip() or not value:
            raise SourceError(f"{where}: blank at the edge of {value!r}")
        if span["label"] == "IBAN" and not stdnum_iban.is_valid(value):
            raise SourceError(f"{where}: invalid IBAN {value!r}")
        tax_id = span["label"] == "IDNUMBER" and re.fullmatch(r"[\d ]+", value) and len(value.replace(" ", "")) == 11
        if tax_id and not idnr.is_valid(value):
            raise SourceError(f"{where}: invalid tax id {value!r}")


def records_from_file(path: Path, style: str) -> list[dict[str, object]]:
    """The hand-written sentences of one style file."""
    out: list[dict[str, object]] = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not raw.strip() or raw.startswith("#"):
            continue
        text, spans = parse(raw.rstrip("\n"))
        check_spans(text, spans, f"{path.name}:{n}")
        out.append({"text": text, "spans": spans, "split": SPLIT, "style": style})
    return out


def build() -> list[dict[str, object]]:
    """Every record: the hand-written ones style by style, then the generated ones, duplicates dropped."""
    records: list[dict[str, object]] = []
    for style in STYLES:
        records.extend(records_from_file(HERE / f"{style}.txt", style))
    for style, line in generate.lines():
        text, spans = parse(line)
        check_spans(text, spans, f"generate:{style}")
        records.append({"text": text, "spans": spans, "split": SPLIT, "style": style})
    seen: set[str] = set()
    unique = []
    for rec in records:
        if rec["text"] not in seen:
            seen.add(str(rec["text"]))
            unique.append(rec)
    return unique


def render(records: list[dict[str, object]]) -> str:
    """The JSONL text of `records`, one object a line, non-ASCII kept as written."""
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main(argv: list[str] | None = None) -> int:
    """Write the set; with `--check`, only say whether the file on disk is up to date."""
    args = sys.argv[1:] if argv is None else argv
    text = render(build())
    if "--check" in args:
        if OUT.read_text(encoding="utf-8") != text:
            print(f"{OUT} is out of date: run python -m tools.scrubset3.build")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
