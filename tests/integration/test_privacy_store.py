"""The privacy tables in a real PostgreSQL: the transfer register (idempotent, filtered), re-identification (here
as the owner, a member of every role; the roles themselves in test_db_roles.py) and the retention purge (per table
and class)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import psycopg
import pytest
from psycopg.types.json import Jsonb

from hub.privacy.register import Transfer
from hub.privacy.retention import CLASSES, RetentionPeriods
from hub.privacy.vault import NOT_A_PSEUDONYM, VaultEntry
from hub.store.register import transfers_since
from hub.store.retention import purge
from hub.store.vault import reidentify
from tests.helpers.store import store_rows

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 20, 21, 0, tzinfo=UTC)
REASON = "Rückruf beim Anrufer zu Einsatz PI-HAL-E-0000123"
PSEUDONYM = "ps1.k1." + "b" * 26
PERIODS = RetentionPeriods(timedelta(days=30), timedelta(days=180), timedelta(days=730), timedelta(days=1095))


def _transfer(share_id: str, recipient: str = "havag", digest: str = "ab" * 32) -> Transfer:
    """A register row of a police incident shared with ``recipient``."""
    return Transfer(
        share_id, "canon-1", recipient, "polizei", "incident", f"share.{recipient}.incident", "p", "b", digest
    )


def _write(url: str, transfers: Sequence[Transfer] = (), vault: Sequence[VaultEntry] = (), at: datetime = T0) -> None:
    """Write register rows and vault entries in one transaction, as the pseudonymise worker does."""
    store_rows(url, transfers, vault, at)


def _audit(url: str) -> list[tuple[str, str, str, str, str]]:
    """(user, role, reason, pseudonym, outcome) of every re-identification attempt, in order."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT user_name, role, reason, pseudonym, outcome FROM reidentification_audit ORDER BY id"
        ).fetchall()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def test_register_is_idempotent_by_share_id_and_filters(database_url: str) -> None:
    """A redelivered share keeps its first row; the report filters by time window and recipient."""
    _write(database_url, [_transfer("s1"), _transfer("s2", "ordnungsamt")], at=T0)
    _write(database_url, [_transfer("s1", digest="cd" * 32), _transfer("s3", "analytics")], at=T0 + timedelta(hours=1))
    rows = transfers_since(database_url, T0 - timedelta(minutes=1))
    assert [r.share_id for r in rows] == ["s1", "s2", "s3"]
    assert rows[0].content_sha256 == "ab" * 32
    assert rows[0].delivered_at == T0
    assert [r.share_id for r in transfers_since(database_url, T0 + timedelta(minutes=1))] == ["s3"]
    assert [r.share_id for r in transfers_since(database_url, T0, T0 + timedelta(minutes=1))] == ["s1", "s2"]
    assert [r.share_id for r in transfers_since(database_url, T0, recipient="ordnungsamt")] == ["s2"]


def _entry(
    pseudonym: str = PSEUDONYM, expires: datetime = T0 + timedelta(days=180), cls: str = "standard"
) -> VaultEntry:
    """A vault entry of a caller's name shared with the Ordnungsamt."""
    return VaultEntry(pseudonym, "incident.caller.name", "ordnungsamt", "Erika Mustermann", cls, expires)


def _login(url: str) -> str:
    """The login of ``url``: what the audit records as the user."""
    return str(psycopg.conninfo.conninfo_to_dict(url)["user"])


def test_police_login_with_reason_sees_the_original_and_is_audited(database_url: str) -> None:
    """The original comes back; the attempt is in the audit with the session's login, role, reason and outcome."""
    _write(database_url, vault=[_entry(expires=datetime.now(UTC) + timedelta(days=1))])
    result = reidentify(database_url, PSEUDONYM, REASON)
    assert result.outcome == "revealed"
    assert [(r.field, r.domain, r.original) for r in result.revealed] == [
        ("incident.caller.name", "ordnungsamt", "Erika Mustermann")
    ]
    assert _audit(database_url) == [(_login(database_url), "hub_police", REASON, PSEUDONYM, "revealed")]


def test_bad_requests_get_nothing_and_are_audited(database_url: str) -> None:
    """A reason without a case reference, a malformed pseudonym or an unknown one reveal nothing; each attempt is
    audited anyway, without the refused reason and without a name typed for a pseudonym."""
    _write(database_url, vault=[_entry(expires=datetime.now(UTC) + timedelta(days=1))])
    attempts = [
        (PSEUDONYM, "weil", "refused_reason"),
        ("Erika Mustermann", REASON, "refused_pseudonym"),
        ("ps1.k1." + "c" * 26, REASON, "not_found"),
    ]
    for pseudonym, reason, outcome in attempts:
        result = reidentify(database_url, pseudonym, reason)
        assert (result.outcome, result.revealed) == (outcome, ())
    audit = _audit(database_url)
    assert [row[4] for row in audit] == [a[2] for a in attempts]
    assert audit[0][2].startswith("(withheld: no case reference")
    assert audit[1][3] == NOT_A_PSEUDONYM, "a name typed by mistake is not copied into the audit"
    assert not any("Erika" in " ".join(row) for row in audit)


def test_vault_row_lives_as_long_as_its_longest_lived_event(database_url: str) -> None:
    """The same pseudonym from a long-class event extends the row; a later short one does not shorten it; an
    expired row awaiting the purge reveals nothing."""
    _write(database_url, vault=[_entry(expires=T0 + timedelta(days=30), cls="short")])
    _write(database_url, vault=[_entry(expires=T0 + timedelta(days=730), cls="long")])
    _write(database_url, vault=[_entry(expires=T0 + timedelta(days=40), cls="short")])
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT retention_class, expires_at FROM police_pseudonym_vault").fetchone()
    assert row == ("long", T0 + timedelta(days=730))
    gone = "ps1.k1." + "f" * 26
    _write(database_url, vault=[_entry(gone, expires=datetime.now(UTC) - timedelta(seconds=1))])
    assert reidentify(database_url, gone, REASON).outcome == "not_found"


