-- Version 5: the admin list's filter at any size. A filter is a substring of the email or
-- the full name (GoTrue's LIKE '%…%'), which no B-tree index can seek; an FTS5 trigram index
-- of the two lower-case keys can, for any filter of three characters or more, with LIKE's
-- own semantics (% and _ stay wildcards). It holds no copy of the text (content='users')
-- and follows the users table through triggers. Rowids of users are stable: dev never runs
-- VACUUM (which may renumber them; rebuild the index after one with
-- INSERT INTO users_search(users_search) VALUES('rebuild')).
CREATE VIRTUAL TABLE users_search USING fts5(email_key, name_key, content='users', content_rowid='rowid', tokenize='trigram');
INSERT INTO users_search(users_search) VALUES ('rebuild');
CREATE TRIGGER users_search_insert AFTER INSERT ON users BEGIN
  INSERT INTO users_search (rowid, email_key, name_key) VALUES (new.rowid, new.email_key, new.name_key);
END;
CREATE TRIGGER users_search_delete AFTER DELETE ON users BEGIN
  INSERT INTO users_search (users_search, rowid, email_key, name_key) VALUES ('delete', old.rowid, old.email_key, old.name_key);
END;
CREATE TRIGGER users_search_update AFTER UPDATE OF email_key, name_key ON users BEGIN
  INSERT INTO users_search (users_search, rowid, email_key, name_key) VALUES ('delete', old.rowid, old.email_key, old.name_key);
  INSERT INTO users_search (rowid, email_key, name_key) VALUES (new.rowid, new.email_key, new.name_key);
END;
-- The number of users per audience, kept by triggers, so that a page of the list does not
-- count 100,000 rows.
CREATE TABLE user_counts (aud TEXT PRIMARY KEY, n INTEGER NOT NULL) WITHOUT ROWID;
INSERT INTO user_counts (aud, n) SELECT aud, count(*) FROM users GROUP BY aud;
CREATE TRIGGER user_counts_insert AFTER INSERT ON users BEGIN
  INSERT INTO user_counts (aud, n) VALUES (new.aud, 1) ON CONFLICT (aud) DO UPDATE SET n = n + 1;
END;
CREATE TRIGGER user_counts_delete AFTER DELETE ON users BEGIN
  UPDATE user_counts SET n = n - 1 WHERE aud = old.aud;
END;
CREATE TRIGGER user_counts_update AFTER UPDATE OF aud ON users WHEN old.aud <> new.aud BEGIN
  UPDATE user_counts SET n = n - 1 WHERE aud = old.aud;
  INSERT INTO user_counts (aud, n) VALUES (new.aud, 1) ON CONFLICT (aud) DO UPDATE SET n = n + 1;
END;
