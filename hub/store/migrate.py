"""Schema migrations: numbered SQL files in ``hub/store/migrations`` applied once each, in order, in one
transaction per file, under an advisory lock so two processes migrating at once do not collide.

Run them as the owner of the schema (a superuser, or a role that owns the database): they create the group roles
``hub_stage``, ``hub_police``, ``hub_purge``, ``hub_console`` and ``hub_auditor`` when missing and grant them what
they need (0004); the hub's processes then log in as members of those, never as the owner (docs/privacy.md)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

import psycopg
import structlog

from hub.errors import StoreError

log = structlog.get_logger(__name__)

# Any constant works; it only has to be the same for every hub process migrating this database.
_LOCK_ID = 7_215_002_001


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def available_migrations() -> list[Migration]:
    """The migrations shipped with the package, ordered by their number."""
    found = []
    for entry in resources.files("hub.store").joinpath("migrations").iterdir():
        if entry.name.endswith(".sql"):
            number, _, rest = entry.name.partition("_")
            found.append(Migration(int(number), rest.removesuffix(".sql"), entry.read_text("utf-8")))
    numbers = [m.version for m in found]
    twice = sorted({n for n in numbers if numbers.count(n) > 1})
    if twice:  # two branches each added their migration NNNN: the second would never be applied
        raise StoreError(f"two migrations share the number(s) {', '.join(f'{n:04d}' for n in twice)}; renumber one")
    return sorted(found, key=lambda m: m.version)


def migrate(conninfo: str) -> list[Migration]:
    """Apply every migration not yet applied; return those applied now (empty when up to date)."""
    applied_now: list[Migration] = []
    try:
        with psycopg.connect(conninfo, autocommit=True) as conn:
            conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_ID,))
            try:
                conn.execute(
                    "CREATE TABLE IF NOT EXISTS schema_migrations ("
                    " version integer PRIMARY KEY, name text NOT NULL,"
                    " applied_at timestamptz NOT NULL DEFAULT now())"
                )
                done = {row[0] for row in conn.execute("SELECT version FROM schema_migrations")}
                for migration in available_migrations():
                    if migration.version in done:
                        continue
                    with conn.transaction():
                        conn.execute(migration.sql.encode("utf-8"))
                        conn.execute(
                            "INSERT INTO schema_migrations (version, name) VALUES (%s, %s)",
                            (migration.version, migration.name),
                        )
                    log.info("migration applied", version=migration.version, name=migration.name)
                    applied_now.append(migration)
            finally:
                conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_ID,))
    except psycopg.Error as exc:
        raise StoreError(f"migration failed: {exc}") from exc
    return applied_now
