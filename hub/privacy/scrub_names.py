"""Person names in German free text, without a language model: context cues (titles, roles, "namens", "heißt"),
the shipped name lists, and stop lists for the nouns German capitalises (domain words, Halle's stop names).
"""

from __future__ import annotations

import re
from functools import cache, lru_cache
from typing import NamedTuple

from hub.privacy.scrub_lexicon_names import (
    AMBIGUOUS_GIVEN,
    PARTICLES,
    SURNAME_ENDINGS,
    VIETNAMESE_FAMILY,
    VIETNAMESE_SYLLABLES,
    german_basic_words,
    given_names,
    surnames,
    world_given_names,
    world_surnames,
)
from hub.privacy.scrub_lexicon_places import STREET_ENDINGS, STREET_WORDS, halle_stop_words
from hub.privacy.scrub_lexicon_words import (
    COMPANY_WORDS,
    DETERMINERS,
    EXTRA_TITLES,
    ROLE_ABBREVIATIONS,
    SALUTATIONS,
    STRONG_CUES,
    TITLES,
    WEAK_CUES,
    common_function_words,
    common_words,
    never_names,
    roles,
)
from hub.privacy.scrub_origin import is_origin_abbreviation, is_origin_noun

Found = tuple[int, int]

_TOKEN = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*\.?")
_NOUN_ENDINGS = ("ung", "heit", "keit", "schaft", "tion", "tät", "nis", "ismus", "chen", "ment", "anz", "enz", "ität")
_LOWER_ARABIC_PREFIX = re.compile(r"(?:al|el|as|ad|ar|an|at)-[A-ZÄÖÜ][^\W\d_]+")
_ARABIC_PREFIX = re.compile(r"(?:Al|El|al|el|Abu|Abd|Bin|Ben)-[A-ZÄÖÜ]")
_MONTH_ABBREVIATIONS = frozenset({"Jan", "Feb", "Mär", "Apr", "Jun", "Jul", "Aug", "Sep", "Sept", "Okt", "Nov", "Dez"})
# Lower-case words before "Frau"/"Herr" that are prepositions or conjunctions, not adjectives ("gegen Herrn X").
_NOT_ADJECTIVES = frozenset(
    {"gegen", "über", "unter", "hinter", "wegen", "neben", "oder", "aber", "seiner", "ihrer", "einer", "unserer"}
)
_MAX_NAME_TOKENS = 4
_MAX_PARTICLES = 2
_ARTICLE_PARTICLES = frozenset({"der", "den", "dem", "des", "vom"})
_MIN_UPPER = 4
_ARABIC_GIVEN_PREFIXES = frozenset({"Abdel", "Abdul", "Abd", "Abu", "Abou", "Umm", "Nour", "Nur", "Seif", "Saif"})
_APOSTROPHE_NAME = re.compile(r"(?:O|D|Mc|M)['\u2019][A-ZÄÖÜ]")
_MAX_LIST = 4
_MIN_COMMA_RUN = 3
_UPPER_RUN = re.compile(r"[A-ZÄÖÜ]{4}")
_LIST_SEPARATOR = re.compile(r", |/|\+| und | u\. | sowie ")
# Endings of German compound nouns that a nickname does not have (a list item after a cue that ends so is a noun).
_COMPOUND_ENDINGS = (
    "ern", "gruppe", "amt", "center", "stelle", "dienst", "verein", "haus", "heim", "schaft", "ung", "ungen",
    "polizei", "behörde", "gericht", "büro", "markt", "platz", "straße", "weg", "enden", "ierten",
)  # fmt: skip
# Capitals that are no surname after a role word ("Zeuge ANONYM", "Halter UNBEKANNT").
_UPPER_NOT_NAMES = frozenset({"ANONYM", "UNBEKANNT", "UNBEK", "ADAC", "POLIZEI", "NOTARZT", "KEINE", "KEINER"})
_VIET_MIDDLE = frozenset({"Thi", "Van", "Thị", "Văn"})
_VIET_WORDS = (
    VIETNAMESE_SYLLABLES
    | frozenset(w.lower() for w in VIETNAMESE_SYLLABLES)
    | frozenset(w.upper() for w in VIETNAMESE_SYLLABLES)
)
_LIST_WORDS = frozenset({"und", "u", "sowie"})
# Streetwork and Ordnungsamt cues right before a person ("angetroffen Kalle", "Platzverweis für Herrn X").
_LIST_CUE = re.compile(
    r"(?<!\w)(?:angetroffen(?:[ ]wurden?)?:?|Ansprache[ ]mit|Gespräch[ ]mit|Platzverweis(?:[ ]für|[ ]gegen|[ ]ggü\.)?"
    r"|Verwarnung[ ]an|Beteiligte:|Personen:)[ ]",
    re.IGNORECASE,
)
# Particles that German never uses as words in front of a capitalised noun: after them a capitalised word is a name.
_FOREIGN_PARTICLES = frozenset(
    {"van", "de", "dos", "del", "della", "di", "al", "el", "bin", "ibn", "ben", "abu", "ould", "ter", "los", "las"}
)
_MIN_NOUN_WORD = 5  # longer words with a noun ending ("-ung", "-heit") are nouns
# Given names of the world lists that are German nouns ("Bart", "Gabel"): a name on their own only before a surname.
_NOUN_GIVEN = frozenset(
    {"Bart", "Bill", "Gabel", "Kaiser", "Marine", "Teddy", "Vita", "Wolf", "Amber", "Crystal", "Faith", "Joy", "Jade"}
)
_AGE_AFTER = re.compile(r"[ ]\((?:\d{1,2}|ca\.[ ]?\d{1,2})(?:[ ]?J\.?)?\)")
_LOWER_TITLES = frozenset({"herr", "herrn", "frau", "fr", "hr", "familie", "fam"})
_STOP_CUES = frozenset({"hst", "haltestelle", "endstelle", "endhaltestelle", "bushaltestelle", "station", "richtung"})
# Words after a name that make it the name of a place or body ("Sophie Scholl Gymnasium").
_INSTITUTIONS = frozenset(
    {
        "Gymnasium", "Schule", "Grundschule", "Sekundarschule", "Gesamtschule", "Universität", "Hochschule",
        "Institut", "Stiftung", "Stiftungen", "Haus", "Halle", "Klinikum", "Krankenhaus", "Kirche", "Denkmal",
        "Brücke", "Center", "Zentrum", "Bad", "Park", "Stadion", "Turm", "Preis",
    }
)  # fmt: skip


class _Tok(NamedTuple):  # a tuple, not a dataclass: texts have hundreds of tokens and this is the hot path
    word: str  # without a trailing period
    start: int
    end: int  # end of the word, before the period
    dot: bool  # followed by a period (abbreviation, initial or sentence end)
    gap: str  # text between the previous token (and its period) and this one


def _tokens(text: str) -> list[_Tok]:
    toks: list[_Tok] = []
    prev_end = 0
    for m in _TOKEN.finditer(text):
        raw = m.group()
        dot = raw.endswith(".")
        word = raw[:-1] if dot else raw
        toks.append(_Tok(word, m.start(), m.start() + len(word), dot, text[prev_end : m.start()]))
        prev_end = m.end()
    return toks


def _normal(word: str) -> str:
    # All-caps surnames in police style ("KOWALCZYK") are looked up in their usual spelling.
    return word[0] + word[1:].lower() if word.isupper() and len(word) > 1 else word


def _cap(word: str) -> bool:
    # Capitalised, at least two letters, not all capitals (acronyms such as HAVAG; all-caps surnames are taken
    # only in the police style "KOWALCZYK, Marek").
    return len(word) >= 2 and word[0].isupper() and not word.isupper()


@lru_cache(maxsize=8192)  # bounded: the words come from arbitrary input
def _is_given(word: str) -> bool:
    word = _normal(word)
    return word in given_names() or ("-" in word and all(p in given_names() for p in word.split("-")))


@lru_cache(maxsize=8192)
def _is_surname(word: str) -> bool:
    word = _normal(word)
    if word in surnames() or _ARABIC_PREFIX.match(word):
        return True
    parts = word.split("-")
    return len(parts) > 1 and all(p in surnames() or p in given_names() for p in parts)


def _is_listed(word: str) -> bool:
    return _is_given(word) or _is_surname(word)


def _lookup_form(word: str) -> str:
    # Names are listed capitalised; lower-case and all-caps writing is looked up in that form.
    return word[:1].upper() + word[1:].lower() if word.islower() or word.isupper() else word


@lru_cache(maxsize=8192)
def _is_world_given(word: str) -> bool:
    word = _lookup_form(word)
    if word in world_given_names():
        return True
    parts = word.split("-")
    return len(parts) > 1 and all(_lookup_form(p) in world_given_names() for p in parts)


