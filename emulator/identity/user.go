// Package identity is a GoTrue-compatible identity service: the HTTP API that Netlify
// Identity serves at /.netlify/identity, its rules (signup, confirmation, tokens,
// recovery, invites, admin), its user JSON and its error shapes. It keeps its data
// behind the Store interface and announces identity events through the Hooks
// interface; it knows nothing of SQLite or of functions.
package identity

import (
	"encoding/json"
	"time"
)

// User is a GoTrue user. Its JSON is the user object GoTrue serialises: same keys,
// same order, the same omissions; tokens and the password hash never leave.
type User struct {
	ID                 string         `json:"id"`
	Aud                string         `json:"aud"`
	Role               string         `json:"role"`
	Email              string         `json:"email"`
	EncryptedPassword  string         `json:"-"`
	ConfirmedAt        *time.Time     `json:"confirmed_at,omitempty"`
	InvitedAt          *time.Time     `json:"invited_at,omitempty"`
	ConfirmationToken  string         `json:"-"`
	ConfirmationSentAt *time.Time     `json:"confirmation_sent_at,omitempty"`
	RecoveryToken      string         `json:"-"`
	RecoverySentAt     *time.Time     `json:"recovery_sent_at,omitempty"`
	EmailChangeToken   string         `json:"-"`
	EmailChange        string         `json:"new_email,omitempty"`
	EmailChangeSentAt  *time.Time     `json:"email_change_sent_at,omitempty"`
	LastSignInAt       *time.Time     `json:"last_sign_in_at,omitempty"`
	AppMetaData        map[string]any `json:"app_metadata"`
	UserMetaData       map[string]any `json:"user_metadata"`
	CreatedAt          time.Time      `json:"created_at"`
	UpdatedAt          time.Time      `json:"updated_at"`
}

// IsConfirmed reports whether the user has confirmed their email.
func (u *User) IsConfirmed() bool { return u.ConfirmedAt != nil }

// Clone returns a deep copy, so that a hook or a failed operation cannot change a
// user another goroutine holds.
func (u *User) Clone() *User {
	c := *u
	c.AppMetaData = cloneMap(u.AppMetaData)
	c.UserMetaData = cloneMap(u.UserMetaData)
	return &c
}

// FullName is user_metadata.full_name when it is a string.
func (u *User) FullName() (string, bool) {
	name, ok := u.UserMetaData["full_name"].(string)
	return name, ok
}

// mergeMetaData applies a metadata update as GoTrue does: a non-null value sets
// the key, a null deletes it, and a nil map is replaced by the update.
func mergeMetaData(current, update map[string]any) map[string]any {
	if current == nil {
		return cloneMap(update)
	}
	for k, v := range update {
		if v == nil {
			delete(current, k)
			continue
		}
		current[k] = v
	}
	return current
}

func cloneMap(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	b, err := json.Marshal(m)
	if err != nil {
		return m
	}
	var out map[string]any
	if json.Unmarshal(b, &out) != nil {
		return m
	}
	return out
}

// Timestamps: values GoTrue sets during a request carry nanoseconds (created_at and
// updated_at go through the ORM and keep microseconds); values read back from the
// database are whole seconds. The store keeps whole seconds, so reads match.

func nowNano(clock func() time.Time) time.Time { return clock().UTC() }

func nowMicro(clock func() time.Time) time.Time { return clock().UTC().Truncate(time.Microsecond) }

func timePtr(t time.Time) *time.Time { return &t }
