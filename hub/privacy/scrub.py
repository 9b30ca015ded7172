"""Free-text scrubbing of German descriptions before they leave the police domain.

``scrub(text)`` replaces names, phone numbers, e-mail addresses, licence plates, IBANs, dates of birth and street
addresses with typed placeholders such as ``[NAME]`` and returns where it found what; the found values are kept
nowhere. Event dates, times, stop and street names without a house number, line and car numbers stay: they are
what the recipients need. Rules (detectors in ``scrub_patterns``, ``scrub_names``, ``scrub_ids``, ``scrub_origin``)
and a statistical sequence tagger (``scrub_tagger``, a CRF shipped with its weights) that only adds names, plates and
addresses where no rule found anything; no language model.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Literal, get_args

from hub.privacy.scrub_ids import find_id_numbers
from hub.privacy.scrub_join import join_names
from hub.privacy.scrub_lexicon_names import AMBIGUOUS_GIVEN, PARTICLES
from hub.privacy.scrub_lexicon_places import halle_stop_words
from hub.privacy.scrub_lexicon_words import never_names
from hub.privacy.scrub_names import find_names, name_start_before
from hub.privacy.scrub_origin import find_origins
from hub.privacy.scrub_patterns import (
    find_addresses,
    find_dates_of_birth,
    find_emails,
    find_ibans,
    find_phones,
    find_plates,
)
from hub.privacy.scrub_tagger import TAGGED, tag

Category = Literal["NAME", "PHONE", "EMAIL", "PLATE", "IBAN", "DOB", "ADDRESS", "IDNUMBER", "ORIGIN"]
CATEGORIES: tuple[Category, ...] = get_args(Category)

#: What replaces a found value in the scrubbed text, per category.
PLACEHOLDERS: Mapping[Category, str] = MappingProxyType(
    {
        "NAME": "[NAME]",
        "PHONE": "[TELEFON]",
        "EMAIL": "[E-MAIL]",
        "PLATE": "[KENNZEICHEN]",
        "IBAN": "[IBAN]",
        "DOB": "[GEBURTSDATUM]",
        "ADDRESS": "[ADRESSE]",
        "IDNUMBER": "[AUSWEISNUMMER]",
        "ORIGIN": "[HERKUNFT]",
    }
)

# When two finds overlap, the more specific kind wins: an e-mail address holds a name, an IBAN holds digit groups.
_PRIORITY: Mapping[Category, int] = MappingProxyType(
    {"EMAIL": 0, "IBAN": 1, "IDNUMBER": 2, "PHONE": 3, "PLATE": 4, "DOB": 5, "ADDRESS": 6, "ORIGIN": 7, "NAME": 8}
)
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))
_MIN_PROPAGATED_PART = 3


@dataclass(frozen=True, slots=True)
class Span:
    """Where a value was found in the input text (``text[start:end]``) and what it is; never the value itself."""

    start: int
    end: int
    category: Category


@dataclass(frozen=True, slots=True)
class ScrubResult:
    """The scrubbed text and the spans of the input that were replaced, in order."""

    text: str
    spans: tuple[Span, ...]

    def count(self, category: Category) -> int:
        """How many values of ``category`` were replaced (for metrics: a number, never the value)."""
        return sum(1 for s in self.spans if s.category == category)


@dataclass(frozen=True, slots=True)
class _Segment:
    # A stretch of the current text: literal input (category None) or a placeholder that replaced input.
    start: int
    end: int
    orig_start: int
    orig_end: int
    category: Category | None


def scrub(text: str, *, cued_names_only: bool = False, statistical: bool = True) -> ScrubResult:
    """Replace every personal value found in ``text`` by its category's placeholder.

    Detection runs again on its own output until nothing new turns up, and every value found once is also
    replaced wherever else it stands as a word ("Herr Müller ... Müller sagte"). So the result is a fixed point:
    scrubbing it again changes nothing, and no found value is left standing as a word.

    ``cued_names_only`` takes only names that a title, a capitalised role word or a strong cue announces, for text
    that is not German prose (the log redactor: there a word a name list knows is mostly English or an identifier,
    "German", "MAX_BYTES"); every other category is found as usual.

    ``statistical`` adds the sequence tagger's finds (``scrub_tagger``) of names, plates, addresses and origin words
    where no rule found anything; it is off with ``cued_names_only`` (the tagger learnt German prose, not logs).
    """
    statistical = statistical and not cued_names_only
    current = text
    segments = [_Segment(0, len(text), 0, len(text), None)]
    found: dict[str, Category] = {}
    spans: list[Span] = []
    while True:
        new = _detect(current, found, cued_names_only, statistical)
        if not new:
            break
        for s in new:
            found.setdefault(current[s.start : s.end], s.category)
        current, segments, originals = _replace(current, segments, new)
        spans.extend(originals)
    ordered = sorted(spans, key=lambda s: s.start)
    if cued_names_only:  # logs: no name completed from German name shapes ("WARNING, Connection" is no name)
        return ScrubResult(current, tuple(ordered))
    joined = [Span(a, b, _category(c)) for a, b, c in join_names(text, [(s.start, s.end, s.category) for s in ordered])]
    if joined != ordered:  # pieces of one name joined or completed: the text again from the input
        return ScrubResult(_render(text, joined), tuple(joined))
    return ScrubResult(current, tuple(ordered))


def _render(text: str, spans: Iterable[Span]) -> str:
    out: list[str] = []
    pos = 0
    for s in spans:
        out.append(text[pos : s.start])
        out.append(PLACEHOLDERS[s.category])
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


def _detect(
    text: str, found: Mapping[str, Category], cued_names_only: bool = False, statistical: bool = False
) -> list[Span]:
    """One detection pass: every detector, the values found in earlier passes, overlaps resolved; then the tagger's
    finds that overlap none of those nor a placeholder (the rules' spans always stand as they are)."""
    names = find_names(text, cued_names_only)
    candidates: list[Span] = []
    detectors: Iterable[tuple[Category, Callable[[str], list[tuple[int, int]]]]] = (
        ("EMAIL", find_emails),
        ("IBAN", find_ibans),
        ("PHONE", find_phones),
        ("PLATE", find_plates),
        ("ADDRESS", find_addresses),
        ("IDNUMBER", find_id_numbers),
        ("ORIGIN", find_origins),
    )
    for category, detect in detectors:
        candidates.extend(Span(s, e, category) for s, e in detect(text))
    candidates.extend(Span(s, e, "DOB") for s, e in find_dates_of_birth(text, {e for _, e in names}))
    candidates.extend(Span(s, e, "NAME") for s, e in names)
    candidates.extend(_propagate(text, found))
    holes = _Occupied()
    for m in _PLACEHOLDER.finditer(text):
        holes.add(*m.span())
    chosen = _resolve([c for c in candidates if c.end > c.start and not holes.overlaps(c.start, c.end)])
    if not statistical:
        return chosen
    for c in chosen:
        holes.add(c.start, c.end)
    added = [
        Span(s, e, _category(category))
        for s, e, category in tag(text)
        if category in TAGGED and not holes.overlaps(s, e) and not _cuts_a_word(text, s, e)
    ]
    return sorted(chosen + added, key=lambda s: s.start) if added else chosen


def _cuts_a_word(text: str, start: int, end: int) -> bool:
    # A tagged span that starts or ends inside a run of letters and digits ("654 L" of "FZ 654 L2") is no value.
    inside_end = 0 < end < len(text) and text[end - 1].isalnum() and text[end].isalnum()
    inside_start = 0 < start < len(text) and text[start - 1].isalnum() and text[start].isalnum()
    return inside_end or inside_start


def _category(value: str) -> Category:
    for category in CATEGORIES:
        if value == category:
            return category
    raise ValueError(f"unknown category {value!r}")


def _propagate(text: str, found: Mapping[str, Category]) -> list[Span]:
    """Other occurrences, as whole words, of values already found, and of the distinctive parts of found names."""
    values: dict[str, Category] = {}
    for value, category in found.items():
        values[value] = category
        if category == "NAME":
            for part in re.split(r"[\s,]+", value):
                part = part.rstrip(".")
                if _distinctive_name_part(part):
                    values.setdefault(part, "NAME")
    if not values:
        return []
    # Plain substring search (a regex of the values would be compiled anew for every text); overlapping finds are
    # left to _resolve, which keeps the longer one.
    spans = []
    for value, category in values.items():
        pos = text.find(value)
        while pos >= 0:
            end = pos + len(value)
            if not _word_char(text, pos - 1) and not _word_char(text, end) and not _article_before(text, pos, value):
                # A surname found later ("Herr Mensah") takes the given name before it elsewhere ("Zuberi Mensah").
                start = name_start_before(text, pos) if category == "NAME" else pos
                spans.append(Span(start, end, category))
            pos = text.find(value, pos + 1)
    return spans


_ARTICLE_BEFORE = re.compile(r"(?:^|[ (])(?:der|die|das|den|dem|des|ein|eine|einen|einem|eines|vom|zum|beim)[ ]\Z")


def _article_before(text: str, pos: int, value: str) -> bool:
    # "Hr. Koch meldet, der Koch vom Imbiss ...": a found surname that is also a noun is the noun after an article.
    return " " not in value and _ARTICLE_BEFORE.search(text, max(0, pos - 8), pos) is not None


def _word_char(text: str, i: int) -> bool:
    return 0 <= i < len(text) and (text[i].isalnum() or text[i] == "_")


def _distinctive_name_part(part: str) -> bool:
    # A single word of a name is worth looking for elsewhere only if it cannot be an everyday word.
    return (
        len(part) >= _MIN_PROPAGATED_PART
        and part[:1].isupper()
        and part not in PARTICLES
        and part not in AMBIGUOUS_GIVEN
        and part not in never_names()
        and part not in halle_stop_words()
        and part not in _placeholder_words()
    )


@cache
def _placeholder_words() -> frozenset[str]:
    return frozenset(p.strip("[]") for p in PLACEHOLDERS.values())


def _resolve(candidates: list[Span]) -> list[Span]:
    """Non-overlapping spans: the higher-priority category first, then the longer span, then the earlier one."""
    chosen: list[Span] = []
    taken = _Occupied()
    for c in sorted(candidates, key=lambda s: (_PRIORITY[s.category], s.start - s.end, s.start)):
        if not taken.overlaps(c.start, c.end):
            taken.add(c.start, c.end)
            chosen.append(c)
    return sorted(chosen, key=lambda s: s.start)


class _Occupied:
    """Disjoint intervals with an overlap test in log time (texts may hold hundreds of finds)."""

    def __init__(self) -> None:
        self._starts: list[int] = []
        self._ends: list[int] = []

    def overlaps(self, start: int, end: int) -> bool:
        i = bisect.bisect_right(self._starts, start)
        # Only the interval starting at or before ``start`` and the one after it can overlap [start, end).
        return (i > 0 and self._ends[i - 1] > start) or (i < len(self._starts) and self._starts[i] < end)

    def add(self, start: int, end: int) -> None:
        i = bisect.bisect_right(self._starts, start)
        self._starts.insert(i, start)
        self._ends.insert(i, end)


def _replace(text: str, segments: list[_Segment], spans: list[Span]) -> tuple[str, list[_Segment], list[Span]]:
    """Put placeholders over ``spans`` (which lie inside literal segments); return the new text, its segments, and
    the spans mapped back to offsets of the original input."""
    out: list[str] = []
    new_segments: list[_Segment] = []
    originals: list[Span] = []
    pos = 0  # position in the new text
    queue = list(spans)
    for seg in segments:
        if seg.category is not None:
            piece = text[seg.start : seg.end]
            new_segments.append(_Segment(pos, pos + len(piece), seg.orig_start, seg.orig_end, seg.category))
            out.append(piece)
            pos += len(piece)
            continue
        cursor = seg.start
        while queue and queue[0].start < seg.end:
            span = queue.pop(0)
            if span.start > cursor:
                piece = text[cursor : span.start]
                offset = seg.orig_start + (cursor - seg.start)
                new_segments.append(_Segment(pos, pos + len(piece), offset, offset + len(piece), None))
                out.append(piece)
                pos += len(piece)
            orig_start = seg.orig_start + (span.start - seg.start)
            orig_end = seg.orig_start + (span.end - seg.start)
            placeholder = PLACEHOLDERS[span.category]
            new_segments.append(_Segment(pos, pos + len(placeholder), orig_start, orig_end, span.category))
            originals.append(Span(orig_start, orig_end, span.category))
            out.append(placeholder)
            pos += len(placeholder)
            cursor = span.end
        if cursor < seg.end:
            piece = text[cursor : seg.end]
            offset = seg.orig_start + (cursor - seg.start)
            new_segments.append(_Segment(pos, pos + len(piece), offset, offset + len(piece), None))
            out.append(piece)
            pos += len(piece)
    return "".join(out), new_segments, originals
