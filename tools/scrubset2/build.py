"""Builds tests/data/scrub_heldout2_de.jsonl: `python -m tools.scrubset2.build` (same bytes on every run).

Written apart from the scrubber (see README.md beside this file): never use this set, or anything derived from
it, to tune the scrubber.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path
from types import ModuleType

from tools.scrubset2 import engine, noise, s_buerger, s_chat, s_funk, s_leitstelle, s_notruf, s_ordnungsamt, s_polizei

SEED = 20261205
OUT = Path(__file__).resolve().parents[2] / "tests" / "data" / "scrub_heldout2_de.jsonl"

# style -> (module, number of lines)
STYLES: dict[str, tuple[ModuleType, int]] = {
    "leitstelle": (s_leitstelle, 360),
    "buerger": (s_buerger, 330),
    "funk": (s_funk, 190),
    "polizei": (s_polizei, 280),
    "ordnungsamt": (s_ordnungsamt, 260),
    "notruf": (s_notruf, 160),
    "chat": (s_chat, 130),
}
LABELS = ("NAME", "PHONE", "EMAIL", "PLATE", "IBAN", "DOB", "ADDRESS", "IDNUMBER", "ORIGIN")
_LEFTOVER = re.compile(r"\[\[|\]\]|\{[A-Z]+")


def _roughen(style: str, segs: engine.Segs, rng: random.Random) -> engine.Segs:
    """What each style's writers do to their text (see noise.py)."""
    if style == "buerger":
        if rng.random() < 0.35:
            segs = noise.typos(segs, rng, 0.1)
        if rng.random() < 0.25:
            segs = noise.lower(segs)
        if rng.random() < 0.4:
            segs = noise.drop_final_punct(segs)
    elif style == "chat":
        if rng.random() < 0.5:
            segs = noise.lower(segs)
        if rng.random() < 0.2:
            segs = noise.typos(segs, rng, 0.1)
    elif style == "leitstelle" and rng.random() < 0.08:
        segs = noise.upper(segs)
    elif style == "funk" and rng.random() < 0.15:
        segs = noise.lower(segs)
    return segs


def _line(pattern: str, style: str, rng: random.Random) -> dict[str, object]:
    rec = engine.to_record(_roughen(style, engine.fill(pattern, rng), rng), style)
    text = str(rec["text"])
    if _LEFTOVER.search(text):
        raise ValueError(f"unfilled mark in pattern {pattern!r}")
    return rec


def build() -> list[dict[str, object]]:
    rng = random.Random(SEED)  # noqa: S311 - a reproducible test set, not a secret
    records: list[dict[str, object]] = []
    seen: set[str] = set()
    for style, (mod, target) in STYLES.items():
        lines = [_line(p, style, rng) for p in mod.ONCE]
        templates = list(mod.TEMPLATES)
        tries = 0
        while len(lines) < target:
            rng.shuffle(templates)
            for p in templates:
                if len(lines) >= target:
                    break
                rec = _line(p, style, rng)
                tries += 1
                if rec["text"] in seen or tries > target * 20:
                    continue
                seen.add(str(rec["text"]))
                lines.append(rec)
        for rec in lines:
            seen.add(str(rec["text"]))
        records.extend(lines)
    rng.shuffle(records)
    return records


def render(records: list[dict[str, object]]) -> str:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)


def main() -> int:
    OUT.write_text(render(build()), encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
