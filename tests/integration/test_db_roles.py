"""The database roles of migration 0004 and re-identification by database identity (0005), in a real PostgreSQL:
who may read and call what, the audit's session user, append-only hash chain and purge, and the workers running
as a login that is a member of hub_stage only."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest
from kafka import KafkaProducer
from psycopg import sql

from hub.config import Settings
from hub.privacy.retention import RetentionPeriods
from hub.privacy.vault import VaultEntry, reason_problem
from hub.schemas import Incident, example_payload, wrap
from hub.store import alerts as alerts_store
from hub.store.events import count_events, latest_vehicle_position
from hub.store.migrate import available_migrations, migrate
from hub.store.register import transfers_since
from hub.store.retention import purge
from hub.store.vault import reidentify, verify_audit
from hub.topology import qualified
from tests.helpers.alerts import action_row, alert, on_store, revision_row, store
from tests.helpers.kafka import dead_letters
from tests.helpers.store import login, store_rows
from tests.helpers.waiting import wait_until
from tests.helpers.workers import WorkerFactory

pytestmark = pytest.mark.integration

PSEUDONYM = "ps1.k1." + "b" * 26
LAST_BEFORE_ROLES = 3  # the schema as issue 11 left it
REASON = "Rückruf beim Anrufer zu Vorgang E-2026-11-123"
NOW = datetime.now(UTC)


def _entry(pseudonym: str = PSEUDONYM, expires: datetime = NOW + timedelta(days=10)) -> VaultEntry:
    """A vault entry of a caller's name shared with the Ordnungsamt."""
    return VaultEntry(pseudonym, "incident.caller.name", "ordnungsamt", "Erika Mustermann", "standard", expires)


def _audit(url: str) -> list[tuple[str, str, str, str, str]]:
    """(user, role, reason, pseudonym, outcome) of every attempt, in order (read as the owner)."""
    with psycopg.connect(url) as conn:
        rows = conn.execute(
            "SELECT user_name, role, reason, pseudonym, outcome FROM reidentification_audit ORDER BY id"
        ).fetchall()
    return [tuple(r) for r in rows]  # type: ignore[misc]


def _denied(url: str, statement: str) -> bool:
    """Whether ``statement`` is refused with permission denied (SQLSTATE 42501) for the login of ``url``."""
    with psycopg.connect(url, autocommit=True) as conn:
        try:
            conn.execute(statement)
        except psycopg.errors.InsufficientPrivilege:
            return True
    return False


def test_police_login_reidentifies_and_the_audit_names_the_login(database_url: str) -> None:
    """A login in hub_police gets the original with a case reference; the audit holds its session user, the role
    that allowed it and the reason; the chain verifies."""
    store_rows(database_url, [], [_entry()], NOW)
    with login(database_url, "hub_police") as police:
        name = psycopg.conninfo.conninfo_to_dict(police)["user"]
        result = reidentify(police, PSEUDONYM, REASON)
        assert result.outcome == "revealed"
        assert [(r.field, r.domain, r.original) for r in result.revealed] == [
            ("incident.caller.name", "ordnungsamt", "Erika Mustermann")
        ]
        assert _audit(database_url) == [(name, "hub_police", REASON, PSEUDONYM, "revealed")]
        check = verify_audit(police)
    assert (check.ok, check.rows, check.head_id) == (True, 1, result.audit_id)


def test_other_logins_cannot_read_the_vault_and_their_attempts_are_audited(database_url: str) -> None:
    """Stage, console, purge and auditor logins: permission denied on the vault's originals and on the reveal;
    their request through hub_reidentify is refused for the role and audited under their own login."""
    store_rows(database_url, [], [_entry()], NOW)
    for group in ("hub_stage", "hub_console", "hub_purge", "hub_auditor"):
        with login(database_url, group) as url:
            assert _denied(url, "SELECT original FROM police_pseudonym_vault"), group
            assert _denied(url, "SELECT * FROM police_pseudonym_vault"), group
            assert _denied(url, "SELECT * FROM hub_reidentify_reveal(1)"), group
            assert _denied(url, "UPDATE reidentification_audit SET reason = 'x'"), group
            result = reidentify(url, PSEUDONYM, REASON)
            assert (result.outcome, result.revealed) == ("refused_role", ()), group
            name = psycopg.conninfo.conninfo_to_dict(url)["user"]
            assert _audit(database_url)[-1] == (name, "(not hub_police)", REASON, PSEUDONYM, "refused_role")
    assert len(_audit(database_url)) == 4


