"""``CloudEvent.from_bytes`` parses and validates straight from the bytes (``model_validate_json``) and falls back to
``json.loads`` and ``model_validate`` (``CloudEvent._parsed``, the code it had before) for whatever the fast way
does not take. Every record gives the same event (the same attributes, ``data`` with the same keys in the same
order and values of the same types) or the same refusal (reason and code) either way: on generated envelopes of
every kind with drawn values, written with duplicate keys, escapes, lone surrogates, ``NaN`` and ``Infinity``,
numbers out of range, bytes that are no UTF-8, and bytes changed at random."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hub.errors import InvalidEventError
from hub.schemas import KINDS, CloudEvent, example_payload, wrap
from hub.topology import CANONICAL_KINDS

_ZONES = (UTC, timezone(timedelta(hours=2)), timezone(timedelta(hours=-5, minutes=-30)))

# Leaves drawn into a document: what JSON can say, and what a broken producer might.
_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from((0.0, -0.0, 1e-7, 5e-324, 1.7976931348623157e308, 51.48, 360.0)),
    st.text(max_size=12),  # lone surrogates and NUL included
    st.sampled_from(("NaN", "Infinity", "2025-06-02T20:15:03", "2025-06-02T20:15:03+02:00", "1.0", "", " x")),
)
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=6,
)
# Numbers written as JSON may write them, including forms that overflow, underflow or are no JSON.
_NUMBER_FORMS = ("1e400", "-1e400", "1e-400", "1E5", "-0", "0.5e1", "01", "1.", ".5", "NaN", "-Infinity", "Infinity")


def _dump(draw: st.DrawFn, node: Any) -> str:
    """``node`` as JSON text, written in one of the ways a producer might: keys repeated, strings escaped or raw."""
    if isinstance(node, dict):
        items = [(k, _dump(draw, v)) for k, v in node.items()]
        if items and draw(st.integers(0, 7)) == 0:  # a key twice: json.loads keeps the last value, first place
            key, _ = draw(st.sampled_from(items))
            items.insert(draw(st.integers(0, len(items))), (key, _dump(draw, draw(_VALUES))))
        sep = draw(st.sampled_from((",", ", ", " ,\n")))
        return "{" + sep.join(f"{_string(draw, k)}:{v}" for k, v in items) + "}"
    if isinstance(node, list):
        return "[" + ",".join(_dump(draw, v) for v in node) + "]"
    if isinstance(node, str):
        return _string(draw, node)
    if isinstance(node, float) and draw(st.integers(0, 9)) == 0:
        return draw(st.sampled_from(_NUMBER_FORMS))
    return json.dumps(node)


def _string(draw: st.DrawFn, text: str) -> str:
    # ensure_ascii writes a lone surrogate as \udxxx; without it the surrogate goes out raw (no UTF-8, below).
    return json.dumps(text, ensure_ascii=draw(st.booleans()))


def _leaves_changed(draw: st.DrawFn, node: Any, depth: int = 0) -> Any:
    if isinstance(node, dict):
        changed = {k: _leaves_changed(draw, v, depth + 1) for k, v in node.items()}
        if draw(st.integers(0, 9)) == 0:
            changed[draw(st.text(max_size=8) | st.sampled_from(("data_base64", "extra", "hubrecipient")))] = draw(
                _VALUES
            )
        if changed and draw(st.integers(0, 15)) == 0:
            del changed[draw(st.sampled_from(sorted(changed)))]
        return changed
    if isinstance(node, list):
        return [_leaves_changed(draw, v, depth + 1) for v in node]
    return draw(_VALUES) if draw(st.integers(0, 12)) == 0 else node


_ID_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), min_size=1, max_size=12)


@st.composite
def _envelope_docs(draw: st.DrawFn) -> dict[str, Any]:
    """A valid envelope of any kind as a JSON-ready dict."""
    kind = draw(st.sampled_from(CANONICAL_KINDS))
    payload = KINDS[kind].model.model_validate(example_payload(kind, draw(st.integers(0, 500))))
    event = wrap(
        payload,
        source=draw(st.sampled_from(("/polizei/els", "/havag/itcs", "hub"))),
        source_record_id=draw(_ID_TEXT),
        time=draw(st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.sampled_from(_ZONES))),
        subject=draw(st.none() | st.just(KINDS[kind].partition_key(payload))),
        recipient=draw(st.none() | st.just("havag")),
    )
    doc: dict[str, Any] = json.loads(event.to_bytes())
    return doc


@st.composite
def records(draw: st.DrawFn) -> bytes:
    """The bytes of an envelope, valid or changed: values, keys, their writing, and at last some bytes."""
    doc = draw(_envelope_docs())
    if draw(st.booleans()):
        doc = _leaves_changed(draw, doc)
    raw = _dump(draw, doc).encode("utf-8", "surrogatepass")
    for _ in range(draw(st.integers(0, 2)) if draw(st.integers(0, 3)) == 0 else 0):
        at = draw(st.integers(0, len(raw)))
        insert = draw(st.binary(max_size=3) | st.sampled_from((b"NaN", b"\xed\xa0\x80", b"\xc0\xaf", b"\\", b'"')))
        raw = raw[:at] + insert + raw[at + draw(st.integers(0, 2)) :]
    return raw


def _outcome(parse: Callable[[bytes], CloudEvent], raw: bytes) -> tuple[Any, ...]:
    try:
        event = parse(raw)
    except InvalidEventError as exc:
        return ("refused", exc.code, exc.reason)
    except RecursionError:  # json.loads on nesting past the interpreter's limit (the stage dead-letters it)
        return ("recursion",)
    # repr shows data's key order and each value's type (1 against 1.0, NaN as nan); fields set tells defaults apart.
    return ("event", repr(event.__dict__), event.model_fields_set, event)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(records())
def test_from_bytes_is_the_json_loads_way(raw: bytes) -> None:
    """Every record: the same event or the same refusal as by ``json.loads`` and ``model_validate``."""
    assert _outcome(CloudEvent.from_bytes, raw) == _outcome(CloudEvent._parsed, raw)


def _valid() -> bytes:
    payload = KINDS["vehicle-position"].model.model_validate(example_payload("vehicle-position", 3))
    return wrap(
        payload, source="/havag/itcs", source_record_id="vp-1", time=datetime(2025, 6, 2, tzinfo=UTC)
    ).to_bytes()


_VALID = _valid()


def _with(old: bytes, new: bytes) -> bytes:
    assert old in _VALID, old  # else the case would test the valid event again
    return _VALID.replace(old, new, 1)


_DATA = b'"data":{'


@pytest.mark.parametrize(
    "raw",
    [
        _VALID,
        _with(_DATA, _DATA + b'"x":NaN,'),  # pydantic's parser takes NaN; json.loads here does not
        _with(_DATA, _DATA + b'"x":-Infinity,'),
        _with(_DATA, _DATA + b'"x":"NaN",'),  # the letters in a string: the json.loads way, the same event
        _with(_DATA, _DATA + b'"x":1e400,"y":-1e400,"z":1e-400,'),  # inf, -inf and 0.0 both ways
        _with(_DATA, _DATA + b'"x":123456789012345678901234567890,'),
        _with(_DATA, _DATA + b'"x":"\\ud800",'),  # a lone surrogate: pydantic's parser refuses it
        _with(_DATA, _DATA + b'"x":"\\ud83d\\ude00",'),  # a pair is one character both ways
        _with(_DATA, _DATA + b'"x":"\xed\xa0\x80",'),  # a surrogate in UTF-8 bytes: no UTF-8
        _with(_DATA, _DATA + b'"x":"\xc0\xaf",'),  # an overlong form: no UTF-8
        _with(_DATA, _DATA + b'"x":"a\tb",'),  # a control character in a string
        _with(_DATA, _DATA + b'"x":1,"x":2.0,'),  # a key twice: the last value in the first place
        _with(b'"hubkind"', b'"hubkind":"alert","hubkind"'),
        _with(b'"hubkind"', b'"data_base64":"AAAA","hubkind"'),
        _with(b'"hubsourceid":"vp-1"', b'"hubsourceid":"vp-\\u0000"'),
        _with(b'"hubsourceid":"vp-1"', b'"hubsourceid":"vp-\\udc00"'),
        _with(b'"time":"2025-06-02T00:00:00Z"', b'"time":"2025-06-02T00:00:00"'),
        _with(b'"time":"2025-06-02T00:00:00Z"', b'"time":1748822400'),
        b"\xef\xbb\xbf" + _VALID,  # a byte order mark
        _VALID + b" \n",
        _VALID + b"x",
        b"[" + _VALID + b"]",
        b'"event"',
        b"",
        b'{"data":' * 600 + b"{}" + b"}" * 600,  # nested past pydantic's parser's depth
        _with(_DATA, _DATA + b'"x":' + b"[" * 3000 + b"]" * 3000 + b","),  # past the interpreter's recursion limit
        _with(_DATA, _DATA + b'"x":' + b"9" * 5000 + b","),  # past Python's 4,300 digits for int(): refused
        _with(_DATA, _DATA + b'"x":' + b"9" * 4300 + b","),  # at the limit: taken
        _with(_DATA, _DATA + b'"x":-' + b"9" * 5000 + b".5,"),  # a float of 5,000 digits: -inf both ways
    ],
)
def test_from_bytes_edge_cases_are_the_json_loads_way(raw: bytes) -> None:
    """The records where pydantic's parser and ``json.loads`` differ, or might: the same outcome."""
    assert _outcome(CloudEvent.from_bytes, raw) == _outcome(CloudEvent._parsed, raw)


def test_a_valid_event_takes_the_fast_way(monkeypatch: pytest.MonkeyPatch) -> None:
    """A valid event is parsed without ``json.loads`` (else the fast way would be dead code); the letters NaN send
    it the other way."""
    calls: list[bytes] = []
    reference = CloudEvent._parsed

    def counted(raw: bytes) -> CloudEvent:
        calls.append(raw)
        return reference(raw)

    monkeypatch.setattr(CloudEvent, "_parsed", staticmethod(counted))
    event = CloudEvent.from_bytes(_VALID)
    assert calls == []
    assert event.hubsourceid == "vp-1"
    assert math.isclose(event.data["lat"], json.loads(_VALID)["data"]["lat"])
    with pytest.raises(InvalidEventError, match="NaN is not valid JSON"):
        CloudEvent.from_bytes(_VALID.replace(b'"data":{', b'"data":{"x":NaN,'))
    assert len(calls) == 1
