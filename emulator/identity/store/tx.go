package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/identity-dev/dev/emulator/identity"
)

type tx struct {
	ctx   context.Context
	tx    *sql.Tx
	store *SQLite
	db    *sql.DB
}

// queryRow, query and exec run a statement prepared once per database handle.
func (t *tx) queryRow(query string, args ...any) *sql.Row {
	if st := t.store.stmt(t.db, query); st != nil {
		return t.tx.StmtContext(t.ctx, st).QueryRowContext(t.ctx, args...)
	}
	return t.tx.QueryRowContext(t.ctx, query, args...)
}

func (t *tx) query(query string, args ...any) (*sql.Rows, error) {
	if st := t.store.stmt(t.db, query); st != nil {
		return t.tx.StmtContext(t.ctx, st).QueryContext(t.ctx, args...)
	}
	return t.tx.QueryContext(t.ctx, query, args...)
}

func (t *tx) exec(query string, args ...any) (sql.Result, error) {
	if st := t.store.stmt(t.db, query); st != nil {
		return t.tx.StmtContext(t.ctx, st).ExecContext(t.ctx, args...)
	}
	return t.tx.ExecContext(t.ctx, query, args...)
}

const userColumns = `id, aud, role, email, encrypted_password, confirmed_at, invited_at,
	confirmation_token, confirmation_sent_at, recovery_token, recovery_sent_at,
	email_change_token, email_change, email_change_sent_at, last_sign_in_at,
	app_metadata, user_metadata, created_at, updated_at`

type scanner interface{ Scan(dest ...any) error }

func scanUser(row scanner) (*identity.User, error) {
	var u identity.User
	var confirmed, invited, confSent, recSent, changeSent, lastSignIn sql.NullInt64
	var app, meta sql.NullString
	var created, updated int64
	err := row.Scan(&u.ID, &u.Aud, &u.Role, &u.Email, &u.EncryptedPassword, &confirmed, &invited,
		&u.ConfirmationToken, &confSent, &u.RecoveryToken, &recSent,
		&u.EmailChangeToken, &u.EmailChange, &changeSent, &lastSignIn,
		&app, &meta, &created, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, identity.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read user: %w", err)
	}
	u.ConfirmedAt, u.InvitedAt = fromUnix(confirmed), fromUnix(invited)
	u.ConfirmationSentAt, u.RecoverySentAt = fromUnix(confSent), fromUnix(recSent)
	u.EmailChangeSentAt, u.LastSignInAt = fromUnix(changeSent), fromUnix(lastSignIn)
	u.CreatedAt, u.UpdatedAt = time.Unix(created, 0).UTC(), time.Unix(updated, 0).UTC()
	if u.AppMetaData, err = readMap(app); err != nil {
		return nil, err
	}
	if u.UserMetaData, err = readMap(meta); err != nil {
		return nil, err
	}
	// Read back from the database a missing map is {}, as GoTrue's JSON column gives.
	if u.UserMetaData == nil {
		u.UserMetaData = map[string]any{}
	}
	if u.AppMetaData == nil {
		u.AppMetaData = map[string]any{}
	}
	return &u, nil
}

// The queries of every request, prepared once at Open.
const (
	qUserByID           = "SELECT " + userColumns + " FROM users WHERE id = ?"
	qUserByEmail        = "SELECT " + userColumns + " FROM users WHERE aud = ? AND email_key = ?"
	qUserByConfirmation = "SELECT " + userColumns + " FROM users WHERE confirmation_token = ?"
	qUserByRecovery     = "SELECT " + userColumns + " FROM users WHERE recovery_token = ?"
	qInsertUser         = "INSERT INTO users (" + userColumns + `, email_key, name_key)
		VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`
	qUpdateUser = `UPDATE users SET aud=?, role=?, email=?, email_key=?,
		encrypted_password=?, confirmed_at=?, invited_at=?, confirmation_token=?, confirmation_sent_at=?,
		recovery_token=?, recovery_sent_at=?, email_change_token=?, email_change=?, email_change_sent_at=?,
		app_metadata=?, user_metadata=?, name_key=? WHERE id=?`
	qInsertRefreshToken = "INSERT INTO refresh_tokens (token, user_id, revoked, created_at) VALUES (?,?,?,?)"
	qRefreshToken       = "SELECT id, token, user_id, revoked, created_at FROM refresh_tokens WHERE token = ?"
	qRevokeRefreshToken = "UPDATE refresh_tokens SET revoked = 1 WHERE id = ?"
	qInsertMail         = `INSERT INTO mail (id, recipient, kind, subject, token, link, text_body, html_body, created_at)
		VALUES (?,?,?,?,?,?,?,?,?)`
	qInsertAudit = "INSERT INTO audit_log (id, payload, created_at) VALUES (?,?,?)"
)