def test_police_reveal_of_a_request_not_yet_committed_is_refused(database_url: str) -> None:
    """A request and its reveal in one transaction (which a ROLLBACK would undo with its audit row): refused; the
    reveal of another login's request too."""
    store_rows(database_url, [], [_entry()], NOW)
    with login(database_url, "hub_police") as police, login(database_url, "hub_police") as colleague:
        with psycopg.connect(police) as conn:
            row = conn.execute("SELECT outcome, audit_id FROM hub_reidentify(%s, %s)", (PSEUDONYM, REASON)).fetchone()
            assert row is not None
            assert row[0] == "revealed"
            with pytest.raises(psycopg.errors.ObjectNotInPrerequisiteState, match="must be committed"):
                conn.execute("SELECT * FROM hub_reidentify_reveal(%s)", (row[1],))
            conn.rollback()
        assert _audit(database_url) == []
        granted = reidentify(police, PSEUDONYM, REASON)
        with (
            psycopg.connect(colleague, autocommit=True) as conn,
            pytest.raises(psycopg.errors.InsufficientPrivilege, match="no granted re-identification request"),
        ):
            conn.execute("SELECT * FROM hub_reidentify_reveal(%s)", (granted.audit_id,))
    assert verify_audit(database_url).ok


REASONS = [
    (REASON, None),
    ("Zeugenbefragung zum Vorgang VG/123/26", None),
    ("Anzeige aufnehmen, Sachbearbeitung PI-HAL-E-0000123", None),
    ("Ermittlungsverfahren 123 Js 4567/26 Halterfeststellung", None),
    ("Müll über Straße E-2026-11-123", None),
    ("Öl über E-2026-11-123", "at least two words"),
    ("a b c d e f g h", "no case reference"),
    ("Rückruf beim Anrufer", "no case reference"),
    ("Halter HAL-AB-123 ermitteln", "no case reference"),
    ("E-2026-11-123", "at least two words"),
    ("Rückruf unter 0345 1234567 zu E-2026-11-123", "five or more digits"),
    ("Geburtsdatum 12.03.1985 prüfen, E-2026-11-123", "five or more digits"),
    ("Rückmeldung an erika@example.org zu E-2026-11-123", "e-mail"),
    ("Rückruf " * 40 + "E-2026-11-123", "at most 300"),
]


@pytest.mark.parametrize(("reason", "problem"), REASONS)
def test_reason_rule_is_the_same_in_python_and_in_the_database(
    database_url: str, reason: str, problem: str | None
) -> None:
    """hub_reason_problem (the gate) and hub.privacy.vault.reason_problem (the CLI's explanation) agree."""
    with psycopg.connect(database_url) as conn:
        row = conn.execute("SELECT hub_reason_problem(%s)", (" ".join(reason.split()),)).fetchone()
    assert row is not None
    in_sql, in_python = row[0], reason_problem(reason)
    assert in_sql == in_python
    assert (problem is None) == (in_sql is None)
    if problem is not None:
        assert problem in in_sql


def test_a_refused_reason_is_not_kept_in_the_audit(database_url: str) -> None:
    """A reason with a phone number is refused by the database itself (called directly, as a police login might)
    and the audit keeps why, not the reason."""
    with login(database_url, "hub_police") as police:
        result = reidentify(police, PSEUDONYM, "Rückruf unter 0345 1234567 zu E-2026-11-123")
    assert result.outcome == "refused_reason"
    (row,) = _audit(database_url)
    assert row[2] == "(withheld: a number of five or more digits (phone, ID, date))"
    assert "0345" not in " ".join(row)


