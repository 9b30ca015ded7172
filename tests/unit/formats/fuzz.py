"""Fuzzing helpers shared by the format tests and ``bench.fuzz_formats``: near-valid documents, and the rule that a
format only ever answers with well-formed records or an InvalidEventError with a reason code.

A mutation edits bytes, or puts a *poison* where parsers meet values: a JSON number or string, XML text or an
attribute. The poisons are what fuzzing found before (integers past Python's 4,300-digit limit, lone surrogates,
nesting past the recursion limit, NUL, whitespace in ids). Every choice goes through a ``Picker``, so Hypothesis
(which shrinks) and ``random.Random`` (which is fast, for the benchmark) drive the same mutations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol, get_args

from hypothesis import strategies as st

from hub.errors import DeadLetterReason, InvalidEventError
from hub.formats.base import CanonicalRecord, Format, SourceRecord

REASONS = frozenset(get_args(DeadLetterReason))
_HUGE = b"9" * 5000  # over Python's 4,300-digit limit for int(): a ValueError where no JSON error is expected
_DEEP = 3000  # past the interpreter's recursion limit (1,000) for any recursive reader or writer


class Picker(Protocol):
    """The one choice a mutation needs: an integer in ``[low, high]`` (``random.Random`` is one)."""

    def randint(self, a: int, b: int, /) -> int: ...


class _Draws:
    """A Picker backed by a Hypothesis draw, so failures shrink to the smallest mutation."""

    def __init__(self, draw: st.DrawFn) -> None:
        self.draw = draw

    def randint(self, a: int, b: int, /) -> int:
        return self.draw(st.integers(a, b))


def _pick(pick: Picker, items: tuple[bytes, ...]) -> bytes:
    return items[pick.randint(0, len(items) - 1)]


# Poisons by where they go. JSON string content is written as JSON source (escapes included).
_IN_JSON_STRING = (
    b"\\ud800",
    b"\\udfff",
    b"x\\ud800\\ud800y",
    b"\\u0000",
    b"",
    b" ",
    b"a b",
    b"\\n",
    b"x" * 5000,
    b"\xed\xa0\x80",  # a surrogate encoded as UTF-8: not UTF-8
    b"\xff",
    b"\xf0\x9f\x98\x80",
    b"2026-13-45T99:99:99+99:99",
    b"2026-11-20T22:00:07",
    b"-1",
    _HUGE,
)
_JSON_VALUE = (
    _HUGE,
    b"-" + _HUGE,
    b"0." + b"0" * 5000 + b"1",
    b"1e999",
    b"-1e999",
    b"1e-999",
    b"NaN",
    b"Infinity",
    b"2147483648",
    b"18446744073709551616",
    b"-0",
    b"1.5",
    b"true",
    b"null",
    b'""',
    b'"\\ud800"',
    b'{"\\ud800":1}',
    b"{}",
    b"[]",
    b"[" * _DEEP + b"]" * _DEEP,
    b'{"a":' * _DEEP + b"1" + b"}" * _DEEP,
)
_XML_TEXT = (
    b"&#0;",
    b"&#xD800;",
    b"&#xFFFE;",
    b"&#99999999999;",
    b"\xed\xa0\x80",
    b"\xff",
    b"\x00",
    b"",
    b" ",
    b"a b",
    _HUGE,
    b"-" + _HUGE,
    b"NaN",
    b"-INF",
    b"1e999",
    b"P99999999999999D",
    b"-PT1H",
    b"9999-12-31T23:59:59+14:00",
    b"0001-01-01T00:00:00-14:00",
    b"2026-11-20T22:00:07",
    b"&unknown;",
    b"<![CDATA[x]]>",
    b"x" * 5000,
    b"<x>" * _DEEP + b"</x>" * _DEEP,
)
_IN_ATTRIBUTE = (b"&#xD800;", b"\xed\xa0\x80", b"", b" ", b"a b", _HUGE, b"2026-11-20T22:00:07", b"x" * 5000)
#: Bytes put in place of others, keeping the length: binary protobuf keeps its framing and reaches the mapping.
_SAME_LENGTH = (b"\xed\xa0\x80", b"\xff\xfe", b"\x00", b"\xc0\x80", b" ", b"9")
_INSERTED = (b"\x00", b"\xff", b"\xef\xbb\xbf", b"\\ud800", b"\n", b"\r\n", _HUGE, b'<!DOCTYPE x [<!ENTITY a "b">]>')

_REPLACEMENTS = b'<>/"{}[],:=0123456789.-+ aZ\x00\xff'
_TOKENS: tuple[tuple[re.Pattern[bytes], tuple[bytes, ...]], ...] = (
    (re.compile(rb'"((?:[^"\\\n]|\\.){0,80})"'), _IN_JSON_STRING),
    (re.compile(rb'("(?:[^"\\\n]|\\.){0,80}")\s*[,}\]]'), _JSON_VALUE),  # a string value, quotes and all
    (re.compile(rb"(?<![\w.\"])(-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)(?![\w.\"])"), _JSON_VALUE),
    (re.compile(rb">([^<>]{1,80})<"), _XML_TEXT),
    (re.compile(rb'="([^"<>]{0,80})"'), _IN_ATTRIBUTE),
)


def _byte_edit(data: bytearray, pick: Picker) -> bytearray:
    pos = pick.randint(0, max(len(data) - 1, 0))
    action = pick.randint(0, 2)
    if action == 0 and data:
        data[pos] = _REPLACEMENTS[pick.randint(0, len(_REPLACEMENTS) - 1)]
    elif action == 1:
        del data[pos : pos + pick.randint(1, 20)]
    else:
        start = pick.randint(0, max(len(data) - 1, 0))
        data[pos:pos] = data[start : start + pick.randint(1, 30)]
    return data


def _poison(data: bytearray, pick: Picker) -> bytearray:
    """A value, string or text found from a random place onwards replaced by a poison fit for that place."""
    pattern, poisons = _TOKENS[pick.randint(0, len(_TOKENS) - 1)]
    start = pick.randint(0, max(len(data) - 1, 0))
    found = pattern.search(data, start) or pattern.search(data)
    if found is None:
        return _insert(data, pick)
    data[found.start(1) : found.end(1)] = _pick(pick, poisons)
    return data


def _same_length(data: bytearray, pick: Picker) -> bytearray:
    if not data:
        return data
    poison = _pick(pick, _SAME_LENGTH)
    pos = pick.randint(0, len(data) - 1)
    data[pos : pos + len(poison)] = poison[: len(data) - pos]
    return data


def _insert(data: bytearray, pick: Picker) -> bytearray:
    pos = pick.randint(0, len(data))
    data[pos:pos] = _pick(pick, _INSERTED)
    return data


def _lines(data: bytearray, pick: Picker) -> bytearray:
    """A line repeated or dropped: NDJSON and multi-record documents meet duplicates and gaps."""
    lines = bytes(data).split(b"\n")
    index = pick.randint(0, len(lines) - 1)
    if pick.randint(0, 1):
        lines.insert(index, lines[index])
    elif len(lines) > 1:
        del lines[index]
    return bytearray(b"\n".join(lines))


#: Poisons weigh most: byte edits mostly end in syntax errors, poisons reach the mapping behind the parser.
_MUTATIONS: tuple[Callable[[bytearray, Picker], bytearray], ...] = (
    _byte_edit,
    _byte_edit,
    _poison,
    _poison,
    _poison,
    _poison,
    _same_length,
    _insert,
    _lines,
)


def mutate(base: bytes, pick: Picker, most: int = 3) -> bytes:
    """``base`` after one to ``most`` mutations chosen by ``pick``."""
    data = bytearray(base)
    for _ in range(pick.randint(1, most)):
        data = _MUTATIONS[pick.randint(0, len(_MUTATIONS) - 1)](data, pick)
    return bytes(data)


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with a few bytes edited or a value poisoned: near-valid input, where parsers break."""
    return mutate(base, _Draws(draw))


