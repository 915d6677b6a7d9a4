-- Whether a saved file may be opened with the system's viewer: false for content that is not a
-- document, image, video or spreadsheet (saved inert, offered only as "Show in folder").
ALTER TABLE downloads ADD COLUMN openable INTEGER NOT NULL DEFAULT 1;
CREATE INDEX downloads_by_time ON downloads (at_ms);