def test_audit_is_append_only_and_tampering_breaks_the_chain(database_url: str) -> None:
    """UPDATE, DELETE and TRUNCATE are refused even for the owner; a row changed behind the trigger's back (the
    owner disabling it) makes the chain check fail at that row."""
    store_rows(database_url, [], [_entry()], NOW)
    results = [reidentify(database_url, PSEUDONYM, REASON) for _ in range(3)]
    with psycopg.connect(database_url, autocommit=True) as conn:
        for statement in (
            "UPDATE reidentification_audit SET reason = 'nichts passiert E-2026-11-999'",
            "DELETE FROM reidentification_audit",
            "TRUNCATE reidentification_audit",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege, match="append-only"):
                conn.execute(statement)
        assert verify_audit(database_url).ok
        with conn.transaction():
            conn.execute("ALTER TABLE reidentification_audit DISABLE TRIGGER reidentification_audit_append_only")
            conn.execute(
                "UPDATE reidentification_audit SET user_name = 'someone' WHERE id = %s", (results[1].audit_id,)
            )
            conn.execute("ALTER TABLE reidentification_audit ENABLE TRIGGER reidentification_audit_append_only")
    check = verify_audit(database_url)
    assert (check.ok, check.first_bad_id) == (False, results[1].audit_id)
    assert check.problem is not None
    assert "changed" in check.problem


def test_purge_deletes_the_oldest_rows_through_its_function_and_the_chain_goes_on(database_url: str) -> None:
    """Only a hub_purge login can purge the audit; it deletes the rows before the cutoff, the anchor keeps the
    last one's hash, the chain verifies and goes on with the next row."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO reidentification_audit (attempted_at, user_name, role, reason, pseudonym, outcome)"
            " VALUES (now() - interval '1200 days', 'u', 'r', 'x', 'p', 'not_found'),"
            " (now() - interval '1100 days', 'u', 'r', 'x', 'p', 'not_found'),"
            " (now() - interval '10 days', 'u', 'r', 'x', 'p', 'not_found')"
        )
    cutoff = NOW - timedelta(days=1095)
    with login(database_url, "hub_stage") as stage:
        assert _denied(stage, f"SELECT hub_purge_reidentification_audit('{cutoff.isoformat()}')")
    with login(database_url, "hub_purge") as purger, psycopg.connect(purger, autocommit=True) as conn:
        assert conn.execute("SELECT hub_purge_reidentification_audit(%s, true)", (cutoff,)).fetchone() == (2,)
        assert conn.execute("SELECT hub_purge_reidentification_audit(%s)", (cutoff,)).fetchone() == (2,)
    assert [row[4] for row in _audit(database_url)] == ["not_found"]
    assert verify_audit(database_url).ok
    reidentify(database_url, PSEUDONYM, REASON)
    check = verify_audit(database_url)
    assert (check.ok, check.rows) == (True, 2)


def test_the_grants_are_exactly_these(database_url: str) -> None:
    """Every table's privileges per hub role, as migration 0004 grants them; a new table without a decision (or a
    grant nobody meant) fails here. Nobody but the owner may read the vault's originals."""
    roles = ("hub_stage", "hub_police", "hub_purge", "hub_console", "hub_auditor")
    query = """
        SELECT c.relname, r.rolname, p.privilege_type
        FROM pg_class c CROSS JOIN unnest(%s::text[]) AS r(rolname)
        CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE']) AS p(privilege_type)
        WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
          AND has_table_privilege(r.rolname, c.oid, p.privilege_type)
    """
    with psycopg.connect(database_url) as conn:
        granted = {(t, r, p) for t, r, p in conn.execute(query, (list(roles),))}
        tables = {
            r[0]
            for r in conn.execute(
                "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r'"
            )
        }
        readers = {
            r[0]
            for r in conn.execute(
                "SELECT r FROM unnest(%s::text[]) AS r"
                " WHERE has_column_privilege(r, 'police_pseudonym_vault', 'original', 'SELECT')",
                (list(roles),),
            )
        }
    table_level = {
        ("events", "hub_stage"): {"SELECT", "INSERT", "UPDATE"},
        ("alerts", "hub_stage"): {"SELECT", "INSERT", "UPDATE"},
        ("alert_revisions", "hub_stage"): {"SELECT", "INSERT"},
        ("alert_actions", "hub_stage"): {"SELECT", "INSERT"},
        ("transfer_register", "hub_stage"): {"INSERT"},
        ("police_pseudonym_vault", "hub_purge"): {"DELETE"},
        **{(t, "hub_console"): {"SELECT"} for t in ("events", "alerts", "alert_revisions", "alert_actions")},
        # `hub aggregates publish` (0006) stores what it sent and counted; the purge deletes it.
        **{(t, "hub_stage"): {"SELECT", "INSERT"} for t in ("aggregate_messages", "aggregate_counted")},
        **{(t, "hub_purge"): {"SELECT", "DELETE"} for t in ("aggregate_messages", "aggregate_counted")},
        # The sink keeps each planned event's latest state (0007); the console reads it, the purge deletes it.
        ("planned_events", "hub_stage"): {"SELECT", "INSERT", "UPDATE"},
        ("planned_events", "hub_console"): {"SELECT"},
        ("planned_events", "hub_purge"): {"SELECT", "DELETE"},
        **{
            (t, "hub_purge"): {"SELECT", "DELETE"}
            for t in ("events", "transfer_register", "alerts", "alert_revisions", "alert_actions")
        },
        **{
            (t, "hub_auditor"): {"SELECT"}
            for t in ("transfer_register", "reidentification_audit", "reidentification_audit_anchor")
        },
    }
    expected = {(t, r, p) for (t, r), privileges in table_level.items() for p in privileges}
    assert granted == expected
    assert readers == set(), "no hub role may read the vault's originals"
    known = {
        "events",
        "transfer_register",
        "police_pseudonym_vault",
        "reidentification_audit",
        "reidentification_audit_anchor",
        "alert_revisions",
        "alerts",
        "alert_actions",
        "aggregate_messages",
        "aggregate_counted",
        "planned_events",
        "schema_migrations",
    }
    assert tables == known, "a new table: decide its grants in a migration and list them here"


