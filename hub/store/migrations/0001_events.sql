-- Every canonical event the hub has accepted, one row per CloudEvents id (sinks upsert by it).
CREATE TABLE events (
    id               text        PRIMARY KEY,
    kind             text        NOT NULL,
    type             text        NOT NULL,
    source           text        NOT NULL,
    source_record_id text        NOT NULL,
    subject          text,
    time             timestamptz NOT NULL,
    envelope         jsonb       NOT NULL,
    kafka_topic      text        NOT NULL,
    kafka_partition  integer     NOT NULL,
    kafka_offset     bigint      NOT NULL,
    stored_at        timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX events_kind_time_idx ON events (kind, time);
CREATE INDEX events_subject_idx ON events (kind, subject);
