-- The start screen's "what needs attention": a check that finished, or a template that Meta
-- decided on, while nobody was looking at it. Set when OpsDesk sees the change (never for a
-- record brought in already final: years of old checks are not news), cleared when its page
-- is opened or the operator marks everything as seen.
ALTER TABLE checks ADD COLUMN finished_unseen_ms INTEGER;
-- Highest risk first (score 0) straight from the index: a list job of 100,000 checks makes
-- that many at once.
CREATE INDEX checks_unseen ON checks (practice, score) WHERE finished_unseen_ms IS NOT NULL;

ALTER TABLE wa_outbounds ADD COLUMN verdict_unseen_ms INTEGER;

-- Call-backs still to make, by the day the person asked for.
CREATE INDEX tc_events_open ON tc_events (practice, requested_date) WHERE done = 0;
