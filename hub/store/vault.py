"""The police-only pseudonym vault in PostgreSQL: ``store_entries`` keeps pseudonym -> original for as long as the
longest-lived event needs it (the stage's role may write, never read, the originals); ``reidentify`` asks the
database's ``hub_reidentify`` as the connection's login, which checks the login's role and the reason and audits
every attempt; ``verify_audit`` checks the audit's hash chain. The vault entries and the reason rule are pure, in
``hub.privacy.vault``; the functions, roles and grants are migrations 0004 and 0005.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

import psycopg

from hub.errors import StoreError, StoreUnavailable
from hub.privacy.vault import Outcome, Reidentification, Revealed, VaultEntry
from hub.store.errors import error_summary

__all__ = ["AuditCheck", "reidentify", "store_entries", "verify_audit"]


#: One statement per batch, its columns as arrays in binary (as the transfer register's ``_INSERT_ARRAYS``): one
#: parse, plan and round trip instead of one per entry. The batch holds each (pseudonym, field) once (``DO UPDATE``
#: may not touch a row twice in one statement).
_UPSERT = """
INSERT INTO police_pseudonym_vault (pseudonym, field, domain, original, retention_class, expires_at)
SELECT * FROM unnest(%b::text[], %b::text[], %b::text[], %b::text[], %b::text[], %b::timestamptz[])
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
        rows = [(e.pseudonym, e.field, e.domain, e.original, e.retention_class, e.expires_at) for e in latest.values()]
        await cur.execute(_UPSERT, [list(column) for column in zip(*rows, strict=True)])


def _connect(conninfo: str) -> psycopg.Connection[Any]:
    """An autocommit connection: each call below is a transaction of its own, committed when it returns."""
    try:
        return psycopg.connect(conninfo, autocommit=True)
    except psycopg.OperationalError as exc:
        raise StoreUnavailable(f"the database cannot be reached ({error_summary(exc)})") from exc


# Errors whose server message names no value and says what to do: a privilege missing (the message names the
# function or table), a request not yet committed or expired (hub_reidentify_reveal's own words).
_TOLD = {
    "42501": None,
    "55000": None,
    "42883": "the database lacks the re-identification functions: run `hub db migrate`",
}


def _why(exc: psycopg.Error) -> str:
    if exc.sqlstate in _TOLD:
        return _TOLD[exc.sqlstate] or f"{exc.diag.message_primary} (SQLSTATE {exc.sqlstate})"
    return error_summary(exc)


def reidentify(conninfo: str, pseudonym: str, reason: str) -> Reidentification:
    """Ask for the originals behind ``pseudonym`` as the login of ``conninfo``, with ``reason``.

    Two transactions: ``hub_reidentify`` decides and writes the audit row (committed when it returns); only then
    does ``hub_reidentify_reveal`` return the values, so no value is ever seen without its committed audit row.
    ``StoreUnavailable`` when the database cannot be reached: nothing was revealed and nothing audited.
    """
    with _connect(conninfo) as conn:
        try:
            row = conn.execute("SELECT outcome, audit_id, problem FROM hub_reidentify(%s, %s)", (pseudonym, reason))
            outcome, audit_id, problem = cast("tuple[Outcome, int, str | None]", row.fetchone())
            if outcome != "revealed":
                return Reidentification(outcome, audit_id, (), problem)
            rows = conn.execute("SELECT field, domain, original FROM hub_reidentify_reveal(%s)", (audit_id,))
            revealed = tuple(Revealed(*r) for r in rows.fetchall())
        except psycopg.Error as exc:
            raise StoreError(f"re-identification failed, nothing revealed: {_why(exc)}") from exc
    if not revealed:  # expired between the two calls: the audit says revealed, nothing was
        return Reidentification("not_found", audit_id)
    return Reidentification(outcome, audit_id, revealed)


@dataclass(frozen=True)
class AuditCheck:
    """The re-identification audit's hash chain: whole or where it breaks, and its head (worth noting elsewhere:
    a chain rewritten from the start by the table's owner would end in another head)."""

    ok: bool
    rows: int
    first_bad_id: int | None
    problem: str | None
    head_id: int | None
    head_hash: str


def verify_audit(conninfo: str) -> AuditCheck:
    """Check the audit's chain with ``hub_verify_reidentification_audit`` (members of hub_police, hub_auditor)."""
    with _connect(conninfo) as conn:
        try:
            row = conn.execute(
                "SELECT ok, rows_checked, first_bad_id, problem, head_id, head_hash"
                " FROM hub_verify_reidentification_audit()"
            ).fetchone()
        except psycopg.Error as exc:
            raise StoreError(f"checking the re-identification audit failed: {_why(exc)}") from exc
    assert row is not None
    return AuditCheck(*row)
