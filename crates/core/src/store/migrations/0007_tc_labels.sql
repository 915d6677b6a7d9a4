-- The account's caller-ID labels as last fetched, so pickers and the labels screen work at once
-- and offline.
CREATE TABLE tc_labels (
    id            TEXT    NOT NULL,
    practice      INTEGER NOT NULL,
    name          TEXT    NOT NULL,
    body          TEXT    NOT NULL,
    fetched_at_ms INTEGER NOT NULL,
    PRIMARY KEY (id, practice)
);

-- When Truecaller tokens were minted: the 10-per-30-minutes budget must survive a restart.
CREATE TABLE tc_token_mints (
    at_ms    INTEGER NOT NULL,
    practice INTEGER NOT NULL
);
