// Package journal is the record of every hook request, webhook delivery and function
// invocation dev made: the exact request and answer, so that they can be shown,
// compared and sent again.
package journal

import (
	"context"
	"net/http"
	"time"
)

// Kind is what an entry records.
type Kind string

const (
	KindHook     Kind = "hook"     // an identity event delivered to an identity-* function
	KindWebhook  Kind = "webhook"  // an identity event delivered to the outgoing webhook
	KindFunction Kind = "function" // a function invoked over HTTP
)

// Entry is one recorded exchange.
type Entry struct {
	ID        string    `json:"id"`
	Kind      Kind      `json:"kind"`
	Event     string    `json:"event,omitempty"`    // validate, signup, login, ...
	Function  string    `json:"function,omitempty"` // the function's name
	Target    string    `json:"target,omitempty"`   // the webhook URL
	UserID    string    `json:"user_id,omitempty"`
	UserEmail string    `json:"user_email,omitempty"`
	Attempt   int       `json:"attempt,omitempty"`  // 1-based, for hooks and webhooks
	Attempts  int       `json:"attempts,omitempty"` // the attempts allowed
	Request   Request   `json:"request"`
	Response  *Response `json:"response,omitempty"`
	// Outcome is, for a hook or webhook attempt, "pass" (200, 202 or 204), "deny" (a
	// typed handler called event.deny()), "reject" (another status), "timeout" or
	// "error"; for a function call "ok" or "error".
	Outcome    string    `json:"outcome"`
	Error      string    `json:"error,omitempty"`
	DurationMS float64   `json:"duration_ms"`
	ReplayOf   string    `json:"replay_of,omitempty"` // the entry this one sent again
	CreatedAt  time.Time `json:"created_at"`
}

// Request is what was sent.
type Request struct {
	Method string      `json:"method"`
	URL    string      `json:"url"`
	Header http.Header `json:"headers"`
	Body   []byte      `json:"body"`
	Cut    bool        `json:"body_cut,omitempty"`  // only the first MaxBody bytes were kept
	Size   int         `json:"body_size,omitempty"` // the whole body's size, when cut
}

// Response is what came back.
type Response struct {
	Status int         `json:"status"`
	Header http.Header `json:"headers,omitempty"`
	Body   []byte      `json:"body"`
	Cut    bool        `json:"body_cut,omitempty"`
	Size   int         `json:"body_size,omitempty"`
}

// Query selects entries, newest first.
type Query struct {
	Kind     Kind
	Function string
	User     string // id or email
	Limit    int
	Before   string // only entries older than the one with this id
	MaxBytes int    // stop a page before its entries pass this many bytes (MaxPage when 0)
}

// Stats sum up what the journal holds and what it dropped to stay within its limits.
type Stats struct {
	Entries int   `json:"entries"`
	Bytes   int64 `json:"bytes"`
	Dropped int64 `json:"dropped"`
}

// Store keeps entries.
type Store interface {
	AddEntries(ctx context.Context, es []*Entry) error
	Entries(ctx context.Context, q Query) ([]*Entry, error)
	Entry(ctx context.Context, id string) (*Entry, error)
	JournalStats(ctx context.Context) (Stats, error)
}

// Recorder is what records entries; nil records nothing.
type Recorder func(e *Entry)
