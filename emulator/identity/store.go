package identity

import (
	"context"
	"errors"
	"time"
)

// ErrNotFound is returned by a Store when the thing asked for does not exist.
var ErrNotFound = errors.New("not found")

// ErrDuplicateEmail is returned by Tx.CreateUser and Tx.UpdateUser when another user of
// the same audience already has the email.
var ErrDuplicateEmail = errors.New("email already registered")

// Store keeps users, refresh tokens, captured mail and the audit log. Every change
// happens inside Update, all or nothing.
type Store interface {
	// View runs fn in a read-only transaction.
	View(ctx context.Context, fn func(Tx) error) error
	// Update runs fn in a read-write transaction, committed when fn returns nil.
	Update(ctx context.Context, fn func(Tx) error) error
	// Reset deletes every user, token, mail and audit entry, keeping the instance settings.
	Reset(ctx context.Context) error
	Close() error
}

// Tx is what one transaction can read and write.
type Tx interface {
	UserByID(id string) (*User, error)
	UserByEmail(email, aud string) (*User, error)
	UserByConfirmationToken(token string) (*User, error)
	UserByRecoveryToken(token string) (*User, error)
	ListUsers(q UserQuery) (users []*User, total int, err error)
	CreateUser(u *User) error
	// UpdateUser writes every field but created_at and updated_at: GoTrue updates
	// chosen columns, so the stored updated_at keeps the creation time.
	UpdateUser(u *User) error
	DeleteUser(id string) error

	CreateRefreshToken(t *RefreshToken) error
	RefreshToken(token string) (*RefreshToken, error)
	RevokeRefreshToken(id int64) error
	DeleteRefreshTokens(userID string) error

	CreateMail(m *Mail) error
	ListMail(to string) ([]*Mail, error)
	DeleteMail() error

	CreateAuditEntry(e *AuditEntry) error
	ListAudit(q AuditQuery) (entries []*AuditEntry, total int, err error)

	// Setting reads an instance setting (the JWT secret, the instance id); ErrNotFound if unset.
	Setting(key string) (string, error)
	SetSetting(key, value string) error
}

// UserQuery selects users for the admin list.
type UserQuery struct {
	Aud       string
	Filter    string // case-insensitive substring of email or user_metadata.full_name
	Ascending bool   // by created_at; descending by default
	Page      Page
}

// Page is a 1-based page of PerPage rows; PerPage 0 means all.
type Page struct {
	Number  int
	PerPage int
}

// RefreshToken is an opaque token that buys a new access token once.
type RefreshToken struct {
	ID        int64
	Token     string
	UserID    string
	Revoked   bool
	CreatedAt time.Time
}

// MailKind names the mails GoTrue sends.
type MailKind string

const (
	MailConfirmation MailKind = "confirmation"
	MailRecovery     MailKind = "recovery"
	MailInvite       MailKind = "invite"
	MailEmailChange  MailKind = "email_change"
)

// Mail is a captured email: what GoTrue would have sent.
type Mail struct {
	ID        string    `json:"id"`
	To        string    `json:"to"`
	Kind      MailKind  `json:"kind"`
	Subject   string    `json:"subject"`
	Token     string    `json:"token"`
	Link      string    `json:"link"`
	Text      string    `json:"text"`
	HTML      string    `json:"html"`
	CreatedAt time.Time `json:"created_at"`
}

// AuditEntry is one line of GoTrue's audit log.
type AuditEntry struct {
	ID        string         `json:"id"`
	Payload   map[string]any `json:"payload"`
	CreatedAt time.Time      `json:"created_at"`
}

// AuditQuery selects audit entries; Field is "author", "action", "type" or empty.
type AuditQuery struct {
	Field string
	Value string
	Page  Page
}
