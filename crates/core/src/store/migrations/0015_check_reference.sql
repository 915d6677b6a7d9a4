-- The team's own reference on a check ("Your reference", Truora's `custom_input`) is found by
-- the list's search, as the form promises. It is kept beside the name and the document and the
-- full-text index gains it; existing checks take it from their cached body.
ALTER TABLE checks ADD COLUMN reference TEXT NOT NULL DEFAULT '';

DROP TRIGGER checks_ai;
DROP TRIGGER checks_ad;
DROP TRIGGER checks_au;
DROP TABLE checks_fts;

UPDATE checks SET reference = COALESCE(
    (SELECT json_extract(b.body, '$.custom_input') FROM check_bodies b
      WHERE b.check_id = checks.check_id AND json_valid(b.body)), '');

CREATE VIRTUAL TABLE checks_fts USING fts5(
    check_id, subject, document, reference,
    content = 'checks', content_rowid = 'ord',
    tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3 4 5 6 7 8'
);
INSERT INTO checks_fts (checks_fts) VALUES ('rebuild');
-- As before (0013): an erased person leaves the index's pages at once.
INSERT INTO checks_fts (checks_fts, rank) VALUES ('secure-delete', 1);
CREATE TRIGGER checks_ai AFTER INSERT ON checks BEGIN
    INSERT INTO checks_fts (rowid, check_id, subject, document, reference)
    VALUES (new.ord, new.check_id, new.subject, new.document, new.reference);
END;
CREATE TRIGGER checks_ad AFTER DELETE ON checks BEGIN
    INSERT INTO checks_fts (checks_fts, rowid, check_id, subject, document, reference)
    VALUES ('delete', old.ord, old.check_id, old.subject, old.document, old.reference);
    DELETE FROM check_bodies WHERE check_id = old.check_id;
END;
CREATE TRIGGER checks_au AFTER UPDATE OF ord, check_id, subject, document, reference ON checks BEGIN
    INSERT INTO checks_fts (checks_fts, rowid, check_id, subject, document, reference)
    VALUES ('delete', old.ord, old.check_id, old.subject, old.document, old.reference);
    INSERT INTO checks_fts (rowid, check_id, subject, document, reference)
    VALUES (new.ord, new.check_id, new.subject, new.document, new.reference);
END;
