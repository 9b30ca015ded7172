"""Re-identification inside the police domain only: the entries of the police-only vault of pseudonym -> original
value, and the rule for the reason a request must state (a case reference, no personal data). Who asks is the
database login, checked by the database itself (``hub_reidentify``, migration 0005); ``hub.store.vault`` calls it.
Nothing else can reverse a pseudonym: it is a keyed one-way HMAC (``hub.privacy.pseudonym``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, NamedTuple

from hub.privacy.keys import SecretKey
from hub.privacy.policy import KindPlan
from hub.privacy.pseudonym import pseudonymise
from hub.privacy.transform import values_at
from hub.schemas import CloudEvent

__all__ = [
    "CASE_REFERENCE_PATTERNS",
    "MAX_REASON_CHARS",
    "NOT_A_PSEUDONYM",
    "Outcome",
    "Reidentification",
    "Revealed",
    "VaultEntry",
    "case_references",
    "reason_problem",
    "request_problem",
    "vault_entries",
]

CASE_REFERENCE_PATTERNS = (
    # A police or agency file number: letters, then digit groups (at least five digits in all), joined by - or /:
    # E-2026-11-123, VG/123/26, PI-HAL-E-0000123, ST/0815/2026.
    r"(?<![A-Za-z0-9])([A-Z]{1,6}(?:[-/][A-Z]{1,6}){0,3}[-/][0-9]{1,8}(?:[-/][0-9]{1,8}){0,3})(?![A-Za-z0-9])",
    # A public prosecutor's file number: 123 Js 4567/26.
    r"(?<![A-Za-z0-9])([0-9]{1,5} (?:Js|UJs|Ds|Cs|Ls|AR|VRs|Gs) [0-9]{1,7}/[0-9]{2})(?![A-Za-z0-9])",
)
"""What counts as a case reference in a reason. The same rule is the database's (``hub_case_references`` in
migration 0005), which is the gate; this copy lets ``hub reidentify`` explain a refusal before it connects."""

_MIN_REFERENCE_DIGITS = 5  # fewer would let a plate (HAL-AB-123) pass for a case reference
MAX_REASON_CHARS = 300
_MIN_WORDS = 2  # of three letters or more, besides the case reference
_REFERENCES = tuple(re.compile(p) for p in CASE_REFERENCE_PATTERNS)
_LONG_NUMBER = re.compile(r"[0-9](?:[ ./-]?[0-9]){4,}")
_WORD = re.compile(r"[^\W\d_]{3,}")

NOT_A_PSEUDONYM = "(not a pseudonym)"
"""What the audit records instead of an input that is not a pseudonym: it might be a name typed by mistake."""

Outcome = Literal["revealed", "not_found", "refused_role", "refused_reason", "refused_pseudonym"]


class VaultEntry(NamedTuple):
    """One pseudonym the stage made for a non-police domain, with the value it stands for (a named tuple, as
    ``Transfer``)."""

    pseudonym: str
    field: str  # <kind>.<field path> or <kind>.hubsourceid
    domain: str
    original: str
    retention_class: str
    expires_at: datetime


def vault_entries(
    event: CloudEvent,
    domain: str,
    plan: KindPlan,
    key: SecretKey,
    retention_class: str,
    expires_at: datetime,
    field_keys: Mapping[str, SecretKey] | None = None,
    pseudonyms: Callable[[str, SecretKey], str] = pseudonymise,
    *,
    source_pseudonym: str | None = None,
) -> list[VaultEntry]:
    """The pseudonyms the transform makes for ``domain`` from ``event`` (its plan's ``pseudonymise`` steps and the
    source id), each with its original; the same HMAC under the same key (``field_keys``: the fields the transform
    pseudonymises under an id key, ``hub.privacy.pseudonym.field_keys``), so they equal those in the share.
    ``pseudonyms`` makes them (the stage passes the cache its transform used); ``source_pseudonym``, the source id's
    pseudonym as the share carries it under ``key``, saves making that one again."""
    kind = event.hubkind
    found: dict[tuple[str, str], VaultEntry] = {}

    def add(field: str, original: str, made: str | None = None) -> None:
        mac_key = (field_keys or {}).get(field, key)
        pseudonym = made if made is not None and mac_key is key else pseudonyms(original, mac_key)
        entry = VaultEntry(pseudonym, field, domain, original, retention_class, expires_at)
        found.setdefault((entry.pseudonym, field), entry)

    for step in plan.steps:
        if step.rule.action != "pseudonymise":
            continue
        for value in values_at(event.data, step.segments):
            for item in value if isinstance(value, list) else [value]:
                if item is not None:
                    add(f"{kind}.{step.path}", str(item))
    add(f"{kind}.hubsourceid", event.hubsourceid, source_pseudonym)
    return list(found.values())


def case_references(reason: str) -> list[str]:
    """The case references in ``reason`` (see ``CASE_REFERENCE_PATTERNS``)."""
    found = [m.group(1) for m in _REFERENCES[0].finditer(reason)]
    found = [ref for ref in found if sum(c.isdigit() for c in ref) >= _MIN_REFERENCE_DIGITS]
    return found + [m.group(1) for m in _REFERENCES[1].finditer(reason)]


def reason_problem(reason: str) -> str | None:
    """Why the database will refuse ``reason`` (the rule of ``hub_reason_problem``), or None: it must name a case
    reference, say why in at least two more words, and hold no e-mail address and no number of five or more digits
    (a phone, an ID, a date of birth)."""
    text = " ".join(reason.split())
    if len(text) > MAX_REASON_CHARS:
        return f"a reason of at most {MAX_REASON_CHARS} characters is required"
    references = case_references(text)
    if not references:
        return "no case reference (e.g. E-2026-11-123, VG/123/26 or 123 Js 4567/26)"
    rest = text
    for ref in references:
        rest = rest.replace(ref, " ")
    if "@" in rest:
        return "an e-mail address"
    if _LONG_NUMBER.search(rest):
        return "a number of five or more digits (phone, ID, date)"
    if len(_WORD.findall(rest)) < _MIN_WORDS:
        return "besides the case reference, at least two words saying why"
    return None


def request_problem(reason: str) -> str | None:
    """``reason_problem``, and then what the free-text scrubber finds in the reason besides its case references
    (names above all, which the database's cheap check cannot see): the audit keeps the reason, so it must not
    hold personal data. Only the categories are named, never the values."""
    problem = reason_problem(reason)
    if problem is not None:
        return problem
    from hub.privacy.scrub import scrub  # the lexicons load only when a request is checked

    rest = " ".join(reason.split())
    for ref in case_references(rest):
        rest = rest.replace(ref, " ")
    found = sorted({span.category for span in scrub(rest).spans})
    if found:
        return f"personal data ({', '.join(found)}): name the case, not the person"
    return None


@dataclass(frozen=True)
class Revealed:
    """One original value behind a pseudonym, and where the pseudonym was used."""

    field: str
    domain: str
    original: str


@dataclass(frozen=True)
class Reidentification:
    """The answer to one request: its outcome, the audit row's id and (only when revealed) the originals."""

    outcome: Outcome
    audit_id: int
    revealed: tuple[Revealed, ...] = ()
    problem: str | None = None  # why the reason was refused (refused_reason), in the database's words
