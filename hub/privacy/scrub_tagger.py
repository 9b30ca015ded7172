"""A statistical sequence tagger for the free-text scrubber: a linear-chain CRF over word tokens (CRFsuite).

The rules in ``scrub_names``/``scrub_patterns`` find what their lists and cues describe; on text written apart from
them they miss names after unknown words, nicknames, lower-case names, foreign plates. The tagger labels every token
BIO with a category from word shape, affixes, case, the neighbouring words and membership in the scrubber's own
lexicons (name lists, role words, titles, stop names, origin words), so it can take a name it has never seen from
how the sentence is built. ``scrub`` only lets it add spans where no rule found anything (``TAGGED``).

The weights are trained at build time by ``tools/train_scrub_tagger.py`` on the development sets and generated text
(``tools/gen_scrub_synth.py``), never on a held-out set, and ship as ``hub/data/scrub_tagger/model.crfsuite``; they
are read once per process on first use. Nothing is downloaded or trained at run time.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from functools import cache, lru_cache
from importlib import resources
from typing import NamedTuple

import pycrfsuite

from hub.privacy.scrub_lexicon_names import (
    PARTICLES,
    german_basic_words,
    given_names,
    surnames,
    world_given_names,
    world_surnames,
)
from hub.privacy.scrub_lexicon_places import district_codes, halle_stop_words
from hub.privacy.scrub_lexicon_words import TITLES, common_words, never_names, roles
from hub.privacy.scrub_origin import is_origin_abbreviation, is_origin_adjective, is_origin_noun

#: The categories whose spans the tagger may add to the rules' finds (phones, e-mails, IBANs, ID numbers and dates
#: of birth stay with the rules' checked patterns; origin words with the rules, which know whether the word
#: describes a person or a thing: the tagger added few and often wrong).
TAGGED: frozenset[str] = frozenset({"NAME", "PLATE", "ADDRESS"})

# A placeholder left by an earlier pass is one token; words keep inner hyphens and apostrophes; digits runs and
# single punctuation marks are tokens of their own.
_TOKEN = re.compile(r"\[[A-Z-]+\]|[^\W\d_]+(?:['\u2019-][^\W\d_]+)*|\d+|[^\w\s]")
_SHAPE_RUN = re.compile(r"(.)\1+")
_STREET_END = ("straße", "strasse", "str", "weg", "platz", "allee", "ring", "gasse", "damm", "ufer", "chaussee")


class Token(NamedTuple):
    """A word, number or punctuation mark of the text, with its offsets."""

    start: int
    end: int
    text: str


def tokenize(text: str) -> list[Token]:
    """The tokens the tagger labels (blanks are dropped; offsets are ``str`` indices)."""
    return [Token(m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text)]


def _shape(word: str) -> str:
    out = []
    for ch in word:
        if ch.isupper():
            out.append("X")
        elif ch.islower():
            out.append("x")
        elif ch.isdigit():
            out.append("d")
        else:
            out.append(ch)
    return _SHAPE_RUN.sub(r"\1\1", "".join(out))


@cache
def _lexicons() -> dict[str, frozenset[str]]:
    lower = str.lower
    return {
        "gv": frozenset(map(lower, given_names())),
        "sn": frozenset(map(lower, surnames())),
        "wg": frozenset(map(lower, world_given_names())),
        "ws": frozenset(map(lower, world_surnames())),
        "bw": german_basic_words(),
        "cw": frozenset(map(lower, common_words())),
        "ro": frozenset(map(lower, roles())),
        "ti": frozenset(w.lower().rstrip(".") for w in TITLES),
        "pa": frozenset(map(lower, PARTICLES)),
        "st": frozenset(map(lower, halle_stop_words())),
        "dc": frozenset(map(lower, district_codes())),
    }


@lru_cache(maxsize=65536)
def _word_features(word: str) -> tuple[str, ...]:
    """What a word says about itself, independent of its neighbours (cached: texts repeat their words)."""
    low = word.lower()
    feats = [f"w={low}", f"sh={_shape(word)}", f"s3={low[-3:]}", f"s2={low[-2:]}", f"p3={low[:3]}"]
    if len(word) > 4:
        feats.append(f"s4={low[-4:]}")
    feats.extend(_case_features(word))
    lex = _lexicons()
    feats.extend(f"L{key}" for key, words in lex.items() if low in words)
    if "-" in low and all(part in lex["wg"] or part in lex["ws"] for part in low.split("-")):
        feats.append("Lparts")
    if low.endswith(_STREET_END):
        feats.append("street")
    if word.isalpha() and (is_origin_noun(word) or is_origin_abbreviation(word)):
        feats.append("orig")
    return tuple(feats)


def _case_features(word: str) -> list[str]:
    feats = []
    if word.isupper() and word.isalpha():
        feats.append("up")
    elif word[:1].isupper():
        feats.append("cap")
    elif word.islower():
        feats.append("low")
    if word.isdigit():
        feats.append(f"dl={min(len(word), 6)}")
    elif any(c.isdigit() for c in word):
        feats.append("hasd")
    if "-" in word:
        feats.append("hy")
    return feats


@lru_cache(maxsize=65536)
def _context(word: str, tag: str) -> tuple[str, ...]:
    low = word.lower()
    feats = [f"{tag}w={low}", f"{tag}sh={_shape(word)}"]
    lex = _lexicons()
    for key in ("ro", "ti", "gv", "sn", "wg", "ws", "bw", "cw"):
        if low in lex[key]:
            feats.append(f"{tag}L{key}")
    return tuple(feats)


def features(tokens: Sequence[Token], text: str) -> list[list[str]]:
    """The feature strings of every token: its own, its neighbours' (two each side), and the blank before it."""
    out = []
    words = [t.text for t in tokens]
    n = len(words)
    for i, tok in enumerate(tokens):
        feats = ["b", *_word_features(tok.text)]
        if i == 0:
            feats.append("BOS")
        else:
            feats.extend(_context(words[i - 1], "-1"))
            if tokens[i - 1].end == tok.start:
                feats.append("glued")
            if i > 1:
                feats.extend(_context(words[i - 2], "-2"))
                feats.append(f"-2|-1={words[i - 2].lower()}|{words[i - 1].lower()}")
        if i == n - 1:
            feats.append("EOS")
        else:
            feats.extend(_context(words[i + 1], "+1"))
            if i < n - 2:
                feats.append(f"+2w={words[i + 2].lower()}")
        if "\n" in text[tokens[i - 1].end if i else 0 : tok.start]:
            feats.append("nl")
        out.append(feats)
    return out


