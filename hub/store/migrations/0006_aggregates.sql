-- Aggregates for prevention work (issue 12, docs/privacy.md): what `hub aggregates publish` sent of each ISO week,
-- so that a week is frozen by its first publication and later runs add corrections and retractions only.

-- Every message sent to share.praevention.aggregates, exactly as sent (resent unchanged on every run: same ids).
CREATE TABLE aggregate_messages (
    message_id   text        PRIMARY KEY,  -- the CloudEvents id (UUIDv5 of the content)
    week         text        NOT NULL,     -- ISO week, e.g. 2026-W47
    revision     integer     NOT NULL,     -- 0: the frozen first table; 1, 2, ...: corrections of late arrivals
    area         text        NOT NULL,     -- cell id or 'city'
    retraction   boolean     NOT NULL,
    kafka_key    bytea       NOT NULL,
    value        bytea       NOT NULL,     -- the Kafka value as sent (CloudEvents structured JSON)
    published_at timestamptz NOT NULL
);
CREATE INDEX aggregate_messages_week_idx ON aggregate_messages (week, revision);

-- Which incident (its analytics pseudonym: no person, no police file number) each table of a week counted, where
-- and under which category, so a late run counts only late arrivals and knows when a figure falls below 5.
CREATE TABLE aggregate_counted (
    week         text        NOT NULL,
    incident_id  text        NOT NULL,     -- the analytics domain's incident id
    revision     integer     NOT NULL,
    category     text        NOT NULL,
    cell         text,                     -- NULL: counted city-wide only
    counted_at   timestamptz NOT NULL,
    PRIMARY KEY (week, incident_id)
);
CREATE INDEX aggregate_counted_time_idx ON aggregate_counted (counted_at);

REVOKE ALL ON aggregate_messages, aggregate_counted FROM PUBLIC;

-- Roles (0004): `hub aggregates publish` runs as hub_stage, `hub retention purge` as hub_purge.
GRANT SELECT, INSERT ON aggregate_messages, aggregate_counted TO hub_stage;
GRANT SELECT, DELETE ON aggregate_messages, aggregate_counted TO hub_purge;
-- The purge counts a vault row's expiry at most from when it was last seen (an event dated in the future).
GRANT SELECT (last_seen) ON police_pseudonym_vault TO hub_purge;
