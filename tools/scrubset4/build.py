"""Build tests/data/scrub_heldout4_de.jsonl, the fourth held-out set of the German free-text scrubber (issue 12).

Written apart from the scrubber: nothing here reads or imports its code, lists or tagger. The sources are the
hand-written files ``<style>.txt`` next to this module (one text a line, ``#`` starts a comment line) and the small
generator in ``gen.py``. A value is marked ``[[value|C]]`` with a one-letter code (see ``CODES``). In an IBAN,
``??`` after the country code is filled with the check digits; in an 11-digit tax id a trailing ``?`` is filled
with the check digit; in a 17-character vehicle identification number a ``?`` in ninth place is filled with the
check digit.

    python -m tools.scrubset4.build        # writes the JSONL
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from stdnum import iban as stdnum_iban
from stdnum.de import idnr

HERE = Path(__file__).resolve().parent
OUT = HERE.parents[1] / "tests" / "data" / "scrub_heldout4_de.jsonl"
SPLIT = "heldout4"

CODES = {
    "N": "NAME",
    "P": "PHONE",
    "E": "EMAIL",
    "K": "PLATE",
    "I": "IBAN",
    "G": "DOB",
    "A": "ADDRESS",
    "X": "IDNUMBER",
    "O": "ORIGIN",
}
LABELS = tuple(CODES.values())
STYLES = (
    "leitstelle",
    "polizei",
    "ordnungsamt",
    "funk",
    "notruf",
    "buerger",
    "email",
    "chat",
    "social",
    "schichtbuch",
    "sms",
    "forum",
)

_MARK = re.compile(r"\[\[(.+?)\|([^\]]*)\]\]")
_VIN_VALUES = {
    **{str(d): d for d in range(10)},
    **dict(zip("ABCDEFGH", range(1, 9), strict=True)),
    **dict(zip("JKLMN", range(1, 6), strict=True)),
    "P": 7,
    "R": 9,
    **dict(zip("STUVWXYZ", range(2, 10), strict=True)),
}
_VIN_WEIGHTS = (8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2)


class SourceError(ValueError):
    """A source line that cannot be turned into a correct record."""


def iban_check(value: str) -> str:
    """Fill the ``??`` after the country code of an IBAN with its check digits (ISO 13616, mod 97)."""
    if value[2:4] != "??":
        raise SourceError(f"IBAN without ?? check digits: {value!r}")
    compact = value.replace(" ", "").upper()
    moved = compact[4:] + compact[:2] + "00"
    number = int("".join(str(int(c, 36)) for c in moved))
    check = f"{98 - number % 97:02d}"
    return value[:2] + check + value[4:]


def taxid_check(value: str) -> str:
    """Fill the trailing ``?`` of an 11-digit tax id (ISO 7064 MOD 11,10)."""
    digits = [int(c) for c in value if c.isdigit()]
    if not value.endswith("?") or len(digits) != 10:
        raise SourceError(f"tax id needs 10 digits and a trailing ?: {value!r}")
    product = 10
    for d in digits:
        s = (d + product) % 10 or 10
        product = (s * 2) % 11
    check = (11 - product) % 10
    return value[:-1] + str(check)


def vin_check(value: str) -> str:
    """Fill the ``?`` in ninth place of a 17-character VIN (ISO 3779 / North American check digit)."""
    if len(value) != 17 or value[8] != "?":
        raise SourceError(f"VIN needs 17 characters and ? in ninth place: {value!r}")
    try:
        total = sum(_VIN_VALUES[c] * w for c, w in zip(value.upper(), _VIN_WEIGHTS, strict=True) if c != "?")
    except KeyError as exc:
        raise SourceError(f"VIN with a character that is not allowed: {value!r}") from exc
    rest = total % 11
    return value[:8] + ("X" if rest == 10 else str(rest)) + value[9:]


def _is_tax_id(value: str) -> bool:
    return bool(re.fullmatch(r"[\d ]+", value)) and len(value.replace(" ", "")) == 11


def _is_vin(value: str) -> bool:
    return len(value) == 17 and value.isalnum() and value[:1].isalpha()


def _fill(value: str, label: str) -> str:
    if "?" not in value:
        return value
    if label == "IBAN":
        return iban_check(value)
    if label == "IDNUMBER" and len(value) == 17 and value[8] == "?":
        return vin_check(value)
    if label == "IDNUMBER" and re.fullmatch(r"[\d ]+\?", value):
        return taxid_check(value)
    raise SourceError(f"a ? the build cannot fill: {value!r} ({label})")


def parse(line: str) -> tuple[str, list[dict[str, object]]]:
    """Turn one marked source line into its text and spans."""
    text = ""
    spans: list[dict[str, object]] = []
    pos = 0
    for m in _MARK.finditer(line):
        code = m.group(2)
        if code not in CODES:
            raise SourceError(f"unknown code {code!r} in {line!r}")
        label = CODES[code]
        value = _fill(m.group(1), label)
        text += line[pos : m.start()]
        spans.append({"start": len(text), "end": len(text) + len(value), "label": label})
        text += value
        pos = m.end()
    text += line[pos:]
    if "[[" in text or "]]" in text:
        raise SourceError(f"unclosed mark in {line!r}")
    return text, spans


def _check_value(value: str, label: object, where: str) -> None:
    """Refuse a value with punctuation at its end or a wrong check digit."""
    dot_allowed = (label == "ORIGIN" and value.endswith(".")) or (
        label == "NAME" and re.search(r"\b\w\.$", value) is not None
    )
    if value[-1] in ",;:.!?" and not dot_allowed:
        raise SourceError(f"{where}: punctuation at the end of {value!r}")
    if label == "IBAN" and not stdnum_iban.is_valid(value):
        raise SourceError(f"{where}: invalid IBAN {value!r}")
    if label == "IDNUMBER" and _is_tax_id(value) and not idnr.is_valid(value):
        raise SourceError(f"{where}: invalid tax id {value!r}")
    if label == "IDNUMBER" and _is_vin(value) and vin_check(value[:8] + "?" + value[9:]) != value:
        raise SourceError(f"{where}: VIN check digit wrong {value!r}")
    if label == "PHONE" and value in {"110", "112"}:
        raise SourceError(f"{where}: emergency number labelled")


def check_spans(text: str, spans: list[dict[str, object]], where: str) -> None:
    """Refuse spans that break the guide's mechanical rules or carry a wrong check digit."""
    for span in spans:
        s, e = int(span["start"]), int(span["end"])  # type: ignore[call-overload]
        value = text[s:e]
        if not value or value != value.strip():
            raise SourceError(f"{where}: blank around {value!r}")
        if s > 0 and text[s - 1].isalnum() and value[0].isalnum():
            raise SourceError(f"{where}: {value!r} starts inside a word")
        if e < len(text) and text[e].isalnum() and value[-1].isalnum():
            raise SourceError(f"{where}: {value!r} ends inside a word")
        _check_value(value, span["label"], where)


def record(line: str, style: str, where: str) -> dict[str, object]:
    text, spans = parse(line)
    check_spans(text, spans, where)
    return {"text": text, "spans": spans, "split": SPLIT, "style": style}


def records_from_file(path: Path, style: str) -> list[dict[str, object]]:
    out = []
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        out.append(record(line, style, f"{path.name}:{n}"))
    return out


def build() -> list[dict[str, object]]:
    from tools.scrubset4 import gen

    records: list[dict[str, object]] = []
    for style in STYLES:
        records.extend(records_from_file(HERE / f"{style}.txt", style))
    for n, (style, line) in enumerate(gen.generate(), 1):
        records.append(record(line, style, f"gen:{n}"))
    seen: set[object] = set()
    for rec in records:
        if rec["text"] in seen:
            raise SourceError(f"duplicate text {rec['text']!r}")
        seen.add(rec["text"])
    return records


def render(records: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main() -> None:
    OUT.write_text(render(build()), encoding="utf-8")


if __name__ == "__main__":
    main()
