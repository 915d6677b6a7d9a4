-- WhatsApp lines the operator works with (the API has no call that lists them).
CREATE TABLE wa_lines (
    line        TEXT    NOT NULL,
    practice    INTEGER NOT NULL,
    added_at_ms INTEGER NOT NULL,
    PRIMARY KEY (line, practice)
);

-- Outbound templates as last fetched. `body` is the vendor's JSON. Pending ones are followed
-- in the background: `next_check_ms` and `check_attempt` give each its own backoff, and
-- `notified_status` remembers which verdict the operator was already told about.
CREATE TABLE wa_outbounds (
    outbound_id     TEXT PRIMARY KEY,
    line            TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    status          TEXT    NOT NULL,
    practice        INTEGER NOT NULL,
    checked_at_ms   INTEGER NOT NULL,
    next_check_ms   INTEGER,
    check_attempt   INTEGER NOT NULL DEFAULT 0,
    notified_status TEXT,
    body            TEXT    NOT NULL
);
CREATE INDEX wa_outbounds_by_line ON wa_outbounds (practice, line, name);
CREATE INDEX wa_outbounds_due ON wa_outbounds (next_check_ms) WHERE next_check_ms IS NOT NULL;

-- Every message sent to a person, written *before* the request leaves ('sending') and settled
-- after ('sent', 'failed', or 'uncertain' when the answer was lost). This is what stops the same
-- person getting the same template twice.
CREATE TABLE wa_sends (
    id          INTEGER PRIMARY KEY,
    outbound_id TEXT    NOT NULL,
    recipient   TEXT    NOT NULL,
    state       TEXT    NOT NULL,
    session_id  TEXT,
    error       TEXT,
    practice    INTEGER NOT NULL,
    at_ms       INTEGER NOT NULL
);
CREATE INDEX wa_sends_by_recipient ON wa_sends (recipient, outbound_id, at_ms);

-- Inbound links created, to show and share again.
CREATE TABLE wa_inbounds (
    id         INTEGER PRIMARY KEY,
    inbound_id TEXT,
    line       TEXT    NOT NULL,
    flow_id    TEXT    NOT NULL,
    message    TEXT    NOT NULL,
    link       TEXT    NOT NULL,
    practice   INTEGER NOT NULL,
    at_ms      INTEGER NOT NULL
);
