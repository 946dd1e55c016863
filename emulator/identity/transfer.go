package identity

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"regexp"
	"strings"

	"golang.org/x/crypto/bcrypt"
)

// Users move in and out of a store as JSON Lines: one user per line in GoTrue's admin
// user shape, with what it takes to restore one: encrypted_password (a bcrypt hash, so
// old passwords still log in) beside the fields GoTrue's JSON shows.

// MaxImportLine is the longest line an import reads (a user with large metadata).
const MaxImportLine = 1 << 20

// TransferUser is one line of an export or an import.
type TransferUser struct {
	*User
	EncryptedPassword string `json:"encrypted_password,omitempty"`
}

// ExportLine is a user's line, newline included.
func ExportLine(u *User) ([]byte, error) {
	b, err := json.Marshal(TransferUser{User: u, EncryptedPassword: u.EncryptedPassword})
	if err != nil {
		return nil, fmt.Errorf("encode user %s: %w", u.ID, err)
	}
	return append(b, '\n'), nil
}

// ImportLine is a user read from line Line of an import.
type ImportLine struct {
	Line int
	User *User
}

// ImportSkip is a line an import left out, and why.
type ImportSkip struct {
	Line   int    `json:"line"`
	ID     string `json:"id"`
	Email  string `json:"email"`
	Reason string `json:"reason"`
}

// ImportResult is what an import did.
type ImportResult struct {
	Imported int          `json:"imported"`
	Skipped  []ImportSkip `json:"skipped"`
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// ReadImport reads and checks a whole import before anything is written: a line that
// is not a user is an error naming it, and nothing of the file is imported. Blank lines
// are allowed.
func ReadImport(r io.Reader) ([]ImportLine, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxImportLine)
	var out []ImportLine
	ids, emails := map[string]int{}, map[string]int{}
	n := 0
	for sc.Scan() {
		n++
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		u, err := readImportLine(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if first, ok := ids[u.ID]; ok {
			return nil, fmt.Errorf("line %d: id %s is on line %d too", n, u.ID, first)
		}
		key := strings.ToLower(u.Email) + "\x00" + u.Aud
		if first, ok := emails[key]; ok {
			return nil, fmt.Errorf("line %d: email %s is on line %d too", n, u.Email, first)
		}
		ids[u.ID], emails[key] = n, n
		out = append(out, ImportLine{Line: n, User: u})
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("line %d: longer than %d bytes", n+1, MaxImportLine)
		}
		return nil, fmt.Errorf("read line %d: %w", n+1, err)
	}
	return out, nil
}

func readImportLine(line []byte) (*User, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(line, &raw); err != nil || raw == nil {
		return nil, fmt.Errorf("not a JSON object (one user per line, as dev users export writes)")
	}
	var t struct {
		TransferUser
		Password *string `json:"password"`
	}
	t.User = &User{}
	if err := json.Unmarshal(line, &t); err != nil {
		return nil, fmt.Errorf("not a user: %w", err)
	}
	u := t.User
	if t.Password != nil {
		return nil, fmt.Errorf("has a plain \"password\": give encrypted_password, a bcrypt hash, as an export does")
	}
	if !uuidRE.MatchString(u.ID) {
		return nil, fmt.Errorf("id %q is not a UUID", u.ID)
	}
	if _, err := mail.ParseAddress(u.Email); err != nil || strings.ContainsAny(u.Email, " <>") {
		return nil, fmt.Errorf("email %q is not an email address", u.Email)
	}
	if t.EncryptedPassword != "" {
		if _, err := bcrypt.Cost([]byte(t.EncryptedPassword)); err != nil {
			return nil, fmt.Errorf("encrypted_password is not a bcrypt hash: %w", err)
		}
	}
	u.EncryptedPassword = t.EncryptedPassword
	if _, ok := raw["created_at"]; !ok || u.CreatedAt.IsZero() {
		return nil, fmt.Errorf("created_at is missing")
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	if u.AppMetaData == nil {
		u.AppMetaData = map[string]any{}
	}
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, nil
}

// ImportUsers writes the users of an import in one transaction. A user whose id or
// email (within its audience) is taken already is skipped, with the reason: importing
// a file twice adds no one the second time. Imports fire no identity events: the users
// are restored, not signed up.
func ImportUsers(tx Tx, lines []ImportLine) (*ImportResult, error) {
	res := &ImportResult{Skipped: []ImportSkip{}}
	for _, l := range lines {
		u := l.User
		skip := func(reason string) {
			res.Skipped = append(res.Skipped, ImportSkip{Line: l.Line, ID: u.ID, Email: u.Email, Reason: reason})
		}
		if _, err := tx.UserByID(u.ID); err == nil {
			skip("a user with this id exists")
			continue
		} else if !errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("line %d: %w", l.Line, err)
		}
		if _, err := tx.UserByEmail(u.Email, u.Aud); err == nil {
			skip("a user with this email exists")
			continue
		} else if !errors.Is(err, ErrNotFound) {
			return nil, fmt.Errorf("line %d: %w", l.Line, err)
		}
		if err := tx.CreateUser(u); err != nil {
			return nil, fmt.Errorf("line %d: %w", l.Line, err)
		}
		res.Imported++
	}
	return res, nil
}
