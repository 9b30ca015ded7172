"""The last step of the scrubber: one person's name found in pieces becomes one span.

Rules and tagger each find part of a name, or one part only: "Hans" and "Dieter Rößler", "Amedi" and "Azad" in the
police style "Amedi, Azad", "Monika" before a surname that is also a place ("Monika Sternberg"), "Kurt" after a
given name the lists do not know ("Büşra Kurt"). Here, on the final spans over the input:

- two name spans with one blank between them are one name;
- "Surname, Given" (the inverted order of registers, forms and signatures) is one name when the part after the comma
  is a given name and nothing but punctuation or the end follows it; the missing half is taken along when only one
  half was found, and an all-capitals surname before a comma and a given name is taken when neither was
  ("DIMITROVA, Desislava", "ABU SHANAB, Huda");
- a found given name takes the next word along when the surname lists know it (or it has a surname's ending) and it
  is no everyday word, street or stop; a found name takes a given name right before it along.

Nothing here finds a name on its own except the all-capitals register form: it only joins and completes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from hub.privacy.scrub_lexicon_names import german_basic_words
from hub.privacy.scrub_lexicon_places import halle_stop_words
from hub.privacy.scrub_lexicon_words import common_function_words, never_names, roles
from hub.privacy.scrub_names import _LOWER_STOP, _is_world_given, _is_world_surname, _street_words
from hub.privacy.scrub_origin import is_origin_adjective, is_origin_noun

_WORD = r"[^\W\d_]+(?:-[^\W\d_]+)*"
_GIVEN_AFTER_COMMA = re.compile(r",[ ](" + _WORD + r")")
_WORD_BEFORE_COMMA = re.compile(r"(?<![\w.-])(" + _WORD + r"),[ ]\Z")
_WORD_AFTER = re.compile(r"[ ](" + _WORD + r")")
_WORD_BEFORE = re.compile(r"(?<![\w.-])(" + _WORD + r")[ ]\Z")
_UPPER_INVERTED = re.compile(r"(?<![\w.-])([A-ZÄÖÜ]{2,}(?:[ -][A-ZÄÖÜ]{2,})?),[ ]([A-ZÄÖÜ][^\W\d_A-ZÄÖÜ]+)")
# Nothing but punctuation, a symbol or the end after the given name: "Georgiev, Stoyan, Rückruf", "*1988".
_END_AFTER = re.compile(r"[ ]?(?:[^\w \u00a0]|\n|\Z)|[ ](?:geb\.|geboren\b|\*|\()")
_MIN_PART = 3
_MIN_UPPER = 4
_UPPER_PARTICLE_BEFORE = re.compile(r"(?<![\w-])(?:AL|EL|ABU|ABD|BIN|BEN|VAN|DE|DI|DA|DOS|LE|LA|VON)[ ]\Z")
_LONG_NOUN = 8  # "Ladenbesitzerin", "Anwohnerin": longer words in -in or -er are mostly nouns for people
# An initial ("A.", "Ch.", "Th.") and a capitalised word: "Ch. Weidlich", a signature "T. Kallweit". Not "St."
# (Sankt), "Dr." (a title the name rules read), nor after a letter or dot ("z. B. Weiter").
_INITIAL_SURNAME = re.compile(
    r"(?<![\w.-])(?<![.][ ])((?:[A-ZÄÖÜ]|Ch|Th|Ph|Chr)\.(?:-[A-ZÄÖÜ]\.)?)[ ]"
    r"([A-ZÄÖÜ][a-zäöüß]{2,}(?:-[A-ZÄÖÜ][a-zäöüß]+)?)(?![\w.-])"
)
_LIST_GOES_ON = re.compile(r",[ ]" + _WORD + r"(?:,|[ ](?:und|sowie|u\.)[ ]|[ ]ca\.|\Z)")
_LIST_BEFORE = re.compile(_WORD + r",[ ]\Z")
_LIST_AFTER = re.compile(r"(?:,|[ ](?:und|sowie|u\.|oder))[ ]")


def _plain_word(word: str) -> bool:
    # Not an everyday word, a street or a stop: a surname candidate.
    return (
        len(word) >= _MIN_PART
        and word.lower() not in _LOWER_STOP
        and word not in never_names()
        and word.lower() not in german_basic_words()
        and word not in common_function_words()
        and word not in _street_words()
        and word not in halle_stop_words()
        and word not in roles()
        and not is_origin_noun(word)
    )


def _same_case(word: str, other: str) -> bool:
    # "korkmaz, emre", "Amedi, Azad", "STOYANOVA, Desislava": the parts share lower case or a capital first letter.
    if other.islower():
        return word.islower()
    return word[:1].isupper()


def _given(word: str) -> bool:
    return _is_world_given(word) and word.lower() not in german_basic_words() and word not in never_names()


def _ends_here(text: str, end: int) -> bool:
    # The given name closes the name, and no list of single words goes on ("Manni, Atze, Rocky, ca. 8 Pers.").
    return _END_AFTER.match(text, end) is not None and _LIST_GOES_ON.match(text, end) is None


def _joinable(text: str, first: Piece, second: Piece) -> bool:
    # Not a role noun or an organisation found by mistake before a name ("Ladenbesitzerin Hoa Trinh", "HAVAG Yaw
    # Mensah"): joined, the right name would be lost in a wrong span.
    a, b = text[first[0] : first[1]], text[second[0] : second[1]]
    for piece, other in ((a, b), (b, a)):
        if " " in piece:
            continue
        if piece in roles() or (piece.isupper() and not other.isupper()):
            return False
        if len(piece) > _LONG_NOUN and piece.endswith(("in", "er")) and not _is_world_surname(piece):
            return False
    return not _given_pair_in_list(text, first, second)


def _given_pair_in_list(text: str, first: Piece, second: Piece) -> bool:
    # "danny maik und ronny": two given names side by side in a list are two people, not a double given name.
    a, b = text[first[0] : first[1]], text[second[0] : second[1]]
    return (
        " " not in a + b
        and _given(a)
        and _given(b)
        and not _is_world_surname(b)
        and _LIST_AFTER.match(text, second[1]) is not None
    )


Piece = tuple[int, int, str]  # start, end, category of a found value


def join_names(text: str, spans: Sequence[Piece]) -> list[Piece]:
    """The spans with the pieces of one name joined and completed (see the module's text); sorted by start."""
    out: list[Piece] = []
    for s in sorted(spans):
        if out and s[2] == "NAME" and out[-1][2] == "NAME":
            gap = text[out[-1][1] : s[0]]
            if (gap == " " and _joinable(text, out[-1], s)) or (gap == ", " and _inverted(text, out[-1], s)):
                out[-1] = (out[-1][0], s[1], "NAME")
                continue
        out.append(s)
    taken = [(s[0], s[1]) for s in out]
    done: list[Piece] = []
    for s in out:
        if s[2] == "NAME":
            s = _completed(text, s, taken)
            taken.append((s[0], s[1]))
        done.append(s)
    for m in _UPPER_INVERTED.finditer(text):
        if (
            _free(taken, m.start(), m.end())
            # police register style: an all-capitals surname of four letters or more carries any given name
            and (_given(m.group(2)) or (len(m.group(1)) >= _MIN_UPPER and _plain_word(m.group(2))))
            and _ends_here(text, m.end())
            and _plain_word(m.group(1).capitalize())
            and not _given(m.group(1))
        ):
            done.append((m.start(), m.end(), "NAME"))  # "DIMITROVA, Desislava"
            taken.append(m.span())
    for m in _INITIAL_SURNAME.finditer(text):
        word = m.group(2)
        if (
            _free(taken, m.start(), m.end())
            and _plain_word(word)
            and not _given(word)
            and not is_origin_adjective(word)
            and not is_origin_noun(word)
        ):
            done.append((m.start(), m.end(), "NAME"))  # "Ch. Weidlich", "T. Kallweit"
            taken.append(m.span())
    return sorted(done)


def _free(taken: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= a or start >= b for a, b in taken)


def _completed(text: str, s: Piece, taken: list[tuple[int, int]]) -> Piece:
    """A found name completed (see _half_added), then with an all-capitals particle before an all-capitals
    surname: "EL KHOURY, Tarek", "AL KHATIB, HASSAN"."""
    start, end, category = _half_added(text, _noun_dropped(text, s), taken)
    first = text[start:end].split(" ", 1)[0].rstrip(",")
    p = _UPPER_PARTICLE_BEFORE.search(text, max(0, start - 5), start)
    if p and first.isupper() and len(first) > 1 and _free(taken, p.start(), p.end()):
        return (p.start(), end, category)
    return (start, end, category)


def _noun_dropped(text: str, s: Piece) -> Piece:
    """A name span that opens with an everyday noun the lists do not know as a name loses it: "Opa Hein", "Akte
    Marković" (what a person is called, or a file named after them); "Jäger Förster" stays (a listed surname)."""
    value = text[s[0] : s[1]]
    first, _, rest = value.partition(" ")
    if (
        rest
        and first[:1].isupper()
        and not first.isupper()
        and first.lower() in german_basic_words()
        and not _is_world_given(first)
        and not _is_world_surname(first)
        and rest[:1].isupper()
    ):
        return (s[0] + len(first) + 1, s[1], s[2])
    return s


def _half_added(text: str, s: Piece, taken: list[tuple[int, int]]) -> Piece:
    """A found name with the other half of "Surname, Given", a given name's surname or a given name before it."""
    start, end = s[0], s[1]
    value = text[start:end]
    single = " " not in value
    m = _GIVEN_AFTER_COMMA.match(text, end)
    if (
        single
        and m
        and _free(taken, *m.span(1))
        and _same_case(m.group(1), value)
        and _given(m.group(1))
        and not _given(value)
        and _ends_here(text, m.end())
    ):
        return (start, m.end(), "NAME")  # "Georgiev, Stoyan"
    b = _WORD_BEFORE_COMMA.search(text, max(0, start - 40), start)
    if (
        single
        and b
        and _free(taken, *b.span(1))
        and _same_case(b.group(1), value)
        and _given(value)
        and not _given(b.group(1))
        and _plain_word(b.group(1))
        and _ends_here(text, end)
    ):
        return (b.start(1), end, "NAME")  # "Schimmelpfennig, Udo"
    last = value.rsplit(" ", 1)[-1]
    a = _WORD_AFTER.match(text, end)
    if a and _free(taken, *a.span(1)) and _given(last):
        word = a.group(1)
        if word[:1].isupper() and _is_world_surname(word) and _plain_word(word) and not _given(word):
            end = a.end()  # "Monika Sternberg"
    g = _WORD_BEFORE.search(text, max(0, start - 40), start)
    if (
        end == s[1]
        and g
        and _free(taken, *g.span(1))
        and g.group(1)[:1].isupper()
        and _given(g.group(1))
        and _plain_word(g.group(1))
        and not value.isupper()
    ):
        start = g.start(1)  # "Büşra Kurt"
    return (start, end, "NAME")


def _inverted(text: str, first: Piece, second: Piece) -> bool:
    a, b = text[first[0] : first[1]], text[second[0] : second[1]]
    return (
        " " not in b
        # "Moreno Vidal, Paula", but not "José Luis, Atze"
        and (" " not in a or a.isupper() or not _given(a.rsplit(" ", 1)[-1]))
        # a given name, or, both halves found, a word the lists know as no surname ("Stanikzai, Habibullah")
        and (_given(b) or not (_is_world_surname(b) or _given(a)))
        and not (_given(a) and not _is_world_surname(a))
        and _same_case(b, a)
        and _ends_here(text, second[1])
        and _LIST_BEFORE.search(text, max(0, first[0] - 40), first[0]) is None
    )