var preparedQueries = append([]string{
	qUserByID, qUserByEmail, qUserByConfirmation, qUserByRecovery, qInsertUser, qUpdateUser,
	qInsertRefreshToken, qRefreshToken, qRevokeRefreshToken, qInsertMail, qInsertAudit, qJournalTotals, qOldestJournal, qOldestJournalRange, qSetJournalTotals, qDropJournalThrough, qCountJournalDropped,
}, slices.Collect(maps.Values(qInsertJournalRows))...)

func (t *tx) UserByID(id string) (*identity.User, error) {
	return scanUser(t.queryRow(qUserByID, id))
}

func (t *tx) UserByEmail(email, aud string) (*identity.User, error) {
	return scanUser(t.queryRow(qUserByEmail, aud, emailKey(email)))
}

func (t *tx) UserByConfirmationToken(token string) (*identity.User, error) {
	if token == "" {
		return nil, identity.ErrNotFound
	}
	return scanUser(t.queryRow(qUserByConfirmation, token))
}

func (t *tx) UserByRecoveryToken(token string) (*identity.User, error) {
	if token == "" {
		return nil, identity.ErrNotFound
	}
	return scanUser(t.queryRow(qUserByRecovery, token))
}

func (t *tx) ListUsers(q identity.UserQuery) ([]*identity.User, int, error) {
	from, where := "users", "aud = ?"
	var args []any
	if q.Filter != "" {
		// % and _ in the filter stay wildcards, as in GoTrue's query. The trigram index
		// (schema 5) finds the matches of either key without reading every row; CROSS
		// JOIN makes SQLite start from them rather than walk the list's index.
		like := "%" + strings.ToLower(q.Filter) + "%"
		from = `(SELECT rowid AS match FROM users_search WHERE email_key LIKE ?
			UNION SELECT rowid FROM users_search WHERE name_key LIKE ?) CROSS JOIN users ON users.rowid = match`
		args = append(args, like, like)
	}
	args = append(args, q.Aud)
	order := "created_at DESC, users.rowid DESC"
	if q.Ascending {
		order = "created_at ASC, users.rowid ASC"
	}
	// A filtered list counts its matches in the same pass (count(*) OVER ()); an
	// unfiltered one reads the count the triggers keep.
	count := ""
	if q.Filter != "" {
		count = ", count(*) OVER ()"
	}
	query := "SELECT " + userColumns + count + " FROM " + from + " WHERE " + where + " ORDER BY " + order
	if q.Page.PerPage > 0 {
		query += fmt.Sprintf(" LIMIT %d OFFSET %d", q.Page.PerPage, (q.Page.Number-1)*q.Page.PerPage)
	}
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list users: %w", err)
	}
	defer rows.Close()
	var users []*identity.User
	total := -1
	for rows.Next() {
		var u *identity.User
		if q.Filter != "" {
			u, err = scanUser(extraScanner{row: rows, extra: []any{&total}})
		} else {
			u, err = scanUser(rows)
		}
		if err != nil {
			return nil, 0, err
		}
		users = append(users, u)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, fmt.Errorf("list users: %w", err)
	}
	if total < 0 {
		// No filter, or a page past the last match: count apart.
		if q.Filter != "" {
			err = t.queryRow("SELECT count(*) FROM "+from+" WHERE "+where, args...).Scan(&total)
		} else if err = t.queryRow("SELECT n FROM user_counts WHERE aud = ?", q.Aud).Scan(&total); errors.Is(err, sql.ErrNoRows) {
			total, err = 0, nil
		}
		if err != nil {
			return nil, 0, fmt.Errorf("count users: %w", err)
		}
	}
	return users, total, nil
}