def _event_row(
    conn: psycopg.Connection[object],
    event_id: str,
    kind: str,
    time: datetime,
    cls: str | None,
    stored_at: datetime | None = None,
) -> None:
    """Insert an event of ``kind`` at ``time`` with retention class ``cls`` (None: the kind's default), stored at
    ``stored_at`` (default: at its own time, as if it had arrived then)."""
    data = {"retention_class": cls} if cls else {}
    conn.execute(
        "INSERT INTO events (id, kind, type, source, source_record_id, time, envelope, kafka_topic, kafka_partition,"
        " kafka_offset, stored_at) VALUES (%s, %s, 't', '/polizei/els', %s, %s, %s, 'canon', 0, 0, %s)",
        (event_id, kind, event_id, time, Jsonb({"data": data}), stored_at or time),
    )


def test_purge_deletes_what_expired_per_table_and_class(database_url: str) -> None:
    """Rows past their class's period go, younger ones stay; the report counts per table and class; a dry run
    counts the same and deletes nothing."""
    now = T0 + timedelta(days=200)
    with psycopg.connect(database_url) as conn:
        _event_row(conn, "i-short", "incident", T0, "short")  # 200 days old: past 30
        _event_row(conn, "i-standard", "incident", T0, "standard")  # past 180
        _event_row(conn, "i-long", "incident", T0, "long")  # within 730
        _event_row(conn, "u-old", "unit-status", T0, None)  # unit status: short
        _event_row(conn, "u-new", "unit-status", now - timedelta(days=1), None)
        _event_row(conn, "d-old", "transit-disruption", T0, None)  # standard
        conn.execute(
            "INSERT INTO reidentification_audit (attempted_at, user_name, role, reason, pseudonym, outcome)"
            " VALUES (%s, 'u', 'r', 'x', 'p', 'not_found'), (%s, 'u', 'r', 'x', 'p', 'not_found')",
            (now - timedelta(days=1200), now - timedelta(days=10)),
        )
    _write(database_url, [_transfer("old")], at=now - timedelta(days=1100))
    _write(database_url, [_transfer("new")], at=now - timedelta(days=5))
    _write(database_url, vault=[_entry("ps1.k1." + "d" * 26, T0 + timedelta(days=30), "short"), _entry()])
    _write(database_url, vault=[_entry("ps1.k1." + "e" * 26, T0 + timedelta(days=730), "long")])
    with psycopg.connect(database_url) as conn:  # as if seen when their events happened
        conn.execute("UPDATE police_pseudonym_vault SET first_seen = %s, last_seen = %s", (T0, T0))

    expected = {
        ("events", "short"): 2,
        ("events", "standard"): 2,
        ("events", "long"): 0,
        ("police_pseudonym_vault", "short"): 1,
        ("police_pseudonym_vault", "standard"): 1,
        ("police_pseudonym_vault", "long"): 0,
        ("transfer_register", "register"): 1,
        ("reidentification_audit", "register"): 1,
        # The alert store (issue 10) and the aggregates' tables are purged too; this test stores none.
        **{(table, cls): 0 for table in ("alert_actions", "alert_revisions", "alerts") for cls in CLASSES},
        ("aggregate_counted", "short"): 0,
        ("aggregate_messages", "register"): 0,
        ("planned_events", "standard"): 0,
    }
    dry = purge(database_url, PERIODS, now, dry_run=True)
    assert {(p.table, p.retention_class): p.rows for p in dry} == expected
    done = purge(database_url, PERIODS, now)
    assert {(p.table, p.retention_class): p.rows for p in done} == expected
    with psycopg.connect(database_url) as conn:
        assert sorted(r[0] for r in conn.execute("SELECT id FROM events")) == ["i-long", "u-new"]
        assert [r[0] for r in conn.execute("SELECT share_id FROM transfer_register")] == ["new"]
        assert conn.execute("SELECT count(*) FROM police_pseudonym_vault").fetchone() == (1,)
        assert conn.execute("SELECT count(*) FROM reidentification_audit").fetchone() == (1,)
    assert all(p.rows == 0 for p in purge(database_url, PERIODS, now))


def test_a_time_in_the_future_expires_by_when_it_was_stored(database_url: str) -> None:
    """An event dated 2099 (stored before the normaliser refused such times) and the vault row it made are purged
    by when they arrived, not kept for ever; one dated correctly stays as long as its class says."""
    stored = T0
    far = datetime(2099, 1, 1, tzinfo=UTC)
    with psycopg.connect(database_url) as conn:
        _event_row(conn, "u-2099", "unit-status", far, None, stored_at=stored)
        _event_row(conn, "u-now", "unit-status", stored, None)
    _write(database_url, vault=[_entry("ps1.k1." + "f" * 26, far + timedelta(days=30), "short")])
    with psycopg.connect(database_url) as conn:
        conn.execute("UPDATE police_pseudonym_vault SET first_seen = %s, last_seen = %s", (stored, stored))
    early = {(p.table, p.retention_class): p.rows for p in purge(database_url, PERIODS, stored + timedelta(days=29))}
    assert early[("events", "short")] == early[("police_pseudonym_vault", "short")] == 0
    done = {(p.table, p.retention_class): p.rows for p in purge(database_url, PERIODS, stored + timedelta(days=31))}
    assert done[("events", "short")] == 2
    assert done[("police_pseudonym_vault", "short")] == 1
