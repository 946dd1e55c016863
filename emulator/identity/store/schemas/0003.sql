-- Version 3: each journal entry's size, so that the journal is bounded in bytes too.
ALTER TABLE journal ADD COLUMN size INTEGER NOT NULL DEFAULT 0;
UPDATE journal SET size = length(entry);
