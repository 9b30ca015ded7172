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
from hub.privacy.scrub_eval import Example, Reports, covered, evaluate, evaluate_all, load_examples

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
    # The old set predates the ID-number and origin categories; the development set covers them.
    assert {label for ex in examples for _, _, label in ex.spans} == set(CATEGORIES) - {"IDNUMBER", "ORIGIN"}


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


# --- the development set of issue 12 (tests/data/scrub_dev_de.jsonl, built by tools/build_scrub_dev_set.py) ------

DEV_DATA = Path(__file__).resolve().parents[2] / "data" / "scrub_dev_de.jsonl"
# Floors from what the scrubber reaches on the development set (docs/privacy.md, bench/RESULTS.md), less a margin.
# Names are the hard part: unlisted names without a cue (a nickname opening a Streetwork note) are still missed.
# Reached (exact P/R): NAME 0.986/0.945, PHONE 1.000/0.982, ADDRESS 1.000/0.989, ORIGIN 1.000/0.992, the rest 1.000;
# overall 0.994/0.970.
DEV_FLOORS: dict[str, tuple[float, float]] = {  # label: (exact precision, exact recall)
    "NAME": (0.97, 0.92),
    "PHONE": (0.97, 0.96),
    "EMAIL": (0.97, 0.97),
    "PLATE": (0.97, 0.97),
    "IBAN": (0.97, 0.97),
    "DOB": (0.97, 0.97),
    "ADDRESS": (0.97, 0.97),
    "IDNUMBER": (0.97, 0.97),
    "ORIGIN": (0.97, 0.97),
}
DEV_OVERALL_FLOOR = (0.97, 0.95)


@pytest.fixture(scope="module")
def dev_examples() -> list[Example]:
    """The development set, parsed."""
    return load_examples(DEV_DATA)


def test_dev_set_is_well_formed_and_reproducible(dev_examples: list[Example]) -> None:
    """At least 600 sentences in several styles, every category labelled, spans clean; the file is exactly what
    the build tool writes from its sources."""
    from tools.build_scrub_dev_set import build

    assert len(dev_examples) >= 600
    records = [json.loads(line) for line in DEV_DATA.read_text(encoding="utf-8").splitlines()]
    assert records == build()
    assert len({r["style"] for r in records}) >= 5
    assert {label for ex in dev_examples for _, _, label in ex.spans} == set(CATEGORIES)
    assert sum(not ex.spans for ex in dev_examples) >= 50, "negatives with traps"
    for ex in dev_examples:
        assert ex.split == "dev"
        for (_, end, _), (start, _, _) in itertools.pairwise(sorted(ex.spans)):
            assert end <= start, ex.text


def test_scrubber_keeps_its_floors_on_the_dev_set(dev_examples: list[Example]) -> None:
    """Exact precision and recall per category and overall stay at or above the development-set floors."""
    exact, _ = evaluate(dev_examples)
    for label, (precision, recall) in DEV_FLOORS.items():
        counts = exact.per_label[label]  # type: ignore[index]
        assert counts.precision >= precision, (label, counts)
        assert counts.recall >= recall, (label, counts)
    assert (exact.overall.precision, exact.overall.recall) >= DEV_OVERALL_FLOOR


def test_dev_negatives_come_back_unchanged(dev_examples: list[Example]) -> None:
    """The development set's sentences without personal data (stops, call signs, incident numbers, companies) stay
    verbatim."""
    changed = [ex.text for ex in dev_examples if not ex.spans and scrub(ex.text).text != ex.text]
    assert len(changed) <= 3, changed  # today: the three notes about "Hermes", a given name used as a place


def test_loader_accepts_every_category_and_refuses_unknown_labels(tmp_path: Path) -> None:
    """The loader reads IDNUMBER and ORIGIN spans (and ignores extra keys such as "style"); an unknown label is
    refused with the line number."""
    good = tmp_path / "good.jsonl"
    good.write_text(
        json.dumps({"text": "Syrer, PA L01X00T47", "spans": [{"start": 0, "end": 5, "label": "ORIGIN"},
                    {"start": 10, "end": 19, "label": "IDNUMBER"}], "split": "heldout", "style": "x"}) + "\n",
        encoding="utf-8",
    )  # fmt: skip
    assert load_examples(good)[0].spans == ((0, 5, "ORIGIN"), (10, 19, "IDNUMBER"))
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"text": "x", "spans": [{"start": 0, "end": 1, "label": "FOO"}]}) + "\n")
    with pytest.raises(ValueError, match=r"bad\.jsonl:1"):
        load_examples(bad)