func (t *tx) CreateUser(u *identity.User) error {
	app, meta, err := userMaps(u)
	if err != nil {
		return err
	}
	_, err = t.exec(qInsertUser,
		u.ID, u.Aud, u.Role, u.Email, u.EncryptedPassword, toUnix(u.ConfirmedAt), toUnix(u.InvitedAt),
		u.ConfirmationToken, toUnix(u.ConfirmationSentAt), u.RecoveryToken, toUnix(u.RecoverySentAt),
		u.EmailChangeToken, u.EmailChange, toUnix(u.EmailChangeSentAt), toUnix(u.LastSignInAt),
		app, meta, u.CreatedAt.Unix(), u.UpdatedAt.Unix(), emailKey(u.Email), nameKey(u))
	return t.userWriteErr("create user", u, err)
}

func (t *tx) UpdateUser(u *identity.User) error {
	app, meta, err := userMaps(u)
	if err != nil {
		return err
	}
	res, err := t.exec(qUpdateUser,
		u.Aud, u.Role, u.Email, emailKey(u.Email), u.EncryptedPassword, toUnix(u.ConfirmedAt), toUnix(u.InvitedAt),
		u.ConfirmationToken, toUnix(u.ConfirmationSentAt), u.RecoveryToken, toUnix(u.RecoverySentAt),
		u.EmailChangeToken, u.EmailChange, toUnix(u.EmailChangeSentAt), app, meta, nameKey(u), u.ID)
	if err := t.userWriteErr("update user", u, err); err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return identity.ErrNotFound
	}
	return nil
}