@lru_cache(maxsize=8192)
def _is_world_surname(word: str) -> bool:
    word = _lookup_form(word)
    if word in world_surnames() or _ARABIC_PREFIX.match(word):
        return True
    if len(word) >= 5 and word.lower().endswith(SURNAME_ENDINGS):
        return True
    parts = word.split("-")
    return len(parts) > 1 and all(_is_world_surname(p) or _is_world_given(p) for p in parts)


_DOUBLE = 2


def _double_barrel(word: str) -> bool:
    parts = word.split("-")
    return len(parts) == _DOUBLE and all(len(p) >= 2 and p[0].isupper() and p[1:].islower() for p in parts)


def _is_world_listed(word: str) -> bool:
    """In the world lists (about 24,000 names) or shaped like a surname: evidence only next to a context cue."""
    return _is_world_given(word) or _is_world_surname(word)


def _words(text: str) -> list[str]:
    # Long word lists read better as text than as quoted literals.
    return text.split()


# Lower-case German words that are also short names in some list ("an", "le", "do", "mal"): never a lower-case name.
_LOWER_STOP = frozenset(
    _words(
        """
        an am im in ist hat war und oder bei mit von vom zum zur der die das den dem des ein eine einer kein nicht noch
        wann warum wieso weshalb welche welcher
        auch nur ruft rief meldet sagt will kann habe bin bist sind wird wurde sei mal jetzt hier dort heute morgen
        gestern weg fort da wo wie was wer dass ob auf aus für gegen um so wir ich er sie es man mein meine dein sein
        bitte danke hallo gruß grüße liebe viele beste leider schon sehr ganz immer wieder nachts abends morgens seit
        straße platz haltestelle hst linie wagen bus bahn tram nummer tel handy name ja nein ok okay halle
        """
    )
)


def _surname_after_given(tok: _Tok) -> bool:
    # After a given name a listed surname counts even when it is also a word ("Sommer"), but not a street or stop.
    word = tok.word
    return (
        _is_world_surname(word)
        and word not in _street_words()
        and word not in halle_stop_words()
        and word not in common_function_words()
    )


@lru_cache(maxsize=8192)
def _is_role_word(word: str, dot: bool) -> bool:
    if word.startswith(("Ex-", "ex-")):  # "Ex-Partner Cristi", "Ex-Freundin"
        word = word[3:]
    if dot and word.islower() and word.capitalize() in ROLE_ABBREVIATIONS:
        return True  # "anr. kevin meier"
    return word in roles() or (dot and word in ROLE_ABBREVIATIONS) or (word.islower() and _lookup_form(word) in roles())


def _surname_after_role(tok: _Tok) -> bool:
    # "Kollege Winter", "Zeugin Vogel": a listed surname that is also a word counts right after a role word, unless
    # it is a function word, a street or a stop word.
    word = tok.word
    return (
        _is_surname(word)
        and word not in common_function_words()
        and word not in _street_words()
        and word not in halle_stop_words()
    )


def _lower_surname_shape(word: str) -> bool:
    # After a lower-case given name, a further lower-case word that is no function word and no verb form.
    return (
        len(word) >= 3
        and word.isalpha()
        and word.islower()
        and word not in _LOWER_STOP
        and word not in german_basic_words()
        and not word.endswith(("t", "en", "te", "st"))
    )


def _lower_name(word: str) -> bool:
    return (
        len(word) >= 3
        and word.islower()
        and word not in _LOWER_STOP
        and word not in german_basic_words()
        and _is_world_listed(word)
    )


@cache
def _street_words() -> frozenset[str]:
    return frozenset(w.rstrip(".") for w in STREET_WORDS)


@cache
def _street_endings() -> tuple[str, ...]:
    return tuple(e.rstrip(".") for e in STREET_ENDINGS)


def _blocked(tok: _Tok) -> bool:
    """A capitalised word that is not a name: domain noun, function word, stop name, street, typical noun."""
    return _known_word_or_place(tok) or _noun_shaped(tok.word)


def _known_word_or_place(tok: _Tok) -> bool:
    word = tok.word
    if word in never_names() or word in halle_stop_words() or (tok.dot and word + "." in halle_stop_words()):
        return True
    if word in _street_words() or word.lower().endswith(_street_endings()):
        return True
    return any(p in never_names() for p in word.split("-"))


def _noun_shaped(word: str) -> bool:
    return len(word) > _MIN_NOUN_WORD and word.lower().endswith(_NOUN_ENDINGS)


def _blocked_after_cue(tok: _Tok) -> bool:
    """_blocked, but a word with a noun ending counts as a noun only when the basic vocabulary knows it: after a
    title or role word "Hartung" or "Jung" is a surname, "Ordnung" is not."""
    if _known_word_or_place(tok):
        return True
    return _noun_shaped(tok.word) and tok.word.lower() in german_basic_words()


# Endings of the nouns for where someone works or which team or shift: "von der Aufsicht", "von der Spätschicht".
_WORKPLACE_ENDINGS = (
    "schicht", "statt", "sicht", "werk", "werke", "werken", "ei", "kasse", "zentrale", "leitung", "abteilung",
    "wache", "kantine", "firma", "schule", "kita", "klinik", "technik", "service", "team", "truppe", "meisterei",
)  # fmt: skip


def _workplace_noun(word: str) -> bool:
    low = word.lower()
    return (
        low in german_basic_words()
        or word in common_words()
        or _noun_shaped(word)
        or low.endswith(_COMPOUND_ENDINGS)
        or low.endswith(_WORKPLACE_ENDINGS)
    )


def _upper_name(word: str) -> bool:
    return len(word) >= 3 and word.isupper()


def _name_token(tok: _Tok) -> bool:
    return _cap(tok.word) or _LOWER_ARABIC_PREFIX.match(tok.word) is not None  # "al-Sayed"


