"""A replay line is parsed and validated in one pass by pydantic's JSON parser where that reads it as
``decode_json`` does, and the other way otherwise (issue 13): every line, good or bad, gives the same canonical
records, or the same refusal (reason and code), as the other way alone. Lines are made from every kind's examples
and then bent: numbers written every way JSON allows (and some it does not), keys given twice, escapes, lone
surrogates, NaN, a byte-order mark, bytes that are no UTF-8, cut-off lines, deep nesting, huge integers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hub.errors import InvalidEventError
from hub.formats import replay
from hub.formats.replay import map_replay_record
from hub.schemas import example_payload
from hub.topology import CANONICAL_KINDS

Outcome = tuple[str, Any]


def _outcome(raw: bytes) -> Outcome:
    try:
        return "records", [(r.topic, r.key, r.value()) for r in map_replay_record(raw)]
    except InvalidEventError as exc:
        return "refused", (exc.reason, exc.code)


def _both(raw: bytes, monkeypatch: pytest.MonkeyPatch) -> tuple[Outcome, Outcome]:
    """(this way, the other way alone)."""
    fast = _outcome(raw)
    with monkeypatch.context() as patched:
        patched.setattr(replay, "_fast_parse_admits", lambda raw: False)
        reference = _outcome(raw)
    return fast, reference


NUMBERS = st.sampled_from(
    ["1", "-0", "0.0", "-0.0", "1e5", "1E+2", "2.5e-3", "0.1000000000000000055511151231257827", "1e400", "-1e400",
     "123456789012345678901234567890", "9" * 5000, "1.7976931348623157e308", "4.9e-324", "01", "1.", ".5", "+1",
     "NaN", "Infinity", "-Infinity", "true", "null", '"12"', "[]", "{}"]
)  # fmt: skip
TIMES: list[Any] = [
    "2026-11-20T22:00:00+00:00", "2026-11-20T22:00:00.1234567+01:00", "2026-11-20 22:00:00Z", 1763676000, 1.5e9,
    "2026-11-20T22:00:00", "2026-13-40T99:00:00+00:00", "x",
]  # fmt: skip
TEXTS = st.text(
    st.one_of(
        st.characters(codec=None, exclude_categories=()),
        st.sampled_from(['"', "\\", "\x00", "\n", "ü", "🚋"]),
    ),
    max_size=12,
)


@st.composite
def lines(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from([*CANONICAL_KINDS, *CANONICAL_KINDS, "no-such-kind"]))
    data = example_payload(kind if kind in CANONICAL_KINDS else "incident", draw(st.integers(0, 50)))
    record: dict[str, Any] = {
        "kind": kind,
        "source": draw(st.sampled_from(["/havag/itcs", "/polizei/els", "/x/ü"] * 3 + ["with space", ""])),
        "id": draw(st.one_of(st.sampled_from(["vp-1", "E-7"]), TEXTS)),
        "time": draw(st.sampled_from(TIMES[:2] * 4 + TIMES)),
        "data": data,
    }
    if draw(st.booleans()):
        record["version"] = draw(TEXTS)
    if draw(st.integers(0, 3)) == 0 and data:
        field = draw(st.sampled_from(sorted(data)))
        data[field] = draw(st.one_of(TEXTS, st.integers(), st.floats(allow_nan=False), st.none()))
    text = json.dumps(record, ensure_ascii=draw(st.booleans()))
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):
        text = draw(_bend(text))
    raw = text.encode("utf-8", "surrogatepass")
    if draw(st.integers(0, 19)) == 0:
        raw = b"\xef\xbb\xbf" + raw
    if draw(st.integers(0, 19)) == 0:
        cut = draw(st.integers(0, len(raw)))
        raw = raw[:cut] + draw(st.sampled_from([b"\xff", b"\xc3", b"\xed\xa0\x80", b""])) + raw[cut:]
    return raw


@st.composite
def _bend(draw: st.DrawFn, text: str) -> str:
    how = draw(st.integers(0, 6))
    if how == 0:  # a key given twice: first or last
        key = draw(st.sampled_from(['"id"', '"kind"', '"time"', '"data"', '"extra"', '"lat"', '"observed_at"']))
        value = draw(st.sampled_from(['"twice"', "1", "{}", '"2026-11-21T00:00:00+00:00"', "52.5"]))
        if draw(st.booleans()):
            return "{" + f"{key}: {value}, " + text[1:]
        at = text.rfind("}") if key in ('"lat"', '"observed_at"') else len(text) - 1
        return text[:at] + f", {key}: {value}" + text[at:]
    if how == 1:  # a number written another way
        digits = [i for i, c in enumerate(text) if c.isdigit()]
        if digits:
            at = draw(st.sampled_from(digits))
            end = at
            while end < len(text) and (text[end].isdigit() or text[end] in ".eE+-"):
                end += 1
            return text[:at] + draw(NUMBERS) + text[end:]
        return text
    if how == 2:  # escapes: a lone surrogate, a pair, an escaped letter
        at = text.find('"', draw(st.integers(0, max(len(text) - 1, 0)))) + 1
        escape = draw(st.sampled_from(["\\ud800", "\\uDFFF", "\\ud83d\\ude8b", "\\u00fc", "\\u0000", "\\/", "\\x"]))
        return text[:at] + escape + text[at:]
    if how == 3:  # cut off
        return text[: draw(st.integers(0, len(text)))]
    if how == 4:  # deep nesting in data
        depth = draw(st.sampled_from([10, 300, 3000]))
        return text.replace('"data": {', '"data": {"deep": ' + "[" * depth + "]" * depth + ", ", 1)
    if how == 5:  # NaN as a value, or the word in a string
        return text.replace('"data": {', draw(st.sampled_from(['"data": {"x": NaN, ', '"data": {"x": "NaN", '])), 1)
    return text + draw(st.sampled_from(["\n", " ", "x", "{}", "\r\n"]))


@given(lines())
def test_every_line_gives_what_the_other_way_gives(raw: bytes) -> None:
    with pytest.MonkeyPatch.context() as monkeypatch:
        fast, reference = _both(raw, monkeypatch)
    assert fast == reference


def test_a_good_line_takes_the_fast_way_and_bent_ones_the_other(monkeypatch: pytest.MonkeyPatch) -> None:
    """The fast way is taken (else the test above proves nothing): a plain line goes to pydantic's parser; a BOM,
    NaN, a surrogate escape, bytes that are no UTF-8 keep a line off it."""
    good = json.dumps(
        {"kind": "incident", "source": "/polizei/els", "id": "E-1", "time": "2026-11-20T22:00:00+00:00",
         "data": example_payload("incident", 1)}, ensure_ascii=False
    ).encode()  # fmt: skip
    assert replay._fast_parse_admits(good)
    taken: list[bytes] = []
    fast_parsed = replay._fast_parsed
    monkeypatch.setattr(replay, "_fast_parsed", lambda raw: taken.append(raw) or fast_parsed(raw))
    assert map_replay_record(good)[0].event.hubsourceid == "E-1"
    assert taken == [good]
    for bent in (b"\xef\xbb\xbf" + good, good.replace(b'"E-1"', b'"\\ud800"'), good + b"\xff"):
        assert not replay._fast_parse_admits(bent)
    assert not replay._fast_parse_admits(good.replace(b"{", b'{"x": NaN, ', 1))
    assert not replay._fast_parse_admits(b'{"n": ' + b"9" * 5000 + b"}")
