"""Build the scrubber's fifth development set, tests/data/scrub_dev5_de.jsonl (issue 12, sixth round).

Run: .venv/bin/python -m tools.build_scrub_dev5_set
Every sentence is written by hand in tests/data/scrub_dev5_de.src.txt (no templates): the writing styles the third
held-out set's aggregates named weakest (emergency-call notes, chat and social-media posts) and citizens' e-mails
and drivers' radio notes, in lower case, with typos, nicknames, names of many origins, partial and foreign plates,
age and origin descriptors, and traps. Written without looking at any held-out set.
"""

from __future__ import annotations

from pathlib import Path

from tools.build_scrub_dev_set import assemble, write

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "tests" / "data" / "scrub_dev5_de.src.txt"
OUTPUT = ROOT / "tests" / "data" / "scrub_dev5_de.jsonl"
STYLES = ("notruf", "chat", "social", "email", "funk")


def build() -> list[dict[str, object]]:
    """Every sentence of the set, in the order of the source."""
    return assemble(SOURCE, "", lambda line: line, "dev5")


def main() -> None:
    write(build(), OUTPUT)


if __name__ == "__main__":
    main()
