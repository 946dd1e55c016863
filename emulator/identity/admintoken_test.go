package identity_test

import (
	"strings"
	"testing"

	"github.com/identity-dev/dev/emulator/identity"
)

// The functions' admin token names no user: GoTrue's user routes answer 400 "Could not
// read User ID claim" (which @netlify/identity's getUser() falls back on), while the
// admin routes take it.
func TestAdminTokenIsNoUser(t *testing.T) {
	e := newEnv(t, identity.Config{})
	for _, c := range []struct{ method, path, body string }{
		{"GET", "/user", ""},
		{"PUT", "/user", `{"data":{"a":1}}`},
		{"POST", "/logout", ""},
	} {
		r := e.req(c.method, c.path, c.body, "Authorization: Bearer "+e.admin, "Content-Type: application/json")
		if r.status != 400 || strings.TrimSpace(r.body) != `{"code":400,"msg":"Could not read User ID claim"}` {
			t.Errorf("%s %s with the admin token: %d %s", c.method, c.path, r.status, r.body)
		}
	}
	if r := e.req("GET", "/admin/users", "", "Authorization: Bearer "+e.admin); r.status != 200 {
		t.Errorf("GET /admin/users with the admin token: %d %s", r.status, r.body)
	}
}