class _Finder:
    """One pass over the tokens of a text, collecting name spans from each rule."""

    def __init__(self, text: str, cued_only: bool = False) -> None:
        self.text = text
        self.cued_only = cued_only
        self.toks = _tokens(text)
        self.by_start = {t.start: i for i, t in enumerate(self.toks)}
        self.by_end = {t.end: i for i, t in enumerate(self.toks)}
        self.found: list[Found] = []
        self.caps_repeat = False

    def run(self) -> list[Found]:
        if self.cued_only:
            return self._run_cued()
        caps: set[str] = set()
        for i, tok in enumerate(self.toks):
            if tok.word[:1].isupper():
                # Whether a capitalised word stands twice decides whether the repeated-run pass runs at all.
                self.caps_repeat = self.caps_repeat or tok.word in caps
                caps.add(tok.word)
                self._capitalised(i, tok)
            elif tok.word.islower() and _is_role_word(tok.word, tok.dot):
                # Most words are lower case; of them only a role word written small ("anruferin") starts a rule.
                self._after_role(i)
            elif tok.word in _LOWER_TITLES:
                self._after_lower_title(i)
        self._after_cues()
        self._lower_opener()
        self._clause_subjects()
        self._coordinated()
        self._vietnamese()
        self._comma_pairs()
        self._upper_surnames()
        self._list_cues()
        self._comma_runs()
        self._streetwork_lists()
        self._before_brackets()
        self._repeated_runs()
        self._lists()
        return self.found

    def _comma_runs(self) -> None:
        """ "Treffpunkt Schwemme: Manni, Atze, Rocky, ca. 8 Pers.", "Kalle (Karl-Heinz Mertens)": three or more bare
        candidates in a comma list opening a clause are names; so is one right before a bracketed name."""
        if ", " not in self.text and " (" not in self.text:
            return
        for i, tok in enumerate(self.toks):
            if not tok.word[:1].isupper() or self._next(i, (", ", " (")) is None or not self._clause_start(i):
                continue  # a clause opener; the items after it have ", " before them and are no openers
            run = [i]
            while (n := self._next(run[-1], (", ",))) is not None and self._list_item(n):
                run.append(n)
            if len(run) >= _MIN_COMMA_RUN and self._list_item(i) and self._has_name(run):
                self.found.extend((self.toks[j].start, self.toks[j].end) for j in run)
            elif self._bare_candidate(i) and self._bracketed_name_after(i):
                self.found.append((tok.start, tok.end))

    def _has_name(self, run: list[int]) -> bool:
        # A comma run counts only when one member is a name the lists know: "Kaffee, Tee, Decken" is none.
        return any(_is_world_listed(self.toks[j].word) for j in run)

    def _bracketed_name_after(self, i: int) -> bool:
        n = self._next(i, (" (",))
        if n is None or self.toks[i].word.lower() in german_basic_words() or any(c.isdigit() for c in self.toks[i].gap):
            return False  # "aus dem 2. Stock (Bogdan)": after an ordinal the word is a noun
        return any(s == self.toks[n].start and self.text[e : e + 1] == ")" for s, e in self.found)

    def _vietnamese(self) -> None:
        """ "Nguyen Thi Huong", "Vu Duc Minh", "Thi Ha Nguyen", "nguyen thi mai": a run of two or more syllables of
        Vietnamese names holding a family name or the middle names "Thi"/"Van" is one name, whatever its order."""
        i = 0
        while i < len(self.toks):
            last = self._viet_run(i) if self.toks[i].word in _VIET_WORDS else i
            if last > i:
                self._add(i, last)
                i = last
            i += 1

    def _viet_run(self, i: int) -> int:
        """Last index of a Vietnamese name run starting at token i (i itself when there is none)."""
        if self.toks[i].word not in _VIET_WORDS:
            return i
        lower = self.toks[i].word.islower()
        last, key = i, False
        j: int | None = i
        while j is not None and j - i < _MAX_NAME_TOKENS:
            word = self.toks[j].word
            if word.islower() != lower or (not lower and not (_cap(word) or word.isupper())):
                break
            form = _lookup_form(word)
            if form not in VIETNAMESE_SYLLABLES and form not in VIETNAMESE_FAMILY:
                break
            key = key or form in VIETNAMESE_FAMILY or form in _VIET_MIDDLE
            last = j
            if self.toks[j].dot:
                break
            j = self._next(j)
        if last == i or not key or (lower and last - i < 2):
            return i
        return last

    def _comma_pairs(self) -> None:
        """ "MCDERMOTT, Patrick", "O'Connor, Liam", "TRANG, Nguyen Thi Thu": a surname in capitals, or one a list
        knows or shaped like a foreign one, then a comma and a given name the lists know."""
        if ", " not in self.text:
            return
        for i, tok in enumerate(self.toks):
            if tok.dot or (k := self._next(i, (", ",))) is None:
                continue
            given = self.toks[k]
            viet = self._viet_run(k)
            upper = _upper_name(tok.word) and not _known_word_or_place(tok._replace(word=_normal(tok.word)))
            if not _cap(given.word) or _known_word_or_place(given) or given.word in roles() or given.word in TITLES:
                continue
            if not (_is_world_given(given.word) or viet > k or given.word in _ARABIC_GIVEN_PREFIXES):
                continue
            if not upper and not self._foreign_surname(tok):
                continue
            if not upper and self._name_word_before(i):
                continue  # "Gespräch mit Ilona Szabó, Ilona will ...": the surname ends a name, no "Surname, Given"
            last = max(self._extend(k, strong=False), viet)
            self.found.append((tok.start, self.toks[last].end))

    @staticmethod
    def _foreign_surname(tok: _Tok) -> bool:
        word = tok.word
        if not _cap(word) or _blocked(tok) or word.lower() in german_basic_words():
            return False
        return "'" in word or _ARABIC_PREFIX.match(word) is not None or _is_world_surname(word)

    def _upper_surnames(self) -> None:
        """ "MÜLLER schlägt SCHMIDT": a surname of the own lists in capitals, or any word in capitals right after a
        role word ("Zeuge WENDLER"), is a name in police shorthand."""
        if _UPPER_RUN.search(self.text) is None:
            return
        for i, tok in enumerate(self.toks):
            word = tok.word
            if len(word) < _MIN_UPPER or not word.isupper() or self._before_number(i):
                continue
            if _normal(word) in never_names() or word in _UPPER_NOT_NAMES or word.lower() in german_basic_words():
                continue
            after_role = i > 0 and self._is_role(self.toks[i - 1]) and tok.gap == " " and len(word) > _MIN_UPPER
            if after_role or (_is_surname(_normal(word)) and self._beside_lower_word(i)):
                self.found.append((tok.start, tok.end))

    def _beside_lower_word(self, i: int) -> bool:
        # "MÜLLER schlägt SCHMIDT mit …": a surname in capitals inside a clause, not a keyword ("Einsatz BRAND, FF").
        n = self._next(i)
        if n is not None and self.toks[n].word.islower():
            return True
        return i > 0 and self.toks[i].gap == " " and self.toks[i - 1].word.islower() and not self.toks[i - 1].dot

    def _list_cues(self) -> None:
        """ "angetroffen Kalle, Mecki und Socke", "Ansprache mit Jonas", "angetroffen wurde Dimitri": right after a
        cue of streetwork notes a capitalised word that is no known word and ends a list item is a name."""
        for m in _LIST_CUE.finditer(self.text):
            j = self.by_start.get(m.end())
            if j is not None and self._list_item(j, self._extend(j, strong=False)):
                self._add(j, self._extend(j, strong=False))

    def _list_item(self, j: int, last: int | None = None) -> bool:
        """Tokens j..last can be a bare list item: a candidate name, no basic word, followed by a separator or an
        end."""
        tok = self.toks[j]
        last = j if last is None else last
        if not self._bare_candidate(j) or tok.word.lower() in german_basic_words() or self._before_number(last):
            return False
        if tok.word.lower().endswith(_COMPOUND_ENDINGS):
            return False  # "Anwohnern", "Trinkergruppe", "Sozialamt": nouns, not nicknames
        n = self._next(last, (" ", ", ", " / ", "/", " + ", ". ", "; ", " ("))
        if n is None:
            return True
        nxt = self.toks[n]
        return self.toks[n].gap != " " or nxt.word in _LIST_WORDS or not nxt.word[:1].isupper()

    def _lists(self) -> None:
        """Members of a list with a name found: "Merve, Bommel und Wendler", "Tarek + Hamoudi", "kalle u. ronny"."""
        if not self.found or not _LIST_SEPARATOR.search(self.text):
            return
        for _ in range(_MAX_LIST):
            ends = {e: s for s, e in self.found}
            added = False
            for i in range(1, len(self.toks)):
                if self.toks[i - 1].end + (1 if self.toks[i - 1].dot else 0) not in ends:
                    continue
                j = self._list_next(i)
                if j is None or any(s <= self.toks[j].start < e for s, e in self.found):
                    continue
                if self._list_item(j) or (self.toks[j].word.islower() and _lower_name(self.toks[j].word)):
                    self._add(j, self._extend(j, strong=False))
                    added = True
            if not added:
                return

    def _list_next(self, i: int) -> int | None:
        """The list item after separator at token i ("und", "u.") or after the separator in its gap (", ", "/")."""
        tok = self.toks[i]
        if tok.word in _LIST_WORDS and tok.gap == " ":
            return self._next(i)
        if tok.gap in (", ", " / ", "/", " + ") and (tok.gap != ", " or self._list_goes_on(i)):
            return i
        return None

    def _list_goes_on(self, i: int) -> bool:
        # After a comma only an item that a conjunction follows ("Kalle, Mecki und ..."), or a listed name before a
        # further comma; not an apposition ("Frau Kaya, Dolmetscherin, übersetzt") nor a place ("Kalle, Hbf").
        n = self._next(i, (" ", ", ", " + ", " / "))
        if n is None:
            return False
        if self.toks[n].word in _LIST_WORDS and self.toks[n].gap == " ":
            return True
        return self.toks[n].gap in (", ", " + ", " / ") and _is_world_listed(self.toks[i].word)

    def _lower_sign_off(self) -> None:
        """A citizen's message ending in a lower-case given name after a number or a comma ("... 0170 1234567
        mandy", "bitte um rückruf: 0345 77 66 55, olga")."""
        if not self.toks:
            return
        last = self.toks[-1]
        if self.text[last.end :].strip(" .!") or not (_lower_name(last.word) or _lower_surname_shape(last.word)):
            return
        first = last
        if len(self.toks) > 1 and last.gap == " " and _lower_name(self.toks[-2].word):
            first = self.toks[-2]  # ", sibel demir": given name and surname
        elif not _lower_name(last.word):
            return
        before = self.text[: first.start].rstrip()
        if before.endswith(",") or before[-1:].isdigit():
            self.found.append((first.start, last.end))

    def _bare_candidate(self, i: int) -> bool:
        # A capitalised word that may be a nickname or an unlisted name: no known noun, role, title or origin.
        tok = self.toks[i]
        return (
            _name_token(tok)
            and len(tok.word) >= _MIN_BARE
            and not tok.dot
            and not _blocked(tok)
            and tok.word not in TITLES
            and tok.word not in roles()
            and not is_origin_noun(tok.word)
        )

    def _clause_start(self, i: int) -> bool:
        return i == 0 or any(c in self.toks[i].gap for c in ":;.(")

    def _clause_subjects(self) -> None:
        """ "Leo 25/1: Jäger angetroffen", "Streetwork: Kobra erzählt": a capitalised word opening a clause before a
        verb that only a person does is the person's name or nickname."""
        for m in _PERSON_VERB_AFTER.finditer(self.text):
            i = self.by_end.get(m.start())
            if i is not None and self._clause_start(i) and self._bare_candidate(i):
                self.found.append((self.toks[i].start, self.toks[i].end))

    def _coordinated(self) -> None:
        """ "Socke und Davit am Hbf": a capitalised word joined by "und" to a name found, opening its clause or
        closing it, is a name too (streetwork notes name people by nicknames that are words)."""
        if " und " not in self.text or not self.found:
            return
        starts = {s for s, _ in self.found}
        ends = {e for _, e in self.found}
        for i, tok in enumerate(self.toks):
            if tok.word != "und" or i == 0 or tok.gap != " ":
                continue
            b = self._next(i)
            if b is None:
                continue
            a = i - 1
            if self.toks[b].start in starts and self.toks[a].end not in ends:
                if self._clause_start(a) and self._bare_candidate(a):
                    self.found.append((self.toks[a].start, self.toks[a].end))
            elif self.toks[a].end in ends and self.toks[b].start not in starts and self._bare_candidate(b):
                n = self._next(b)
                if n is None or not self.toks[n].word[:1].isupper():
                    self.found.append((self.toks[b].start, self.toks[b].end))

    def _person_before(self, start: int) -> bool:
        """The word before ``start`` is a role or a person noun ("Tatv. sog. ...", "ein Mann sog. ...")."""
        i = self.by_end.get(start - 1) if start > 0 else None
        if i is None:
            i = self.by_end.get(start - 2)  # "Tatv. sog.": the role's period and a blank
        return i is not None and (self._is_role(self.toks[i]) or self.toks[i].word in _PERSON_NOUNS_BEFORE)

    def _name_word_before(self, i: int) -> bool:
        """Token i follows a capitalised word that can be a name's first part ("Ilona Szabó"), not a role, title,
        known noun or place."""
        if i == 0 or self.toks[i].gap != " ":
            return False
        prev = self.toks[i - 1]
        return self._run_word(i - 1) and not prev.dot

    def _signs_off(self, k: int) -> bool:
        """Token k is the text's last word, capitalised and no known place ("... Gruß Bärbel Frühling")."""
        tok = self.toks[k]
        if k != len(self.toks) - 1 or self.text[tok.end :].strip(" .!"):
            return False
        return tok.word not in halle_stop_words() and tok.word not in _street_words() and tok.word not in roles()

    def _run_word(self, i: int) -> bool:
        """A capitalised word that can be part of a name standing with no cue: no basic German word, no role,
        title, origin noun, particle, company word, known noun or place, not right after a stop word."""
        tok = self.toks[i]
        word = tok.word
        return (
            _cap(word)
            and word.lower() not in german_basic_words()
            and word not in roles()
            and word not in TITLES
            and word not in PARTICLES
            and word not in COMPANY_WORDS
            and not _blocked(tok)
            and not is_origin_noun(word)
            and not self._after_stop_word(i)
            and not self._before_number(i)  # "Leo 12/1 und Leo 12/4": call signs
            and not (i > 0 and tok.gap == " " and self.toks[i - 1].word.lower() in DETERMINERS)  # "der Koch"
            and not (i > 0 and self.toks[i - 1].word in COMPANY_WORDS)  # "Hotel Adler"
        )

    def _repeated_runs(self) -> None:
        """ "Ansprache Aminata Kouyaté, Kouyaté lehnt ab", "Ignacio Vidal Serrano, Vidal Serrano ...", "Ilona Szabó,
        Ilona will ...": a run of two or more capitalised words that are no known word, opening with a given name of
        the world lists, whose first or last words stand again on their own in the same text, is a full name, and
        the repeat is its given name or surname. A listed surname standing twice on its own is a name too."""
        if not self.caps_repeat:
            return  # nothing capitalised stands twice (seen in run()): the common case
        runs = self._runs()
        words = [tuple(t.word for t in self.toks[a : b + 1]) for a, b in runs]
        singles = [w[0] for w in words if len(w) == 1]
        for (a, _), w in zip(runs, words, strict=True):
            # "Verwarnung Sadowski, Sadowski zahlt": a listed surname standing twice on its own.
            if len(w) == 1 and singles.count(w[0]) > 1 and _is_world_surname(w[0]):
                self.found.append((self.toks[a].start, self.toks[a].end))
        for (a, b), long in zip(runs, words, strict=True):
            if len(long) < _MIN_RUN or not _is_world_given(long[0]):
                continue  # "Bistro Anatolia ... Anatolia", "Pizzeria Milano ... Milano": a venue, not a given name
            for (c, d), short in zip(runs, words, strict=True):
                if c != a and len(short) < len(long) and short in (long[: len(short)], long[-len(short) :]):
                    self.found.extend([(self.toks[a].start, self.toks[b].end), (self.toks[c].start, self.toks[d].end)])

    def _runs(self) -> list[tuple[int, int]]:
        """(first, last) token indices of every run of words that can be a name with no cue (see _run_word)."""
        runs: list[tuple[int, int]] = []
        i = 0
        while i < len(self.toks):
            if not self._run_word(i):
                i += 1
                continue
            j = i
            while (n := self._next(j)) is not None and not self.toks[j].dot and n - i < _MAX_NAME_TOKENS:
                if not self._run_word(n):
                    break
                j = n
            n = self._next(j)
            if n is None or (self.toks[n].word not in _street_words() and self.toks[n].word not in _INSTITUTIONS):
                # "Ansprache Fanta Kouyaté": a clause's first word no list knows opens a note, not a name.
                opener = j - i >= _MIN_RUN and self._clause_start(i) and not _is_world_listed(self.toks[i].word)
                runs.append((i + 1 if opener else i, j))
            # else "Merseburger Straße", "Sophie Scholl Gymnasium": a place
            i = j + 1
        return runs

    def _before_brackets(self) -> None:
        """ "Kolja (Fahrer) meldet", "Richter (Anwohner) filmt", "Gespräch Zbyszek (poln.)": a capitalised word right
        before a bracket holding only a role word or an abbreviated origin is a person's name (a surname that is
        also a word counts when a list knows it); so is one right before "alias"."""
        if " (" not in self.text and " alias " not in self.text:
            return
        for m in _BRACKET_AFTER.finditer(self.text):
            inner, dot = m.group(1), m.group(2)
            if not (inner in roles() if not dot else is_origin_abbreviation(inner)):
                continue
            self._name_ending_at(m.start())
        for m in _ALIAS_AFTER.finditer(self.text):
            self._name_ending_at(m.start())

    def _name_ending_at(self, end: int) -> None:
        i = self.by_end.get(end)
        if i is None or self.toks[i].dot:
            return
        tok = self.toks[i]
        if not self._run_word(i) and not (
            _cap(tok.word) and _is_listed(tok.word) and tok.word not in roles() and not _known_word_or_place(tok)
        ):
            return
        if not self._clause_start(i) and not _is_world_listed(tok.word) and not self._name_word_before(i):
            return  # "Fahrzeug Sprinter (Fahrer)": inside a clause only a name a list knows
        first = i
        while (
            first > 0
            and i - first < _MAX_NAME_TOKENS - 1
            and self._name_word_before(first)
            and _is_world_listed(self.toks[first - 1].word)  # "Gespräch Zbyszek (poln.)": not "Gespräch"
        ):
            first -= 1
        self.found.append((self.toks[first].start, tok.end))

    def _streetwork_lists(self) -> None:
        """ "Streetwork Zoo: Tarzan, Floh und keks angetroffen", "Streetwork: socke und bommel schlafen ...": after a
        streetwork cue and a colon, a list of two or more short items (nicknames that are words, lower case too)
        is a list of people when a person's verb, or a place word, follows it. Before a place word one item must
        be a name a list knows ("Kaffee und Tee am Hbf verteilt" stays)."""
        text = self.text
        if ": " in text and any(w in text for w in _STREETWORK_STEMS):  # cheap look before the case-blind regex
            for m in _STREETWORK_CUE.finditer(text):
                self._people_list(self.by_start.get(m.end()), cued=True)
        for i, tok in enumerate(self.toks[:-1]):
            # "Lolo und Benny schlafen unter der Brücke", "ELS: Mensah und Owusu prügeln sich": a clause's opening list
            if (i == 0 or ": " in tok.gap) and tok.word[:1].isupper() and self._streetwork_next(i) is not None:
                self._people_list(i, cued=False)
        if ", " not in text or not any(w in text for w in (" sei ", " wäre ", " habe ")):
            return
        for m in _REPORTED_SUBJECT.finditer(text):
            # "Kobra erzählt, Pitbull sei im Krankenhaus": the subject of reported speech after a verb of saying.
            subject = self.by_start.get(m.start(1))
            teller = self.by_end.get(m.start() - 1)  # "Kobra erzählt": the teller is a name too, not "Fahrer"
            if subject is not None and teller is not None and self._run_word(subject) and self._run_word(teller):
                self.found.append((self.toks[subject].start, self.toks[subject].end))

    def _people_list(self, j: int | None, cued: bool) -> None:
        """A list of two or more items from token j that a person's verb follows (after a cue also a place word
        or ", ca. 8 Pers."); without a cue only capitalised items, one of them a listed name, and a verb of the
        strict set ("Tauben und Ratten sitzen im Hof" stays)."""
        items: list[tuple[int, int]] = []
        while j is not None and len(items) < _MAX_STREETWORK_ITEMS:
            last = self._streetwork_item(j)
            if last is None or (not cued and not self._run_word(j)):
                break
            items.append((j, last))
            j = self._streetwork_next(last)
        if len(items) < _MIN_STREETWORK_ITEMS:
            return
        if cued and not self._people_follow(items) and not self._headcount_after(items):
            return
        if not cued and ((n := self._next(items[-1][1])) is None or self.toks[n].word not in _STRICT_PERSON_VERBS):
            return
        if not cued and not any(_is_world_listed(self.toks[a].word) for a, _ in items):
            return  # "Tauben und Ratten sitzen im Hof"
        self.found.extend((self.toks[a].start, self.toks[b].end) for a, b in items)

    def _headcount_after(self, items: list[tuple[int, int]]) -> bool:
        # "Manni, Atze, Rocky, ca. 8 Pers.": a headcount after the list, and one item a name a list knows.
        if _HEADCOUNT_AFTER.match(self.text, self.toks[items[-1][1]].end) is None:
            return False
        return any(_is_world_listed(self.toks[a].word) for a, _ in items)

    def _streetwork_item(self, j: int) -> int | None:
        """Last index of a list item at token j (one word, or a given name and a surname), or None."""
        tok = self.toks[j]
        word = tok.word
        if len(word) < _MIN_BARE or word in _LOWER_STOP or word.lower() in _PERSON_FOLLOWERS:
            return None
        if word[:1].isupper() and (word in roles() or word in TITLES or _known_word_or_place(tok)):
            return None
        if tok.dot or is_origin_noun(word):
            return None
        n = self._next(j)
        if n is None or self.toks[n].word in _LIST_WORDS or self.toks[n].word.lower() in _PERSON_FOLLOWERS:
            return j
        second = self.toks[n].word
        if second.islower() == word.islower() and _is_world_surname(second) and second not in _LOWER_STOP:
            return n  # "rafael gómez", "leonie bauer"
        return j

    def _streetwork_next(self, last: int) -> int | None:
        n = self._next(last, (", ", " + ", " / ", " "))
        if n is None:
            return None
        if self.toks[n].gap == " ":
            word, dot = self.toks[n].word, self.toks[n].dot
            return self._next(n) if (word == "u") == dot and word in _LIST_WORDS else None  # "und", "u."
        return n

    def _people_follow(self, items: list[tuple[int, int]]) -> bool:
        n = self._next(items[-1][1])
        if n is None:
            return False
        follower = self.toks[n].word.lower()
        if follower in _PERSON_VERBS:
            return True
        # Before a place word ("am Hbf") one item at least must be a name a list knows: "Kaffee und Tee am Hbf".
        return follower in _PERSON_FOLLOWERS and any(_is_world_listed(self.toks[a].word) for a, _ in items)

    def _run_cued(self) -> list[Found]:
        """Only names a title, a capitalised role word or a strong cue announces: for text that is not German
        prose (log lines), where a word that a name list knows is mostly an English word or an identifier."""
        for i, tok in enumerate(self.toks):
            if tok.word in TITLES or (tok.dot and tok.word + "." in TITLES):
                self._after_title(i)
            elif tok.word[:1].isupper() and self._is_role(tok):
                self._after_role(i)
            elif _cap(tok.word) and _is_world_given(tok.word):
                self._full_name(i)
        self._after_strong_cues()
        return self.found

    def _full_name(self, i: int) -> None:
        """A given name of the lists and a capitalised word that is no known noun ("Erika Mustermann")."""
        k = self._next(i)
        if k is None or self.toks[i].dot:
            return
        tok = self.toks[k]
        if not _name_token(tok) or _blocked(tok) or self._before_number(k):
            return
        self._add(i, self._extend(k, strong=False))

    def _capitalised(self, i: int, tok: _Tok) -> None:
        """The rule a capitalised word starts, if any: the first that applies."""
        if tok.word in TITLES or (tok.dot and tok.word + "." in TITLES):
            self._after_title(i)
        elif self._is_role(tok):
            self._after_role(i)
        elif _is_given(tok.word):
            self._listed_given(i)
        elif _is_surname(tok.word):
            if not self._comma_given(i) and not self._surname_pair(i):
                self._unlisted_given_before(i)
        elif len(tok.word) == 1 and tok.dot:
            self._initial(i)
        elif _cap(tok.word):
            self._unlisted(i, tok)

    def _unlisted(self, i: int, tok: _Tok) -> None:
        """A capitalised word none of the own lists knows: before an age, or in the world lists."""
        if self._before_age(i):
            self._add(i, i)  # "Awa (18)", "Maja (19)"
        elif _is_world_given(tok.word):
            self._world_given(i)
        elif _is_world_surname(tok.word):
            self._unlisted_given_before(i)

    @staticmethod
    def _is_role(tok: _Tok) -> bool:
        return _is_role_word(tok.word, tok.dot)

    def _before_age(self, i: int) -> bool:
        """A capitalised word right before an age in brackets ("Awa (18)") is a person's name, unless it is a
        known noun or a role ("Radfahrer (17)")."""
        tok = self.toks[i]
        if not _AGE_AFTER.match(self.text, tok.end) or _blocked(tok) or tok.word in roles() or tok.word in TITLES:
            return False
        return not self._after_stop_word(i) and tok.word.lower() not in german_basic_words()

    def _after_stop_word(self, i: int) -> bool:
        """A word right after "Hst." or "Haltestelle" names the stop ("Hst. Hermes")."""
        return i > 0 and self.toks[i - 1].word.lower() in _STOP_CUES

    def _before_number(self, i: int) -> bool:
        """A word right before a number is a call sign, a line or a car ("Leo 12/3", "Kurs 5/12"), not a name."""
        end = self.toks[i].end
        return re.match(r"[ ]?\d", self.text[end : end + 2]) is not None

    def _next(self, i: int, gaps: tuple[str, ...] = (" ",)) -> int | None:
        """Index of the token after i when only one of ``gaps`` separates them (no sentence end between)."""
        j = i + 1
        if j >= len(self.toks) or self.toks[j].gap not in gaps:
            return None
        return j

    def _extend(self, i: int, strong: bool) -> int:
        """Last index of the name that starts at token i: listed names, particles, one initial, and after a
        listed given name (or in a strong context) one further capitalised word that is not a known noun."""
        last = i
        j = i
        while True:
            if self.toks[j].dot:
                break
            k = self._next(j)
            if k is None or k - i >= _MAX_NAME_TOKENS:
                break
            tok = self.toks[k]
            if tok.word in PARTICLES and (n := self._particle_run(k, continuing=True)) is not None:
                last = j = n
                continue
            if len(tok.word) == 1 and tok.word.isupper() and tok.dot:
                last = k  # an initial: "Kevin S."
                break
            if self._joins(i, k, strong):
                last = j = k
                continue
            break
        return last

    def _joins(self, i: int, k: int, strong: bool) -> bool:
        """Whether token k continues the name that starts at token i (see _extend)."""
        tok = self.toks[k]
        first = self.toks[i].word
        if _ARABIC_PREFIX.match(tok.word) or _APOSTROPHE_NAME.match(tok.word):
            return True  # "Yasmin el-Amin", "Siobhan O'Neill"
        if _upper_name(first) and _upper_name(tok.word):
            return _is_world_listed(tok.word)  # "KEVIN SCHULZE"
        if not _name_token(tok):
            return False
        if k == i + 1 and _is_world_given(first) and _surname_after_given(tok):
            return True  # "Enrico Sommer", "Peggy Winter"
        if k == i + 1 and _is_world_given(first) and _double_barrel(tok.word):
            parts = tok.word.split("-")
            if any(_is_world_surname(p) for p in parts) and tok.word not in _street_words():
                return True  # "Brigitte Hase-Lorenz": a double surname, even when one part is a word
        if k == i + 1 and _is_world_given(first) and self._signs_off(k):
            return True  # "Gruß Bärbel Frühling": a given name and the last word of the text
        if _blocked(tok):
            return False
        return _is_world_listed(tok.word) or strong or (k == i + 1 and _is_world_given(first))

    def _particle_run(self, k: int, continuing: bool = False) -> int | None:
        """Index of the name word after the particle at token k and up to two more ("van der Berg", "de la Vega",
        "de los Santos"), or None when no name word follows."""
        n = self._next(k)
        hops = 0
        article = False
        while n is not None and self.toks[n].word in PARTICLES and hops < _MAX_PARTICLES and not self.toks[n].dot:
            article = article or self.toks[n].word in _ARTICLE_PARTICLES
            n, hops = self._next(n), hops + 1
        if n is None or self.toks[k].dot:
            return None
        return n if self._after_particle(self.toks[k], n, article and continuing) else None

    def _after_particle(self, particle: _Tok, n: int, article: bool = False) -> bool:
        """A capitalised word after a particle is a name ("von Trotha", "al Hassan"); after the article-like
        particles only a listed one ("von der Heydt"), since "von der Polizei" is common; after a found name a run
        with an article ("von der", "von den") no noun of a workplace, team or shift: "Frau Nowak von der
        Aufsicht", "Herr Lindemann von den Stadtwerken" are a person and where they work."""
        word = self.toks[n].word
        if not _cap(word) or word.isupper():
            return False
        if particle.word in _FOREIGN_PARTICLES:  # "van der Meer", "bin Laden", "da Costa": no German word order
            return word not in halle_stop_words() or _is_listed(word)
        if article:  # after a found name: "Frau Nowak von der Aufsicht", but "Frau von der Leyen" stays a name
            return _is_listed(word) or not _workplace_noun(word)
        return _is_listed(word) or (particle.word not in _ARTICLE_PARTICLES and word not in common_words())

    def _add(self, i: int, last: int) -> None:
        if i > 0 and self.toks[i - 1].word in COMPANY_WORDS and self.toks[i].gap in (" ", ". "):
            return  # "Blumen Hoffmann", "Fa. Autohaus Koch": a shop's or company's name
        if i > 0 and self.toks[i].gap == " " and self.toks[i - 1].word in _ARABIC_GIVEN_PREFIXES:
            i -= 1  # "Abdel Rahman El-Sayed" found from "Rahman"
        while True:
            k = self._next(last)
            # A capitalised run right before a street or institution word names a place ("Paul Suhr Straße").
            if k is not None and (self.toks[k].word in _street_words() or self.toks[k].word in _INSTITUTIONS):
                return
            end = self.toks[last].end + (1 if len(self.toks[last].word) == 1 and self.toks[last].dot else 0)
            self.found.append((self.toks[i].start, end))
            # "Schulz und Becker": a listed name joined to a found one shares its context.
            n = self._next(k) if k is not None and self.toks[k].word == "und" else None
            if n is None or not _name_token(self.toks[n]) or not _is_listed(self.toks[n].word):
                return
            if _blocked(self.toks[n]):
                return
            i, last = n, self._extend(n, strong=False)

    def _title_is_noun(self, i: int) -> bool:
        """True for the plain noun ("eine junge Frau", "der Herr im Mantel"), not a form of address."""
        if self.toks[i].word not in ("Frau", "Herr", "Herrn") or i == 0 or self.toks[i].gap.strip():
            return False
        prev = self.toks[i - 1].word
        if prev.lower() in DETERMINERS:
            return True
        return (
            prev[:1].islower()
            and prev not in SALUTATIONS
            and prev not in _NOT_ADJECTIVES
            and prev.endswith(("e", "en", "er", "em", "es"))
        )

    def _after_title(self, i: int) -> None:
        noun = self._title_is_noun(i)
        j = self._next(i, (" ", "\u00a0", "\n"))
        while j is not None and (self.toks[j].word + ("." if self.toks[j].dot else "")) in EXTRA_TITLES:
            j = self._next(j)
        if j is None:
            return
        tok = self.toks[j]
        if tok.word in PARTICLES and (n := self._particle_run(j)) is not None:
            self._add(j, self._extend(n, strong=not noun))  # "Frau von Trotha", "Herr van der Berg"
            return
        listed = _is_listed(tok.word)
        if not _name_token(tok) or (noun and not listed) or (not listed and _blocked_after_cue(tok)):
            return
        self._add(j, self._extend(j, strong=not noun))

    def _after_role(self, i: int) -> None:
        j = self._next(i, (" ", ": ", ", ", ":", "\u00a0"))
        if j is None:
            return
        tok = self.toks[j]
        if tok.word in TITLES or (tok.dot and tok.word + "." in TITLES) or tok.word in roles():
            return  # "Anruferin Frau Mazur", "Mitteilerin Fr. Bäcker": the title's own rule takes it
        if _lower_name(tok.word):
            self._add(j, self._extend_lower(j))
            return
        if tok.word in _FOREIGN_PARTICLES and (n := self._particle_run(j)) is not None:
            self._add(j, self._given_after_comma(self._extend(n, strong=True)))  # "Anr. de la Cruz", "de Jong, Anouk"
            return
        if _upper_name(tok.word):
            # Capitals after a role: police style "KOWALSKI, Jan", or a name a list knows ("Fahrer RTW" is none).
            if not self._comma_given(j) and _is_world_listed(tok.word) and not _blocked(tok):
                self._add(j, self._extend(j, strong=False))
            return
        if not _name_token(tok) or self._before_number(j):
            return
        if _blocked_after_cue(tok) and not _surname_after_role(tok):
            return
        if (tok.word in AMBIGUOUS_GIVEN and not self._followed_by_name(j)) or (
            _is_surname(tok.word) and self._comma_given(j)
        ):
            return
        self._add(j, self._extend(j, strong=True))

    def _after_lower_title(self, i: int) -> None:
        """ "frau müller", "herr yilmaz" in lower-case writing: a listed name after the title, unless an article
        makes the title a noun ("die frau hat")."""
        j = self._next(i)
        if j is None or not _lower_name(self.toks[j].word):
            return
        if i > 0 and self.toks[i - 1].word.lower() in DETERMINERS and not _is_world_surname(self.toks[j].word):
            return  # "die frau hat", but "die familie yilmaz von gegenüber"
        self._add(j, self._extend_lower(j))

    def _extend_lower(self, i: int) -> int:
        """Last index of a lower-case name starting at token i: the following lower-case words the lists know."""
        last = i
        while (k := self._next(last)) is not None and k - i < _MAX_NAME_TOKENS and not self.toks[last].dot:
            word = self.toks[k].word
            if not (_lower_name(word) or (k == i + 1 and _lower_surname_shape(word))):
                break
            last = k
        return last

    def _unlisted_given_before(self, i: int) -> None:
        """A capitalised word no list knows right before a listed surname is its given name ("Bartłomiej
        Sadowski"); not a function word, noun, stop or street word, title or role, and not a sentence start."""
        tok = self.toks[i]
        if i == 0 or tok.gap != " " or _blocked(tok) or tok.word.lower() in german_basic_words():
            return
        if tok.word in VIETNAMESE_FAMILY and self._viet_run(i) > i:
            return  # "Gewerbe Pham Van Long": the run is the whole name
        prev = self.toks[i - 1]
        if prev.dot or not _cap(prev.word) or _blocked(prev) or prev.word in TITLES or prev.word in roles():
            return
        if prev.word in COMPANY_WORDS:
            return  # "Park Hotel Adler": a company's name
        if prev.word.lower() in german_basic_words() or i == 1 or self.toks[i - 2].dot or self._after_stop_word(i - 1):
            return
        if self._before_number(i):
            return
        self._add(i - 1, self._extend(i, strong=False))

    def _initial(self, i: int, strong: bool = False) -> None:
        """An initial and a surname ("M. Schulz"): the surname must be in a list or shaped like one, or (after a
        cue) any capitalised word that is no known noun."""
        k = self._next(i)
        if k is None:
            return
        tok = self.toks[k]
        if not _name_token(tok) or _blocked(tok) or self._before_number(k):
            return
        if strong or _is_world_surname(tok.word):
            self._add(i, self._extend(k, strong=False))

    def _world_given(self, i: int) -> None:
        """A given name of the world lists with no cue: a name when a surname follows, or on its own when it is
        no everyday word and no call sign."""
        tok = self.toks[i]
        if tok.word in AMBIGUOUS_GIVEN or _blocked(tok) or self._before_number(i) or len(tok.word) < 3:
            return
        if (tok.word.lower() in german_basic_words() or tok.word in _NOUN_GIVEN) and not self._followed_by_surname(i):
            return  # "Bett", "Ball": a word of the basic vocabulary is a given name only before a surname
        if self._after_stop_word(i):
            return
        if tok.dot and tok.word in _MONTH_ABBREVIATIONS:
            return
        self._add(i, self._extend(i, strong=False))

    def _followed_by_name(self, i: int) -> bool:
        k = self._next(i)
        if k is None or not _cap(self.toks[k].word):
            return False
        word = self.toks[k].word
        # "Grace Owusu-Ansah": a double surname of capitalised parts is a surname's shape even when no list has it.
        return _is_world_listed(word) or (_double_barrel(word) and not _blocked(self.toks[k]))

    def _followed_by_surname(self, i: int) -> bool:
        k = self._next(i)
        return k is not None and _is_surname(self.toks[k].word)

    def _surname_pair(self, i: int) -> bool:
        """ "Kowalski und Nowak": two surnames of the own list joined by "und", neither an everyday word."""
        k = self._next(i)
        n = self._next(k) if k is not None and self.toks[k].word == "und" else self._next(i, (" / ", "/"))
        if n is None or self.toks[i].dot:
            return False
        pair = (self.toks[i], self.toks[n])
        if not all(
            _is_surname(t.word) and not _blocked(t) and t.word.lower() not in german_basic_words() for t in pair
        ):
            return False
        self.found.extend([(self.toks[i].start, self.toks[i].end), (self.toks[n].start, self.toks[n].end)])
        return True

    def _given_after_comma(self, last: int) -> int:
        """Last index of a name ending at token ``last`` that goes on with ", Given" ("de Vries, Pieter")."""
        k = self._next(last, (", ",))
        if k is None or self.toks[last].dot or not _cap(self.toks[k].word) or _known_word_or_place(self.toks[k]):
            return last
        if not _is_world_given(self.toks[k].word) and (_blocked(self.toks[k]) or not self._list_item(k)):
            return last
        return self._extend(k, strong=False)

    def _comma_given(self, i: int) -> bool:
        """Police style "Schmidt, Peter": a surname, a comma, a listed given name."""
        k = self._next(i, (", ",))
        if k is None or self.toks[i].dot or _known_word_or_place(self.toks[k]):
            return False
        if _blocked(self.toks[k]) and not _is_world_given(self.toks[k].word):
            return False
        given = self.toks[k].word
        # "KOWALSKI, Jan" / "DIALLO, MAMADOU": after a surname in capitals any given name, else a listed one.
        if not (_is_world_given(given) or (_upper_name(self.toks[i].word) and (_cap(given) or _upper_name(given)))):
            return False
        self.found.append((self.toks[i].start, self.toks[self._extend(k, strong=False)].end))
        return True

    def _listed_given(self, i: int) -> None:
        tok = self.toks[i]
        if self._before_number(i) or self._after_stop_word(i):
            return
        if tok.dot and tok.word in _MONTH_ABBREVIATIONS:
            return
        if tok.word in halle_stop_words() and not self._followed_by_surname(i):
            return
        if tok.word in AMBIGUOUS_GIVEN and not self._followed_by_surname(i):
            return
        self._add(i, self._extend(i, strong=False))

    def _after_cues(self) -> None:
        self._after_strong_cues()
        self._after_weak_cues()
        for m in _BEFORE_CUE.finditer(self.text):
            self._before(m.start())
        for m in _QUOTED_NICKNAME.finditer(self.text):
            if m.group().startswith("sog") and not self._person_before(m.start()):
                continue  # "der sog. „Kältebus“": "so-called" names things as often as people
            self.found.append(m.span(1))  # "Tatv. sog. „Bulle“", "Spitzname 'Eule'": any word
        self._called()
        for m in _SICH_NENNT.finditer(self.text):
            i = self.by_end.get(m.end())
            if i is not None and self.toks[i].word not in never_names():
                self.found.append((self.toks[i].start, self.toks[i].end))  # any word: "Mäuschen", "Socke"
        self._lower_sign_off()
        for m in _AGE_BEFORE.finditer(self.text):
            self._after_age(m.end())

    def _lower_opener(self) -> None:
        """Messages in lower case that open with a given name the lists know and a verb ("mira ist krank", "jens
        holt die kids ab"), or with two such names joined by "und" before a verb ("chantal und jacqueline haben")."""
        for i, tok in enumerate(self.toks):
            if i + 2 >= len(self.toks) or tok.dot or not tok.word.islower():
                continue
            if i > 0 and not (tok.gap.rstrip(" ").endswith((",", ".", "!", "?", ":")) or self.toks[i - 1].dot):
                continue  # a clause opens at the text's start or after a comma or a full stop
            if not (_lower_name(tok.word) and _is_world_given(tok.word)):
                continue
            nxt = self.toks[i + 1]
            if nxt.word in _OPENER_VERBS and nxt.gap == " ":
                self.found.append((tok.start, tok.end))
            elif nxt.word == "und" and i + 3 < len(self.toks) and self.toks[i + 3].word in _OPENER_VERBS:
                second = self.toks[i + 2].word
                if second.islower() and _lower_name(second) and _is_world_given(second):
                    self.found.extend([(tok.start, tok.end), (self.toks[i + 2].start, self.toks[i + 2].end)])

    def _pet_named(self, cue: int) -> bool:
        """An animal is named shortly before the cue, and no person after it ("Kater entlaufen, er heißt Mikesch";
        not "der Mann mit dem Hund heißt Kowalski")."""
        pets = list(_PET_BEFORE.finditer(self.text, max(0, cue - _PET_WINDOW), cue))
        if not pets:
            return False
        pet = pets[-1]
        if _WITH_PET.search(self.text, max(0, pet.start() - 24), pet.start()):
            return False  # "der Mann mit dem Hund heißt ...": the animal belongs to the person named
        return _PERSON_AFTER_PET.search(self.text, pet.end(), cue) is None

    def _called(self) -> None:
        """What people call each other ("ruft den anderen immer Schorsch", "der Mausi gerufen wird"): any
        capitalised word that is no known noun, role or word."""
        if "ruf" not in self.text and "nenn" not in self.text and "nann" not in self.text:
            return
        for m in _CALLED.finditer(self.text):
            for group in ("a", "b", "c"):
                word = m.group(group)
                if word is None or word in never_names() or word in common_words() or word in roles():
                    continue
                if word.lower() in german_basic_words() or _noun_shaped(word) or is_origin_noun(word):
                    continue
                self.found.append(m.span(group))

    def _after_strong_cues(self) -> None:
        for m in _cue_re().finditer(self.text):
            if m.group().startswith(("heißt", "namens", "Name")) and self._pet_named(m.start()):
                continue  # "Hund entlaufen!! Er heißt Bello": a pet's name
            j = self.by_start.get(m.end())
            if j is not None and self.toks[j].dot and self.toks[j].word + "." in EXTRA_TITLES:
                j = self._next(j)  # "Mit freundlichen Grüßen Dr. Heinrich Lamprecht"
            if j is None:
                continue
            tok = self.toks[j]
            if _upper_name(tok.word) and self._comma_given(j):
                continue
            if _lower_name(tok.word):
                self._add(j, self._extend_lower(j))
            elif len(tok.word) == 1 and tok.word.isupper() and tok.dot:
                self._initial(j, strong=True)  # "Viele Grüße, A. Ndour"
            elif _name_token(tok) and tok.word not in never_names() and not self._before_number(j):
                self._add(j, self._extend(j, strong=True))

    def _after_age(self, end: int) -> None:
        """ "der 24-jährige Mamadou Sylla": a capitalised word after an age adjective that is no noun, role, title or
        origin noun ("der 17-jährige Syrer" is an origin, "die 80-jährige Frau" a noun)."""
        j = self.by_start.get(end)
        if j is None:
            return
        tok = self.toks[j]
        if not _name_token(tok) or _blocked(tok) or tok.word in TITLES or tok.word in roles():
            return
        if is_origin_noun(tok.word) or tok.word.lower() in german_basic_words() or self._before_number(j):
            return
        self._add(j, self._extend(j, strong=True))

    def _after_weak_cues(self) -> None:
        """After a citizen's cue ("mein name ist", "lg") only a name a list knows, in any case."""
        for m in _weak_cue_re().finditer(self.text):
            j = self.by_start.get(m.end())
            if j is None:
                continue
            tok = self.toks[j]
            if _lower_name(tok.word):
                self._add(j, self._extend_lower(j))
            elif len(tok.word) == 1 and tok.word.isupper() and tok.dot:
                self._initial(j, strong=True)  # "Mfg R. Tetzlaff"
            elif _name_token(tok) and _is_world_listed(tok.word) and not _blocked(tok):
                self._add(j, self._extend(j, strong=False))

    def _before(self, cue_start: int) -> None:
        """Names that end right before "zu heißen" ("gab an, Yusuf Çelik zu heißen") or "genannt" ("Bommel genannt")."""
        idx = [i for i, t in enumerate(self.toks) if t.end <= cue_start]
        if not idx:
            return
        last = idx[-1]
        if self.toks[last].dot or self.text[self.toks[last].end : cue_start] not in ("", " "):
            return
        first = last
        while first > 0 and last - first < _MAX_NAME_TOKENS - 1 and self.toks[first].gap == " ":
            prev = self.toks[first - 1]
            if prev.dot or not _name_token(prev) or prev.word in never_names():
                break
            first -= 1
        if all((_name_token(t) and not _blocked(t)) or _is_listed(t.word) for t in self.toks[first : last + 1]):
            self.found.append((self.toks[first].start, self.toks[last].end))


