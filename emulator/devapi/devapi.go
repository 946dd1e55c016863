// Package devapi is the dev API's contract: where a dev serve listens by default, the
// types its /.netlify/dev/api routes answer, the state file by which commands find a
// running server, and a typed client. The server (devserver), the commands and the
// dashboard all use it, so that what one sends the other reads.
package devapi

import (
	"net"
	"strconv"
	"time"

	"github.com/identity-dev/dev/emulator/functions"
	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/emulator/invoke"
	"github.com/identity-dev/dev/emulator/journal"
)

// Where dev serve listens when nothing else is said: loopback only, netlify dev's port.
const (
	DefaultHost = "127.0.0.1"
	DefaultPort = 8888
)

// DefaultURL is the URL of a dev serve started with no --host or --port.
var DefaultURL = "http://" + net.JoinHostPort(DefaultHost, strconv.Itoa(DefaultPort))

// Prefix is where the dev API is served.
const Prefix = "/.netlify/dev/api"

// DashboardPath is where dev serve answers its dashboard.
const DashboardPath = "/.netlify/dev/"

// The types of the routes' answers.
type (
	Mail           = identity.Mail
	Entry          = journal.Entry
	Response       = journal.Response
	FunctionStatus = functions.Status
	InvokeRequest  = invoke.Request
	InvokeResult   = invoke.Result
)

// Error is every dev API error: {"code","msg"}, as the identity API answers.
type Error struct {
	Code int    `json:"code"`
	Msg  string `json:"msg"`
}

func (e *Error) Error() string { return e.Msg }

// HookHistory sums up one user's identity events for one target.
type HookHistory struct {
	Event    string         `json:"event"`
	Target   string         `json:"target"`
	Calls    int            `json:"calls"`
	Outcomes map[string]int `json:"outcomes"`
	Last     string         `json:"last_outcome"`
	LastAt   string         `json:"last_at"`
}

// Replay is what POST /events/{id}/replay answers: the recorded entry and the new one.
type Replay struct {
	Old *Entry `json:"old"`
	New *Entry `json:"new"`
}

// EventsQuery selects journal entries for GET /events.
type EventsQuery struct {
	Kind     string
	Function string
	User     string
	Limit    int
	Before   string
}

// EventsPage is one page of the journal: the entries, the cursor of the next page
// ("" on the last), and how many entries the journal dropped to stay in its limits.
type EventsPage struct {
	Entries []*Entry
	Next    string
	Dropped int64
}

// DebugTarget is a function dev serve runs under a debugger, and where to attach.
type DebugTarget struct {
	Function string         `json:"function"`
	Runtime  functions.Kind `json:"runtime"`
	Addr     string         `json:"addr"`
	Source   string         `json:"source"`
}

// State is what a running dev serve writes into its site, so that commands find it.
type State struct {
	URL       string        `json:"url"`
	PID       int           `json:"pid"`
	StartedAt time.Time     `json:"started_at"`
	Debug     []DebugTarget `json:"debug,omitempty"`
}

// The runtimes a function or debug target names.
const (
	RuntimeGo = functions.KindGo
	RuntimeJS = functions.KindJS
)
