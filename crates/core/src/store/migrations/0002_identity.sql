-- Digital Identity processes the operator looked up. `body` is the vendor's JSON as received;
-- like the rest of the file it is encrypted at rest, and it is purged after the retention period.
CREATE TABLE identity_processes (
    process_id       TEXT PRIMARY KEY,
    effective_status TEXT    NOT NULL,
    country          TEXT,
    created_at       TEXT,
    fetched_at_ms    INTEGER NOT NULL,
    practice         INTEGER NOT NULL,
    body             TEXT    NOT NULL
);
CREATE INDEX identity_processes_by_fetch ON identity_processes (practice, fetched_at_ms DESC);

-- Files saved to disk, so the operator can open them again by ID (the UI never handles paths).
CREATE TABLE downloads (
    id         INTEGER PRIMARY KEY,
    subject_id TEXT    NOT NULL,
    kind       TEXT    NOT NULL,
    path       TEXT    NOT NULL,
    bytes      INTEGER NOT NULL,
    at_ms      INTEGER NOT NULL
);
CREATE INDEX downloads_by_subject ON downloads (subject_id);
