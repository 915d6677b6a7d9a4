-- Bulk jobs and their rows. Each row's state changes in the same transaction that records its
-- outcome, so after a crash every row is exactly where it was: a row left 'in_flight' is the
-- only uncertain kind, and it is never re-sent without the operator's say-so.
CREATE TABLE bulk_jobs (
    id             INTEGER PRIMARY KEY,
    kind           TEXT    NOT NULL,
    title          TEXT    NOT NULL,
    state          TEXT    NOT NULL,
    params         TEXT    NOT NULL,
    practice       INTEGER NOT NULL,
    created_at_ms  INTEGER NOT NULL,
    started_at_ms  INTEGER,
    finished_at_ms INTEGER
);

CREATE TABLE bulk_rows (
    job_id        INTEGER NOT NULL REFERENCES bulk_jobs (id) ON DELETE CASCADE,
    row_no        INTEGER NOT NULL,
    state         TEXT    NOT NULL,
    payload       TEXT    NOT NULL,
    -- The row as it was in the file, to export failures in the shape they came in.
    source        TEXT    NOT NULL,
    -- What the operator sees for the row (a masked phone, a name): never the full number.
    summary       TEXT    NOT NULL,
    outcome       TEXT,
    reason        TEXT,
    attempts      INTEGER NOT NULL DEFAULT 0,
    updated_at_ms INTEGER,
    PRIMARY KEY (job_id, row_no)
) WITHOUT ROWID;
CREATE INDEX bulk_rows_by_state ON bulk_rows (job_id, state, row_no);
