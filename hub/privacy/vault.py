"""Re-identification inside the police domain only: the entries of the police-only vault of pseudonym -> original
value, and the rule for who may ask (an authorised role with a stated reason); ``hub.store.vault`` keeps the
entries and reveals them, auditing every attempt. Nothing else can reverse a pseudonym: it is a keyed one-way HMAC
(``hub.privacy.pseudonym``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from hub.privacy.keys import SecretKey
from hub.privacy.policy import KindPlan
from hub.privacy.pseudonym import is_pseudonym, pseudonymise
from hub.privacy.transform import values_at
from hub.schemas import CloudEvent

__all__ = [
    "MIN_REASON_CHARS",
    "MIN_REASON_WORDS",
    "NOT_A_PSEUDONYM",
    "Outcome",
    "Reidentification",
    "Revealed",
    "VaultEntry",
    "check_request",
    "vault_entries",
]

MIN_REASON_WORDS = 3
MIN_REASON_CHARS = 15
"""A reason must say something an auditor can check ("Rückruf Anrufer Einsatz PI-HAL-E-0000123"), not "x"."""

NOT_A_PSEUDONYM = "(not a pseudonym)"
"""What the audit records instead of an input that is not a pseudonym: it might be a name typed by mistake."""

Outcome = Literal["revealed", "not_found", "refused_role", "refused_reason", "refused_pseudonym"]


@dataclass(frozen=True)
class VaultEntry:
    """One pseudonym the stage made for a non-police domain, with the value it stands for."""

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
) -> list[VaultEntry]:
    """The pseudonyms the transform makes for ``domain`` from ``event`` (its plan's ``pseudonymise`` steps and the
    source id), each with its original; the same HMAC under the same key (``field_keys``: the fields the transform
    pseudonymises under an id key, ``hub.privacy.pseudonym.field_keys``), so they equal those in the share."""
    kind = event.hubkind
    found: dict[tuple[str, str], VaultEntry] = {}

    def add(field: str, original: str) -> None:
        mac_key = (field_keys or {}).get(field, key)
        entry = VaultEntry(pseudonymise(original, mac_key), field, domain, original, retention_class, expires_at)
        found.setdefault((entry.pseudonym, field), entry)

    for step in plan.steps:
        if step.rule.action != "pseudonymise":
            continue
        for value in values_at(event.data, step.segments):
            for item in value if isinstance(value, list) else [value]:
                if item is not None:
                    add(f"{kind}.{step.path}", str(item))
    add(f"{kind}.hubsourceid", event.hubsourceid)
    return list(found.values())


def check_request(pseudonym: str, role: str, reason: str, authorised_roles: Collection[str]) -> Outcome | None:
    """Why a request must be refused, or None when it may look into the vault."""
    if role not in authorised_roles:
        return "refused_role"
    words = reason.split()
    if len(words) < MIN_REASON_WORDS or len(" ".join(words)) < MIN_REASON_CHARS:
        return "refused_reason"
    if not is_pseudonym(pseudonym.strip()):
        return "refused_pseudonym"
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
