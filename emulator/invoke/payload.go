// Package invoke runs one function once, the way dev invoke does: for identity-*
// functions with the request production sends and production's reading of the answer,
// for others with a Lambda event built from flags. It works on a site alone or inside
// a running dev serve, which gives the same function input.
package invoke

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/identity-dev/dev/emulator/identity"
	"github.com/identity-dev/dev/fixtures"
	"github.com/identity-dev/dev/mockdata"
)

// Payload kinds dev invoke recognises.
const (
	KindHookBody     = "a full hook request body"
	KindUser         = "a bare user object"
	KindJournalEntry = "a journal entry (dev events show --json)"
	KindLambdaEvent  = "a Lambda event"
	KindCLIMock      = "netlify-cli's functions:invoke mock"
	KindMock         = "a mock user from mockdata"
	KindFixture      = "a recorded fixture (fixtures/hooks)"
)

// hookPayload is a payload read for an identity event: the body to send and the user in it.
type hookPayload struct {
	Kind     string
	Body     []byte
	User     *identity.User
	Warnings []string
}

// readHookPayload recognises what the developer gave and makes it the body production
// would send for event: {"event","instance_id","user"}. Fields production never sends
// are kept, with a warning that names them.
func readHookPayload(raw []byte, event identity.Event, instanceID string) (*hookPayload, error) {
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil || obj == nil {
		return nil, fmt.Errorf("the payload is not a JSON object: give a hook body, a user, a journal entry or a Lambda event")
	}
	p := &hookPayload{}
	switch {
	case has(obj, "source") && has(obj, "headers") && has(obj, "body"):
		inner, err := readHookPayload(obj["body"], event, instanceID)
		if err != nil {
			return nil, fmt.Errorf("the fixture's body: %w", err)
		}
		inner.Kind = KindFixture
		return inner, nil
	case has(obj, "kind") && has(obj, "request"):
		var e struct {
			Request struct {
				Body []byte `json:"body"`
				Cut  bool   `json:"body_cut"`
				Size int    `json:"body_size"`
			} `json:"request"`
		}
		if err := json.Unmarshal(raw, &e); err != nil {
			return nil, fmt.Errorf("the journal entry's request body: %w", err)
		}
		if e.Request.Cut {
			return nil, fmt.Errorf("the journal kept only the first %d of the request body's %d bytes, so it cannot be sent again; use dev payload to make a payload instead", len(e.Request.Body), e.Request.Size)
		}
		inner, err := readHookPayload(e.Request.Body, event, instanceID)
		if err != nil {
			return nil, fmt.Errorf("the journal entry's request body: %w", err)
		}
		inner.Kind = KindJournalEntry
		return inner, nil
	case has(obj, "httpMethod"):
		var ev struct {
			Body            string `json:"body"`
			IsBase64Encoded bool   `json:"isBase64Encoded"`
		}
		if err := json.Unmarshal(raw, &ev); err != nil {
			return nil, fmt.Errorf("the Lambda event: %w", err)
		}
		body := []byte(ev.Body)
		if ev.IsBase64Encoded {
			if body, err := base64.StdEncoding.DecodeString(ev.Body); err == nil {
				inner, err := readHookPayload(body, event, instanceID)
				if err == nil {
					inner.Kind = KindLambdaEvent
				}
				return inner, err
			}
		}
		inner, err := readHookPayload(body, event, instanceID)
		if err != nil {
			return nil, fmt.Errorf("the Lambda event's body: %w", err)
		}
		inner.Kind = KindLambdaEvent
		return inner, nil
	case has(obj, "event") && has(obj, "user"):
		p.Kind = KindHookBody
		if !has(obj, "instance_id") {
			p.Kind = KindCLIMock
			p.Warnings = append(p.Warnings, fmt.Sprintf("the payload has no instance_id: production always sends the instance's UUID; dev added %s", instanceID))
			id, _ := json.Marshal(instanceID)
			obj["instance_id"] = id
		}
		var given string
		if err := json.Unmarshal(obj["instance_id"], &given); err != nil && p.Kind == KindHookBody {
			given = string(obj["instance_id"]) // not a string: replaced like any other id
		}
		if given != instanceID && p.Kind == KindHookBody && !mockdata.IsMockInstance(given) {
			p.Warnings = append(p.Warnings, fmt.Sprintf("the payload's instance_id %s is not this instance's: dev sent %s, which the signature's sub names, as production would", given, instanceID))
			id, _ := json.Marshal(instanceID)
			obj["instance_id"] = id
		}
		var ev identity.Event
		_ = json.Unmarshal(obj["event"], &ev)
		if ev != event {
			p.Warnings = append(p.Warnings, fmt.Sprintf("the payload says event %q, but %s receives %q: production would send %q", ev, "identity-"+string(event), event, event))
		}
		p.Body = orderedBody(obj["event"], obj["instance_id"], obj["user"], obj)
	case has(obj, "email"):
		p.Kind = KindUser
		ev, _ := json.Marshal(event)
		id, _ := json.Marshal(instanceID)
		p.Body = orderedBody(ev, id, raw, nil)
	default:
		return nil, fmt.Errorf("the payload is none of: a hook body {\"event\",\"instance_id\",\"user\"}, a user (with \"email\"), a journal entry, a Lambda event")
	}
	var body struct {
		User *identity.User `json:"user"`
	}
	if err := json.Unmarshal(p.Body, &body); err != nil || body.User == nil {
		return nil, fmt.Errorf("the payload's user is not a user object: %v", err)
	}
	p.User = body.User
	p.Warnings = append(p.Warnings, schemaWarnings(event, p.Body)...)
	return p, nil
}

// orderedBody writes the three keys in production's order; any other top-level key is
// kept after them (and warned about by the schema).
func orderedBody(event, instance, user json.RawMessage, all map[string]json.RawMessage) []byte {
	var b bytes.Buffer
	b.WriteString(`{"event":`)
	b.Write(compact(event))
	b.WriteString(`,"instance_id":`)
	b.Write(compact(instance))
	b.WriteString(`,"user":`)
	b.Write(compact(user))
	for k, v := range all {
		if k == "event" || k == "instance_id" || k == "user" {
			continue
		}
		key, _ := json.Marshal(k)
		b.WriteByte(',')
		b.Write(key)
		b.WriteByte(':')
		b.Write(compact(v))
	}
	b.WriteByte('}')
	return b.Bytes()
}

func compact(raw json.RawMessage) []byte {
	var b bytes.Buffer
	if json.Compact(&b, raw) != nil {
		return raw
	}
	return b.Bytes()
}

func has(obj map[string]json.RawMessage, key string) bool {
	_, ok := obj[key]
	return ok
}

// schemaWarnings turns what the schema finds into sentences, with what production sends.
func schemaWarnings(event identity.Event, body []byte) []string {
	err := fixtures.Validate("identity-"+string(event), body)
	if err == nil {
		return nil
	}
	msg := err.Error()
	if i := strings.Index(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	var out []string
	for _, problem := range strings.Split(msg, "; ") {
		switch {
		case strings.Contains(problem, `"update_at"`):
			problem += ` (production sends "updated_at"; netlify-cli's mock has this typo)`
		case strings.Contains(problem, `.user.confirmed_at: not allowed`):
			problem = fmt.Sprintf(`$.user has "confirmed_at": production never sends it to identity-%s, which runs before the user is confirmed`, event)
		case strings.Contains(problem, `"confirmed_at" is missing`):
			problem = `$.user has no "confirmed_at": production sends it to identity-login, whose users are confirmed`
		}
		out = append(out, problem)
	}
	return out
}
