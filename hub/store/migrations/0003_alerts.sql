-- The alert store (issue 10, docs/console.md): every revision of every alert the router sent, the latest of each,
-- and every action the recipients took on one. Written by the alert-store stage (idempotent), read by the console
-- and `hub alerts`; every read is filtered by recipient.

-- Every revision as read from alerts.<domain>. The first copy of a revision stays (redelivery changes nothing).
CREATE TABLE alert_revisions (
    alert_id         text        NOT NULL,
    revision         integer     NOT NULL CHECK (revision >= 1),
    recipient        text        NOT NULL,     -- the domain whose topic carried it (= the Alert's recipient)
    incident_id      text        NOT NULL,
    state            text        NOT NULL,
    priority         smallint    NOT NULL,
    category         text        NOT NULL,
    issued_at        timestamptz NOT NULL,
    alert            jsonb       NOT NULL,     -- the Alert (the CloudEvent's data), as the router sent it
    event_id         text        NOT NULL,     -- the CloudEvents id
    kafka_topic      text        NOT NULL,     -- with the deployment's prefix
    kafka_partition  integer     NOT NULL,
    kafka_offset     bigint      NOT NULL,
    stored_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (alert_id, revision)
);
-- `since` and `recent` (tail): one recipient's revisions in the order they were stored.
CREATE INDEX alert_revisions_recipient_stored_idx ON alert_revisions (recipient, stored_at, alert_id, revision);
COMMENT ON TABLE alert_revisions IS
    'Every revision of every alert read from alerts.<domain>; the first copy of a revision stays.';

-- The latest revision of each alert: updated only by a higher revision. Its Alert is the alert_revisions row
-- (alert_id, revision); the columns here are what the board sorts, filters and purges by.
CREATE TABLE alerts (
    alert_id         text        PRIMARY KEY,
    recipient        text        NOT NULL,
    revision         integer     NOT NULL,     -- the highest stored revision
    state            text        NOT NULL,     -- of that revision
    priority         smallint    NOT NULL,     -- of that revision
    issued_at        timestamptz NOT NULL,     -- of that revision: the alert's last change, the purge's clock
    first_issued_at  timestamptz NOT NULL,     -- the earliest issued_at of its stored revisions
    retention_class  text        NOT NULL CHECK (retention_class IN ('short', 'standard', 'long')),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    -- Checked at commit: the purge deletes an alert's revisions before the alert, in one transaction.
    FOREIGN KEY (alert_id, revision) REFERENCES alert_revisions (alert_id, revision) DEFERRABLE INITIALLY DEFERRED
);
-- `board`: one recipient's alerts, most urgent first (priority ascending, then oldest first).
CREATE INDEX alerts_board_idx ON alerts (recipient, priority, first_issued_at, alert_id);
-- The retention purge.
CREATE INDEX alerts_retention_idx ON alerts (retention_class, issued_at);
COMMENT ON TABLE alerts IS
    'The latest stored revision of each alert (updated only by a higher revision); board order and retention.';
COMMENT ON COLUMN alerts.retention_class IS
    'short for an exercise or test alert; else its incident''s class as stored in events; else standard.';

-- Every record read from acks.<domain>: what a person or system of the recipient did with an alert, audited.
CREATE TABLE alert_actions (
    kafka_topic      text        NOT NULL,     -- with the deployment's prefix
    kafka_partition  integer     NOT NULL,
    kafka_offset     bigint      NOT NULL,
    alert_id         text        NOT NULL,     -- not a foreign key: an action on an alert not (yet) stored is kept
    recipient        text        NOT NULL,     -- the domain whose topic carried it
    action           text        NOT NULL CHECK (action IN ('acknowledge', 'note', 'resolve')),
    revision         integer     CHECK (revision >= 1),  -- the revision the person saw; NULL: the latest
    by_name          text        NOT NULL,     -- `by` of the acknowledgement: a person or role (personal data)
    at               timestamptz NOT NULL,     -- when they acted, as they said
    note             text,
    stored_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kafka_topic, kafka_partition, kafka_offset)
);
-- The same action produced twice (a producer's retry, a client sending again after no answer) is one action: same
-- alert, action, revision, person, time and note. md5 of the note keeps the index entry small.
CREATE UNIQUE INDEX alert_actions_content_idx
    ON alert_actions (alert_id, action, COALESCE(revision, 0), by_name, at, md5(COALESCE(note, '')));
-- `actions`: one alert's actions in time order; the purge of actions without an alert.
CREATE INDEX alert_actions_alert_idx ON alert_actions (alert_id, at);
CREATE INDEX alert_actions_at_idx ON alert_actions (at);
COMMENT ON TABLE alert_actions IS
    'Every action read from acks.<domain> (acknowledge, note, resolve): who, when, which revision; audit trail.';
COMMENT ON COLUMN alert_actions.by_name IS 'Who acted, as the acknowledgement said: personal data.';