func (t *tx) DeleteUser(id string) error {
	res, err := t.exec("DELETE FROM users WHERE id = ?", id)
	if err != nil {
		return fmt.Errorf("delete user: %w", err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 0 {
		return identity.ErrNotFound
	}
	return nil
}

func (t *tx) CreateRefreshToken(rt *identity.RefreshToken) error {
	res, err := t.exec(qInsertRefreshToken,
		rt.Token, rt.UserID, rt.Revoked, rt.CreatedAt.Unix())
	if err != nil {
		return fmt.Errorf("create refresh token: %w", err)
	}
	rt.ID, err = res.LastInsertId()
	return err
}

func (t *tx) RefreshToken(token string) (*identity.RefreshToken, error) {
	var rt identity.RefreshToken
	var created int64
	err := t.queryRow(qRefreshToken, token).
		Scan(&rt.ID, &rt.Token, &rt.UserID, &rt.Revoked, &created)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, identity.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("read refresh token: %w", err)
	}
	rt.CreatedAt = time.Unix(created, 0).UTC()
	return &rt, nil
}

func (t *tx) RevokeRefreshToken(id int64) error {
	_, err := t.exec(qRevokeRefreshToken, id)
	if err != nil {
		return fmt.Errorf("revoke refresh token: %w", err)
	}
	return nil
}

func (t *tx) DeleteRefreshTokens(userID string) error {
	_, err := t.exec("DELETE FROM refresh_tokens WHERE user_id = ?", userID)
	if err != nil {
		return fmt.Errorf("delete refresh tokens: %w", err)
	}
	return nil
}

func (t *tx) CreateMail(m *identity.Mail) error {
	res, err := t.exec(qInsertMail, m.ID, m.To, string(m.Kind), m.Subject, m.Token, m.Link, m.Text, m.HTML, m.CreatedAt.UnixMilli())
	if err == nil {
		err = t.keepNewest(res, "mail", MaxMail)
	}
	if err != nil {
		return fmt.Errorf("capture mail: %w", err)
	}
	return nil
}

func (t *tx) ListMail(to string) ([]*identity.Mail, error) {
	query := "SELECT id, recipient, kind, subject, token, link, text_body, html_body, created_at FROM mail"
	var args []any
	if to != "" {
		query += " WHERE lower(recipient) = ?"
		args = append(args, strings.ToLower(to))
	}
	rows, err := t.query(query+" ORDER BY seq DESC", args...)
	if err != nil {
		return nil, fmt.Errorf("list mail: %w", err)
	}
	defer rows.Close()
	var out []*identity.Mail
	for rows.Next() {
		var m identity.Mail
		var kind string
		var created int64
		if err := rows.Scan(&m.ID, &m.To, &kind, &m.Subject, &m.Token, &m.Link, &m.Text, &m.HTML, &created); err != nil {
			return nil, fmt.Errorf("read mail: %w", err)
		}
		m.Kind = identity.MailKind(kind)
		m.CreatedAt = time.UnixMilli(created).UTC()
		out = append(out, &m)
	}
	return out, rows.Err()
}

func (t *tx) DeleteMail() error {
	_, err := t.exec("DELETE FROM mail")
	if err != nil {
		return fmt.Errorf("delete mail: %w", err)
	}
	return nil
}

func (t *tx) CreateAuditEntry(e *identity.AuditEntry) error {
	payload, err := json.Marshal(e.Payload)
	if err != nil {
		return fmt.Errorf("encode audit entry: %w", err)
	}
	res, err := t.exec(qInsertAudit, e.ID, string(payload), e.CreatedAt.Unix())
	if err == nil {
		err = t.keepNewest(res, "audit_log", MaxAuditEntries)
	}
	if err != nil {
		return fmt.Errorf("write audit entry: %w", err)
	}
	return nil
}

// The captured mail and the audit log keep their newest rows only, as the journal
// does, so that a store in memory under hours of signups stays bounded.
const (
	MaxMail         = 1000
	MaxAuditEntries = 10000
)

// keepNewest deletes the rows of table (mail or audit_log, whose seq only grows) that
// are more than keep behind the one just inserted.
func (t *tx) keepNewest(inserted sql.Result, table string, keep int64) error {
	seq, err := inserted.LastInsertId()
	if err != nil || seq <= keep {
		return err
	}
	_, err = t.exec("DELETE FROM "+table+" WHERE seq <= ?", seq-keep)
	return err
}

func (t *tx) ListAudit(q identity.AuditQuery) ([]*identity.AuditEntry, int, error) {
	// Substring matches, case-insensitive, % and _ left as wildcards, as in GoTrue.
	where, args := "1=1", []any{}
	like := "%" + strings.ToLower(q.Value) + "%"
	switch {
	case q.Value == "":
	case q.Field == "author":
		where = "(lower(json_extract(payload, '$.actor_email')) LIKE ? OR lower(coalesce(json_extract(payload, '$.actor_name'), '')) LIKE ?)"
		args = append(args, like, like)
	case q.Field == "action":
		where = "lower(json_extract(payload, '$.action')) LIKE ?"
		args = append(args, like)
	case q.Field == "type":
		where = "lower(json_extract(payload, '$.log_type')) LIKE ?"
		args = append(args, like)
	}
	var total int
	if err := t.queryRow("SELECT count(*) FROM audit_log WHERE "+where, args...).Scan(&total); err != nil {
		return nil, 0, fmt.Errorf("count audit log: %w", err)
	}
	query := "SELECT id, payload, created_at FROM audit_log WHERE " + where + " ORDER BY seq DESC"
	if q.Page.PerPage > 0 {
		query += fmt.Sprintf(" LIMIT %d OFFSET %d", q.Page.PerPage, (q.Page.Number-1)*q.Page.PerPage)
	}
	rows, err := t.query(query, args...)
	if err != nil {
		return nil, 0, fmt.Errorf("list audit log: %w", err)
	}
	defer rows.Close()
	var out []*identity.AuditEntry
	for rows.Next() {
		var e identity.AuditEntry
		var payload string
		var created int64
		if err := rows.Scan(&e.ID, &payload, &created); err != nil {
			return nil, 0, fmt.Errorf("read audit entry: %w", err)
		}
		if err := json.Unmarshal([]byte(payload), &e.Payload); err != nil {
			return nil, 0, fmt.Errorf("decode audit entry: %w", err)
		}
		e.CreatedAt = time.Unix(created, 0).UTC()
		out = append(out, &e)
	}
	return out, total, rows.Err()
}

func (t *tx) Setting(key string) (string, error) {
	var v string
	err := t.queryRow("SELECT value FROM settings WHERE key = ?", key).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return "", identity.ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("read setting %s: %w", key, err)
	}
	return v, nil
}

