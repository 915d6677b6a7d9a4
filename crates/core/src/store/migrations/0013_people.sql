-- People and consent (issue 16).
--
-- Every opt-in a WhatsApp send relied on, with its evidence: the operator who ticked "agreed"
-- on a single send, or the file and row of a list send (and the column that said yes, or the
-- operator's word that everyone in the file agreed).
CREATE TABLE consents (
    id       INTEGER PRIMARY KEY,
    phone    TEXT    NOT NULL,
    line     TEXT    NOT NULL DEFAULT '',
    how      TEXT    NOT NULL CHECK (how IN ('operator', 'file_column', 'file_all')),
    file     TEXT    NOT NULL DEFAULT '',
    row_no   INTEGER,
    column_name TEXT NOT NULL DEFAULT '',
    at_ms    INTEGER NOT NULL,
    practice INTEGER NOT NULL
);
CREATE INDEX consents_by_phone ON consents (phone);
CREATE INDEX consents_by_time ON consents (practice, at_ms DESC);

-- The consent each send used.
ALTER TABLE wa_sends ADD COLUMN consent_id INTEGER;

-- People who asked not to be contacted. Matched by a salted hash of the number, so an erased
-- person's number can leave (phone becomes NULL) while the block stays.
CREATE TABLE opt_outs (
    practice   INTEGER NOT NULL,
    phone_hash TEXT    NOT NULL,
    phone      TEXT,
    how        TEXT    NOT NULL CHECK (how IN ('typed', 'file', 'erase')),
    file       TEXT    NOT NULL DEFAULT '',
    at_ms      INTEGER NOT NULL,
    PRIMARY KEY (practice, phone_hash)
) WITHOUT ROWID;
CREATE INDEX opt_outs_by_time ON opt_outs (practice, at_ms DESC);

-- A person erased from checks must leave the full-text index's pages at once too.
INSERT INTO checks_fts (checks_fts, rank) VALUES ('secure-delete', 1);
