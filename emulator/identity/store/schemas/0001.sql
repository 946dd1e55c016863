-- Version 1: users, refresh tokens, captured mail, the audit log and instance settings.
-- Times are unix seconds: GoTrue's database keeps whole seconds, and so do we.
CREATE TABLE users (
  id                   TEXT PRIMARY KEY,
  aud                  TEXT NOT NULL DEFAULT '',
  role                 TEXT NOT NULL DEFAULT '',
  email                TEXT NOT NULL,
  email_key            TEXT NOT NULL,
  encrypted_password   TEXT NOT NULL DEFAULT '',
  confirmed_at         INTEGER,
  invited_at           INTEGER,
  confirmation_token   TEXT NOT NULL DEFAULT '',
  confirmation_sent_at INTEGER,
  recovery_token       TEXT NOT NULL DEFAULT '',
  recovery_sent_at     INTEGER,
  email_change_token   TEXT NOT NULL DEFAULT '',
  email_change         TEXT NOT NULL DEFAULT '',
  email_change_sent_at INTEGER,
  last_sign_in_at      INTEGER,
  app_metadata         TEXT,
  user_metadata        TEXT,
  created_at           INTEGER NOT NULL,
  updated_at           INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (aud, email_key);
CREATE INDEX users_confirmation_token ON users (confirmation_token) WHERE confirmation_token <> '';
CREATE INDEX users_recovery_token ON users (recovery_token) WHERE recovery_token <> '';

CREATE TABLE refresh_tokens (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  token      TEXT NOT NULL UNIQUE,
  user_id    TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  revoked    INTEGER NOT NULL DEFAULT 0,
  created_at INTEGER NOT NULL
);
CREATE INDEX refresh_tokens_user ON refresh_tokens (user_id);

CREATE TABLE mail (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  recipient  TEXT NOT NULL,
  kind       TEXT NOT NULL,
  subject    TEXT NOT NULL,
  token      TEXT NOT NULL,
  link       TEXT NOT NULL,
  text_body  TEXT NOT NULL,
  html_body  TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE audit_log (
  seq        INTEGER PRIMARY KEY AUTOINCREMENT,
  id         TEXT NOT NULL UNIQUE,
  payload    TEXT NOT NULL,
  created_at INTEGER NOT NULL
);

CREATE TABLE settings (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
