-- Version 2: the journal of hook requests, webhook deliveries and function invocations.
CREATE TABLE journal (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  kind       TEXT NOT NULL,
  function   TEXT NOT NULL DEFAULT '',
  user_id    TEXT NOT NULL DEFAULT '',
  user_email TEXT NOT NULL DEFAULT '',
  entry      TEXT NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX journal_kind ON journal (kind);
CREATE INDEX journal_function ON journal (function);
CREATE INDEX journal_user ON journal (user_id);
