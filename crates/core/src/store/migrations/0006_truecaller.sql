-- Call Me Back and User Feedback webhook events imported from files (JSON or JSON lines).
-- Truecaller may deliver an event more than once: `event_id` keeps one copy.
CREATE TABLE tc_events (
    event_id        TEXT PRIMARY KEY,
    event_type      TEXT    NOT NULL,
    created_at_s    INTEGER,
    business_number TEXT,
    client_number   TEXT,
    alternate       TEXT,
    requested_date  TEXT,
    requested_slot  TEXT,
    preferred_from  INTEGER,
    preferred_to    INTEGER,
    interested      INTEGER,
    feature_set     TEXT,
    body            TEXT    NOT NULL,
    done            INTEGER NOT NULL DEFAULT 0,
    practice        INTEGER NOT NULL,
    imported_at_ms  INTEGER NOT NULL
);
CREATE INDEX tc_events_todo ON tc_events (practice, done, created_at_s);
