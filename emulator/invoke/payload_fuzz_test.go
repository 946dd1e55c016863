package invoke

import (
	"encoding/json"
	"testing"

	"github.com/identity-dev/dev/emulator/identity"
)

// FuzzReadHookPayload: whatever a payload file holds, the reader answers an error or
// a hook body that is JSON, names this instance and holds a user; it never panics.
func FuzzReadHookPayload(f *testing.F) {
	for _, seed := range []string{
		`{"event":"signup","instance_id":"i","user":{"id":"u","email":"a@b.c"}}`,
		`{"email":"a@b.c","app_metadata":{"roles":["admin"]}}`,
		`{"id":"e","kind":"hook","request":{"body":"eyJldmVudCI6InNpZ251cCIsInVzZXIiOnsiZW1haWwiOiJhQGIuYyJ9fQ=="}}`,
		`{"id":"e","kind":"hook","request":{"body":"eyJ1c2VyIjp7fX0=","body_cut":true,"body_size":9000000}}`,
		`{"httpMethod":"POST","body":"{\"event\":\"login\",\"user\":{\"email\":\"a@b.c\"}}","isBase64Encoded":false}`,
		`{"httpMethod":"POST","body":"e30=","isBase64Encoded":true}`,
		`{"user":{"email":"x"}}`, `{"user":null}`, `{"user":[]}`, `[]`, `null`, `"x"`, `{`, ``,
		`{"event":1,"instance_id":{},"user":{"email":"a@b.c"}}`,
	} {
		f.Add([]byte(seed), "signup")
	}
	const instance = "6a3b8f5e-0000-4000-8000-000000000000"
	f.Fuzz(func(t *testing.T, raw []byte, event string) {
		p, err := readHookPayload(raw, identity.Event(event), instance)
		if err != nil {
			if p != nil {
				t.Fatalf("an error and a payload: %v", err)
			}
			return
		}
		if p.User == nil || !json.Valid(p.Body) {
			t.Fatalf("accepted %q as %q: user %v, body %s", raw, p.Kind, p.User, p.Body)
		}
		var body struct {
			InstanceID string          `json:"instance_id"`
			User       json.RawMessage `json:"user"`
		}
		if err := json.Unmarshal(p.Body, &body); err != nil || body.User == nil {
			t.Fatalf("body %s: %v", p.Body, err)
		}
		if body.InstanceID != instance {
			t.Fatalf("accepted %q with instance_id %q, not this instance's", raw, body.InstanceID)
		}
	})
}
