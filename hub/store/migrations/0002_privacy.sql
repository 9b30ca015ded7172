-- Privacy (issue 4, docs/privacy.md): the transfer register, the police-only pseudonym vault and the audit of
-- every re-identification attempt.

-- Every message delivered to another agency's domain (SOG LSA § 26: recipient, date, essential content; § 28:
-- the special register of transfers to non-public bodies). A digest of the content, never the content itself.
CREATE TABLE transfer_register (
    share_id        text        PRIMARY KEY,  -- the delivered share's CloudEvents id: one row per delivery
    canonical_id    text,                     -- the canonical event it was made from (none for aggregates)
    recipient       text        NOT NULL,     -- recipient domain
    source_agency   text        NOT NULL,     -- agency the event came from, from its CloudEvents source
    kind            text        NOT NULL,
    topic           text        NOT NULL,     -- declared share topic, without deployment prefix
    purpose         text        NOT NULL,
    legal_basis     text        NOT NULL,
    content_sha256  text        NOT NULL,     -- SHA-256 of the delivered Kafka value, hex
    delivered_at    timestamptz NOT NULL,     -- when the broker acknowledged the share
    recorded_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX transfer_register_time_idx ON transfer_register (delivered_at);
CREATE INDEX transfer_register_recipient_idx ON transfer_register (recipient, delivered_at);
COMMENT ON TABLE transfer_register IS
    'Transfer register (SOG LSA §§ 26, 28): every share delivered to another agency''s domain; digest, no content.';

-- POLICE ONLY. Pseudonym -> original value, for pseudonyms made for non-police domains, so that the police (and
-- only the police) can re-identify one, with a reason, through `hub reidentify`. In production this table lives in
-- its own schema owned by a police-only database role (e.g. `hub_police_vault`); the stage's role may only INSERT
-- and UPDATE it, and the roles of other agencies' consumers and of analytics get no privilege on it at all.
CREATE TABLE police_pseudonym_vault (
    pseudonym        text        NOT NULL,
    field            text        NOT NULL,     -- <kind>.<field path>, or <kind>.hubsourceid
    domain           text        NOT NULL,     -- the domain whose key made the pseudonym
    original         text        NOT NULL,
    retention_class  text        NOT NULL,     -- of the longest-lived event it re-identifies
    expires_at       timestamptz NOT NULL,     -- that event's expiry: the vault never outlives the data
    first_seen       timestamptz NOT NULL DEFAULT now(),
    last_seen        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (pseudonym, field)
);
CREATE INDEX police_pseudonym_vault_expiry_idx ON police_pseudonym_vault (expires_at);
REVOKE ALL ON police_pseudonym_vault FROM PUBLIC;
COMMENT ON TABLE police_pseudonym_vault IS
    'POLICE ONLY: pseudonym -> original value. Read only through `hub reidentify` (authorised role, reason, audit).';

-- Every re-identification attempt, allowed or refused: who, in which role, why, which pseudonym, when, outcome.
CREATE TABLE reidentification_audit (
    id            bigserial   PRIMARY KEY,
    attempted_at  timestamptz NOT NULL DEFAULT now(),
    user_name     text        NOT NULL,
    role          text        NOT NULL,
    reason        text        NOT NULL,
    pseudonym     text        NOT NULL,     -- as asked; '(not a pseudonym)' when the input had another form
    outcome       text        NOT NULL CHECK (outcome IN
                      ('revealed', 'not_found', 'refused_role', 'refused_reason', 'refused_pseudonym'))
);
CREATE INDEX reidentification_audit_time_idx ON reidentification_audit (attempted_at);
COMMENT ON TABLE reidentification_audit IS
    'Audit of every re-identification attempt (allowed or refused); never holds the original value.';
