#!/bin/sh
# One-shot job of docker-compose.yml, after `hub db migrate` made the group roles: creates the login roles the
# hub's processes use, each a member of exactly one group role (docs/privacy.md, "Database roles"), or sets
# their passwords again from the secrets (so rotating a password is: change the file, run this job, restart).
# Runs as the schema's owner; the passwords come from the processes' own pgpass files.
set -eu
export PGPASSFILE=/run/secrets/postgres-owner.pgpass
password() { cut -d: -f5- "$1"; }
psql -v ON_ERROR_STOP=1 -h "${PGHOST:-postgres}" -U hub_owner -d hub \
    -v worker_password="$(password /run/secrets/postgres-worker.pgpass)" \
    -v console_password="$(password /run/secrets/postgres-console.pgpass)" <<'SQL'
SELECT 'CREATE ROLE hub_worker LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hub_worker') \gexec
SELECT 'CREATE ROLE hub_console_app LOGIN' WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'hub_console_app') \gexec
ALTER ROLE hub_worker WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'worker_password';
ALTER ROLE hub_console_app WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD :'console_password';
GRANT hub_stage TO hub_worker;
GRANT hub_console TO hub_console_app;
SQL
echo "logins hub_worker (hub_stage) and hub_console_app (hub_console) are set"