# --- the second development set (tests/data/scrub_dev2_de.jsonl, built by tools/build_scrub_dev2_set.py) ----------

DEV2_DATA = Path(__file__).resolve().parents[2] / "data" / "scrub_dev2_de.jsonl"
# Written before the second round changed the scrubber; it then reached exact recall 0.828 (plates 0.783, ID numbers
# 0.730, dates of birth 0.760). Reached after the second round (exact P/R): NAME 0.983/0.977, PHONE 1.000/0.938,
# ADDRESS 1.000/0.978, IDNUMBER 1.000/0.978, the rest 1.000; overall 0.993/0.984. Floors are that less a margin.
DEV2_FLOORS: dict[str, tuple[float, float]] = {  # label: (exact precision, exact recall)
    "NAME": (0.95, 0.93),
    "PHONE": (0.95, 0.90),
    "EMAIL": (0.95, 0.95),
    "PLATE": (0.95, 0.95),
    "IBAN": (0.95, 0.95),
    "DOB": (0.95, 0.95),
    "ADDRESS": (0.95, 0.95),
    "IDNUMBER": (0.95, 0.95),
    "ORIGIN": (0.95, 0.95),
}
DEV2_OVERALL_FLOOR = (0.97, 0.96)


@pytest.fixture(scope="module")
def dev2_examples() -> list[Example]:
    """The second development set, parsed."""
    return load_examples(DEV2_DATA)


def test_dev2_set_is_well_formed_and_reproducible(dev2_examples: list[Example]) -> None:
    """At least 400 sentences in the five styles of the labelling guide, every category labelled, spans clean and
    never overlapping; the file is exactly what its build tool writes."""
    from tools.build_scrub_dev2_set import build

    assert len(dev2_examples) >= 400
    records = [json.loads(line) for line in DEV2_DATA.read_text(encoding="utf-8").splitlines()]
    assert records == build()
    assert {r["style"] for r in records} == {"leitstelle", "buerger", "funk", "polizei", "ordnungsamt"}
    assert {label for ex in dev2_examples for _, _, label in ex.spans} == set(CATEGORIES)
    for ex in dev2_examples:
        assert ex.split == "dev2"
        for start, end, _ in ex.spans:
            value = ex.text[start:end]
            assert value == value.strip(" ,;:"), ex.text
            assert value.count("(") == value.count(")"), ex.text
        for (_, end, _), (start, _, _) in itertools.pairwise(sorted(ex.spans)):
            assert end <= start, ex.text


def test_scrubber_keeps_its_floors_on_the_dev2_set(dev2_examples: list[Example]) -> None:
    """Exact precision and recall per category and overall stay at or above the second development set's floors."""
    exact, _ = evaluate(dev2_examples)
    for label, (precision, recall) in DEV2_FLOORS.items():
        counts = exact.per_label[label]  # type: ignore[index]
        assert counts.precision >= precision, (label, counts)
        assert counts.recall >= recall, (label, counts)
    assert (exact.overall.precision, exact.overall.recall) >= DEV2_OVERALL_FLOOR


# --- the third development set (tests/data/scrub_dev3_de.jsonl, built by tools/build_scrub_dev3_set.py) -----------

DEV3_DATA = Path(__file__).resolve().parents[2] / "data" / "scrub_dev3_de.jsonl"
# Written before the third round changed the scrubber (shorthand and streetwork notes, names with particles and
# several parts, lists, capitals, abbreviated origin words, traps); round two then reached exact P 0.876 / R 0.735
# (names 0.796/0.687, origin recall 0.154). Reached after the third round (exact P/R): NAME 0.993/0.958, PLATE
# 1.000/0.968, the rest 1.000; overall 0.996/0.971. Floors are that less a margin.
DEV3_FLOORS: dict[str, tuple[float, float]] = {  # label: (exact precision, exact recall)
    "NAME": (0.97, 0.93),
    "PHONE": (0.95, 0.95),
    "PLATE": (0.95, 0.95),
    "DOB": (0.95, 0.95),
    "ADDRESS": (0.95, 0.95),
    "IDNUMBER": (0.95, 0.95),
    "ORIGIN": (0.95, 0.95),
}
DEV3_OVERALL_FLOOR = (0.98, 0.95)


