-- The identity inbox (issue #15): every process of the account, newest first, filtered and
-- searched offline at the speed of the checks list (see 0010 for the same design).
--
-- `ord` is the process's place in the list: its creation time in ms × 2^20 plus a sequence for
-- processes created in the same millisecond. It is the rowid, and the full-text index is keyed
-- by it, so a page walks an index in list order and stops after its rows.
--
-- `outcome` is what the inbox filters on: success, failure (declined or failed), expired,
-- pending, or overridden (a reviewer changed the automatic result). `first_seen_ms` is when
-- this computer first saw the process, for "new since your last visit".
--
-- New table names, not an altered `identity_processes`: recovering a damaged file of an older
-- version then carries nothing into them (the columns differ) instead of failing, and the
-- background refresh fetches the processes again.
CREATE TABLE identity_inbox (
    ord           INTEGER PRIMARY KEY,
    process_id    TEXT    NOT NULL UNIQUE,
    outcome       TEXT    NOT NULL,
    flow_id       TEXT    NOT NULL DEFAULT '',
    country       TEXT    NOT NULL DEFAULT '',
    name          TEXT    NOT NULL DEFAULT '',
    document      TEXT    NOT NULL DEFAULT '',
    created_ms    INTEGER NOT NULL,
    fetched_at_ms INTEGER NOT NULL,
    first_seen_ms INTEGER NOT NULL,
    practice      INTEGER NOT NULL
);
CREATE TABLE identity_bodies (
    process_id TEXT PRIMARY KEY,
    body       TEXT NOT NULL
);
INSERT INTO identity_inbox (ord, process_id, outcome, country, created_ms, fetched_at_ms, first_seen_ms, practice)
SELECT max(0, min(created, 8000000000000)) * 1048576
         + row_number() OVER (PARTITION BY max(0, min(created, 8000000000000)) ORDER BY process_id) - 1,
       process_id,
       CASE
         WHEN json_extract(body, '$.override_status') IS NOT NULL THEN 'overridden'
         WHEN effective_status = 'success' THEN 'success'
         WHEN effective_status = 'pending' THEN 'pending'
         WHEN json_extract(body, '$.failure_status') = 'expired'
           OR json_extract(body, '$.expired_reason') IS NOT NULL THEN 'expired'
         ELSE 'failure'
       END,
       coalesce(country, ''), created, fetched_at_ms, fetched_at_ms, practice
FROM (SELECT *, coalesce(CAST(strftime('%s', created_at) AS INTEGER) * 1000, fetched_at_ms) AS created
      FROM identity_processes);
UPDATE identity_inbox SET flow_id = coalesce(
    (SELECT json_extract(p.body, '$.flow_id') FROM identity_processes p WHERE p.process_id = identity_inbox.process_id), '');
INSERT INTO identity_bodies (process_id, body) SELECT process_id, body FROM identity_processes;
DROP TABLE identity_processes;

-- Each filter has an index that yields its rows newest first (every index ends in `ord`).
CREATE INDEX identity_by_mode ON identity_inbox (practice);
CREATE INDEX identity_by_outcome ON identity_inbox (practice, outcome);
CREATE INDEX identity_by_flow ON identity_inbox (practice, flow_id);
-- "Failures of this flow": the reviewer's most common question, answered by one index.
CREATE INDEX identity_by_outcome_flow ON identity_inbox (practice, outcome, flow_id);
CREATE INDEX identity_by_country ON identity_inbox (practice, country);
CREATE INDEX identity_by_fetch ON identity_inbox (fetched_at_ms);

CREATE VIRTUAL TABLE identity_fts USING fts5(
    process_id, name, document,
    content = 'identity_inbox', content_rowid = 'ord',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6 7 8'
);
-- A deleted process (erased at Truora, or past retention) takes its name and document out of
-- the index at once, not at some later merge of its segments.
INSERT INTO identity_fts (identity_fts, rank) VALUES ('secure-delete', 1);
INSERT INTO identity_fts (identity_fts) VALUES ('rebuild');
CREATE TRIGGER identity_ai AFTER INSERT ON identity_inbox BEGIN
    INSERT INTO identity_fts (rowid, process_id, name, document) VALUES (new.ord, new.process_id, new.name, new.document);
END;
CREATE TRIGGER identity_ad AFTER DELETE ON identity_inbox BEGIN
    INSERT INTO identity_fts (identity_fts, rowid, process_id, name, document) VALUES ('delete', old.ord, old.process_id, old.name, old.document);
    DELETE FROM identity_bodies WHERE process_id = old.process_id;
END;
CREATE TRIGGER identity_au AFTER UPDATE OF ord, process_id, name, document ON identity_inbox BEGIN
    INSERT INTO identity_fts (identity_fts, rowid, process_id, name, document) VALUES ('delete', old.ord, old.process_id, old.name, old.document);
    INSERT INTO identity_fts (rowid, process_id, name, document) VALUES (new.ord, new.process_id, new.name, new.document);
END;

-- The account's identity flows, learned from processes and from what the operator types, with
-- the name the operator gives them (Truora's list does not carry one). The business's own
-- configuration, no personal data.
CREATE TABLE flows (
    practice      INTEGER NOT NULL,
    flow_id       TEXT    NOT NULL,
    name          TEXT    NOT NULL DEFAULT '',
    first_seen_ms INTEGER NOT NULL,
    PRIMARY KEY (practice, flow_id)
);
INSERT OR IGNORE INTO flows (practice, flow_id, first_seen_ms)
SELECT practice, flow_id, min(first_seen_ms) FROM identity_inbox WHERE flow_id <> '' GROUP BY practice, flow_id;
