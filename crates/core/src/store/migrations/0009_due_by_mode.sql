-- The follow-ups ask "what is due, in this mode, soonest first". The earlier due indexes had no
-- mode column, so SQLite walked checks by creation date and sorted them: every cached check read
-- and decrypted every 2 s (4 s per tick at a million). With the mode first and the due time
-- second, the query reads only the rows it returns.
DROP INDEX IF EXISTS checks_due;
CREATE INDEX checks_due ON checks (practice, next_poll_ms) WHERE next_poll_ms IS NOT NULL;
DROP INDEX IF EXISTS wa_outbounds_due;
CREATE INDEX wa_outbounds_due ON wa_outbounds (practice, next_check_ms) WHERE next_check_ms IS NOT NULL;