@pytest.fixture(scope="module")
def dev3_examples() -> list[Example]:
    """The third development set, parsed."""
    return load_examples(DEV3_DATA)


def test_dev3_set_is_well_formed_and_reproducible(dev3_examples: list[Example]) -> None:
    """At least 250 sentences in the five styles, most of them control-room shorthand and Ordnungsamt/streetwork
    notes, with trap sentences that hold nothing; spans clean and never overlapping; the file is exactly what its
    build tool writes."""
    from tools.build_scrub_dev3_set import build

    assert len(dev3_examples) >= 250
    records = [json.loads(line) for line in DEV3_DATA.read_text(encoding="utf-8").splitlines()]
    assert records == build()
    styles = [r["style"] for r in records]
    assert set(styles) == {"leitstelle", "buerger", "funk", "polizei", "ordnungsamt"}
    assert styles.count("leitstelle") + styles.count("ordnungsamt") >= 0.75 * len(styles)
    assert sum(1 for ex in dev3_examples if not ex.spans) >= 25
    assert set(DEV3_FLOORS) <= {label for ex in dev3_examples for _, _, label in ex.spans}
    for ex in dev3_examples:
        assert ex.split == "dev3"
        for start, end, _ in ex.spans:
            value = ex.text[start:end]
            assert value == value.strip(" ,;:"), ex.text
        for (_, end, _), (start, _, _) in itertools.pairwise(sorted(ex.spans)):
            assert end <= start, ex.text


def test_scrubber_keeps_its_floors_on_the_dev3_set(dev3_examples: list[Example]) -> None:
    """Exact precision and recall per category and overall stay at or above the third development set's floors."""
    exact, _ = evaluate(dev3_examples)
    for label, (precision, recall) in DEV3_FLOORS.items():
        counts = exact.per_label[label]  # type: ignore[index]
        assert counts.precision >= precision, (label, counts)
        assert counts.recall >= recall, (label, counts)
    assert (exact.overall.precision, exact.overall.recall) >= DEV3_OVERALL_FLOOR


def test_dev3_negatives_come_back_unchanged(dev3_examples: list[Example]) -> None:
    """The trap sentences (stop names, call signs, streets without a number, company names) pass unchanged."""
    for ex in dev3_examples:
        if not ex.spans:
            assert scrub(ex.text).text == ex.text, ex.text


# --- the fourth development set (tests/data/scrub_dev4_de.jsonl, built by tools/build_scrub_dev4_set.py) ----------

DEV4_DATA = Path(__file__).resolve().parents[2] / "data" / "scrub_dev4_de.jsonl"
# Written before the fourth round changed the scrubber (names of many origins after role words, lower case,
# nicknames, common-word surnames, repeated names; plates in every spelling; abbreviated origin words; traps), then
# four probes written after its changes. Round three reached exact P 0.982 / R 0.814 on the whole file (names
# 0.973/0.821, plates 1.000/0.891, origin 1.000/0.564). Reached after the fourth round (exact P/R): NAME
# 0.998/0.976, the rest 1.000; overall 0.999/0.984. Floors are that less a margin.
DEV4_FLOORS: dict[str, tuple[float, float]] = {  # label: (exact precision, exact recall)
    "NAME": (0.97, 0.95),
    "PHONE": (0.95, 0.95),
    "PLATE": (0.95, 0.95),
    "DOB": (0.95, 0.95),
    "ADDRESS": (0.95, 0.95),
    "ORIGIN": (0.95, 0.95),
}
DEV4_OVERALL_FLOOR = (0.98, 0.96)


@pytest.fixture(scope="module")
def dev4_examples() -> list[Example]:
    """The fourth development set, parsed."""
    return load_examples(DEV4_DATA)


def test_dev4_set_is_well_formed_and_reproducible(dev4_examples: list[Example]) -> None:
    """At least 400 sentences in the five styles, most of them control-room shorthand, Ordnungsamt/streetwork notes
    and tram radio notes, with at least 40 trap sentences that hold nothing; spans clean and never overlapping; the
    file is exactly what its build tool writes."""
    from tools.build_scrub_dev4_set import build

    assert len(dev4_examples) >= 400
    records = [json.loads(line) for line in DEV4_DATA.read_text(encoding="utf-8").splitlines()]
    assert records == build()
    styles = [r["style"] for r in records]
    assert set(styles) == {"leitstelle", "buerger", "funk", "polizei", "ordnungsamt"}
    assert styles.count("leitstelle") + styles.count("ordnungsamt") + styles.count("funk") >= 0.8 * len(styles)
    assert sum(1 for ex in dev4_examples if not ex.spans) >= 40
    assert set(DEV4_FLOORS) <= {label for ex in dev4_examples for _, _, label in ex.spans}
    for ex in dev4_examples:
        assert ex.split == "dev4"
        for start, end, _ in ex.spans:
            value = ex.text[start:end]
            assert value == value.strip(" ,;:"), ex.text
        for (_, end, _), (start, _, _) in itertools.pairwise(sorted(ex.spans)):
            assert end <= start, ex.text


