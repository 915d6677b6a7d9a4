-- The checks list at a million: pages of the list are read newest first by a key, never counted
-- or sorted, and never read Truora's body.
--
-- `ord` is the check's place in the list: its creation time in milliseconds × 2^20, plus a
-- sequence for checks created in the same millisecond (see `store::checks::ORD_SHIFT`). It is
-- the table's rowid, and the full-text index is keyed by it, so "newest 100 matching 'maria'
-- before this one" walks the full-text index backwards and stops after 100: no match set to
-- collect and sort, whatever the size of the cache. Creation times are clamped to
-- 0 … 8·10^12 ms (year 2223) so the key fits in 63 bits.
--
-- Truora's body moves to its own table: list rows are about 150 bytes instead of 2 KB, so a
-- page of the encrypted file holds ~25 of them instead of 2 and a filtered list reads (and
-- decrypts) a tenth of the pages.
CREATE TABLE checks_v10 (
    ord           INTEGER PRIMARY KEY,
    check_id      TEXT    NOT NULL UNIQUE,
    kind          TEXT    NOT NULL,
    country       TEXT    NOT NULL DEFAULT '',
    status        TEXT    NOT NULL,
    score         REAL    NOT NULL,
    subject       TEXT    NOT NULL DEFAULT '',
    document      TEXT    NOT NULL DEFAULT '',
    created_ms    INTEGER NOT NULL,
    fetched_at_ms INTEGER NOT NULL,
    next_poll_ms  INTEGER,
    poll_attempt  INTEGER NOT NULL DEFAULT 0,
    practice      INTEGER NOT NULL
);
CREATE TABLE check_bodies (
    check_id TEXT PRIMARY KEY,
    body     TEXT NOT NULL
);
INSERT INTO checks_v10 (ord, check_id, kind, country, status, score, subject, document, created_ms,
                        fetched_at_ms, next_poll_ms, poll_attempt, practice)
SELECT max(0, min(created_ms, 8000000000000)) * 1048576
         + row_number() OVER (PARTITION BY max(0, min(created_ms, 8000000000000)) ORDER BY rowid) - 1,
       check_id, kind, country, status, score, subject, document, created_ms, fetched_at_ms,
       next_poll_ms, poll_attempt, practice
FROM checks;
INSERT INTO check_bodies (check_id, body) SELECT check_id, body FROM checks;
DROP TABLE checks_fts;
DROP TABLE checks;
ALTER TABLE checks_v10 RENAME TO checks;

-- Each filter of the list has an index that yields its rows newest first (the rowid, `ord`,
-- ends every index), so a filtered page stops after its rows.
CREATE INDEX checks_by_mode ON checks (practice);
CREATE INDEX checks_by_status ON checks (practice, status);
CREATE INDEX checks_by_country ON checks (practice, country);
CREATE INDEX checks_by_kind ON checks (practice, kind);
CREATE INDEX checks_due ON checks (practice, next_poll_ms) WHERE next_poll_ms IS NOT NULL;

CREATE VIRTUAL TABLE checks_fts USING fts5(
    check_id, subject, document,
    content = 'checks', content_rowid = 'ord',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6 7 8'
);
INSERT INTO checks_fts (checks_fts) VALUES ('rebuild');
CREATE TRIGGER checks_ai AFTER INSERT ON checks BEGIN
    INSERT INTO checks_fts (rowid, check_id, subject, document) VALUES (new.ord, new.check_id, new.subject, new.document);
END;
CREATE TRIGGER checks_ad AFTER DELETE ON checks BEGIN
    INSERT INTO checks_fts (checks_fts, rowid, check_id, subject, document) VALUES ('delete', old.ord, old.check_id, old.subject, old.document);
    DELETE FROM check_bodies WHERE check_id = old.check_id;
END;
CREATE TRIGGER checks_au AFTER UPDATE OF ord, check_id, subject, document ON checks BEGIN
    INSERT INTO checks_fts (checks_fts, rowid, check_id, subject, document) VALUES ('delete', old.ord, old.check_id, old.subject, old.document);
    INSERT INTO checks_fts (rowid, check_id, subject, document) VALUES (new.ord, new.check_id, new.subject, new.document);
END;
