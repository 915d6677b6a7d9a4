-- How many rows of each job are in each state, kept by SQLite as rows change, so progress,
-- the job list and the engine read at most seven numbers instead of counting the job's rows
-- (a recount after every batch slowed a 200,000-row job to 87 rows/s). Triggers, not code,
-- keep it: every statement that moves a row (send, retry, recovery after a crash, the
-- operator's decision, retention) is counted, including ones written later.
CREATE TABLE bulk_counts (
    job_id INTEGER NOT NULL,
    state  TEXT    NOT NULL,
    n      INTEGER NOT NULL,
    PRIMARY KEY (job_id, state)
) WITHOUT ROWID;
INSERT INTO bulk_counts (job_id, state, n) SELECT job_id, state, count(*) FROM bulk_rows GROUP BY job_id, state;

CREATE TRIGGER bulk_rows_counted_ai AFTER INSERT ON bulk_rows BEGIN
    INSERT INTO bulk_counts (job_id, state, n) VALUES (new.job_id, new.state, 1)
        ON CONFLICT (job_id, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER bulk_rows_counted_au AFTER UPDATE OF state ON bulk_rows WHEN old.state IS NOT new.state BEGIN
    UPDATE bulk_counts SET n = n - 1 WHERE job_id = old.job_id AND state = old.state;
    INSERT INTO bulk_counts (job_id, state, n) VALUES (new.job_id, new.state, 1)
        ON CONFLICT (job_id, state) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER bulk_rows_counted_ad AFTER DELETE ON bulk_rows BEGIN
    UPDATE bulk_counts SET n = n - 1 WHERE job_id = old.job_id AND state = old.state;
END;
CREATE TRIGGER bulk_jobs_counts_ad AFTER DELETE ON bulk_jobs BEGIN
    DELETE FROM bulk_counts WHERE job_id = old.id;
END;
