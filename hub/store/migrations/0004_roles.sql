-- Database roles and grants (issue 12, docs/privacy.md "Database roles"). The hub's processes no longer need a
-- superuser: migrations run as the owner of the schema (a superuser or a dedicated owner role), the processes log in
-- as roles that are members of exactly one of these group roles.
--
--   hub_stage    the workers (sink, pseudonymise, alert-store) and `hub aggregates publish`: write what they store,
--                read only what their statements read. The vault's original values: write only, never read.
--   hub_police   `hub reidentify`: nothing on the tables; the re-identification functions (0005) check membership.
--   hub_purge    `hub retention purge`: delete expired rows (the audit only through its purge function, 0005).
--   hub_console  the console and `hub alerts`: read the alert store and the latest positions.
--   hub_auditor  the data protection officer: read the transfer register and the re-identification audit.
--
-- Roles belong to the cluster, not to the database: they are created only when missing (several hub databases, or
-- parallel test databases, share one cluster), with NOLOGIN and no password. Log-in roles are made by the operator:
--   CREATE ROLE hub_worker LOGIN PASSWORD '...' IN ROLE hub_stage;

DO $$
DECLARE
    name text;
BEGIN
    FOREACH name IN ARRAY ARRAY['hub_stage', 'hub_police', 'hub_purge', 'hub_console', 'hub_auditor'] LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = name) THEN
            BEGIN
                EXECUTE format('CREATE ROLE %I NOLOGIN', name);
            EXCEPTION WHEN duplicate_object OR unique_violation THEN
                NULL;  -- another database of this cluster created it meanwhile
            END;
        END IF;
    END LOOP;
END
$$;

-- Nothing for anyone unless granted below (PostgreSQL grants no table privilege to PUBLIC, but say it).
REVOKE ALL ON events, transfer_register, police_pseudonym_vault, reidentification_audit,
              alert_revisions, alerts, alert_actions, schema_migrations FROM PUBLIC;

-- hub_stage. The sink's upsert reads the conflicting row (ON CONFLICT ... WHERE events.envelope IS DISTINCT FROM),
-- the alert store reads an incident's retention class from events, the router and aggregates read events.
GRANT SELECT, INSERT, UPDATE ON events TO hub_stage;
-- The register: insert, and read the share id that ON CONFLICT (share_id) DO NOTHING checks.
GRANT SELECT (share_id) ON transfer_register TO hub_stage;
GRANT INSERT ON transfer_register TO hub_stage;
-- The vault upsert (hub.store.vault): INSERT every column; ON CONFLICT DO UPDATE reads the conflict target and the
-- columns its SET reads (retention_class, expires_at), and updates three. Never `original`: the stage cannot read
-- back what it wrote (issue 12: INSERT and UPDATE without SELECT fail on the upsert).
GRANT INSERT (pseudonym, field, domain, original, retention_class, expires_at) ON police_pseudonym_vault TO hub_stage;
GRANT SELECT (pseudonym, field, retention_class, expires_at) ON police_pseudonym_vault TO hub_stage;
GRANT UPDATE (retention_class, expires_at, last_seen) ON police_pseudonym_vault TO hub_stage;
-- The alert store: insert revisions and actions (RETURNING reads them back for the notification), upsert alerts.
GRANT SELECT, INSERT ON alert_revisions, alert_actions TO hub_stage;
GRANT SELECT, INSERT, UPDATE ON alerts TO hub_stage;

-- hub_console: the board, an alert's history and actions, the latest vehicle and unit positions.
GRANT SELECT ON alert_revisions, alerts, alert_actions, events TO hub_console;

-- hub_purge (hub.store.retention): the rows it deletes and the columns its WHERE reads. Of the vault only the
-- expiry columns; the audit goes through hub_purge_reidentification_audit (0005).
GRANT SELECT, DELETE ON events, transfer_register, alert_revisions, alerts, alert_actions TO hub_purge;
GRANT SELECT (retention_class, expires_at) ON police_pseudonym_vault TO hub_purge;
GRANT DELETE ON police_pseudonym_vault TO hub_purge;

-- hub_auditor: who received what (the register), and who re-identified what (the audit; never an original).
GRANT SELECT ON transfer_register, reidentification_audit TO hub_auditor;