_LOCK = threading.Lock()


@cache
def _model() -> bytes:
    # CRFsuite reads the weights from this buffer without copying them: it must live as long as the tagger.
    return resources.files("hub.data").joinpath("scrub_tagger", "model.crfsuite").read_bytes()


@cache
def _tagger() -> pycrfsuite.Tagger:
    tagger = pycrfsuite.Tagger()
    tagger.open_inmemory(_model())
    return tagger


#: How sure the tagger must be of every token of a span (its marginal probability) for the span to count.
MIN_CONFIDENCE = 0.85


def tag(text: str, min_confidence: float | None = None) -> list[tuple[int, int, str]]:
    """Spans ``(start, end, category)`` the tagger finds in ``text``, of every category it was trained on, whose
    every token has a marginal probability of its label of at least ``min_confidence`` (``MIN_CONFIDENCE``)."""
    floor = MIN_CONFIDENCE if min_confidence is None else min_confidence
    tokens = tokenize(text)
    if not tokens:
        return []
    xseq = features(tokens, text)
    tagger = _tagger()
    with _LOCK:  # the tagger holds the sequence between set, tag and marginal: one text at a time per process
        tagger.set(xseq)
        labels = tagger.tag()
        found = [
            (start, end, category, all(tagger.marginal(labels[i], i) >= floor for i in _inside(tokens, start, end)))
            for start, end, category in spans_from_labels(tokens, labels)
        ]
    spans = []
    for start, end, category, sure in found:
        if category == "PLATE":
            start = _after_country_code(text, start, end)
        if sure and plausible(text[start:end], category):
            spans.append((start, end, category))
    return spans


def _inside(tokens: Sequence[Token], start: int, end: int) -> list[int]:
    return [i for i, tok in enumerate(tokens) if start <= tok.start < end]


_MONTHS = frozenset(
    "januar februar märz april mai juni juli august september oktober november dezember".split()  # noqa: SIM905
)