def test_scrubber_keeps_its_floors_on_the_dev4_set(dev4_examples: list[Example]) -> None:
    """Exact precision and recall per category and overall stay at or above the fourth development set's floors."""
    exact, _ = evaluate(dev4_examples)
    for label, (precision, recall) in DEV4_FLOORS.items():
        counts = exact.per_label[label]  # type: ignore[index]
        assert counts.precision >= precision, (label, counts)
        assert counts.recall >= recall, (label, counts)
    assert (exact.overall.precision, exact.overall.recall) >= DEV4_OVERALL_FLOOR


def test_dev4_negatives_come_back_unchanged(dev4_examples: list[Example]) -> None:
    """The trap sentences (common-word surnames used as words, call signs, stops, companies, streetwork notes
    without people, plates not read) pass unchanged."""
    for ex in dev4_examples:
        if not ex.spans:
            assert scrub(ex.text).text == ex.text, ex.text


# --- the "covered" measure (what matters for privacy: nothing of a gold value is left) ----------------------------


def _reports(text: str, gold: tuple[tuple[int, int, str], ...], found: tuple[Span, ...]) -> Reports:
    ex = Example(text, gold, "dev")  # type: ignore[arg-type]
    return evaluate_all([ex], lambda t: ScrubResult(t, found))


def test_covered_counts_a_name_found_in_two_parts_and_under_another_label() -> None:
    """A full name found as two spans fails exact and half-fails overlap matching but is covered (the blank between
    the parts says nothing); a plate taken as a name is covered but neither exact nor overlapping."""
    text = "Zeuge Kwabena Asare, Pkw HALAB123"
    reports = _reports(
        text,
        ((6, 19, "NAME"), (25, 33, "PLATE")),
        (Span(6, 13, "NAME"), Span(14, 19, "NAME"), Span(25, 33, "NAME")),
    )
    assert reports.exact.overall.recall == 0.0
    assert reports.overlap.overall.recall == 0.5  # the plate, found as a name, overlaps no gold plate
    assert (reports.covered.overall.tp_gold, reports.covered.overall.gold) == (2, 2)
    assert (reports.covered.overall.tp_found, reports.covered.overall.found) == (3, 3)
    assert reports.covered.per_label["PLATE"].recall == 1.0  # counted by the gold value's label
    assert reports.covered.per_label["NAME"].found == 3  # and found spans by their own


def test_covered_refuses_a_value_with_a_letter_or_digit_left() -> None:
    """A surname left after the given name was found, or the last digit of a plate, is not covered; a found span
    that overlaps no gold value is a false find."""
    text = "Anruferin Ama Boakye, Pkw HAL-AB 123, Hst. Zoo"
    reports = _reports(
        text,
        ((10, 20, "NAME"), (26, 36, "PLATE")),
        (Span(10, 13, "NAME"), Span(26, 35, "PLATE"), Span(43, 46, "NAME")),
    )
    assert reports.covered.overall.tp_gold == 0
    assert (reports.covered.overall.tp_found, reports.covered.overall.found) == (2, 3)
    assert reports.covered.per_label["NAME"].precision == 0.5


def test_covered_is_at_least_overlap_recall_on_the_same_finds() -> None:
    """Covered recall asks more than overlap (all of the value) but of any label: a span one letter short is
    overlapping but not covered; one a letter long is covered and exact-missed."""
    text = "Frau Weiß ruft an."
    short = _reports(text, ((5, 9, "NAME"),), (Span(5, 8, "NAME"),))
    long = _reports(text, ((5, 9, "NAME"),), (Span(4, 9, "NAME"),))
    assert (short.overlap.overall.recall, short.covered.overall.recall) == (1.0, 0.0)
    assert (long.exact.overall.recall, long.covered.overall.recall) == (0.0, 1.0)
    assert covered(text, (5, 9), [(4, 7, "NAME"), (7, 12, "PHONE")])
    assert not covered(text, (5, 9), [])


