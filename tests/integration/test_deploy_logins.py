"""deploy/compose/create-logins.sh (the compose `db-logins` job and the Kubernetes set-up Job) against the real
PostgreSQL: after the migration it makes the two process logins, each a member of exactly one group role and of
no superuser kind, and run again it sets the passwords anew (rotation) without failing."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import uuid
from pathlib import Path

import psycopg
import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "compose" / "create-logins.sh"
# The embedded PostgreSQL's own psql (found without importing pgserver, whose import sets up directories).
_PGSERVER = importlib.util.find_spec("pgserver")
PSQL_DIR = Path(*(_PGSERVER.submodule_search_locations or ["."])[:1]) / "pginstall" / "bin" if _PGSERVER else Path()


def _pgpass(folder: Path, name: str, user: str, password: str) -> None:
    path = folder / name
    path.write_text(f"*:*:*:{user}:{password}\n")
    path.chmod(0o600)


def _run(database_url: str, secrets: Path, worker: str, console: str) -> subprocess.CompletedProcess[str]:
    params = psycopg.conninfo.conninfo_to_dict(database_url)
    env = {
        **os.environ,
        "PATH": f"{PSQL_DIR}{os.pathsep}{os.environ['PATH']}",
        "SECRETS_DIR": str(secrets),
        "PGHOST": str(params.get("host", "127.0.0.1")),
        "PGPORT": str(params.get("port", 5432)),
        "PGUSER": str(params.get("user", "postgres")),
        "PGDATABASE": str(params["dbname"]),
        "HUB_WORKER_LOGIN": worker,
        "HUB_CONSOLE_LOGIN": console,
    }
    return subprocess.run(["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False)


def test_the_logins_job_makes_members_of_one_group_each_and_rotates_their_passwords(
    database_url: str, tmp_path: Path
) -> None:
    suffix = uuid.uuid4().hex[:8]  # roles belong to the cluster, shared by every test database
    worker, console = f"hub_worker_{suffix}", f"hub_console_app_{suffix}"
    _pgpass(tmp_path, "postgres-owner.pgpass", "postgres", "unused")
    _pgpass(tmp_path, "postgres-worker.pgpass", worker, "first-worker-password")
    _pgpass(tmp_path, "postgres-console.pgpass", console, "first-console-password")
    try:
        first = _run(database_url, tmp_path, worker, console)
        assert first.returncode == 0, first.stderr
        with psycopg.connect(database_url) as conn:
            rows = conn.execute(
                "SELECT rolname, rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolpassword,"
                " pg_has_role(rolname, 'hub_stage', 'MEMBER'), pg_has_role(rolname, 'hub_console', 'MEMBER'),"
                " pg_has_role(rolname, 'hub_police', 'MEMBER'), pg_has_role(rolname, 'hub_purge', 'MEMBER')"
                " FROM pg_authid WHERE rolname IN (%s, %s) ORDER BY rolname",
                (worker, console),
            ).fetchall()
        before = {row[0]: row for row in rows}
        assert before[worker][1:5] == (True, False, False, False)
        assert before[worker][6:] == (True, False, False, False)
        assert before[console][1:5] == (True, False, False, False)
        assert before[console][6:] == (False, True, False, False)
        assert before[worker][5] is not None  # a password is set (a SCRAM verifier, never the text)

        _pgpass(tmp_path, "postgres-worker.pgpass", worker, "second-worker-password")
        again = _run(database_url, tmp_path, worker, console)
        assert again.returncode == 0, again.stderr
        with psycopg.connect(database_url) as conn:
            (after,) = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (worker,)).fetchone() or (
                None,
            )
        assert after != before[worker][5]
        assert "second-worker-password" not in (again.stdout + again.stderr)
    finally:
        with psycopg.connect(database_url, autocommit=True) as conn:
            for role in (worker, console):
                conn.execute(psycopg.sql.SQL("DROP ROLE IF EXISTS {}").format(psycopg.sql.Identifier(role)))