def plausible(value: str, category: str) -> bool:
    """Whether a value the tagger found can be of ``category`` at all, a cheap check that keeps its guesses off the
    words the lexicons know are no such thing: a name is not only stop, role, month, colour, basic or never-name
    words, holds no digit nor a lower-case basic word, is no acronym, nor a word ending in a garment; an origin word
    is a form or abbreviation of one the lexicon knows (a capitalised one a noun, an abbreviation with its dot); an
    address opens with a word and holds a street word and a number; a plate has letters and digits in the shape of
    one."""
    words = [t.text for t in tokenize(value) if t.text[:1].isalpha()]
    if not words:
        return False
    lex = _lexicons()
    if category == "NAME":
        lows = [w.lower() for w in words]
        if all(w in lex["st"] or w in lex["ro"] or w in _MONTHS or w in lex["bw"] or w in _COLOURS for w in lows):
            return False
        if all(w in never_names() for w in words):
            return False
        if any(c.isdigit() for c in value) or any(w.islower() and w in lex["bw"] and w not in lex["pa"] for w in words):
            return False
        single = words[0] if len(words) == 1 else ""
        return not (single.isupper() and len(single) <= _MAX_ACRONYM) and not single.lower().endswith(_GARMENTS)
    if category == "ORIGIN":
        word, abbreviated = words[0], value.endswith(".") and is_origin_abbreviation(words[0])
        return abbreviated or (is_origin_noun(word) if word[:1].isupper() else is_origin_adjective(word))
    if not any(c.isdigit() for c in value):
        return False
    if category == "ADDRESS":
        lows = [w.lower() for w in words]
        return value[:1].isalpha() and (lows[0] in _ADDRESS_OPENERS or any(w.endswith(_STREET_END) for w in lows))
    return _plate_shaped(value, lex["dc"])


def _plate_shaped(value: str, district_codes: frozenset[str]) -> bool:
    # Letters and digits in at least two groups; letters then fewer than five digits is a vehicle, line or train
    # ("MGT 621", "RE 16", "FZ 1108"), not a plate (Polish "WX 12345" has five); a German-shaped plate opens with a
    # district code.
    groups = re.findall(r"[^\W\d_]+|\d+", value)
    if len(groups) < 2 or not any(g.isdigit() for g in groups) or all(g.isdigit() for g in groups):
        return False
    if any(g[:1].isupper() and not g.isupper() for g in groups):  # "Tw 1108", "Zug 12": a word, not plate letters
        return False
    if len(groups) == 2 and groups[0].isalpha() and groups[1].isdigit() and len(groups[1]) < _MIN_BARE_DIGITS:
        return False
    german = _GERMAN_PLATE.match(value)
    return german is None or german.group(1).lower() in district_codes


_COUNTRY_CODE = re.compile(r"(?:PL|CZ|NL|RO|BG|UA|LT|LV|HU|CH|DK|BY|MD|RUS|TR|SK|HR|SLO|GB|F|A|I|H)[ :]+(?=\S)")


def _after_country_code(text: str, start: int, end: int) -> int:
    # "Lkw PL WE 7741W": a country code before a foreign plate is no part of it (tests/data/SCRUB_LABELS.md).
    m = _COUNTRY_CODE.match(text, start, end)
    return m.end() if m and len(re.findall(r"\w+", text[m.end() : end])) >= 2 else start


_COLOURS = frozenset({"rosa", "lila", "pink", "beige", "oliv", "orange", "türkis", "bordeaux"})
_GARMENTS = ("jacke", "hose", "mütze", "mantel", "schuhe", "pullover", "shirt", "kappe", "weste")
_MAX_ACRONYM = 4
_MIN_BARE_DIGITS = 5
_ADDRESS_OPENERS = frozenset({"am", "an", "auf", "im", "in", "zum", "zur", "hinter", "unter", "vor"})
_GERMAN_PLATE = re.compile(r"([A-Za-zÄÖÜäöü]{1,3})[- ][A-Za-z]{1,2}[- ]?\d")


def spans_from_labels(tokens: Sequence[Token], labels: Sequence[str]) -> list[tuple[int, int, str]]:
    """BIO labels of ``tokens`` as character spans; an I- after a different category or O opens a span."""
    spans: list[tuple[int, int, str]] = []
    current: list[int] | None = None
    category = ""
    for tok, label in zip(tokens, labels, strict=True):
        if label == "O":
            current = None
            continue
        prefix, cat = label.split("-", 1)
        if current is not None and prefix == "I" and cat == category:
            current[1] = tok.end
            spans[-1] = (current[0], current[1], category)
            continue
        current, category = [tok.start, tok.end], cat
        spans.append((tok.start, tok.end, cat))
    return spans


def labels_from_spans(tokens: Sequence[Token], spans: Sequence[tuple[int, int, str]]) -> list[str]:
    """BIO labels of ``tokens`` for gold ``spans`` (a token counts as inside when it starts inside the span)."""
    labels = ["O"] * len(tokens)
    for start, end, category in spans:
        first = True
        for i, tok in enumerate(tokens):
            if start <= tok.start < end:
                labels[i] = f"{'B' if first else 'I'}-{category}"
                first = False
    return labels
