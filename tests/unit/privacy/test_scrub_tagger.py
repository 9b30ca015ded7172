"""The scrubber's sequence tagger (issue 12, fifth round): what it adds to the rules, what it never takes away, and
that its shipped weights load quickly and give the same answer every time.

The sentences are this file's own (names made of syllables no list holds, nicknames, lower-case names, foreign
plates), not lines of any development or held-out set.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from hub.privacy import scrub_tagger
from hub.privacy.scrub import scrub
from hub.privacy.scrub_tagger import labels_from_spans, spans_from_labels, tag, tokenize


def _found(text: str, **kwargs: bool) -> set[tuple[str, str]]:
    return {(text[s.start : s.end], s.category) for s in scrub(text, **kwargs).spans}


@pytest.mark.parametrize(
    ("text", "value", "category"),
    [
        ("mein ex tomasz steht vor der tür", "tomasz", "NAME"),
        ("kennt jmd tobrek? hat mein rad geklaut", "tobrek", "NAME"),
        ("dicker Horst und kralle schlafen am Zoo", "kralle", "NAME"),
        ("auto wx 48213 steht schon wieder im halteverbot", "wx 48213", "PLATE"),
    ],
)
def test_the_tagger_finds_what_the_rules_miss(text: str, value: str, category: str) -> None:
    """Values by how the sentence announces them, which no list or rule of the scrubber covers."""
    assert (value, category) not in _found(text, statistical=False)
    assert (value, category) in _found(text)


@pytest.mark.parametrize(
    "text",
    [
        "Anruferin Abena Owusu meldet Streit im Wagen 654, Linie 2, Höhe Rennbahnkreuz. RR 0176 23 45 67 89.",
        "Herr Koch meldet, der Koch vom Imbiss hat die Tür abgeschlossen, Pkw HAL-AB 123.",
        "Beschuldigter KOWALSKI, Jan, geb. 12.03.1985, wohnhaft Leipziger Straße 12, 06108 Halle.",
        "Mitteiler Ionuț Popescu, Tel. 0157 34567812, meldet Ruhestörung Ludwig-Wucherer-Str. 44.",
        "Täter flüchtig Ri. Riebeckplatz, Beschreibung: ca. 1,80 m, südländisch aussehend, schwarze Jacke.",
        "Streetwork Zoo: Tarzan, Floh und keks angetroffen, E-Mail an anna.schmidt@web.de",
    ],
)
def test_the_tagger_never_drops_a_span_the_rules_found(text: str) -> None:
    """Every span of the rules alone stands unchanged (same offsets and category) in the combined result."""
    rules = set(scrub(text, statistical=False).spans)
    assert rules
    assert rules <= set(scrub(text).spans)


def test_the_tagger_leaves_logs_to_the_cued_rules() -> None:
    """With ``cued_names_only`` (the log redactor) the tagger does not run: log text is no German prose."""
    text = "worker Odunayo started, Zausel und Bommel schlafen"
    assert scrub(text, cued_names_only=True) == scrub(text, cued_names_only=True, statistical=False)


def test_the_tagger_keeps_to_its_categories() -> None:
    """Phones, e-mails and ID numbers stay with the rules' checked patterns: the tagger adds none of them."""
    text = "Rückruf 0176 12 34 56 78, Mail x.y@web.de, Ausweis L01X00T47, Steuer-ID 12 345 678 901"
    added = set(scrub(text).spans) - set(scrub(text, statistical=False).spans)
    assert {s.category for s in added} <= scrub_tagger.TAGGED


def test_weights_load_once_and_tag_deterministically() -> None:
    """The shipped model opens from package data, is cached per process, and labels the same text the same way."""
    scrub_tagger._tagger.cache_clear()
    first = scrub_tagger._tagger()
    assert scrub_tagger._tagger() is first
    assert set(first.labels()) >= {"O", "B-NAME", "I-NAME", "B-PLATE", "B-ADDRESS", "B-ORIGIN"}
    text = "Zeugin Odunayo Brzękowa sah Pkw WX 48213 an der Merseburger Straße 12"
    once = tag(text)
    scrub_tagger._tagger.cache_clear()
    assert tag(text) == once


def test_labels_and_spans_round_trip() -> None:
    """Gold spans become BIO labels and back without moving an offset; an I- after O opens a span."""
    text = "Frau Abena Owusu, Pkw HAL-AB 123."
    spans = [(5, 16, "NAME"), (22, 32, "PLATE")]
    tokens = tokenize(text)
    labels = labels_from_spans(tokens, spans)
    assert spans_from_labels(tokens, labels) == spans
    assert spans_from_labels(tokens[:2], ["O", "I-NAME"]) == [(tokens[1].start, tokens[1].end, "NAME")]


def test_threads_sharing_the_tagger_get_their_own_answers() -> None:
    """The one CRFsuite tagger of a process holds a sequence between calls: threads must not mix their texts."""
    texts = ["mein ex tomasz steht vor der tür", "auto wx 48213 steht schon wieder im halteverbot"] * 20
    expected = [tag(t) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(tag, texts)) == expected