def test_evaluate_keeps_its_two_reports() -> None:
    """``evaluate`` returns the exact and overlap reports of ``evaluate_all``."""
    ex = Example("Frau Weiß ruft an.", ((5, 9, "NAME"),), "dev")
    exact, overlap = evaluate([ex], lambda text: ScrubResult(text, (Span(5, 9, "NAME"),)))
    both = evaluate_all([ex], lambda text: ScrubResult(text, (Span(5, 9, "NAME"),)))
    assert (exact.overall.recall, overlap.overall.recall) == (both.exact.overall.recall, both.overlap.overall.recall)
    assert both.covered.overall.recall == 1.0


# --- the fifth development set (tests/data/scrub_dev5_de.jsonl, built by tools/build_scrub_dev5_set.py) ----------

DEV5_DATA = Path(__file__).resolve().parents[2] / "data" / "scrub_dev5_de.jsonl"


@pytest.fixture(scope="module")
def dev5_examples() -> list[Example]:
    """The fifth development set, parsed."""
    return load_examples(DEV5_DATA)


def test_dev5_set_is_well_formed_and_reproducible(dev5_examples: list[Example]) -> None:
    """At least 300 hand-written sentences in the five weak styles (emergency-call notes, chat, social-media posts,
    citizens' e-mails, drivers' radio notes), every category labelled, at least 30 traps; spans clean and never
    overlapping; titles and forms of address outside names; the file is exactly what its build tool writes."""
    from tools.build_scrub_dev5_set import STYLES, build

    assert len(dev5_examples) >= 300
    records = [json.loads(line) for line in DEV5_DATA.read_text(encoding="utf-8").splitlines()]
    assert records == build()
    assert {r["style"] for r in records} == set(STYLES)
    assert {label for ex in dev5_examples for _, _, label in ex.spans} == set(CATEGORIES)
    assert sum(1 for ex in dev5_examples if not ex.spans) >= 30
    for ex in dev5_examples:
        assert ex.split == "dev5"
        for start, end, label in ex.spans:
            value = ex.text[start:end]
            assert value == value.strip(" ,;:"), ex.text
            assert value.count("(") == value.count(")"), ex.text
            if label == "NAME":
                assert value.split()[0].lower() not in {"herr", "herrn", "frau", "hr.", "fr.", "dr."}, ex.text
        for (_, end, _), (start, _, _) in itertools.pairwise(sorted(ex.spans)):
            assert end <= start, ex.text


# Written before the sixth round changed the scrubber; round five (rules + tagger) then reached exact P 0.968 / R 0.899
# (names 0.865 recall; chat 0.757). Reached after the sixth round, with the tagger trained on it too (exact P/R):
# NAME 0.981/0.988, ADDRESS 1.000/0.964, the rest 1.000; overall 0.988/0.991. Floors are that less a margin; the
# tagger cross-validated without it reaches less (bench/RESULTS.md).
DEV5_FLOORS: dict[str, tuple[float, float]] = {  # label: (exact precision, exact recall)
    "NAME": (0.95, 0.95),
    "PHONE": (0.95, 0.95),
    "PLATE": (0.95, 0.95),
    "ADDRESS": (0.95, 0.92),
    "ORIGIN": (0.95, 0.95),
}
DEV5_OVERALL_FLOOR = (0.97, 0.96)


def test_scrubber_keeps_its_floors_on_the_dev5_set(dev5_examples: list[Example]) -> None:
    """Exact precision and recall per category and overall stay at or above the fifth development set's floors."""
    exact, _ = evaluate(dev5_examples)
    for label, (precision, recall) in DEV5_FLOORS.items():
        counts = exact.per_label[label]  # type: ignore[index]
        assert counts.precision >= precision, (label, counts)
        assert counts.recall >= recall, (label, counts)
    assert (exact.overall.precision, exact.overall.recall) >= DEV5_OVERALL_FLOOR


def test_dev5_negatives_come_back_unchanged(dev5_examples: list[Example]) -> None:
    """The trap sentences (lines, stops, streets without a number, a bicycle frame number, polnisches Kennzeichen,
    languages, a pet's name) pass unchanged."""
    for ex in dev5_examples:
        if not ex.spans:
            assert scrub(ex.text).text == ex.text, ex.text