# -- the contract ------------------------------------------------------------------------------------------------


class Uncaught(AssertionError):
    """A format answered with something else than records or an InvalidEventError with a known reason code."""


Side = Literal["split", "map"]


@dataclass(frozen=True)
class Outcome:
    """What a format did with one input: ``records`` made (split) or canonical ``events`` (map), or the ``code``
    of its InvalidEventError."""

    records: int = 0
    code: DeadLetterReason | None = None


def _check_reason(exc: InvalidEventError) -> Outcome:
    if exc.code not in REASONS or exc.code == "processing_error" or not exc.reason:
        raise Uncaught(f"InvalidEventError without a proper reason: {exc.code!r}, {exc.reason!r}") from exc
    return Outcome(code=exc.code)


def _check_record(record: SourceRecord) -> None:
    """What the connector relies on: ids and versions it can put in a header, bytes for key and value."""
    if not isinstance(record.record_id, str) or not record.record_id or not isinstance(record.version, str):
        raise Uncaught(f"record without a usable id or version: {record.record_id!r}, {record.version!r}")
    record.record_id.encode("utf-8")
    record.version.encode("utf-8")
    if not isinstance(record.key, bytes) or not isinstance(record.value, bytes):
        raise Uncaught("record key or value is not bytes")


def _check_event(event: CanonicalRecord) -> None:
    """What the normaliser does with each event: its topic, key and serialised value."""
    if not isinstance(event.topic, str) or not isinstance(event.key, bytes):
        raise Uncaught("canonical record without a topic or key")
    event.value()


