-- Planned events (issue 15): the latest state of each event an organiser announced, one row per source and event
-- (an occurrence of a recurring event is an event of its own). Every version also stays in `events`, as every
-- canonical event does; this table is what the agencies plan with: the sink replaces a row only by a higher
-- version (SEQUENCE, then the source's modification time), so a late or replayed older version changes nothing
-- and a cancellation ends the event as status 'cancelled'. No personal data: the organiser's contact person and the
-- free text are left out of `payload` (they stay in `events`, which is police-only).
CREATE TABLE planned_events (
    source              text        NOT NULL,     -- the CloudEvents source, e.g. /events/ics/peissnitzhaus
    event_id            text        NOT NULL,     -- the source's id (iCalendar UID, or UID/occurrence)
    sequence            integer     NOT NULL,
    modified_at         timestamptz,
    status              text        NOT NULL,     -- tentative, confirmed, cancelled
    title               text        NOT NULL,
    starts_at           timestamptz NOT NULL,
    ends_at             timestamptz,
    expected_attendance integer,
    nearest_stops       text[]      NOT NULL,
    payload             jsonb       NOT NULL,     -- the canonical payload without the fields marked sensitive
    cloudevent_id       text        NOT NULL,     -- the `events` row of this version
    stored_at           timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (source, event_id)
);
CREATE INDEX planned_events_starts_idx ON planned_events (starts_at);

REVOKE ALL ON planned_events FROM PUBLIC;
-- Roles (0004): the sink upserts (ON CONFLICT reads the row it compares with), the console reads, the purge deletes
-- events long over.
GRANT SELECT, INSERT, UPDATE ON planned_events TO hub_stage;
GRANT SELECT ON planned_events TO hub_console;
GRANT SELECT, DELETE ON planned_events TO hub_purge;