_MIN_BARE = 3
_MIN_RUN = 2  # a repeated run needs a longer first mention: "Fanta Kouyaté ... Kouyaté"
_BRACKET_AFTER = re.compile(r"[ ]\(([^\W\d_]{2,20})(\.?)\)")
_ALIAS_AFTER = re.compile(r"[ ](?:alias|a\.k\.a\.)[ ]")
_STREETWORK_CUE = re.compile(r"(?i)(?<!\w)(?:streetwork|treffpunkt|rundgang|szene)(?:[ -][^\W\d_]+){0,3}:[ ]")
_STREETWORK_STEMS = ("treetwork", "TREETWORK", "reffpunkt", "undgang", "zene")
_MIN_STREETWORK_ITEMS = 2
_MAX_STREETWORK_ITEMS = 6
# Verbs after a list of streetwork clients that only people do; and place words that follow people as well.
_PERSON_VERBS = frozenset(
    _words(
        """
        angetroffen schlafen schläft sitzen sitzt trinken trinkt betteln bettelt streiten erzählen erzählt wieder
        erneut beide alle sind waren suchen liegen
        """
    )
)
_STRICT_PERSON_VERBS = frozenset(
    _words("angetroffen schlafen sitzen betteln trinken streiten erzählen prügeln pöbeln randalieren schlagen")
)
_HEADCOUNT_AFTER = re.compile(r",?[ ](?:ca\.[ ]?)?\d{1,2}[ ](?:Pers\b|Personen\b)")
_REPORTED_SUBJECT = re.compile(
    r"\b(?:erzählt|erzählte|berichtet|berichtete|sagt|sagte|meint|meinte),[ ]([A-ZÄÖÜ][^\W\d_]+)[ ](?:sei|wäre|habe)\b"
)
_PERSON_FOLLOWERS = _PERSON_VERBS | frozenset(_words("am im vor unter bei hinter mit"))
# Verbs after a clause's first word that only a person does ("Jäger angetroffen", "Kobra erzählt").
_PERSON_VERB_AFTER = re.compile(
    r"[ ](?:wieder[ ]|erneut[ ]|heute[ ]|auch[ ]|nicht[ ]|nochmals[ ])?(?:angetroffen|festgenommen|schläft|schlafen"
    r"|erzählt|erzählte|berichtet|berichtete|hustet|bettelt|bettelten|fragt|fragte|pöbelt|randaliert|weint|schreit|sagt|sagte|meint"
    r"|meinte)\b"
)
_AGE_BEFORE = re.compile(r"\b\d{1,3}[ -]?[jJ]ährige[nrm]?[ ]")
_BEFORE_CUE = re.compile(r"(?:\bzu heißen|[\u201c\u201d\"']?[ ]genannt)\b")
# "der sich Muckel nennt": a nickname between "sich" and "nennt".
_MIN_OPENER_TOKENS = 3
# An animal named shortly before "heißt" or "namens": the name is a pet's ("Kater entlaufen, er heißt Mikesch").
_PET_BEFORE = re.compile(
    r"(?i)\b(?:hund|hündin|welpe|katze|kater|kätzchen|pferd|pony|hase|kaninchen|vogel|wellensittich|papagei|"
    r"schildkröte|hamster|meerschweinchen)\b"
)
_PET_WINDOW = 60
_WITH_PET = re.compile(
    r"(?i)(?:\bmit(?:[ ](?:dem|seinem|ihrem|einem|einen|der|seiner|ihrer|einer))?"
    r"|\b(?:halter\w*|besitzer\w*|herrchen|frauchen)[ ](?:vom|von|des|der|dem)(?:[ ]\w+)?)[ ]\Z"
)
_PERSON_AFTER_PET = re.compile(
    r"(?i)\b(?:mann|frau|besitzer\w*|halter\w*|herrchen|frauchen|typ|junge|mädchen|kind|nachbar\w*|sohn|tochter)\b"
)
_OPENER_VERBS = frozenset(
    _words(
        """
        ist war hat hatte sagt sagte meint meinte kommt kam bringt holt schließt springt geht ging fährt fuhr macht
        schreibt ruft fragt will wollte kann muss soll sitzt steht liegt schläft arbeitet wohnt braucht bleibt wartet
        hat's sind haben waren kommen sitzen stehen schlafen wollen
        """
    )
)
_SICH_NENNT = re.compile(r"\b(?:sich|alle|ihn|man)[ ][A-ZÄÖÜ][^\W\d_]+(?=[ ](?:nennt|nannte|nennen|nannten)\b)")
# "der eine ruft den anderen immer Schorsch", "rufen sich Bushido und Capo", "alle rufen ihn Zecke": what people
# call each other, any capitalised word (one or two joined by "und"); and "der Mausi gerufen wird".
_CALLED = re.compile(
    r"\b(?:ruft|rufen|rief|riefen|nennt|nennen|nannte|nannten)[ ](?:sich|ihn|sie|ihm|einander|den[ ]anderen"
    r"|die[ ]andere)[ ](?:(?:immer|nur|alle|gegenseitig|selbst)[ ])?(?P<a>[A-ZÄÖÜ][^\W\d_]+)(?:[ ]und[ ]"
    r"(?P<b>[A-ZÄÖÜ][^\W\d_]+))?(?![\w-])"
    r"|\b(?:der|die|den)[ ](?P<c>[A-ZÄÖÜ][^\W\d_]+)[ ](?:gerufen|genannt)[ ](?:wird|wurde)\b"
)
_PERSON_NOUNS_BEFORE = frozenset({"Mann", "Frau", "Typ", "Kerl", "Junge", "Mädchen", "Obdachloser", "Obdachlose"})
# A nickname in quotes after "sog.", "Spitzname" or "genannt": any single word.
_QUOTED_NICKNAME = re.compile(
    r"(?:\bsog\.|\bsogenannte[rn]?|\bSpitzname[n]?|\bgenannt|\bgen\.)[ ]?[\u201e\u201c\"\u00bb\u201a']"
    r"([A-ZÄÖÜa-zäöü][^\W\d_]+)[\u201c\u201d\"\u00ab\u2018']"
)
_QUOTES = "\u201e\u201c\u201d\u00bb\u00ab\u201a\u2018\u2019\"'"