def _incident(n: int) -> bytes:
    return wrap(
        Incident.model_validate(example_payload("incident", n)),
        source="/polizei/els",
        source_record_id=f"E-{n}",
        time=datetime(2026, 11, 20, 21, n, tzinfo=UTC),
    ).to_bytes()


def test_sink_and_pseudonymise_run_as_a_stage_login(
    settings: Settings, database_url: str, start_workers: WorkerFactory
) -> None:
    """The sink and the pseudonymise worker log in as a member of hub_stage only (no superuser): events, register
    rows and vault entries are stored (the vault upsert twice, so ON CONFLICT DO UPDATE runs), nothing is
    dead-lettered; that login can neither read the vault nor re-identify."""
    with login(database_url, "hub_stage") as stage:
        with psycopg.connect(stage) as conn:
            assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (False,)
        workers = start_workers("sink", "pseudonymise", pseudonym_keys="demo", database_url=stage)
        topic = qualified(settings.topic_prefix, "canon.incident")
        producer = KafkaProducer(bootstrap_servers=settings.bootstrap())
        try:
            for n in (1, 2):
                producer.send(topic, key=b"k", value=_incident(n))
            producer.flush()
            wait_until(lambda: _vault_counts(database_url)[0] > 0, 60, "vault rows stored")
            # The first again, in a later batch: its vault rows are upserted (ON CONFLICT DO UPDATE).
            producer.send(topic, key=b"k", value=_incident(1))
            producer.flush()
        finally:
            producer.close()
        workers.wait_for_count("sink", "hub_events_out_total", 3, stage="sink")
        wait_until(lambda: _vault_counts(database_url)[1] > 0, 60, "the repeated incident's vault rows upserted")
        assert workers["sink"].counter("hub_events_dead_lettered_total") == 0
        assert workers["pseudonymise"].counter("hub_events_dead_lettered_total") == 0
        assert workers["pseudonymise"].counter("hub_database_errors_total") == 0
        assert _denied(stage, "SELECT original FROM police_pseudonym_vault")
        assert reidentify(stage, PSEUDONYM, REASON).outcome == "refused_role"
        start_workers.stop_all()
    assert dead_letters(settings, "sink") == []
    assert dead_letters(settings, "pseudonymise") == []
    assert count_events(database_url) == 2
    assert len({r.canonical_id for r in transfers_since(database_url, datetime(2020, 1, 1, tzinfo=UTC))}) == 2
    assert _vault_counts(database_url)[0] > 0