def split_outcome(fmt: Format, document: bytes) -> tuple[Outcome, list[SourceRecord]]:
    """``fmt.split`` of ``document`` judged; raises ``Uncaught`` (from the cause) for anything outside the rule."""
    try:
        records = fmt.split(document)
        for record in records:
            _check_record(record)
    except InvalidEventError as exc:
        return _check_reason(exc), []
    except Uncaught:
        raise
    except Exception as exc:
        raise Uncaught(f"split raised {type(exc).__name__}: {exc}"[:500]) from exc
    return Outcome(records=len(records)), records


def map_outcome(fmt: Format, record: bytes) -> Outcome:
    """``fmt.to_canonical`` of one raw record, and each event's value, judged like ``split_outcome``."""
    try:
        events = fmt.to_canonical(record)
        for event in events:
            _check_event(event)
    except InvalidEventError as exc:
        return _check_reason(exc)
    except Uncaught:
        raise
    except Exception as exc:
        raise Uncaught(f"to_canonical raised {type(exc).__name__}: {exc}"[:500]) from exc
    return Outcome(records=len(events))


def survives(fmt: Format, document: bytes) -> None:
    """split and to_canonical (of every record split gives) either work or raise InvalidEventError with a reason."""
    _, records = split_outcome(fmt, document)
    for record in records:
        map_outcome(fmt, record.value)


def poisoned_lines(record: dict[str, object]) -> dict[str, tuple[bytes, DeadLetterReason]]:
    """Replay lines made from the valid ``record`` that fuzzing found (issue 11), each with the reason code the
    normaliser gives it: by name, (line, code)."""
    line = json.dumps(record)
    return {
        "huge-integer": (f'{line[:-1]}, "n": {"9" * 5000}}}'.encode(), "malformed_json"),
        "lone-surrogate-id": (json.dumps({**record, "id": "E-\ud800"}).encode(), "undecodable"),
        "whitespace-source": (json.dumps({**record, "source": "/polizei els"}).encode(), "schema_violation"),
        "empty-id": (json.dumps({**record, "id": ""}).encode(), "schema_violation"),
        "deep-nesting": (f'{line[:-1]}, "n": {"[" * 100_000}{"]" * 100_000}}}'.encode(), "malformed_json"),
        "not-utf8": (line.encode().replace(b'"kind"', b'"k\xffind"'), "undecodable"),
    }
