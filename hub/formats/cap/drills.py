"""Tests and exercises that a CAP sender marks ``Actual``: recognised by well-known event codes and texts, so they
become the hub's ``test`` or ``exercise`` mode and never an actual incident that moves units.

CAP's own ``status`` (Test, Exercise) is the first word; this module is for senders that test their chain end to end
with ``Actual`` messages, as the US Emergency Alert System and Germany's warning day (Warntag) do. Only phrases
that say so unmistakably count: a bare word "test" in a description ("Corona-Test") does not.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import Literal

from hub.formats.cap.model import CapAlert

__all__ = ["TEST_EVENT_CODES", "drill_mode"]

DrillMode = Literal["test", "exercise"]

TEST_EVENT_CODES: Mapping[str, DrillMode] = MappingProxyType(
    {
        # SAME event codes (47 CFR § 11.31(e)), used by IPAWS and the NWS as eventCode valueName "SAME".
        "RMT": "test",  # Required Monthly Test
        "RWT": "test",  # Required Weekly Test
        "NPT": "test",  # National Periodic Test
        "NAT": "test",  # National Audible Test
        "NST": "test",  # National Silent Test
        "DMO": "exercise",  # Practice/Demo Warning
    }
)
"""eventCode values that mark a test or a drill, under an eventCode named SAME or EAS (any case)."""

_CODE_NAMES = frozenset({"same", "eas"})

#: Whole-word phrases, lower case, in event, headline, description, instruction or the alert's note.
_TEST_PHRASES = (
    "this is only a test",
    "this is a test",
    "test message",
    "test alert",
    "test warning",
    "required monthly test",
    "required weekly test",
    "national periodic test",
    "dies ist ein test",
    "dies ist nur ein test",
    "probealarm",
    "probewarnung",
    "testwarnung",
    "testalarm",
    "testmeldung",
    "sirenentest",
    "sirenenprobe",
    "sirenenprobealarm",
    "warntag",
    "bundesweiter warntag",
)
_EXERCISE_PHRASES = (
    "this is an exercise",
    "exercise exercise exercise",
    "exercise only",
    "dies ist eine übung",
    "übungsalarm",
    "übungsmeldung",
)
#: ``event`` alone (the message's type): "Test" or "Übung" there names the whole message.
_TEST_EVENTS = re.compile(r"^(?:[a-z]+ )?(?:test|probe|sirenentest|warntag)(?: [a-z]+)?$")
_EXERCISE_EVENTS = re.compile(r"^(?:[a-z]+ )?(?:übung|exercise|drill)(?: [a-z]+)?$")


def _pattern(phrases: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in phrases) + r")(?!\w)")


_TEST = _pattern(_TEST_PHRASES)
_EXERCISE = _pattern(_EXERCISE_PHRASES)


def _folded(text: str | None) -> str:
    return " ".join((text or "").lower().split())


def drill_mode(alert: CapAlert) -> DrillMode | None:
    """``test`` or ``exercise`` when any info block's event code, event or text (or the note) says the message is
    one, else None. An exercise phrase wins over a test phrase: an exercise is also a test of the chain, but a
    drill's incidents are worked through, and ``exercise`` keeps that."""
    texts = [_folded(alert.note)]
    found: set[DrillMode] = set()
    for info in alert.infos:
        for name, value in info.event_codes:
            mode = TEST_EVENT_CODES.get(value.strip().upper()) if name.strip().lower() in _CODE_NAMES else None
            if mode is not None:
                found.add(mode)
        event = _folded(info.event)
        if _EXERCISE_EVENTS.match(event):
            found.add("exercise")
        elif _TEST_EVENTS.match(event):
            found.add("test")
        texts += [event, *(_folded(t) for t in (info.headline, info.description, info.instruction))]
    for text in texts:
        if _EXERCISE.search(text):
            found.add("exercise")
        if _TEST.search(text):
            found.add("test")
    if "exercise" in found:
        return "exercise"
    return "test" if found else None
