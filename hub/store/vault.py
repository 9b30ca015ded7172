"""The police-only pseudonym vault in PostgreSQL: ``store_entries`` keeps pseudonym -> original for as long as the
longest-lived event needs it, and ``reidentify`` reveals an original only to an authorised role with a stated
reason, auditing every attempt in the same transaction. Who may ask, and the vault entries themselves, are pure,
in ``hub.privacy.vault``.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import psycopg

from hub.errors import StoreError
from hub.privacy.pseudonym import is_pseudonym
from hub.privacy.vault import NOT_A_PSEUDONYM, Reidentification, Revealed, VaultEntry, check_request

__all__ = ["reidentify", "store_entries"]


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