@cache
def _cue_re() -> re.Pattern[str]:
    cues = "|".join(re.escape(c) for c in sorted(STRONG_CUES, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{cues})(?!\w)[ \t]*[:,]?[ \t]*[{_QUOTES}]?")


@cache
def _weak_cue_re() -> re.Pattern[str]:
    cues = "|".join(re.escape(c) for c in sorted(WEAK_CUES, key=len, reverse=True))
    return re.compile(rf"(?i)(?<!\w)(?:{cues})(?!\w)[ \t]*[:,]?[ \t]*")


def find_names(text: str, cued_only: bool = False) -> list[Found]:
    """(start, end) of every person's name found in ``text``; overlapping finds are left for the caller to merge."""
    return _Finder(text, cued_only).run()


_WORD_BEFORE = re.compile(r"([A-ZÄÖÜ][^\W\d_]+(?:-[A-ZÄÖÜ][^\W\d_]+)*)[ ]\Z")


def name_start_before(text: str, start: int) -> int:
    """Where a name that ends a found surname starts: ``start``, or earlier when a capitalised word that can be a
    given name stands right before it ("Zuberi Mensah" once "Herr Mensah" was found later)."""
    m = _WORD_BEFORE.search(text, max(0, start - 40), start)
    if m is None:
        return start
    word = m.group(1)
    tok = _Tok(word, m.start(1), m.end(1), False, " ")
    if word in TITLES or word in roles() or word in AMBIGUOUS_GIVEN or _blocked(tok) or word in common_words():
        return start
    if word in COMPANY_WORDS:
        return start  # "Diskothek Flower Power"
    return m.start(1)
