-- Background checks fetched or created on this computer. `body` is the vendor's JSON; the row's
-- other columns are what the list shows, searches and polls by.
CREATE TABLE checks (
    check_id      TEXT PRIMARY KEY,
    kind          TEXT    NOT NULL,
    country       TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL,
    score         REAL    NOT NULL,
    subject       TEXT    NOT NULL DEFAULT '',
    document      TEXT    NOT NULL DEFAULT '',
    created_ms    INTEGER NOT NULL,
    fetched_at_ms INTEGER NOT NULL,
    -- When to ask Truora again (NULL once final); survives restarts so delayed checks that
    -- take days keep being followed with their backoff.
    next_poll_ms  INTEGER,
    poll_attempt  INTEGER NOT NULL DEFAULT 0,
    practice      INTEGER NOT NULL,
    body          TEXT    NOT NULL
);
CREATE INDEX checks_by_created ON checks (practice, created_ms DESC);
CREATE INDEX checks_by_status ON checks (practice, status, created_ms DESC);
CREATE INDEX checks_due ON checks (next_poll_ms) WHERE next_poll_ms IS NOT NULL;

-- Full-text index over what people search by: name, document, ID. Prefix indexes up to 8
-- characters keep "type the start of a document number" fast on 100,000 checks.
CREATE VIRTUAL TABLE checks_fts USING fts5(
    check_id, subject, document,
    content = 'checks', content_rowid = 'rowid',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6 7 8'
);
CREATE TRIGGER checks_ai AFTER INSERT ON checks BEGIN
    INSERT INTO checks_fts (rowid, check_id, subject, document) VALUES (new.rowid, new.check_id, new.subject, new.document);
END;
CREATE TRIGGER checks_ad AFTER DELETE ON checks BEGIN
    INSERT INTO checks_fts (checks_fts, rowid, check_id, subject, document) VALUES ('delete', old.rowid, old.check_id, old.subject, old.document);
END;
CREATE TRIGGER checks_au AFTER UPDATE OF check_id, subject, document ON checks BEGIN
    INSERT INTO checks_fts (checks_fts, rowid, check_id, subject, document) VALUES ('delete', old.rowid, old.check_id, old.subject, old.document);
    INSERT INTO checks_fts (rowid, check_id, subject, document) VALUES (new.rowid, new.check_id, new.subject, new.document);
END;