func (t *tx) SetSetting(key, value string) error {
	_, err := t.exec("INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value", key, value)
	if err != nil {
		return fmt.Errorf("write setting %s: %w", key, err)
	}
	return nil
}

func emailKey(email string) string { return strings.ToLower(strings.TrimSpace(email)) }

// nameKey is what the admin filter matches of user_metadata.full_name: the value as
// json_extract gives it (a string as is, anything else as JSON), in lower case.
func nameKey(u *identity.User) string {
	v, ok := u.UserMetaData["full_name"]
	if !ok || v == nil {
		return ""
	}
	if s, ok := v.(string); ok {
		return strings.ToLower(s)
	}
	b, err := json.Marshal(v)
	if err != nil {
		return ""
	}
	return strings.ToLower(string(b))
}

func toUnix(t *time.Time) any {
	if t == nil {
		return nil
	}
	return t.Unix()
}

func fromUnix(v sql.NullInt64) *time.Time {
	if !v.Valid {
		return nil
	}
	t := time.Unix(v.Int64, 0).UTC()
	return &t
}

func userMaps(u *identity.User) (app, meta any, err error) {
	if u.AppMetaData != nil {
		b, err := json.Marshal(u.AppMetaData)
		if err != nil {
			return nil, nil, fmt.Errorf("encode app_metadata: %w", err)
		}
		app = string(b)
	}
	if u.UserMetaData != nil {
		b, err := json.Marshal(u.UserMetaData)
		if err != nil {
			return nil, nil, fmt.Errorf("encode user_metadata: %w", err)
		}
		meta = string(b)
	}
	return app, meta, nil
}

func readMap(v sql.NullString) (map[string]any, error) {
	if !v.Valid || v.String == "" {
		return nil, nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(v.String), &m); err != nil {
		return nil, fmt.Errorf("decode metadata: %w", err)
	}
	return m, nil
}

// userWriteErr names a failed write of u. A UNIQUE violation (SQLite's extended
// result code, not its message) on the users_email index (aud, email_key) is
// identity.ErrDuplicateEmail, with SQLite's error kept for the log.
func (t *tx) userWriteErr(op string, u *identity.User, err error) error {
	if err == nil {
		return nil
	}
	if uniqueViolation(err) && t.emailHeldByOther(u) {
		return fmt.Errorf("%s %s: %w (%w)", op, u.Email, identity.ErrDuplicateEmail, err)
	}
	return fmt.Errorf("%s: %w", op, err)
}

func uniqueViolation(err error) bool {
	var se *sqlite.Error
	return errors.As(err, &se) && se.Code() == sqlite3.SQLITE_CONSTRAINT_UNIQUE
}

// emailHeldByOther tells which unique index refused u: SQLite reports the code but
// names the index only in its message, so look for the row users_email collided with.
// The statement failed alone (ON CONFLICT ABORT): the transaction can still read.
func (t *tx) emailHeldByOther(u *identity.User) bool {
	var id string
	err := t.tx.QueryRowContext(t.ctx, "SELECT id FROM users WHERE aud = ? AND email_key = ?", u.Aud, emailKey(u.Email)).Scan(&id)
	return err == nil && id != u.ID
}
