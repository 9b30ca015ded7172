"""The log redactor, a safety net (logs never carry payloads by design): a structlog processor that replaces values
of keys named like marked schema fields (``sensitive_fields`` of every kind) and masks, anywhere in a log event,
every category the free-text scrubber knows (names, phone numbers, e-mail addresses, plates, IBANs, dates of birth,
addresses, ID numbers, origin descriptors) as ``[redacted:<category>]``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, MutableMapping
from functools import cache, lru_cache
from typing import Any

__all__ = [
    "CHAIN_KEYS",
    "EXTRA_KEYS",
    "REDACTED",
    "redact_event_dict",
    "redact_foreign_event_dict",
    "redact_text",
    "redact_value",
    "redacted_keys",
]

REDACTED = "[redacted]"

EXTRA_KEYS = frozenset(
    {
        # Whole objects or documents that hold marked fields, and names people use for the same things in code.
        "caller",
        "person",
        "data",
        "payload",
        "envelope",
        "original",
        "email",
        "e_mail",
        "iban",
        "plate",
        "licence_plate",
        "license_plate",
        "call_sign",
        "callsign",
        "caller_name",
        "caller_phone",
    }
)
"""Keys redacted besides the leaf names of the marked schema fields."""

_MAX_DEPTH = 8  # log values are small; deeper nesting is replaced whole rather than walked

# A phone number: an international (+49, 0049) or national (0 and an area code) prefix, then more digits in groups
# separated by blanks, dots, slashes or dashes, the area code maybe in brackets; 7 digits at least (checked in the
# rule). Not preceded or followed by what makes it part of a larger token (a timestamp, host:port, a UUID, a hex id).
_PHONE = re.compile(
    r"(?<![\w.+/:-])"
    r"(?:(?:\+|00)[1-9]\d{0,2}[\s./-]?(?:\(0\)[\s./-]?)?\(?\d{1,5}\)?|\(?0[1-9]\d{0,4}\)?)"
    r"(?:[\s./-]?\d{2,}){1,5}"
    r"(?![\w.:/-]*\w)"
)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# An IBAN: country code, check digits, 11-30 more letters or digits, in groups of four or written solid.
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
# pydantic's error text quotes the input it refused (``input_value='Erika Mustermann'``): keep the error, not it.
_INPUT_VALUE = re.compile(r"input_value=(?:'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|\{[^}]*\}?|\[[^\]]*\]?|\S+)")


def _digits(text: str) -> int:
    return sum(c.isdigit() for c in text)


_INPUT_RULE: tuple[re.Pattern[str], Callable[[re.Match[str]], str]] = (
    _INPUT_VALUE,
    lambda m: "input_value=" + REDACTED,
)
# After the scrubber, as a wider net: any number shaped like a phone number, e-mail address or IBAN.
_RULES: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (_EMAIL, lambda m: "[redacted:email]"),
    (_IBAN, lambda m: "[redacted:iban]"),
    (_PHONE, lambda m: "[redacted:phone]" if _digits(m.group()) >= 7 else m.group()),
)


@cache
def redacted_keys() -> frozenset[str]:
    """Every key whose value is replaced whole: the leaf names of every kind's marked fields, and ``EXTRA_KEYS``."""
    # Imported on first use: every command configures logging, and most never load the schemas.
    from hub.schemas import KINDS, sensitive_fields

    leaves = {path.rsplit(".", 1)[-1] for kind in KINDS.values() for path in sensitive_fields(kind.model)}
    return frozenset(leaves) | EXTRA_KEYS


#: Texts up to this length have their redacted form cached: log lines repeat their values (an alert id in each of its
#: revisions, an incident id, a topic, the message itself), and a scrub costs some hundred microseconds.
_CACHED_LENGTH = 256


def redact_text(text: str) -> str:
    """``text`` with quoted pydantic inputs masked, every value of every category the scrubber finds, and anything
    else shaped like a phone number, an e-mail address or an IBAN."""
    if len(text) <= _CACHED_LENGTH:
        return _redact_short(text)
    return _redact(text)


@lru_cache(maxsize=4096)
def _redact_short(text: str) -> str:
    return _redact(text)


def _redact(text: str) -> str:
    text = _INPUT_RULE[0].sub(_INPUT_RULE[1], text)
    text = _mask_scrubbed(text)
    for pattern, replace in _RULES:
        text = pattern.sub(replace, text)
    return text


# A capital, a digit, or an e-mail address written with "at" as a word ("vorname_name at web.de").
_SCRUB_CANDIDATE = re.compile(r"[A-ZÄÖÜ\d]|[\w.][ ](?:at|AT)[ ]\w")


def _mask_scrubbed(text: str) -> str:
    # The scrubber's own detectors (same layer, pure), each find masked with its category; names only where a title,
    # role word or cue announces them, since log text is mostly English and identifiers. Text without a capital
    # letter, a digit or an "at" between words (most log keys and messages) holds nothing they would find but a
    # lower-case name after a cue, which logs do not write; skip it.
    if not _SCRUB_CANDIDATE.search(text):
        return text
    from hub.privacy.scrub import scrub  # imported on first use: logging is configured before any lexicon is needed

    result = scrub(text, cued_names_only=True)
    if not result.spans:
        return text
    out: list[str] = []
    pos = 0
    for span in result.spans:
        out.append(text[pos : span.start])
        out.append(f"[redacted:{span.category.lower()}]")
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def redact_value(value: Any, keys: frozenset[str] | None = None, depth: int = 0) -> Any:
    """``value`` with marked keys replaced and text masked, through dicts, lists and tuples; never changes it."""
    keys = redacted_keys() if keys is None else keys
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bytes | bytearray):
        return redact_text(bytes(value).decode("utf-8", "replace"))
    if depth >= _MAX_DEPTH and isinstance(value, Mapping | list | tuple | set):
        return REDACTED
    if isinstance(value, Mapping):
        return {
            k: REDACTED
            if isinstance(k, str) and k.lower() in keys and value[k] is not None
            else redact_value(value[k], keys, depth + 1)
            for k in value
        }
    if isinstance(value, list | tuple | set):
        return [redact_value(v, keys, depth + 1) for v in value]
    if isinstance(value, int | float | bool) or value is None:
        return value
    # Anything else (an exception, a model, a path) is logged by its text; mask that.
    return redact_text(str(value))


#: Keys the logging chain itself sets before the redactor (``hub.logging``: the time, the level, the logger's name),
#: over whatever a caller passed: they hold nothing of the input, and the time alone cost a scrub per line.
CHAIN_KEYS = frozenset({"timestamp", "level", "logger"})


def redact_foreign_event_dict(
    logger: Any, method_name: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """``redact_event_dict`` for the stdlib formatter: a library's record (faust, kafka, psycopg) is redacted, a
    structlog line, redacted already in structlog's own chain, is not redacted twice."""
    if event_dict.get("_from_structlog"):
        return event_dict
    return redact_event_dict(logger, method_name, event_dict)


def redact_event_dict(logger: Any, method_name: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """The structlog processor: redacts ``event_dict`` in place and returns it. Install it after
    ``format_exc_info`` so that tracebacks are masked too, and after the processors that set ``CHAIN_KEYS``."""
    keys = redacted_keys()
    for key in list(event_dict):
        value = event_dict[key]
        if key.startswith("_") or key in CHAIN_KEYS:  # structlog's bookkeeping (_record), the chain's own values
            continue
        if key.lower() in keys and value is not None:
            event_dict[key] = REDACTED
        else:
            event_dict[key] = redact_value(value, keys)
    return event_dict
