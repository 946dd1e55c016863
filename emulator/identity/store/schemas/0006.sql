-- Version 6: the journal's totals, kept by triggers, so that keeping the journal within its
-- limits costs a write the entries it drops rather than a pass over all it keeps (a window
-- sum over 5,000 entries was most of dev's CPU under a load of function calls).
CREATE TABLE journal_totals (id INTEGER PRIMARY KEY CHECK (id = 1), entries INTEGER NOT NULL, bytes INTEGER NOT NULL);
INSERT INTO journal_totals (id, entries, bytes) SELECT 1, count(*), coalesce(sum(size), 0) FROM journal;
CREATE TRIGGER journal_totals_insert AFTER INSERT ON journal BEGIN
  UPDATE journal_totals SET entries = entries + 1, bytes = bytes + new.size WHERE id = 1;
END;
CREATE TRIGGER journal_totals_delete AFTER DELETE ON journal BEGIN
  UPDATE journal_totals SET entries = entries - 1, bytes = bytes - old.size WHERE id = 1;
END;
