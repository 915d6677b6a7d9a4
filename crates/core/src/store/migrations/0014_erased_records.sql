-- Checks and identity processes erased at a person's request stay erased: the background
-- refresh and "bring in checks" would otherwise fetch them again from Truora, which keeps its
-- own copy. Only the vendor's IDs are kept (no name, number or document).
CREATE TABLE erased_records (
    record_id TEXT PRIMARY KEY
) WITHOUT ROWID;
CREATE TRIGGER checks_stay_erased BEFORE INSERT ON checks
WHEN EXISTS (SELECT 1 FROM erased_records WHERE record_id = new.check_id) BEGIN SELECT RAISE(IGNORE); END;
CREATE TRIGGER check_bodies_stay_erased BEFORE INSERT ON check_bodies
WHEN EXISTS (SELECT 1 FROM erased_records WHERE record_id = new.check_id) BEGIN SELECT RAISE(IGNORE); END;
CREATE TRIGGER identity_stays_erased BEFORE INSERT ON identity_inbox
WHEN EXISTS (SELECT 1 FROM erased_records WHERE record_id = new.process_id) BEGIN SELECT RAISE(IGNORE); END;
CREATE TRIGGER identity_bodies_stay_erased BEFORE INSERT ON identity_bodies
WHEN EXISTS (SELECT 1 FROM erased_records WHERE record_id = new.process_id) BEGIN SELECT RAISE(IGNORE); END;