def _vault_counts(url: str) -> tuple[int, int]:
    """(vault rows, rows upserted again since they were first stored), read as the owner."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            "SELECT count(*), count(*) FILTER (WHERE last_seen > first_seen) FROM police_pseudonym_vault"
        ).fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def test_alert_store_writes_as_stage_and_the_console_reads_as_console(database_url: str) -> None:
    """The alert store's writes (revisions, alerts upsert, actions, notifications) work for a hub_stage login; the
    console's reads (board, history, actions, a position) for a hub_console login, which cannot write."""
    first = alert(revision=1)
    with login(database_url, "hub_stage") as stage:
        store(stage, [revision_row(first), revision_row(alert(revision=2), offset=1)], [action_row(first.alert_id, 2)])
        store(stage, [revision_row(first)], [action_row(first.alert_id, 2)])  # redelivered: ON CONFLICT paths

    async def read(conn: psycopg.AsyncConnection[Any]) -> tuple[int, int, int, object]:
        on_board = await alerts_store.board(conn, "polizei")
        revisions = await alerts_store.history(conn, "polizei", first.alert_id)
        done = await alerts_store.actions(conn, "polizei", first.alert_id)
        return len(on_board), len(revisions), len(done), await latest_vehicle_position(conn, "654")

    with login(database_url, "hub_console") as console:
        assert on_store(console, read) == (1, 2, 1, None)
        assert _denied(console, "DELETE FROM alerts")
        assert _denied(console, "INSERT INTO events (id) VALUES ('x')")


def test_retention_purge_runs_as_a_purge_login(database_url: str) -> None:
    """`hub retention purge`'s deletes work for a hub_purge login (the vault by its expiry columns only, the audit
    through its function); nothing expired is left, nothing else is touched."""
    now = datetime.now(UTC)
    store_rows(database_url, [], [_entry(), _entry("ps1.k1." + "g" * 26, now - timedelta(days=1))], now)
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "INSERT INTO reidentification_audit (attempted_at, user_name, role, reason, pseudonym, outcome)"
            " VALUES (now() - interval '2000 days', 'u', 'r', 'x', 'p', 'not_found')"
        )
    periods = RetentionPeriods(timedelta(days=30), timedelta(days=180), timedelta(days=730), timedelta(days=1095))
    with login(database_url, "hub_purge") as purger:
        done = {(p.table, p.retention_class): p.rows for p in purge(purger, periods, now) if p.rows}
        assert _denied(purger, "SELECT original FROM police_pseudonym_vault")
    assert done == {("police_pseudonym_vault", "standard"): 1, ("reidentification_audit", "register"): 1}
    assert _vault_counts(database_url)[0] == 1
    assert verify_audit(database_url).ok


def test_upgrade_chains_the_audit_rows_written_before(endpoints: tuple[str, str]) -> None:
    """A database at migration 0003 with audit rows: `migrate` applies 0004 and 0005 (roles already in the cluster
    are kept), chains the old rows in id order, and the chain verifies and goes on."""
    admin = endpoints[1]
    name = f"hub_test_upgrade_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    url = psycopg.conninfo.make_conninfo(admin, dbname=name)
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute(
                "CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            for m in available_migrations():
                if m.version <= LAST_BEFORE_ROLES:
                    conn.execute(m.sql.encode())
                    conn.execute("INSERT INTO schema_migrations VALUES (%s, %s)", (m.version, m.name))
            conn.execute(
                "INSERT INTO reidentification_audit (user_name, role, reason, pseudonym, outcome)"
                " VALUES ('pk', 'polizei-lagedienst', 'Rückruf Anrufer', %s, 'revealed'),"
                " ('oa', 'ordnungsamt', 'weil', %s, 'refused_role')",
                (PSEUDONYM, PSEUDONYM),
            )
        assert {4, 5} <= {m.version for m in migrate(url)}
        check = verify_audit(url)
        assert (check.ok, check.rows) == (True, 2)
        reidentify(url, PSEUDONYM, REASON)
        assert verify_audit(url).rows == 3
        assert migrate(url) == []
    finally:
        with psycopg.connect(admin, autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))
