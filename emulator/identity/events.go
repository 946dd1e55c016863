package identity

import (
	"strings"
	"time"
)

// Event is an identity event GoTrue announces to hooks.
type Event string

const (
	EventValidate     Event = "validate"
	EventSignup       Event = "signup"
	EventLogin        Event = "login"
	EventUserModified Event = "usermodified"
	EventUserDeleted  Event = "userdeleted"
)

// Production's limits on delivering one event to one hook (webhook.retries and
// webhook.timeout_sec): a rejection or a timeout is tried again at once.
const (
	HookAttempts = 3
	HookTimeout  = 5 * time.Second
)

// BackgroundSuffix ends the name of a background function: it also receives its
// event, is answered 202 at once, and its answer changes nothing.
const BackgroundSuffix = "-background"

// EventRule is what production does with one identity event.
type EventRule struct {
	Event Event
	// Function receives the event, and so does Function+BackgroundSuffix.
	Function string
	// NetlifyEvent is the X-Netlify-Event header of the event's hook requests.
	NetlifyEvent string
	// Method is the method of a function's default-export object that handles the
	// event (typed handlers, @netlify/functions 5.2 and later).
	Method string
	// Blocking events are sent before the change is saved: a failed hook refuses the
	// operation. The others are sent after it, and their failures are only logged.
	Blocking bool
	// Operation is what a failed Blocking hook refuses, in the log's words.
	Operation string
	// Answered: the hook's answer replaces the user's maps (not once the user is gone).
	Answered bool
}

// Events are the identity events and their rules: the one place that says them.
var Events = []EventRule{
	{Event: EventValidate, Function: "identity-validate", NetlifyEvent: "identity_validate", Method: "userValidate", Blocking: true, Operation: "signup", Answered: true},
	{Event: EventSignup, Function: "identity-signup", NetlifyEvent: "identity_signup", Method: "userSignup", Blocking: true, Operation: "confirmation", Answered: true},
	{Event: EventLogin, Function: "identity-login", NetlifyEvent: "identity_login", Method: "userLogin", Blocking: true, Operation: "login", Answered: true},
	{Event: EventUserModified, Function: "identity-usermodified", NetlifyEvent: "identity_usermodified", Method: "userModified", Operation: "user update", Answered: true},
	{Event: EventUserDeleted, Function: "identity-userdeleted", NetlifyEvent: "identity_userdeleted", Method: "userDeleted", Operation: "user deletion"},
}

// RuleOf is the rule of an event; false for an event GoTrue does not send.
func RuleOf(event Event) (EventRule, bool) {
	for _, r := range Events {
		if r.Event == event {
			return r, true
		}
	}
	return EventRule{}, false
}

// Functions are the names of the functions that receive the event, in the order
// they are called: identity-{event}, then identity-{event}-background.
func (r EventRule) Functions() []string {
	return []string{r.Function, r.Function + BackgroundSuffix}
}

// EventOfFunction is the event a function receives by its name (identity-signup and
// identity-signup-background receive signup); false for any other function.
func EventOfFunction(name string) (Event, bool) {
	name = strings.TrimSuffix(name, BackgroundSuffix)
	for _, r := range Events {
		if r.Function == name {
			return r.Event, true
		}
	}
	return "", false
}
