"""Fuzzing helpers shared by the format tests: near-valid documents, and the rule that a format only ever answers
with records or an InvalidEventError."""

from __future__ import annotations

import contextlib

from hypothesis import strategies as st

from hub.errors import InvalidEventError
from hub.formats.base import Format


@st.composite
def mutated(draw: st.DrawFn, base: bytes) -> bytes:
    """``base`` with a few bytes replaced, deleted or duplicated: near-valid input, where parsers break."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 6))):
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        action = draw(st.sampled_from(["replace", "delete", "insert"]))
        if action == "replace" and data:
            data[pos] = draw(st.sampled_from(b'<>/"{}[],:=0123456789.-+ aZ\x00\xff'))
        elif action == "delete":
            del data[pos : pos + draw(st.integers(1, 20))]
        else:
            data[pos:pos] = data[draw(st.integers(0, max(len(data) - 1, 0))) :][: draw(st.integers(1, 30))]
    return bytes(data)


def survives(fmt: Format, document: bytes) -> None:
    """split and to_canonical either work or raise InvalidEventError; any other exception fails the test."""
    try:
        records = fmt.split(document)
    except InvalidEventError:
        return
    for record in records:
        with contextlib.suppress(InvalidEventError):
            fmt.to_canonical(record.value)
