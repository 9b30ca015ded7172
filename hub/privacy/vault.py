"""Re-identification inside the police domain only: the police-only vault of pseudonym -> original value, and
``reidentify``, which reveals an original only to an authorised role with a stated reason and audits every attempt.
Nothing else can reverse a pseudonym: it is a keyed one-way HMAC (``hub.privacy.pseudonym``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import psycopg

from hub.errors import StoreError
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
    "reidentify",
    "store_entries",
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
    event: CloudEvent, domain: str, plan: KindPlan, key: SecretKey, retention_class: str, expires_at: datetime
) -> list[VaultEntry]:
    """The pseudonyms the transform makes for ``domain`` from ``event`` (its plan's ``pseudonymise`` steps and the
    source id), each with its original; the same HMAC under the same key, so they equal those in the share."""
    kind = event.hubkind
    found: dict[tuple[str, str], VaultEntry] = {}

    def add(field: str, original: str) -> None:
        entry = VaultEntry(pseudonymise(original, key), field, domain, original, retention_class, expires_at)
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


_UPSERT = """
INSERT INTO police_pseudonym_vault (pseudonym, field, domain, original, retention_class, expires_at)
VALUES (%s, %s, %s, %s, %s, %s)
ON CONFLICT (pseudonym, field) DO UPDATE SET
    retention_class = CASE WHEN EXCLUDED.expires_at > police_pseudonym_vault.expires_at
                           THEN EXCLUDED.retention_class ELSE police_pseudonym_vault.retention_class END,
    expires_at = GREATEST(police_pseudonym_vault.expires_at, EXCLUDED.expires_at),
    last_seen = now()
"""


async def store_entries(cur: psycopg.AsyncCursor[Any], entries: Sequence[VaultEntry]) -> None:
    """Upsert ``entries`` (inside the caller's transaction); a row lives as long as its longest-lived event."""
    latest: dict[tuple[str, str], VaultEntry] = {}
    for e in entries:  # one call sign in a batch of 500 unit statuses is one row, not 500 updates
        seen = latest.get((e.pseudonym, e.field))
        if seen is None or e.expires_at > seen.expires_at:
            latest[(e.pseudonym, e.field)] = e
    if latest:
        await cur.executemany(
            _UPSERT,
            [(e.pseudonym, e.field, e.domain, e.original, e.retention_class, e.expires_at) for e in latest.values()],
        )


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


def reidentify(
    conninfo: str,
    pseudonym: str,
    *,
    role: str,
    reason: str,
    user: str,
    authorised_roles: Collection[str],
    now: datetime | None = None,
) -> Reidentification:
    """Look a pseudonym up for an authorised role with a reason; every attempt is audited in the same transaction,
    so nothing is revealed without its audit row. Expired vault rows (awaiting the purge) count as gone."""
    pseudonym = pseudonym.strip()
    outcome = check_request(pseudonym, role, reason, authorised_roles)
    asked = pseudonym if is_pseudonym(pseudonym) else NOT_A_PSEUDONYM
    revealed: tuple[Revealed, ...] = ()
    try:
        with psycopg.connect(conninfo) as conn, conn.transaction():
            if outcome is None:
                rows = conn.execute(
                    "SELECT field, domain, original FROM police_pseudonym_vault"
                    " WHERE pseudonym = %s AND expires_at > coalesce(%s::timestamptz, now()) ORDER BY field",
                    (pseudonym, now),
                ).fetchall()
                revealed = tuple(Revealed(*row) for row in rows)
                outcome = "revealed" if revealed else "not_found"
            row = conn.execute(
                "INSERT INTO reidentification_audit (attempted_at, user_name, role, reason, pseudonym, outcome)"
                " VALUES (coalesce(%s::timestamptz, now()), %s, %s, %s, %s, %s) RETURNING id",
                (now, user, role, reason.strip(), asked, outcome),
            ).fetchone()
    except psycopg.Error as exc:
        raise StoreError(f"re-identification failed (nothing revealed): {exc}") from exc
    assert row is not None
    return Reidentification(outcome, int(row[0]), revealed if outcome == "revealed" else ())
