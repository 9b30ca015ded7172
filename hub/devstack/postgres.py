"""The embedded PostgreSQL: the ``postgres`` binary of the ``pgserver`` wheel, run in the foreground.

pgserver's own server class is not used: it daemonises through pg_ctl, and importing pgserver warns.
"""

from __future__ import annotations

import importlib.util
import signal
from pathlib import Path

import psycopg
import structlog
from psycopg import sql

from hub.devstack import pgdata
from hub.devstack.ports import HOST
from hub.devstack.process import Child
from hub.errors import BinaryNotFoundError, StackError

log = structlog.get_logger(__name__)

PART = "postgres"
PORT_SETTING = "HUB_POSTGRES_PORT"
DATABASE = "hub"
USER = "postgres"
# Always there; the probe and CREATE DATABASE connect to it because "hub" may not exist yet.
MAINTENANCE_DB = "postgres"

LOG_SETTINGS = {
    # An error is logged as its one-line message: no DETAIL (a unique violation's "Key (id)=(...)", a check's
    # "Failing row contains (...)" quote the row), no HINT, no CONTEXT.
    "log_error_verbosity": "terse",
    # The statement that failed is not logged with it (its text can hold values; the hub's parameters are sent
    # apart from it, but a literal would show).
    "log_min_error_statement": "panic",
    # Who caused a logged error ("permission denied for table police_pseudonym_vault"): time, process, login, db.
    "log_line_prefix": "%m [%p] %u@%d ",
}
"""Settings the embedded PostgreSQL runs with (docs/privacy.md "PostgreSQL's own log" has them for external
servers): its log must not quote what the hub stores."""


def postgres_bin_dir() -> Path:
    """The directory with ``initdb`` and ``postgres``; BinaryNotFoundError says which package to install."""
    hint = (
        "install the embedded stack with `pip install 'hub[embedded]'` (package pgserver), "
        "or set HUB_DATABASE_URL to use an existing PostgreSQL server"
    )
    # find_spec locates the package without importing it (its import has side effects, see the docstring).
    spec = importlib.util.find_spec("pgserver")
    if spec is None or not spec.submodule_search_locations:
        raise BinaryNotFoundError(f"the PostgreSQL binaries (package pgserver) are not installed; {hint}")
    bin_dir = Path(next(iter(spec.submodule_search_locations))) / "pginstall" / "bin"
    for name in ("initdb", "postgres"):
        if not (bin_dir / name).is_file():
            raise BinaryNotFoundError(f"{bin_dir / name} is missing from the pgserver package; {hint}")
    return bin_dir


def database_url(port: int, database: str = DATABASE) -> str:
    """The URL of ``database`` on the embedded server."""
    return f"postgresql://{USER}@{HOST}:{port}/{database}"


def start_postgres(bin_dir: Path, state_dir: Path, port: int, timeout_s: float) -> Child:
    """Initialise the data dir if needed, start PostgreSQL on ``port``, create the database; wait for it."""
    layout = pgdata.layout_for(state_dir, port)
    run_as = pgdata.run_as_for_postgres()
    pgdata.prepare(layout, bin_dir, run_as, timeout_s)
    argv = [str(bin_dir / "postgres"), "-D", str(layout.data_dir), "-h", HOST, "-p", str(port)]
    argv += ["-k", str(layout.socket_dir)]
    for setting, value in LOG_SETTINGS.items():
        argv += ["-c", f"{setting}={value}"]
    log.info("starting postgres", port=port, log_file=str(layout.log_file))
    # SIGINT is PostgreSQL's fast shutdown: clients are disconnected, not waited for (SIGTERM's smart mode).
    child = Child.spawn(PART, argv, layout.log_file, stop_signal=signal.SIGINT, run_as=run_as, cwd=layout.data_dir)
    try:
        seconds = child.wait_ready(lambda: _probe(port), timeout_s)
        _ensure_database(port, DATABASE)
    except BaseException:
        child.signal_stop()
        child.wait_or_kill(5.0)
        raise
    log.info("postgres ready", port=port, database=DATABASE, seconds=round(seconds, 2))
    return child


def _probe(port: int) -> str | None:
    """None when the server runs ``select 1``, else why not ("starting up", "connection refused", ...)."""
    try:
        with psycopg.connect(database_url(port, MAINTENANCE_DB), connect_timeout=2) as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        text = str(exc).strip()
        return text.splitlines()[0] if text else type(exc).__name__
    return None


def _ensure_database(port: int, name: str) -> None:
    """Create database ``name`` unless it exists (kept across runs with the data dir)."""
    try:
        with psycopg.connect(database_url(port, MAINTENANCE_DB), autocommit=True) as conn:
            exists = conn.execute("select 1 from pg_database where datname = %s", (name,)).fetchone()
            if exists is None:
                conn.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
                log.info("created database", database=name)
        with psycopg.connect(database_url(port, name)) as conn:
            conn.execute("select 1")
    except psycopg.Error as exc:
        raise StackError(f"the embedded postgres is up but database {name!r} is not usable: {exc}") from exc
