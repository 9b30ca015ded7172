#!/bin/sh
# One-shot job of docker-compose.yml and of the Kubernetes set-up Job, after `hub db migrate` made the group roles:
# creates the login roles the hub's processes use, each a member of exactly one group role (docs/privacy.md,
# "Database roles"), or sets their passwords again from the secrets (so rotating a password is: change the
# secret, run this job, restart the processes). Runs as the schema's owner; the passwords come from the processes'
# own pgpass files. Checked against the real PostgreSQL by tests/integration/test_deploy_logins.py.
set -eu
secrets=${SECRETS_DIR:-/run/secrets}
export PGPASSFILE="${PGPASSFILE:-$secrets/postgres-owner.pgpass}"
password() { cut -d: -f5- "$1"; }
psql -X -q -v ON_ERROR_STOP=1 -h "${PGHOST:-postgres}" -U "${PGUSER:-hub_owner}" -d "${PGDATABASE:-hub}" \
    -v worker="${HUB_WORKER_LOGIN:-hub_worker}" -v console="${HUB_CONSOLE_LOGIN:-hub_console_app}" \
    -v worker_password="$(password "$secrets/postgres-worker.pgpass")" \
    -v console_password="$(password "$secrets/postgres-console.pgpass")" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'worker') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'worker') \gexec
SELECT format('CREATE ROLE %I LOGIN', :'console') WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'console') \gexec
ALTER ROLE :"worker" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'worker_password';
ALTER ROLE :"console" WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD :'console_password';
GRANT hub_stage TO :"worker";
GRANT hub_console TO :"console";
SQL
echo "logins ${HUB_WORKER_LOGIN:-hub_worker} (hub_stage) and ${HUB_CONSOLE_LOGIN:-hub_console_app} (hub_console) are set"
