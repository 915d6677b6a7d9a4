-- Preferences shown on the Settings screen. Values are JSON. Never secrets: those live in the
-- OS keyring.
CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

-- What each operator action did. Summaries name records by their vendor IDs and counts, never
-- by a person's name, document or phone number.
CREATE TABLE activity (
    id       INTEGER PRIMARY KEY,
    at_ms    INTEGER NOT NULL,
    area     TEXT    NOT NULL,
    action   TEXT    NOT NULL,
    outcome  TEXT    NOT NULL CHECK (outcome IN ('ok', 'failed')),
    summary  TEXT    NOT NULL DEFAULT '',
    practice INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX activity_by_time ON activity (at_ms DESC);
