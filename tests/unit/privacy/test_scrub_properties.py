"""Properties of the free-text scrubber over generated text: idempotent, total, and nothing found is left behind."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from hub.privacy.scrub import PLACEHOLDERS, scrub

# Pieces that trigger every detector, including their edges, mixed with arbitrary text in between.
_PIECES = [
    "Herr", "Frau", "Hr.", "Anrufer", "Zeugin", "namens", "heißt", "zu heißen", "Kevin", "Schulze", "Müller",
    "Ayşe", "Demir", "Nguyễn", "Thị", "von", "Trotha", "S.", "Li", "Mai", "KOWALCZYK", "Marek", ",", ", ", ".",
    "0345 1234567", "+49 176 98765432", "0176-12345678", "0345 581 0", "anna.schmidt@web.de", "x(at)gmx.de",
    "HAL-AB 123", "MQ-AB-1234E", "SK-X 1", "DE39 8005 3762 5260 1815 90", "DE39800537625260181590",
    "geb.", "geboren am", "*", "12.03.1985", "5. Mai 2008", "1987-04-19", "am 12.03.2026 um 22:10", "(34 J.)",
    "Leipziger Straße 12", "Große Ulrichstr. 5a", "Am Steintor 3", "Marktplatz 1", "Straße", "Str.", "12", "5a",
    "Haltestelle Rennbahnkreuz", "Linie 2", "Wagen 654", "[NAME]", "[TELEFON]", "[E-MAIL]", "[", "]", "-", "/",
    *PLACEHOLDERS.values(),
]  # fmt: skip
_SEPARATORS = st.sampled_from([" ", " ", "", ", ", ": ", "\n", "-", "(", ")"])
_TEXTS = st.one_of(
    st.text(max_size=200),
    st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=6), _SEPARATORS), max_size=30).map("".join),
    st.lists(st.tuples(st.sampled_from(_PIECES), _SEPARATORS), max_size=25).map(
        lambda pairs: "".join(a + b for a, b in pairs)
    ),
)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_scrubbing_twice_changes_nothing(text: str) -> None:
    """Scrubbing scrubbed text finds nothing more and returns it unchanged, whatever the input (it never raises)."""
    once = scrub(text)
    twice = scrub(once.text)
    assert twice.text == once.text
    assert twice.spans == ()


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_no_found_value_is_left_as_a_word(text: str) -> None:
    """No value the scrubber found stands anywhere in its output as a word of its own (not even repeated)."""
    result = scrub(text)
    for span in result.spans:
        value = text[span.start : span.end]
        assert not re.search(rf"(?<!\w){re.escape(value)}(?!\w)", result.text), (value, result.text)


@settings(max_examples=400, deadline=None)
@given(_TEXTS)
def test_spans_are_ordered_disjoint_and_rebuild_the_output(text: str) -> None:
    """Spans are in order, do not overlap, and replacing them by their placeholders gives exactly the output."""
    result = scrub(text)
    rebuilt, pos = [], 0
    for span in result.spans:
        assert pos <= span.start < span.end <= len(text)
        rebuilt += [text[pos : span.start], PLACEHOLDERS[span.category]]
        pos = span.end
    rebuilt.append(text[pos:])
    assert "".join(rebuilt) == result.text
